/**
 * Commit benchmark: `ostree commit` vs ours on the same generated tree (≈108 MB, ≈4 900 files,
 * see bench/trees.ts), in one run, for three configurations:
 *
 * - `archive`: `ostree init --mode=archive` + `commit --owner-uid=0 --owner-gid=0 --timestamp=… -b x`
 * - `bare-user-only`: the same into a bare-user-only repo
 * - `archive --generate-sizes`: archive with `--generate-sizes` (ours then compresses with the
 *   zlib-exact flavour so the sizes, and hence the checksum, equal ostree's)
 *
 * Ours runs as the CLI a user runs, `node bench/out/cli/ostree-ts.js commit` (bin/ostree-ts.js on
 * a dist/cli.js that bench/run.mjs builds from src/), with the very same arguments as `ostree
 * commit`: started cold like the `ostree` binary, with the CLI's V8 settings (src/cli/runtime.ts),
 * and measured by the same `timeCommand` wrapper (wall time including process start-up, peak RSS
 * of the child). Both sides' repositories are initialised outside the timing (`ostree init` and
 * `ostree-ts init`).
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
import { benchEnvNote, cliPath, timeCommand, type MeasuredCommand } from './lib.js';
import { ensureBenchTree } from './trees.js';

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
  const cli = cliPath(fileURLToPath(import.meta.url));

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
        // the same arguments for both tools
        const commitArgs = (repo: string) => [
          `--repo=${repo}`, 'commit', '--owner-uid=0', '--owner-gid=0', `--timestamp=${TIMESTAMP}`,
          '-b', 'x', '-s', 'bench', ...(cfg.sizes ? ['--generate-sizes'] : []), `--tree=dir=${treeDir}`,
        ];
        const runTheirs = () => {
          const t = timeCommand(['ostree', ...commitArgs(rt)]);
          theirs.push(t);
          csumTheirs = t.stdout!.toString().trim();
        };
        // both repositories are initialised outside the timing
        const oursInit = spawnSync(process.execPath, [cli, `--repo=${ro}`, 'init', `--mode=${cfg.mode}`]);
        if (oursInit.status !== 0) throw new Error(`init: ${oursInit.stderr}`);
        const runOurs = () => {
          const o = timeCommand([process.execPath, cli, ...commitArgs(ro)]);
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

await main();
