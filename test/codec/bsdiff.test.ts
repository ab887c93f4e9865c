import { describe, it, expect } from 'vitest';
import { bsdiff, writeOfft } from '../../src/codec/bsdiff.js';
import { bspatch, readOfft } from '../../src/codec/bspatch.js';
import { suffixArray } from '../../src/codec/suffix-array.js';
import { xorshift32 } from '../util/prng.js';

/** Deterministic xorshift32 generator. */
const rng = xorshift32;

function randomBytes(r: () => number, n: number, alphabet = 256): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = r() % alphabet;
  return d;
}

/** Text-like data: words from a small vocabulary. */
function textLike(r: () => number, n: number): Uint8Array {
  const words = ['static', 'delta', 'ostree', 'commit', 'object', ' ', '\n', 'the', 'of', '{', '}', '();', 'return', '0x1f'];
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const w = words[r() % words.length];
    for (let k = 0; k < w.length && i < n; k++) out[i++] = w.charCodeAt(k);
  }
  return out;
}

/** Apply `count` random edits: byte changes, inserts, deletes, block moves. */
function mutate(r: () => number, src: Uint8Array, count: number): Uint8Array {
  let d = Array.from(src);
  for (let c = 0; c < count; c++) {
    const op = r() % 4;
    const at = d.length ? r() % d.length : 0;
    if (op === 0 && d.length) d[at] = r() & 255;
    else if (op === 1) d.splice(at, 0, ...Array.from(randomBytes(r, 1 + (r() % 40))));
    else if (op === 2) d.splice(at, 1 + (r() % 40));
    else {
      const len = Math.min(d.length - at, 1 + (r() % 200));
      const block = d.splice(at, len);
      const to = d.length ? r() % d.length : 0;
      d.splice(to, 0, ...block);
    }
  }
  return Uint8Array.from(d);
}

/** Walk the records of a raw stream and return them (validating the framing). */
function records(patch: Uint8Array): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let p = 0;
  while (p < patch.length) {
    const rec: [number, number, number] = [readOfft(patch, p), readOfft(patch, p + 8), readOfft(patch, p + 16)];
    out.push(rec);
    p += 24 + rec[0] + rec[1];
  }
  expect(p).toBe(patch.length);
  return out;
}

function roundTrip(a: Uint8Array, b: Uint8Array): Uint8Array {
  const patch = bsdiff(a, b);
  const back = bspatch(a, patch, b.length);
  expect(Buffer.from(back).equals(Buffer.from(b))).toBe(true);
  // Record framing: diff + extra lengths add up to the new size.
  const recs = records(patch);
  expect(recs.reduce((s, r) => s + r[0] + r[1], 0)).toBe(b.length);
  expect(patch.length).toBe(24 * recs.length + b.length);
  return patch;
}

describe('sign-magnitude control integers (offtout/offtin)', () => {
  it('encodes known vectors', () => {
    const buf = new Uint8Array(8);
    const hex = (v: number) => {
      writeOfft(buf, 0, v);
      return Buffer.from(buf).toString('hex');
    };
    expect(hex(0)).toBe('0000000000000000');
    expect(hex(1)).toBe('0100000000000000');
    expect(hex(-1)).toBe('0100000000000080');
    expect(hex(300)).toBe('2c01000000000000');
    expect(hex(-300)).toBe('2c01000000000080');
    expect(hex(0x7fffffff)).toBe('ffffff7f00000000');
    expect(hex(0x123456789a)).toBe('9a78563412000000');
    expect(hex(-0x123456789a)).toBe('9a78563412000080');
    expect(hex(Number.MAX_SAFE_INTEGER)).toBe('ffffffffffff1f00');
    expect(() => writeOfft(buf, 0, 1.5)).toThrow(RangeError);
  });

  it('round-trips through readOfft', () => {
    const buf = new Uint8Array(8);
    const r = rng(5);
    for (let i = 0; i < 1000; i++) {
      const v = (r() * 0x200000 + (r() & 0x1fffff)) * (r() & 1 ? -1 : 1);
      writeOfft(buf, 0, v);
      expect(readOfft(buf, 0)).toBe(v);
    }
    // Negative zero (sign bit, magnitude 0) reads as zero.
    expect(readOfft(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x80), 0) === 0).toBe(true);
  });
});

