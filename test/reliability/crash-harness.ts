/**
 * Crash-safety scenarios: run a CLI command on a real repository and SIGKILL it at random moments;
 * after every kill the repository must satisfy {@link repoProblems} (real `ostree fsck` included)
 * and re-running the command must complete. Kill moments are drawn from a seeded PRNG over the
 * window [0.5 × node start-up, ≈ duration of an uninterrupted run], adapted as rounds go.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../util/prng.js';
import { generateTree } from '../util/trees.js';
import { spawnCli, cliOk, repoProblems } from './cli.js';

/** One command under test. */
export interface CrashScenario {
  name: string;
  /** Make the repository ready for iteration `i` (may run CLI commands); returns the argv to kill. */
  prepare: (i: number) => Promise<string[]>;
}

/** Figures of one scenario. */
export interface CrashStats {
  scenario: string;
  kills: number;
  /** Kills that landed while the command was still running (the rest found it already exited). */
  killedMidway: number;
  reruns: number;
  problems: string[];
  calibrationMs: number;
  startupMs: number;
}

const crashDirs: string[] = [];

/** Remove every {@link CrashRepo}'s directory (a test file's `afterAll`). */
export function removeCrashRepos(): void {
  for (const d of crashDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh archive repository plus helpers shared by the scenarios (removed by {@link removeCrashRepos}). */
export class CrashRepo {
  readonly dir = mkdtempSync(join(tmpdir(), 'ostree-ts-crash-'));
  readonly repo = join(this.dir, 'repo');
  private n = 0;

  constructor() {
    crashDirs.push(this.dir);
  }

  async init(): Promise<this> {
    await cliOk(['init', `--repo=${this.repo}`, '--mode=archive']);
    return this;
  }

  /** Write a fresh source tree (`files` random files) and return its path. */
  tree(seed: string, files = 250): string {
    const p = join(this.dir, `src-${this.n++}`);
    generateTree(p, { seed, files, edgeCases: false, bigFileSize: 0, manyFiles: 0, duplicates: 10, deepDepth: 3, safeModes: true });
    return p;
  }

  /** Write a fresh Flatpak app build (`metadata` + `files/` with `files` random files). */
  flatpakTree(seed: string, app = 'org.example.Crash', files = 150): string {
    const p = join(this.dir, `app-${this.n++}`);
    generateTree(join(p, 'files'), { seed, files, edgeCases: false, bigFileSize: 0, manyFiles: 0, duplicates: 10, deepDepth: 3, safeModes: true });
    writeFileSync(join(p, 'metadata'), `[Application]\nname=${app}\nruntime=org.example.Platform/x86_64/1\n`);
    return p;
  }

  /** Commit a fresh tree to `branch` (or as an orphan) and return the checksum. */
  async commit(branch: string | null, seed: string, files = 250): Promise<string> {
    const src = this.tree(seed, files);
    const args = ['commit', `--repo=${this.repo}`, '-s', seed, src];
    if (branch) args.push('-b', branch);
    else args.push('--orphan');
    return (await cliOk(args)).stdout.trim();
  }

  async revParse(rev: string): Promise<string> {
    return (await cliOk(['rev-parse', `--repo=${this.repo}`, rev])).stdout.trim();
  }
}

/** Run `kills` kill-check-rerun rounds of `scenario` on `repo`. */
export async function crashScenario(repo: Pick<CrashRepo, 'repo'>, scenario: CrashScenario, kills: number, seed: string): Promise<CrashStats> {
  const rng = new Prng(`${seed}:${scenario.name}`);
  const startupMs = (await cliOk(['--version'])).ms;
  // Calibrate on one uninterrupted run (iteration -1).
  const calArgs = await scenario.prepare(-1);
  const calibrationMs = (await cliOk(calArgs)).ms;
  const stats: CrashStats = { scenario: scenario.name, kills: 0, killedMidway: 0, reruns: 0, problems: [], calibrationMs, startupMs };
  const lo = startupMs * 0.5;
  // The window adapts to the machine's load: a round whose command finished before the kill
  // shrinks it to 0.9 × that (full-work) duration; a re-run that took longer widens it. (A re-run
  // after a mid-run kill may have less left to do, so it never shrinks the window.)
  let hi = Math.max(lo + 10, calibrationMs);
  for (let i = 0; i < kills; i++) {
    const args = await scenario.prepare(i);
    const at = lo + rng.float() * (hi - lo);
    const r = await spawnCli(args, { killAfterMs: at });
    stats.kills++;
    if (r.signal === 'SIGKILL') stats.killedMidway++;
    else if (r.code === 0) hi = Math.max(lo + 10, r.ms * 0.9);
    else stats.problems.push(`#${i}: exited ${r.code} before the kill: ${r.stderr.trim()}`);
    for (const p of await repoProblems(repo.repo)) stats.problems.push(`#${i} after kill at ${at.toFixed(0)} ms: ${p}`);
    const again = await spawnCli(args);
    stats.reruns++;
    if (again.code === 0) hi = Math.max(hi, again.ms);
    if (again.code !== 0) stats.problems.push(`#${i}: re-run exited ${again.code}: ${again.stderr.trim()}`);
  }
  for (const p of await repoProblems(repo.repo)) stats.problems.push(`final: ${p}`);
  return stats;
}

/** Number of kills per command: `CRASH_KILLS` or `fallback`. */
export function killCount(fallback: number): number {
  const v = Number(process.env.CRASH_KILLS);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** One line of figures. */
export function formatCrashStats(s: CrashStats): string {
  return `crash ${s.scenario}: ${s.kills} kills (${s.killedMidway} mid-run), ${s.reruns} re-runs completed=${s.reruns - s.problems.filter((p) => p.includes('re-run')).length}, ${s.problems.length} problems; uninterrupted run ${s.calibrationMs} ms, node start-up ${s.startupMs} ms`;
}
