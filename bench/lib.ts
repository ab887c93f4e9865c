/**
 * Shared helpers for benchmarks: time a real tool with its peak RSS, time our code in-process, print
 * side-by-side rows with the ours/theirs ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Result of one measured run. */
export interface Measured {
  /** Wall time in milliseconds. */
  ms: number;
  /** Peak resident set size in KiB (of the child for tools; of this process for in-process runs). */
  maxRssKiB: number;
  /** Captured stdout (tools only). */
  stdout?: Buffer;
}

/** A measured external command: also its CPU time (user + system), steadier than wall time on a shared machine. */
export interface MeasuredCommand extends Measured {
  cpuMs: number;
  stdout: Buffer;
}

/**
 * The environment the measured commands run in: this process's, without `NODE_EXTRA_CA_CERTS`
 * unless `--keep-env` is given. Some machines (this project's sandbox among them) point that
 * variable at the whole system CA bundle, and every Node process then parses ≈ 140 certificates
 * before running any code — ≈ 40 ms of start-up (`node -e 0`: 50 ms with it, 10 ms without) that
 * has nothing to do with the work measured; `ostree` and `flatpak` do not read it. None of the
 * benchmarks makes a TLS connection.
 */
export function benchEnv(): NodeJS.ProcessEnv {
  if (process.argv.includes('--keep-env')) return process.env;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** A line for a bench's header saying whether `NODE_EXTRA_CA_CERTS` was removed (see {@link benchEnv}). */
export function benchEnvNote(): string {
  if (!process.env.NODE_EXTRA_CA_CERTS) return 'env: NODE_EXTRA_CA_CERTS not set';
  return process.argv.includes('--keep-env')
    ? 'env: NODE_EXTRA_CA_CERTS kept (--keep-env): every Node child pays its start-up cost'
    : 'env: NODE_EXTRA_CA_CERTS removed for the measured commands (≈ 40 ms of Node start-up here; --keep-env keeps it)';
}

/**
 * The CLI as a user runs it (`bin/ostree-ts.js` on a `dist/cli.js` built from src/), which
 * bench/run.mjs builds into `bench/out/cli/` next to the bench bundle `self`.
 */
export function cliPath(self: string): string {
  return join(dirname(self), 'cli', 'ostree-ts.js');
}

/**
 * Run an external command and measure wall time, the child's peak RSS and CPU time (via Python's
 * `getrusage(RUSAGE_CHILDREN)`, so no GNU time is needed). The environment defaults to
 * {@link benchEnv}.
 */
export function timeCommand(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer } = {}): MeasuredCommand {
  const py =
    'import subprocess,resource,sys,time\n' +
    't=time.monotonic()\n' +
    'r=subprocess.run(sys.argv[1:])\n' +
    'd=time.monotonic()-t\n' +
    'u=resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
    'sys.stderr.write("\\n@@BENCH %f %d %d %f\\n" % (d*1000, u.ru_maxrss, r.returncode, (u.ru_utime+u.ru_stime)*1000))\n';
  const r = spawnSync('/usr/bin/python3', ['-c', py, ...argv], {
    cwd: opts.cwd, env: opts.env ?? benchEnv(), input: opts.input, maxBuffer: 1 << 30,
  });
  const err = r.stderr.toString();
  const m = /@@BENCH ([\d.]+) (\d+) (-?\d+) ([\d.]+)/.exec(err);
  if (!m) throw new Error(`bench: could not run ${argv.join(' ')}: ${err}`);
  if (Number(m[3]) !== 0) throw new Error(`bench: ${argv.join(' ')} exited ${m[3]}: ${err.slice(0, 2000)}`);
  return { ms: Number(m[1]), maxRssKiB: Number(m[2]), cpuMs: Number(m[4]), stdout: r.stdout };
}

/** Run `fn` in-process; peak RSS is this process's high-water mark after the run. */
export async function timeOurs(fn: () => unknown | Promise<unknown>): Promise<Measured> {
  (globalThis as { gc?: () => void }).gc?.();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  return { ms, maxRssKiB: process.resourceUsage().maxRSS };
}

/** A temp directory removed by the returned cleanup function. */
export function scratchDir(prefix = 'ostree-ts-bench-', base = tmpdir()): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(base, prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One printed comparison row. */
export interface Row {
  name: string;
  ours: Measured;
  theirs: Measured;
  /** Extra columns, e.g. sizes. */
  extra?: Record<string, string | number>;
}

/** Print rows as a table with the ours/theirs wall-time ratio. */
export function report(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  for (const r of rows) {
    const ratio = r.ours.ms / r.theirs.ms;
    const extra = r.extra ? ' ' + Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(' ') : '';
    console.log(
      `  ${r.name.padEnd(28)} ours ${r.ours.ms.toFixed(0).padStart(7)} ms  theirs ${r.theirs.ms.toFixed(0).padStart(7)} ms  ` +
        `ratio ${ratio.toFixed(2)}x  rss ours ${(r.ours.maxRssKiB / 1024).toFixed(0)} MiB theirs ${(r.theirs.maxRssKiB / 1024).toFixed(0)} MiB${extra}`,
    );
  }
}
