/**
 * The similar-file pairing of the delta compiler: reading only the old objects that
 * `similarCandidates` keeps gives the same pairs as sizing every old object.
 */
import { describe, it, expect } from 'vitest';
import { computeSimilarObjects, similarCandidates } from '../../src/ops/delta-generate.js';
import { xorshift32 } from '../util/prng.js';

const STEMS = ['libfoo', 'libbar', 'app', 'data', 'icon', 'README', 'x', ''];
const EXTS = ['', '.so', '.so.1', '.so.1.2', '.txt', '.xz', '.bz2', '.png', '.'];

describe('similar-file pairing', () => {
  it('pairs the same with only the candidates similarCandidates keeps', () => {
    let pairs = 0;
    let dropped = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const next = xorshift32(seed);
      const name = () => STEMS[next() % STEMS.length]! + EXTS[next() % EXTS.length]! + (next() % 4 === 0 ? String(next() % 3) : '');
      const names = () => Array.from({ length: 1 + (next() % 3) }, name).filter((n) => n !== '');
      const size = () => (next() % 5 === 0 ? 0 : 1000 + (next() % 400));
      const old = new Map<string, string[]>();
      const oldSizes = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const c = `o${seed}-${i}`.padEnd(64, '0');
        old.set(c, names());
        oldSizes.set(c, size());
      }
      const to = Array.from({ length: 10 }, (_, i) => ({ checksum: `n${seed}-${i}`.padEnd(64, '0'), size: size(), names: names() }));
      const all = [...old].map(([checksum, n]) => ({ checksum, size: oldSizes.get(checksum)!, names: n }));
      const kept = similarCandidates(to.map((t) => t.names), old).map(([checksum, n]) => ({ checksum, size: oldSizes.get(checksum)!, names: n }));
      expect(kept.length).toBeLessThanOrEqual(all.length);
      const want = computeSimilarObjects(all, to);
      expect(computeSimilarObjects(kept, to)).toEqual(want);
      pairs += want.size;
      dropped += all.length - kept.length;
    }
    // the cases exercise both: pairs are found, and old objects are left out
    expect(pairs).toBeGreaterThan(100);
    expect(dropped).toBeGreaterThan(100);
  });

  it('keeps old objects sharing a name or the stem before the first dot, drops the rest', () => {
    const old = new Map<string, string[]>([
      ['a', ['libfoo.so.1']],
      ['b', ['libfoo.so.2']],
      ['c', ['other.txt']],
      ['d', ['README']],
      ['e', ['.hidden']],
    ]);
    const kept = similarCandidates([['libfoo.so.3'], ['README']], old).map(([c]) => c);
    expect(kept).toEqual(['a', 'b', 'd']);
  });
});
