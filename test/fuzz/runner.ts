/**
 * Seeded, bounded fuzz runner.
 *
 * Each input is a seed (a valid encoding) with 1–3 stacked mutations. An input fails when the
 * target throws anything but an `OstreeError`, or when it takes more than {@link SLOW_MS}
 * (measured per input, so a hang shows up as one slow input rather than a stuck run — a real
 * infinite loop still needs the test timeout). Failing inputs are saved to
 * `test/fuzz/corpus/<target>/<sha256>.bin` and replayed by `corpus.test.ts` forever after.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { OstreeError } from '../../src/errors.js';
import { Prng } from '../util/prng.js';
import { mutate, DEFAULT_MUTATORS, type Mutator } from './mutate.js';

/** Inputs slower than this (ms) are failures. */
export const SLOW_MS = 1000;

/** Directory of the regression corpus. */
export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

/** A parser under fuzz. */
export interface FuzzTarget {
  /** Corpus directory name (filesystem-safe). */
  name: string;
  /** Valid inputs to mutate (built once; may be async). */
  seeds: () => Uint8Array[] | Promise<Uint8Array[]>;
  /** Parse `input`; must return or throw (or reject with) an `OstreeError`. */
  run: (input: Uint8Array) => unknown;
  /** Called once after a campaign (e.g. to check a scratch repository); throws on a problem. */
  after?: () => Promise<void>;
  /** Extra structure-aware mutators, mixed with the default set. */
  mutators?: ReadonlyArray<readonly [Mutator, number]>;
}

/** One failing input. */
export interface FuzzFailure {
  kind: 'exception' | 'slow' | 'seed';
  message: string;
  ms: number;
  /** Saved corpus file, when saving is on. */
  file?: string;
}

/** Figures of one run. */
export interface FuzzStats {
  target: string;
  inputs: number;
  /** Inputs the parser accepted. */
  accepted: number;
  /** Rejections by OstreeError code. */
  codes: Record<string, number>;
  failures: FuzzFailure[];
  maxMs: number;
  totalMs: number;
  /** Peak RSS sampled every 256 inputs (bytes). */
  peakRss: number;
}

/** Iterations per target: `FUZZ_ITERATIONS` or `fallback`. */
export function iterations(fallback: number): number {
  const v = Number(process.env.FUZZ_ITERATIONS);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** Run seed of the campaign: `FUZZ_SEED` or a fixed default. */
export function fuzzSeed(): number {
  const v = Number(process.env.FUZZ_SEED);
  return Number.isFinite(v) ? v >>> 0 : 0x05717ee;
}

/** Call `run` once, classifying the outcome. */
export async function runOne(target: FuzzTarget, input: Uint8Array): Promise<{ ok: true; ms: number; code?: string } | { ok: false; failure: FuzzFailure }> {
  const t0 = performance.now();
  let code: string | undefined;
  try {
    const r = target.run(input);
    if (r instanceof Promise) await r;
  } catch (e) {
    const ms = performance.now() - t0;
    if (!(e instanceof OstreeError)) {
      const err = e as Error;
      return { ok: false, failure: { kind: 'exception', message: `${err?.name}: ${err?.message}\n${err?.stack ?? ''}`, ms } };
    }
    code = e.code;
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) return { ok: false, failure: { kind: 'slow', message: `took ${ms.toFixed(0)} ms`, ms } };
  return code === undefined ? { ok: true, ms } : { ok: true, ms, code };
}

/** Save a failing input; returns its path. */
export function saveFailure(target: string, input: Uint8Array): string {
  const dir = join(CORPUS_DIR, target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(input).digest('hex')}.bin`);
  if (!existsSync(file)) writeFileSync(file, input);
  return file;
}

/** The saved regression inputs of a target. */
export function corpusInputs(target: string): Array<{ file: string; bytes: Uint8Array }> {
  const dir = join(CORPUS_DIR, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => ({ file: join(dir, f), bytes: new Uint8Array(readFileSync(join(dir, f))) }));
}

/**
 * Fuzz `target` with `count` mutated inputs from the seeded PRNG `seed`. Failures are collected
 * (and saved unless `save` is false); at most `maxFailures` are kept before the run stops early.
 */
export async function fuzz(target: FuzzTarget, count: number, seed: number, opts: { save?: boolean; maxFailures?: number } = {}): Promise<FuzzStats> {
  const seeds = await target.seeds();
  if (seeds.length === 0) throw new Error(`fuzz target ${target.name} has no seeds`);
  const rng = new Prng((seed ^ hashName(target.name)) >>> 0);
  const mutators = target.mutators ? [...DEFAULT_MUTATORS, ...target.mutators] : DEFAULT_MUTATORS;
  const stats: FuzzStats = { target: target.name, inputs: 0, accepted: 0, codes: {}, failures: [], maxMs: 0, totalMs: 0, peakRss: 0 };
  const maxFailures = opts.maxFailures ?? 20;
  // The seeds themselves first: they must parse.
  const inputs = (i: number): Uint8Array => (i < seeds.length ? seeds[i]! : mutate(rng.pick(seeds), rng, seeds, mutators));
  for (let i = 0; i < count; i++) {
    const input = inputs(i);
    let r = await runOne(target, input);
    if (i < seeds.length && r.ok && r.code !== undefined) r = { ok: false, failure: { kind: 'seed', message: `seed ${i} rejected: ${r.code}`, ms: r.ms } };
    stats.inputs++;
    if (r.ok) {
      stats.totalMs += r.ms;
      if (r.ms > stats.maxMs) stats.maxMs = r.ms;
      if (r.code === undefined) stats.accepted++;
      else stats.codes[r.code] = (stats.codes[r.code] ?? 0) + 1;
    } else {
      stats.totalMs += r.failure.ms;
      if (opts.save !== false && r.failure.kind !== 'seed') r.failure.file = saveFailure(target.name, input);
      stats.failures.push(r.failure);
      if (stats.failures.length >= maxFailures) break;
    }
    if ((i & 255) === 0) stats.peakRss = Math.max(stats.peakRss, process.memoryUsage.rss());
  }
  stats.peakRss = Math.max(stats.peakRss, process.memoryUsage.rss());
  await target.after?.();
  return stats;
}

/** One line of figures for the log / docs. */
export function formatStats(s: FuzzStats): string {
  const codes = Object.entries(s.codes)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c}=${n}`)
    .join(' ');
  return `fuzz ${s.target}: ${s.inputs} inputs, ${s.accepted} accepted, ${s.failures.length} failures, max ${s.maxMs.toFixed(1)} ms, total ${(s.totalMs / 1000).toFixed(2)} s, peak RSS ${(s.peakRss / 2 ** 20).toFixed(0)} MiB; rejected: ${codes}`;
}

function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
