/**
 * Regression corpus: every input that ever failed a fuzz run (`test/fuzz/corpus/<target>/*.bin`)
 * must now return or throw an OstreeError, within 1 s.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { readdirSync, existsSync } from 'node:fs';
import { CORPUS_DIR, corpusInputs, runOne } from './runner.js';
import { TARGETS } from './targets.js';
import { removeSharedTempDirs } from '../util/scratch.js';

const dirs = existsSync(CORPUS_DIR) ? readdirSync(CORPUS_DIR).filter((d) => !d.startsWith('.')) : [];

describe('fuzz regression corpus', () => {
  afterAll(removeSharedTempDirs);
  it('every corpus directory names a target', () => {
    expect(dirs.filter((d) => !TARGETS.some((t) => t.name === d))).toEqual([]);
  });
  for (const t of TARGETS.filter((x) => dirs.includes(x.name))) {
    it(`${t.name}: ${corpusInputs(t.name).length} saved inputs`, async () => {
      await t.seeds(); // some targets pair inputs with seed context
      const bad: string[] = [];
      for (const { file, bytes } of corpusInputs(t.name)) {
        const r = await runOne(t, bytes);
        if (!r.ok) bad.push(`${file}: ${r.failure.kind}: ${r.failure.message.split('\n')[0]}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
