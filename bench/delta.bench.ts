/**
 * Static-delta benchmark: `ostree static-delta generate` vs ours on the same repository (an archive
 * repo committed by ostree from the ≈100 MB tree of bench/trees.ts, then a second commit after
 * changing a few hundred files): a from-empty delta of the first commit and the from→to delta; and
 * a third commit with the same files changed by insertions instead (`mutate`), as a second from→to.
 *
 * Ours runs as a child process of this bundle (`node bench/out/delta.mjs --child …`) so wall time
 * and peak RSS are measured exactly like the `ostree` binary's (`timeCommand`). Our part
 * compression uses worker threads on all cores (the workers start from this bundle; its top level
 * only acts on the main thread). ostree writes with `--filename` into a scratch dir, ours into the repo's `deltas/` (so that
 * `ostree static-delta show` can check it).
 *
 * Usage: `node bench/run.mjs delta [-- --mb=100 --changes=300 --workers=N --helpers=1]` (`--helpers=1`:
 * `matchHelpers`, the xz match finder of each large part on its own thread).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { availableParallelism, loadavg } from 'node:os';
import { benchEnvNote, report, scratchDir, timeCommand, type Row } from './lib.js';
import { ensureBenchTree } from './trees.js';
import { Repo } from '../src/store/repo.js';
import { generateStaticDelta } from '../src/ops/delta-generate.js';
import { deltaDirPath } from '../src/format/delta.js';

function arg(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}

function dirSize(d: string): number {
  return readdirSync(d).reduce((s, f) => s + statSync(join(d, f)).size, 0);
}

function sh(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout.toString().trim();
}

/**
 * Change `n` regular files deterministically, three edits each at ¼, ½ and ¾ of the file: `flip`
 * substitutes one byte (the "changing a few hundred files"), `insert` inserts 8 bytes (so
 * everything after an edit shifts, which in-place comparison cannot follow, and rollsum/bsdiff
 * decide as in ostree).
 */
function mutate(tree: string, n: number, kind: 'flip' | 'insert' = 'flip'): number {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files.push(p);
    }
  };
  walk(tree);
  const step = Math.max(1, Math.floor(files.length / n));
  let changed = 0;
  for (let i = 0; i < files.length && changed < n; i += step) {
    const b = readFileSync(files[i]!);
    if (b.length === 0) continue;
    if (kind === 'flip') {
      for (let k = 1; k <= 3; k++) b[Math.floor((b.length * k) / 4)] ^= 0x5a;
      writeFileSync(files[i]!, b);
    } else {
      const at = [1, 2, 3].map((k) => Math.floor((b.length * k) / 4));
      const piece = (k: number) => Buffer.from(`<edit${k}>`.slice(0, 8));
      writeFileSync(files[i]!, Buffer.concat([b.subarray(0, at[0]), piece(1), b.subarray(at[0], at[1]), piece(2), b.subarray(at[1], at[2]), piece(3), b.subarray(at[2])]));
    }
    changed++;
  }
  return changed;
}

async function child(): Promise<void> {
  const [repoPath, from, to, out, workers, helpers] = process.argv.slice(3);
  const repo = await Repo.open(repoPath!);
  await generateStaticDelta(repo, {
    from: from === 'empty' ? null : from!,
    to: to!,
    filename: out === '-' ? undefined : join(out!, 'superblock'),
    workers: Number(workers),
    matchHelpers: helpers === '1',
    workerUrl: import.meta.url,
  });
}

async function main(): Promise<void> {
  const mb = arg('mb', 100);
  const changes = arg('changes', 300);
  const workers = arg('workers', availableParallelism());
  const helpers = arg('helpers', 0);
  const self = fileURLToPath(import.meta.url);
  const { dir, cleanup } = scratchDir('ostree-ts-delta-bench-');
  try {
    const v1 = join(dir, 'v1');
    const stats = ensureBenchTree(v1, { totalBytes: mb * 1024 * 1024 });
    const repo = join(dir, 'repo');
    sh(['ostree', `--repo=${repo}`, 'init', '--mode=archive']);
    const ts = ['--timestamp=2020-01-01 00:00:00 +0000', '--owner-uid=0', '--owner-gid=0'];
    const c1 = sh(['ostree', `--repo=${repo}`, 'commit', '-b', 'main', ...ts, v1]);
    const v2 = join(dir, 'v2');
    cpSync(v1, v2, { recursive: true, verbatimSymlinks: true });
    const changed = mutate(v2, changes);
    const c2 = sh(['ostree', `--repo=${repo}`, 'commit', '-b', 'main', ...ts, v2]);
    const v3 = join(dir, 'v3');
    cpSync(v1, v3, { recursive: true, verbatimSymlinks: true });
    mutate(v3, changes, 'insert');
    const c3 = sh(['ostree', `--repo=${repo}`, 'commit', '-b', 'other', ...ts, v3]);
    console.log(`tree: ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB; changed ${changed} files; workers=${workers}; helpers=${helpers}; cores=${availableParallelism()} load=${loadavg()[0]!.toFixed(1)}`);
    console.log(benchEnvNote());
    const rows: Row[] = [];
    for (const [name, from, to] of [['from-empty', 'empty', c1], ['from→to', c1, c2], ['from→to (insertions)', c1, c3]] as const) {
      const theirsDir = join(dir, `theirs-${rows.length}`);
      const oursDir = join(repo, deltaDirPath(from === 'empty' ? null : from, to));
      mkdirSync(theirsDir);
      const theirs = timeCommand(['ostree', `--repo=${repo}`, 'static-delta', 'generate', ...(from === 'empty' ? ['--empty'] : [`--from=${from}`]), `--to=${to}`, `--filename=${join(theirsDir, 'superblock')}`]);
      const ours = timeCommand([process.execPath, self, '--child', repo, from, to, '-', String(workers), String(helpers)]);
      const so = dirSize(oursDir);
      const st = dirSize(theirsDir);
      rows.push({ name, ours, theirs, extra: { oursBytes: so, theirsBytes: st, bytesRatio: (so / st).toFixed(3), parts: readdirSync(oursDir).length - 1 } });
      // ostree must be able to read ours (every part decompressed and its ops counted)
      const show = sh(['ostree', `--repo=${repo}`, 'static-delta', 'show', from === 'empty' ? to : `${from}-${to}`]);
      if (!show.includes('Total Size')) throw new Error('ostree static-delta show failed on our delta');
    }
    report('static-delta generate: ours vs ostree (wall, peak RSS, delta bytes)', rows);
  } finally {
    cleanup();
  }
}

if (isMainThread) {
  if (process.argv[2] === '--child') await child();
  else await main();
}
