/**
 * Commit benchmark: `ostree commit` vs ours on the same generated tree (≈108 MB, ≈4 900 files,
 * see bench/trees.ts), in one run, for three configurations:
 *
 * - `archive`: `ostree init --mode=archive` + `commit --owner-uid=0 --owner-gid=0 --timestamp=… -b x`
 * - `bare-user-only`: the same into a bare-user-only repo
 * - `archive --generate-sizes`: archive with `--generate-sizes` (ours then compresses with the
 *   zlib-exact flavour so the sizes, and hence the checksum, equal ostree's)
 *
 * Ours runs as a CHILD PROCESS of this bundle (`node bench/out/commit.mjs --child …`), i.e. the very
 * same source code as the library, started cold like the `ostree` binary and measured by the same
 * `timeCommand` wrapper (wall time including process start-up, peak RSS of the child). This is the
 * fairer comparison: an in-process run would share warm JIT state and the bench's own heap, and the
 * built CLI (`dist/`) may be stale or unbuildable while other modules are in flight. Both sides'
 * repositories are initialised outside the timing (`ostree init`; ours by `--init` in its own process).
 *
 * Each configuration runs `--runs=N` times (default 3), alternating which side goes first, each into
 * a fresh repo; the median wall time and the largest peak RSS are reported. Usage:
 * `node bench/run.mjs commit [-- --runs=3 --mb=100 --only=archive --scratch=/dev/shm]`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, lstatSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir, cpus, loadavg } from 'node:os';
import { benchEnvNote, timeCommand, type MeasuredCommand } from './lib.js';
import { ensureBenchTree } from './trees.js';
import { Repo } from '../src/store/repo.js';
import { commit } from '../src/ops/commit.js';

const TIMESTAMP = '2020-01-01 00:00:00 +0000';

interface Config {
  name: string;
  mode: 'archive' | 'bare-user-only';
  sizes: boolean;
}

const CONFIGS: Config[] = [
  { name: 'archive', mode: 'archive', sizes: false },
  { name: 'bare-user-only', mode: 'bare-user-only', sizes: false },
  { name: 'archive --generate-sizes', mode: 'archive', sizes: true },
];

/** Init mode: `--init MODE REPO` (untimed, as `ostree init` is for the other side). */
async function initChild(argv: string[]): Promise<void> {
  const [mode, repoPath] = argv;
  await Repo.init(repoPath!, { mode: mode as Config['mode'] });
}

/** Child mode: `--child MODE SIZES REPO TREE` → commit into the repo `--init` made, print the checksum. */
async function child(argv: string[]): Promise<void> {
  const [, sizes, repoPath, tree] = argv;
  // Keep the event loop alive: store/lock.ts unrefs its flock(1) holder, so awaiting its release
  // with nothing else pending would end the process with "unsettled top-level await" (exit 13).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const repo = await Repo.open(repoPath!);
  const r = await commit(repo, {
    branch: 'x',
    subject: 'bench',
    timestamp: TIMESTAMP,
    ownerUid: 0,
    ownerGid: 0,
    generateSizes: sizes === '1',
    trees: [{ kind: 'dir', path: tree! }],
  });
  process.stdout.write(`${r.checksum}\n`);
  clearInterval(keepAlive);
}

/** A run of a tool: wall time, peak RSS and CPU time (user + system) of the child. */
type Run = MeasuredCommand;

