/**
 * Reliability helpers: build the CLI from the sources into one ESM file (esbuild, packages
 * external, placed under `node_modules/.cache` so `pako`/`openpgp` resolve), spawn it, SIGKILL it,
 * and check a repository's invariants after a crash.
 */
import { build } from 'esbuild';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Repo } from '../../src/store/repo.js';
import { ObjectType } from '../../src/format/object-type.js';
import { decodeSummary, summaryInfo, parseDeltaName } from '../../src/format/summary.js';
import { decodeDeltaSuperblock, unwrapDeltaSuperblock, deltaSuperblockPath, deltaPartPath } from '../../src/format/delta.js';
import { decodeSummaryIndex } from '../../src/format/flatpak-summary.js';
import { traverseCommit } from '../../src/ops/traverse.js';
import { run as runTool } from '../interop/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

let built: Promise<string> | undefined;

/** Bundle the CLI once per process; returns the path of the `.mjs` file. */
export function cliBundle(): Promise<string> {
  built ??= (async () => {
    const outdir = join(root, 'node_modules/.cache/ostree-ts-reliability');
    mkdirSync(outdir, { recursive: true });
    const outfile = join(outdir, `cli-${process.pid}.mjs`);
    await build({
      entryPoints: [join(root, 'test/reliability/cli-entry.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    return outfile;
  })();
  return built;
}

/** Delete this process's bundle (call from `afterAll`). */
export async function removeCliBundle(): Promise<void> {
  if (!built) return;
  rmSync(await built, { force: true });
  built = undefined;
}

/** Result of a CLI process. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawn the CLI; `killAfterMs` sends SIGKILL at that moment (if still running). */
export async function spawnCli(args: string[], opts: { killAfterMs?: number; cwd?: string } = {}): Promise<CliRun> {
  const cli = await cliBundle();
  const t0 = Date.now();
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], { cwd: opts.cwd ?? root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  if (opts.killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Spawn and require exit 0. */
export async function cliOk(args: string[]): Promise<CliRun> {
  const r = await spawnCli(args);
  if (r.code !== 0) throw new Error(`ostree-ts ${args.join(' ')} exited ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
  return r;
}

/**
 * Invariants of a repository after a crash; returns the list of violations (empty when sound):
 * real `ostree fsck` passes; every ref resolves to a commit whose whole tree is present and not
 * marked partial; the summary (if any) names only existing commits and delta superblocks; the
 * `summary.idx` (if any) names only existing subsummaries; every delta superblock on disk has all
 * its part files with the declared sizes.
 */
export async function repoProblems(repoPath: string, opts: { fsck?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  if (opts.fsck !== false) {
    const res = await runTool('ostree', ['fsck', `--repo=${repoPath}`], { allowFail: true });
    if (res.code !== 0) problems.push(`ostree fsck exited ${res.code}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const repo = await Repo.open(repoPath);
  for (const ref of await repo.listRefs({ remotes: true })) {
    const name = `${ref.remote ? `${ref.remote}:` : ''}${ref.ref}`;
    const checksum = ref.checksum;
    if (!(await repo.hasObject(checksum, ObjectType.COMMIT))) {
      problems.push(`ref ${name} → missing commit ${checksum}`);
      continue;
    }
    if (await repo.isCommitPartial(checksum)) problems.push(`ref ${name} → partial commit ${checksum}`);
    try {
      const reach = await traverseCommit(repo, checksum);
      for (const o of reach.objects()) {
        if (!(await repo.hasObject(o.checksum, o.type))) problems.push(`ref ${name}: commit ${checksum} lacks ${o.checksum}.${o.type}`);
      }
    } catch (e) {
      problems.push(`ref ${name}: commit ${checksum} does not traverse: ${(e as Error).message}`);
    }
  }
  const summaryPath = join(repoPath, 'summary');
  if (existsSync(summaryPath)) {
    const s = decodeSummary(new Uint8Array(readFileSync(summaryPath)));
    for (const r of s.refs) if (!(await repo.hasObject(r.checksum, ObjectType.COMMIT))) problems.push(`summary names missing commit ${r.checksum} (${r.name})`);
    for (const [name] of summaryInfo(s).staticDeltas) {
      const { from, to } = parseDeltaName(name);
      const p = join(repoPath, deltaSuperblockPath(from, to));
      if (!existsSync(p)) problems.push(`summary names missing delta ${name}`);
    }
  }
  const idxPath = join(repoPath, 'summary.idx');
  if (existsSync(idxPath)) {
    const idx = decodeSummaryIndex(new Uint8Array(readFileSync(idxPath)));
    for (const [name, e] of idx.subsummaries) {
      if (!existsSync(join(repoPath, 'summaries', `${e.digest}.gz`))) problems.push(`summary.idx names missing subsummary ${name} (${e.digest})`);
    }
  }
  problems.push(...deltaProblems(repoPath));
  return problems;
}

/** Every superblock under `deltas/` must have all its parts with the declared sizes. */
export function deltaProblems(repoPath: string): string[] {
  const out: string[] = [];
  const base = join(repoPath, 'deltas');
  if (!existsSync(base)) return out;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'superblock') {
        let sb;
        try {
          sb = decodeDeltaSuperblock(unwrapDeltaSuperblock(new Uint8Array(readFileSync(p))).superblock);
        } catch (err) {
          out.push(`${p}: unreadable superblock: ${(err as Error).message}`);
          continue;
        }
        const inline = sb.metadata.some(([k]) => /\/\d+$/.test(k));
        sb.parts.forEach((part, i) => {
          if (inline) return;
          const pp = join(repoPath, deltaPartPath(sb.from, sb.to, i));
          if (!existsSync(pp)) out.push(`${p}: part ${i} missing`);
          else if (readFileSync(pp).length !== part.size) out.push(`${p}: part ${i} has the wrong size`);
        });
      }
    }
  };
  walk(base);
  return out;
}

/** Is the process still alive? */
export function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