describe('bsdiff', () => {
  it('handles empty inputs', () => {
    expect(bsdiff(new Uint8Array(0), new Uint8Array(0)).length).toBe(0);
    roundTrip(new Uint8Array(0), new TextEncoder().encode('hello'));
    roundTrip(new TextEncoder().encode('hello'), new Uint8Array(0));
    roundTrip(Uint8Array.of(1), Uint8Array.of(1));
    roundTrip(Uint8Array.of(1), Uint8Array.of(2));
  });

  it('emits a single all-diff record for identical inputs', () => {
    const d = textLike(rng(1), 5000);
    const patch = roundTrip(d, d);
    const recs = records(patch);
    expect(recs.length).toBe(1);
    expect(recs[0].slice(0, 2)).toEqual([5000, 0]); // the last record's seek is irrelevant
    expect(patch.subarray(24).every((b) => b === 0)).toBe(true);
  });

  it('round-trips seeded random edits on varied data', () => {
    const r = rng(2024);
    for (let it = 0; it < 60; it++) {
      const n = r() % 3000;
      const kind = it % 3;
      const a = kind === 0 ? randomBytes(r, n) : kind === 1 ? randomBytes(r, n, 3) : textLike(r, n);
      roundTrip(a, mutate(r, a, r() % 12));
      roundTrip(a, randomBytes(r, r() % 500)); // unrelated
    }
  });

  it('produces small patches for near-identical larger files', () => {
    const r = rng(77);
    const a = textLike(r, 200_000);
    const b = mutate(r, a, 20);
    const patch = roundTrip(a, b);
    // Nearly all bytes are in diff sections and nearly all diff bytes are zero.
    const recs = records(patch);
    const extra = recs.reduce((s, x) => s + x[1], 0);
    expect(extra).toBeLessThan(2000);
    let nonzero = 0;
    let p = 0;
    for (const [x, y] of recs) {
      for (let i = 0; i < x; i++) if (patch[p + 24 + i] !== 0) nonzero++;
      p += 24 + x + y;
    }
    expect(nonzero).toBeLessThan(2000);
  });

  it('round-trips highly repetitive inputs (long extension loops)', () => {
    const r = rng(11);
    const period = randomBytes(r, 2080);
    const a = new Uint8Array(60_000);
    for (let i = 0; i < a.length; i++) a[i] = period[i % period.length];
    const b = new Uint8Array(50_000);
    for (let i = 0; i < b.length; i++) b[i] = period[(i + 777) % period.length];
    for (let k = 0; k < 100; k++) b[r() % b.length] = r() & 255;
    roundTrip(a, b);
  });

  it('finds moved blocks (negative seeks)', () => {
    const r = rng(3);
    const x = randomBytes(r, 4000);
    const y = randomBytes(r, 4000);
    const a = new Uint8Array([...x, ...y]);
    const b = new Uint8Array([...y, ...x]);
    const patch = roundTrip(a, b);
    const recs = records(patch);
    expect(recs.some((rec) => rec[2] < 0)).toBe(true);
    expect(recs.reduce((s, rec) => s + rec[1], 0)).toBeLessThan(100);
  });

  it('works on unaligned subarray views', () => {
    const r = rng(21);
    const a = textLike(r, 20_000);
    const b = mutate(r, a, 10);
    const bigA = new Uint8Array(a.length + 7);
    bigA.set(a, 3);
    const bigB = new Uint8Array(b.length + 9);
    bigB.set(b, 5);
    const viewA = bigA.subarray(3, 3 + a.length);
    const viewB = bigB.subarray(5, 5 + b.length);
    const patch = bsdiff(viewA, viewB);
    expect(Buffer.from(patch).equals(Buffer.from(bsdiff(a, b)))).toBe(true);
    expect(Buffer.from(bspatch(viewA, patch, b.length)).equals(Buffer.from(b))).toBe(true);
  });

  it('accepts a precomputed suffix array and validates its length', () => {
    const r = rng(9);
    const a = textLike(r, 10_000);
    const b = mutate(r, a, 5);
    const sa = suffixArray(a);
    expect(Buffer.from(bsdiff(a, b, { suffixArray: sa })).equals(Buffer.from(bsdiff(a, b)))).toBe(true);
    expect(() => bsdiff(a, b, { suffixArray: new Int32Array(3) })).toThrow(RangeError);
    expect(() => bsdiff('x' as unknown as Uint8Array, b)).toThrow(TypeError);
  });
});