/** Sum of `.filez` (archive) or content-file bytes under `objects/`. */
function objectBytes(repo: string): { filez: number; objects: number } {
  let filez = 0;
  let objects = 0;
  const od = join(repo, 'objects');
  for (const sub of readdirSync(od)) {
    for (const f of readdirSync(join(od, sub))) {
      const st = lstatSync(join(od, sub, f));
      objects++;
      if (f.endsWith('.filez') || f.endsWith('.file')) filez += st.size;
    }
  }
  return { filez, objects };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(/^--runs=(\d+)$/.exec(args.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 3);
  const totalMb = Number(/^--mb=(\d+)$/.exec(args.find((a) => a.startsWith('--mb=')) ?? '')?.[1] ?? 100);
  const only = args.find((a) => a.startsWith('--only='))?.slice(7);
  // where the repositories are written (default: the OS temp dir, i.e. this machine's ext4 disk;
  // `--scratch=/dev/shm` takes the filesystem's state and the disk flush out of both sides)
  const scratchBase = args.find((a) => a.startsWith('--scratch='))?.slice(10) ?? tmpdir();
  const self = fileURLToPath(import.meta.url);

  const treeDir = join(tmpdir(), `ostree-ts-bench-tree-${totalMb}m`);
  const stats = ensureBenchTree(treeDir, { totalBytes: totalMb * 1024 * 1024 });
  console.log(
    `tree ${treeDir}: ${stats.files} files (${stats.duplicates} duplicates), ${stats.dirs} dirs, ${stats.symlinks} symlinks, ` +
      `${mb(stats.bytes)} MB${stats.ms ? ` (generated in ${stats.ms.toFixed(0)} ms)` : ' (cached)'}`,
  );
  console.log(`machine: ${cpus().length}× ${cpus()[0]?.model ?? '?'}, node ${process.version}; runs per row: ${runs} (median)`);
  // Warm the page cache so neither side pays the first read of the tree.
  spawnSync('tar', ['cf', '/dev/null', '-C', treeDir, '.']);

  const scratch = join(scratchBase, `ostree-ts-bench-commit-${process.pid}`);
  console.log(`repositories under ${scratchBase}`);
  console.log(benchEnvNote());
  await new Promise((r) => setTimeout(r, SETTLE_MS)); // deletions by whatever ran before
  mkdirSync(scratch, { recursive: true });
  try {
    for (const cfg of CONFIGS) {
      if (only && !cfg.name.includes(only)) continue;
      const ours: Run[] = [];
      const theirs: Run[] = [];
      let csumOurs = '';
      let csumTheirs = '';
      let sizeOurs = { filez: 0, objects: 0 };
      let sizeTheirs = { filez: 0, objects: 0 };
      for (let i = 0; i < runs; i++) {
        const rt = join(scratch, `theirs-${i}`);
        const ro = join(scratch, `ours-${i}`);
        const init = spawnSync('ostree', [`--repo=${rt}`, 'init', `--mode=${cfg.mode}`]);
        if (init.status !== 0) throw new Error(`ostree init: ${init.stderr}`);
        const runTheirs = () => {
          const t = timeCommand([
            'ostree', `--repo=${rt}`, 'commit', '--owner-uid=0', '--owner-gid=0', `--timestamp=${TIMESTAMP}`,
            '-b', 'x', '-s', 'bench', ...(cfg.sizes ? ['--generate-sizes'] : []), `--tree=dir=${treeDir}`,
          ]);
          theirs.push(t);
          csumTheirs = t.stdout!.toString().trim();
        };
        // both repositories are initialised outside the timing
        const oursInit = spawnSync(process.execPath, [self, '--init', cfg.mode, ro]);
        if (oursInit.status !== 0) throw new Error(`init: ${oursInit.stderr}`);
        const runOurs = () => {
          const o = timeCommand([process.execPath, self, '--child', cfg.mode, cfg.sizes ? '1' : '0', ro, treeDir]);
          ours.push(o);
          csumOurs = o.stdout!.toString().trim();
        };
        // alternate which side goes first
        if (i % 2 === 0) {
          runTheirs();
          runOurs();
        } else {
          runOurs();
          runTheirs();
        }
        if (i === runs - 1) {
          sizeTheirs = objectBytes(rt);
          sizeOurs = objectBytes(ro);
        }
      }
      // Delete this row's repositories only now, then pause: right after thousands of files are
      // deleted, creating files costs far more system time on this machine's ext4 (`perf` shows
      // inode allocation in `recently_deleted()` / `find_inode_bit()`, which skip inodes freed in the
      // last ~30 s), so whichever run followed a deletion paid up to seconds of extra system time.
      for (let i = 0; i < runs; i++) {
        rmSync(join(scratch, `theirs-${i}`), { recursive: true, force: true });
        rmSync(join(scratch, `ours-${i}`), { recursive: true, force: true });
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const mo = median(ours.map((m) => m.ms));
      const mt = median(theirs.map((m) => m.ms));
      const ro = Math.max(...ours.map((m) => m.maxRssKiB));
      const rt = Math.max(...theirs.map((m) => m.maxRssKiB));
      const co = median(ours.map((m) => m.cpuMs));
      const ct = median(theirs.map((m) => m.cpuMs));
      const kind = cfg.mode === 'archive' ? 'filez' : 'content';
      console.log(
        `  ${cfg.name.padEnd(26)} ours ${mo.toFixed(0).padStart(6)} ms  ostree ${mt.toFixed(0).padStart(6)} ms  ratio ${(mo / mt).toFixed(2)}x  ` +
          `rss ours ${(ro / 1024).toFixed(0)} MiB ostree ${(rt / 1024).toFixed(0)} MiB  ` +
          `${kind} ours ${mb(sizeOurs.filez)} MB ostree ${mb(sizeTheirs.filez)} MB  objects ${sizeOurs.objects}/${sizeTheirs.objects}  ` +
          `checksums ${csumOurs === csumTheirs ? 'MATCH' : `DIFFER (ours ${csumOurs.slice(0, 12)} ostree ${csumTheirs.slice(0, 12)})`}`,
      );
      console.log(`    cpu (user+sys) ours ${co.toFixed(0)} ms ostree ${ct.toFixed(0)} ms ratio ${(co / ct).toFixed(2)}x; load average ${loadavg()[0]!.toFixed(1)}`);
      console.log(`    wall runs ours [${ours.map((m) => m.ms.toFixed(0)).join(', ')}] ostree [${theirs.map((m) => m.ms.toFixed(0)).join(', ')}]`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Pause after deleting repositories (see the row loop) — ext4's "recently deleted" window is 30 s. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 31_000);

if (process.argv[2] === '--child') await child(process.argv.slice(3));
else if (process.argv[2] === '--init') await initChild(process.argv.slice(3));
else await main();
