import { describe, it, expect } from 'vitest';
import { suffixArray } from '../../src/codec/suffix-array.js';
import { xorshift32 } from '../util/prng.js';

/** Deterministic xorshift32 generator. */
const rng = xorshift32;

/** Reference: sort suffix offsets by byte comparison. */
function naive(d: Uint8Array): number[] {
  const buf = Buffer.from(d.buffer, d.byteOffset, d.length);
  return Array.from({ length: d.length }, (_, i) => i).sort((a, b) => Buffer.compare(buf.subarray(a), buf.subarray(b)));
}

/** Check that `sa` is a permutation in strictly increasing suffix order (O(n · lcp)). */
function isSorted(d: Uint8Array, sa: Int32Array): boolean {
  const buf = Buffer.from(d.buffer, d.byteOffset, d.length);
  const seen = new Uint8Array(d.length);
  for (let i = 0; i < sa.length; i++) {
    if (sa[i] < 0 || sa[i] >= d.length || seen[sa[i]]) return false;
    seen[sa[i]] = 1;
    if (i > 0 && Buffer.compare(buf.subarray(sa[i - 1]), buf.subarray(sa[i])) >= 0) return false;
  }
  return sa.length === d.length;
}

describe('suffixArray', () => {
  it('handles tiny inputs', () => {
    expect(Array.from(suffixArray(new Uint8Array(0)))).toEqual([]);
    expect(Array.from(suffixArray(Uint8Array.of(7)))).toEqual([0]);
    expect(Array.from(suffixArray(Uint8Array.of(2, 1)))).toEqual([1, 0]);
    expect(Array.from(suffixArray(Uint8Array.of(1, 2)))).toEqual([0, 1]);
    expect(Array.from(suffixArray(new TextEncoder().encode('banana')))).toEqual([5, 3, 1, 0, 4, 2]);
    expect(Array.from(suffixArray(new TextEncoder().encode('mississippi')))).toEqual(naive(new TextEncoder().encode('mississippi')));
  });

  it('handles all-equal and periodic inputs', () => {
    for (const n of [2, 3, 17, 1000]) {
      const zeros = new Uint8Array(n);
      expect(Array.from(suffixArray(zeros))).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
      const ff = new Uint8Array(n).fill(255);
      expect(Array.from(suffixArray(ff))).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
    }
    for (const period of [2, 3, 5, 64]) {
      const d = new Uint8Array(3000);
      for (let i = 0; i < d.length; i++) d[i] = (i % period) * 37;
      expect(Array.from(suffixArray(d))).toEqual(naive(d));
    }
    // Fibonacci word: worst case for recursion depth of many SA builders.
    let a = 'a', b = 'ab';
    while (b.length < 5000) [a, b] = [b, b + a];
    const fib = new TextEncoder().encode(b);
    expect(Array.from(suffixArray(fib))).toEqual(naive(fib));
  });

  it('matches a naive sort on seeded random inputs of small alphabets', () => {
    const r = rng(12345);
    for (let it = 0; it < 2000; it++) {
      const n = r() % 80;
      const k = 1 + (r() % 5);
      const d = new Uint8Array(n);
      for (let i = 0; i < n; i++) d[i] = k === 5 ? r() & 255 : (r() % k) + 100;
      expect(Array.from(suffixArray(d))).toEqual(naive(d));
    }
  });

  it('sorts larger structured inputs (deep recursion)', () => {
    const r = rng(99);
    // Repeated blocks with mutations: many equal LMS substrings, several recursion levels.
    const block = new Uint8Array(997);
    for (let i = 0; i < block.length; i++) block[i] = r() % 3;
    const d = new Uint8Array(200_000);
    for (let i = 0; i < d.length; i++) d[i] = block[i % block.length];
    for (let m = 0; m < 50; m++) d[r() % d.length] = r() % 4;
    expect(isSorted(d, suffixArray(d))).toBe(true);
    // 1 MB of random bytes: > 65536 distinct LMS substrings with duplicates, so the recursion runs
    // with a large alphabet (bucket bounds recounted instead of cached).
    const rand = new Uint8Array(1_000_000);
    for (let i = 0; i < rand.length; i++) rand[i] = r() & 255;
    expect(isSorted(rand, suffixArray(rand))).toBe(true);
  });

  it('works on a subarray view with a byte offset', () => {
    const big = new TextEncoder().encode('xxxxbananayyyy');
    expect(Array.from(suffixArray(big.subarray(4, 10)))).toEqual([5, 3, 1, 0, 4, 2]);
  });

  it('rejects non-Uint8Array input', () => {
    expect(() => suffixArray([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
  });
});
