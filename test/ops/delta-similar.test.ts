/**
 * The similar-file pairing of the delta compiler: reading only the old objects that
 * `similarCandidates` keeps gives the same pairs as sizing every old object; and the choice between
 * an in-place edit, rollsum and bsdiff for one pair (`decideSimilar`).
 */
import { describe, it, expect } from 'vitest';
import { computeSimilarObjects, similarCandidates } from '../../src/ops/delta-generate.js';
import { decideSimilar, SMALL_EDIT_FRACTION } from '../../src/ops/delta-compress.js';
import { rollsumNewBytes } from '../../src/codec/rollsum.js';
import { bspatch } from '../../src/codec/bspatch.js';
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

describe('decideSimilar', () => {
  const random = (seed: number, n: number): Uint8Array => {
    const next = xorshift32(seed);
    return Uint8Array.from({ length: n }, () => next() & 255);
  };
  const insert = (a: Uint8Array, at: number, n: number): Uint8Array => Buffer.concat([a.subarray(0, at), new Uint8Array(n).fill(7), a.subarray(at)]);

  it('writes small in-place edits as copies, even when byte 0 changed (no rollsum match there)', () => {
    const old = random(1, 100000);
    const neu = old.slice();
    neu[0]! ^= 1;
    neu[70000]! ^= 1;
    const r = decideSimilar(old, neu, true);
    expect(r.edit).toBe(true);
    expect(r.patch).toBeUndefined();
    expect(rollsumNewBytes(r.spans!)).toBe(2);
  });

  it('finds insertions and deletions too', () => {
    const old = random(3, 300000);
    const neu = Buffer.concat([old.subarray(0, 100000), new Uint8Array(9).fill(5), old.subarray(100000, 200000), old.subarray(200040)]);
    const r = decideSimilar(old, neu, true);
    expect(r.edit).toBe(true);
    expect(rollsumNewBytes(r.spans!)).toBe(9);
  });

  it('leaves larger changes to rollsum or bsdiff, as ostree decides', () => {
    const old = random(2, 300000);
    // 9 % replaced in blocks after the first 32 KiB: too much for an edit, but most chunks still match → rollsum
    const blocks = old.slice();
    for (let at = 40000; at < 300000; at += 40000) blocks.set(random(at, 4000), at);
    const r1 = decideSimilar(old, blocks, true);
    expect(r1.edit).toBeUndefined();
    expect(r1.spans).toBeDefined();
    // the unmatched chunks ship only the replaced blocks
    expect(rollsumNewBytes(r1.spans!)).toBeLessThan(7 * 4000 + 7 * 64);
    // byte 0 changed as well: no chunk matches (the prefix-CRC keys), so bsdiff
    const first = blocks.slice();
    first[0]! ^= 1;
    const r2 = decideSimilar(old, first, true);
    expect(r2.spans).toBeUndefined();
    expect(Buffer.compare(bspatch(old, r2.patch!, first.length), first)).toBe(0);
    expect(decideSimilar(old, first, false)).toEqual({});
  });
});
