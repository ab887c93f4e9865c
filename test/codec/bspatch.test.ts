import { describe, it, expect } from 'vitest';
import { bsdiff, writeOfft } from '../../src/codec/bsdiff.js';
import { bspatch, DEFAULT_BSPATCH_MAX_NEW_SIZE } from '../../src/codec/bspatch.js';
import { OstreeError } from '../../src/errors.js';
import { xorshift32 } from '../util/prng.js';

/** Deterministic xorshift32 generator. */
const rng = xorshift32;

/** Build a raw stream from records [diffLen, extraLen, seek, ...payload bytes]. */
function stream(...recs: Array<{ ctrl: [number, number, number]; data?: number[] }>): Uint8Array {
  const parts: number[] = [];
  for (const r of recs) {
    const c = new Uint8Array(24);
    writeOfft(c, 0, r.ctrl[0]);
    writeOfft(c, 8, r.ctrl[1]);
    writeOfft(c, 16, r.ctrl[2]);
    parts.push(...c, ...(r.data ?? []));
  }
  return Uint8Array.from(parts);
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OstreeError);
    expect((e as OstreeError).code).toBe(code);
    return;
  }
  throw new Error(`expected OstreeError ${code}`);
}

const old = Uint8Array.of(10, 20, 30, 40, 50);

describe('bspatch semantics', () => {
  it('adds diff bytes to old bytes mod 256 and copies extra bytes', () => {
    const p = stream({ ctrl: [3, 2, 0], data: [1, 0, 250, 9, 8] });
    expect(Array.from(bspatch(old, p, 5))).toEqual([11, 20, 24, 9, 8]);
  });

  it('seeks (also backwards) between records', () => {
    // record 1: diff 2 at old 0; seek +1 → old pos 3; record 2: diff 2 at old 3; seek -5 → 0; record 3: diff 1.
    const p = stream(
      { ctrl: [2, 0, 1], data: [0, 0] },
      { ctrl: [2, 0, -5], data: [0, 0] },
      { ctrl: [1, 0, 0], data: [1] },
    );
    expect(Array.from(bspatch(old, p, 5))).toEqual([10, 20, 40, 50, 11]);
  });

  it('treats old positions outside the old file as zero bytes', () => {
    // Seek to -2 then a diff of 4: positions -2, -1 read as 0, then old[0], old[1].
    const p = stream({ ctrl: [0, 0, -2] }, { ctrl: [4, 0, 100] }, { ctrl: [2, 0, 0] });
    const full = Uint8Array.from([...p.subarray(0, 48), 1, 2, 3, 4, ...p.subarray(48), 5, 6]);
    expect(Array.from(bspatch(old, full, 6))).toEqual([1, 2, 13, 24, 5, 6]);
    expect(Array.from(bspatch(new Uint8Array(0), stream({ ctrl: [2, 1, 0], data: [7, 8, 9] }), 3))).toEqual([7, 8, 9]);
  });

  it('returns an empty output for newSize 0 without reading the patch', () => {
    expect(bspatch(old, new Uint8Array(0), 0).length).toBe(0);
  });

  it('ignores bytes after the record that completes the output (as upstream)', () => {
    const p = stream({ ctrl: [0, 1, 0], data: [42] });
    expect(Array.from(bspatch(old, Uint8Array.from([...p, 1, 2, 3]), 1))).toEqual([42]);
  });
});

