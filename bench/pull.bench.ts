/**
 * Pull benchmark: our `pull` vs `ostree pull` of the same ≈100 MB repository (committed by ostree
 * from bench/trees.ts, with a from-empty static delta and a summary) served over loopback by our
 * `serve` (in its own process). Cases: objects into an archive repo; objects into bare-user-only
 * (`--disable-static-deltas`); the static delta into bare-user-only. Each client starts empty.
 *
 * Both sides run as child processes (ours: `node bench/out/pull.mjs --child …`), so wall time and
 * peak RSS are measured the same way (`timeCommand`).
 *
 * Usage: `node bench/run.mjs pull [-- --mb=100 --runs=3 --scratch=/dev/shm]` (best of `runs` per side).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import { mkdirSync, rmSync } from 'node:fs';
import { benchEnvNote, timeCommand, report, scratchDir, type Measured, type Row } from './lib.js';
import { ensureBenchTree } from './trees.js';
import { Repo } from '../src/store/repo.js';
import { pull } from '../src/ops/pull.js';
import { serveRepo } from '../src/ops/serve.js';

function arg(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}

function sh(argv: string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout.toString().trim();
}


async function child(): Promise<void> {
  const [repoPath, url, ref, deltas] = process.argv.slice(3);
  const repo = await Repo.open(repoPath!);
  const r = await pull(repo, {
    url: url!, remote: 'origin', refs: [ref!], gpgVerify: false, disableStaticDeltas: deltas === 'no',
    // bench/run.mjs bundles the part decoder's worker next to this file
    partDecoderUrl: new URL('./delta-part-worker.mjs', import.meta.url),
  });
  if (deltas === 'yes' && r.deltasUsed.length === 0) throw new Error('expected a delta pull');
}

async function serveChild(): Promise<void> {
  const s = await serveRepo(process.argv[3]!);
  process.stdout.write(`${s.url}\n`);
}

async function main(): Promise<void> {
  const mb = arg('mb', 100);
  const runs = arg('runs', 3);
  const self = fileURLToPath(import.meta.url);
  // `--scratch=/dev/shm` keeps the filesystem's state (and the disk flush) out of both sides
  const scratchBase = process.argv.find((x) => x.startsWith('--scratch='))?.slice('--scratch='.length);
  const { dir, cleanup } = scratchDir('ostree-ts-pull-bench-', scratchBase);
  let server: ReturnType<typeof spawn> | undefined;
  try {
    const tree = join(dir, 'tree');
    const stats = ensureBenchTree(tree, { totalBytes: mb * 1024 * 1024 });
    const repo = join(dir, 'server');
    sh(['ostree', `--repo=${repo}`, 'init', '--mode=archive']);
    const c = sh(['ostree', `--repo=${repo}`, 'commit', '-b', 'main', '--timestamp=2020-01-01 00:00:00 +0000', '--owner-uid=0', '--owner-gid=0', tree]);
    sh(['ostree', `--repo=${repo}`, 'static-delta', 'generate', '--empty', `--to=${c}`]);
    sh(['ostree', `--repo=${repo}`, 'summary', '-u']);
    server = spawn(process.execPath, [self, '--serve', repo], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      server!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      server!.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    console.log(`tree: ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB; server ${url}; cores=${availableParallelism()} load=${loadavg()[0]!.toFixed(1)}`);
    console.log(benchEnvNote());
    const rows: Row[] = [];
    const cases = [
      ['objects → archive', 'archive', 'no'],
      ['objects → bare-user-only', 'bare-user-only', 'no'],
      ['delta → bare-user-only', 'bare-user-only', 'yes'],
    ] as const;
    for (const [name, mode, deltas] of cases) {
      const theirsRepo = join(dir, `theirs-${rows.length}`);
      const oursRepo = join(dir, `ours-${rows.length}`);
      for (const r of [theirsRepo, oursRepo]) {
        sh(['ostree', `--repo=${r}`, 'init', `--mode=${mode}`]);
        sh(['ostree', `--repo=${r}`, 'remote', 'add', '--no-gpg-verify', 'origin', url]);
      }
      const flags = deltas === 'no' ? ['--disable-static-deltas'] : ['--require-static-deltas'];
      // best of `runs` fresh pulls each (the machine is shared; the minimum is the least disturbed)
      let ours: (Measured & { cpuMs: number }) | undefined;
      let theirs: (Measured & { cpuMs: number }) | undefined;
      for (let i = 0; i < runs; i++) {
        for (const r of [theirsRepo, oursRepo]) {
          rmSync(join(r, 'objects'), { recursive: true, force: true });
          rmSync(join(r, 'refs', 'remotes'), { recursive: true, force: true });
          rmSync(join(r, 'tmp', 'cache'), { recursive: true, force: true });
          mkdirSync(join(r, 'objects'));
          mkdirSync(join(r, 'refs', 'remotes'));
        }
        // Let the filesystem forget the deletion (creating files right after thousands were deleted
        // costs either side seconds of system time on this ext4, see docs/performance.md), then
        // alternate which side goes first.
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const runTheirs = () => timeCommand(['ostree', `--repo=${theirsRepo}`, 'pull', ...flags, 'origin', 'main']);
        const runOurs = () => timeCommand([process.execPath, self, '--child', oursRepo, url, 'main', deltas]);
        let t: ReturnType<typeof runTheirs>;
        let o: ReturnType<typeof runOurs>;
        if (i % 2 === 0) {
          t = runTheirs();
          o = runOurs();
        } else {
          o = runOurs();
          t = runTheirs();
        }
        if (!theirs || t.ms < theirs.ms) theirs = t;
        if (!ours || o.ms < ours.ms) ours = o;
      }
      sh(['ostree', `--repo=${oursRepo}`, 'fsck', '-q']);
      rows.push({ name, ours: ours!, theirs: theirs!, extra: { runs, cpuOurs: `${ours!.cpuMs.toFixed(0)}ms`, cpuTheirs: `${theirs!.cpuMs.toFixed(0)}ms`, cpuRatio: (ours!.cpuMs / theirs!.cpuMs).toFixed(2) } });
    }
    report(`pull over loopback (${mb} MiB tree): ours vs ostree pull (wall, peak RSS)`, rows);
  } finally {
    server?.kill();
    cleanup();
  }
}

/** Pause after deleting the clients' objects (`BENCH_SETTLE_MS`, default 31 s; 0 on tmpfs is fine). */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 31_000);

if (process.argv[2] === '--child') await child();
else if (process.argv[2] === '--serve') await serveChild();
else await main();
