/**
 * Registers one vitest case per fuzz target: `FUZZ_ITERATIONS` inputs (default: the short run),
 * seed `FUZZ_SEED`, optionally only the targets named in `FUZZ_TARGET` (comma-separated). With
 * `FUZZ_REPORT=<file>` each run appends its figures as a JSON line.
 */
import { it, expect, afterAll } from 'vitest';
import { appendFileSync } from 'node:fs';
import { fuzz, iterations, fuzzSeed, formatStats } from './runner.js';
import { target } from './targets.js';
import { removeSharedTempDirs } from '../util/scratch.js';

/** Default inputs per target inside `npm test`. */
export const SHORT_RUN = 2000;

/** Define the fuzz cases of `names`. */
export function fuzzCases(names: readonly string[], shortRun = SHORT_RUN): void {
  const only = process.env.FUZZ_TARGET?.split(',').filter(Boolean);
  const count = iterations(shortRun);
  afterAll(removeSharedTempDirs); // the seed repository and the delta-execute target's copy
  for (const name of names) {
    const skip = only !== undefined && only.length > 0 && !only.includes(name);
    it.skipIf(skip)(
      `${name}: only OstreeError escapes, every input < 1 s`,
      async () => {
        const stats = await fuzz(target(name), count, fuzzSeed());
        console.log(formatStats(stats));
        if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, JSON.stringify({ ...stats, failures: stats.failures.length, seed: fuzzSeed() }) + '\n');
        expect(stats.failures.map((f) => `${f.kind}: ${f.message.split('\n').slice(0, 4).join(' | ')} (${f.file ?? ''})`)).toEqual([]);
        expect(stats.inputs).toBe(count);
      },
      60_000 + count * 10,
    );
  }
}