describe('bspatch bounds', () => {
  it('rejects truncated patches', () => {
    const p = stream({ ctrl: [3, 2, 0], data: [1, 0, 250, 9, 8] });
    for (let cut = 0; cut < p.length; cut++) expectCode(() => bspatch(old, p.subarray(0, cut), 5), 'BSPATCH_CORRUPT');
    expectCode(() => bspatch(old, new Uint8Array(0), 1), 'BSPATCH_CORRUPT');
  });

  it('rejects negative and oversized section lengths', () => {
    expectCode(() => bspatch(old, stream({ ctrl: [-1, 0, 0] }), 5), 'BSPATCH_CORRUPT');
    expectCode(() => bspatch(old, stream({ ctrl: [0, -1, 0] }), 5), 'BSPATCH_CORRUPT');
    expectCode(() => bspatch(old, stream({ ctrl: [0x80000000, 0, 0] }), 5), 'BSPATCH_CORRUPT');
    expectCode(() => bspatch(old, stream({ ctrl: [0, 0x80000000, 0] }), 5), 'BSPATCH_CORRUPT');
    // Magnitude bytes all 0xff (≈ 2^63): rejected, not wrapped.
    const huge = new Uint8Array(24).fill(0xff);
    huge[7] = 0x7f;
    expectCode(() => bspatch(old, huge, 5), 'BSPATCH_CORRUPT');
  });

  it('rejects records running past newSize', () => {
    expectCode(() => bspatch(old, stream({ ctrl: [6, 0, 0], data: [0, 0, 0, 0, 0, 0] }), 5), 'BSPATCH_CORRUPT');
    expectCode(() => bspatch(old, stream({ ctrl: [3, 3, 0], data: [0, 0, 0, 0, 0, 0] }), 5), 'BSPATCH_CORRUPT');
    expectCode(() => bspatch(old, stream({ ctrl: [0, 6, 0], data: [0, 0, 0, 0, 0, 0] }), 5), 'BSPATCH_CORRUPT');
  });

  it('rejects seeks beyond the exactly representable range', () => {
    const p = new Uint8Array(48 + 2);
    writeOfft(p, 0, 1);
    writeOfft(p, 8, 0);
    p.fill(0xff, 16, 23);
    p[23] = 0x7f; // seek ≈ +2^63
    writeOfft(p, 25, 1);
    expectCode(() => bspatch(old, p, 2), 'BSPATCH_CORRUPT');
  });

  it('terminates on endless zero-length records', () => {
    const p = new Uint8Array(24 * 1000);
    expectCode(() => bspatch(old, p, 1), 'BSPATCH_CORRUPT');
  });

  it('enforces the output size limit and argument types', () => {
    expectCode(() => bspatch(old, new Uint8Array(0), 11, { maxNewSize: 10 }), 'BSPATCH_LIMIT');
    expectCode(() => bspatch(old, new Uint8Array(0), DEFAULT_BSPATCH_MAX_NEW_SIZE + 1), 'BSPATCH_LIMIT');
    expect(() => bspatch(old, new Uint8Array(0), -1)).toThrow(RangeError);
    expect(() => bspatch(old, new Uint8Array(0), 1.5)).toThrow(RangeError);
    expect(() => bspatch(old, new Uint8Array(0), 1, { maxNewSize: -1 })).toThrow(RangeError);
    expect(() => bspatch(old, [] as unknown as Uint8Array, 1)).toThrow(TypeError);
  });

  it('never crashes on mutated patches (seeded fuzz)', () => {
    const r = rng(31337);
    const a = new Uint8Array(3000);
    for (let i = 0; i < a.length; i++) a[i] = r() % 7;
    const b = new Uint8Array(a);
    for (let i = 0; i < 30; i++) b[r() % b.length] = r() & 255;
    const patch = bsdiff(a, b.subarray(0, 2900));
    let ok = 0;
    for (let it = 0; it < 3000; it++) {
      const m = new Uint8Array(patch);
      const edits = 1 + (r() % 4);
      for (let e = 0; e < edits; e++) {
        const at = r() % m.length;
        // Bias towards control words: flip sign bits and high bytes.
        m[at] = r() % 3 === 0 ? m[at] ^ 0x80 : r() & 255;
      }
      const cut = r() % 4 === 0 ? r() % m.length : m.length;
      const newSize = r() % 8 === 0 ? r() % 4000 : 2900;
      try {
        const out = bspatch(a, m.subarray(0, cut), newSize);
        expect(out.length).toBe(newSize);
        ok++;
      } catch (e) {
        expect(e).toBeInstanceOf(OstreeError);
        expect((e as OstreeError).code).toBe('BSPATCH_CORRUPT');
      }
    }
    expect(ok).toBeGreaterThan(0);
  });
});
