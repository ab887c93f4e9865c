/** The fuzz runner itself: it must catch what it claims to catch. */
import { describe, it, expect } from 'vitest';
import { OstreeError } from '../../src/errors.js';
import { fuzz, runOne, type FuzzTarget } from './runner.js';
import { mutate } from './mutate.js';
import { Prng } from '../util/prng.js';

const seeds = () => [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])];

describe('fuzz runner', () => {
  it('flags exceptions other than OstreeError, counts OstreeError codes', async () => {
    const t: FuzzTarget = {
      name: 'selftest',
      seeds,
      run: (b) => {
        if (b.length === 8) return;
        if (b.length % 2) throw new OstreeError('SELFTEST', 'odd');
        throw new TypeError('even');
      },
    };
    const s = await fuzz(t, 300, 1, { save: false, maxFailures: 1000 });
    expect(s.failures.length).toBeGreaterThan(0);
    expect(s.failures.every((f) => f.kind === 'exception' && f.message.startsWith('TypeError'))).toBe(true);
    expect(s.codes.SELFTEST).toBeGreaterThan(0);
    expect(s.accepted + (s.codes.SELFTEST ?? 0) + s.failures.length).toBe(300);
  });

  it('flags rejections of an unmutated seed and async rejections', async () => {
    const s = await fuzz({ name: 'selftest', seeds, run: async () => Promise.reject(new RangeError('x')) }, 5, 1, { save: false });
    expect(s.failures[0]!.message).toMatch(/^RangeError/);
    const t = await fuzz({ name: 'selftest', seeds, run: () => { throw new OstreeError('X', 'no'); } }, 1, 1, { save: false });
    expect(t.failures.map((f) => f.kind)).toEqual(['seed']);
  });

  it('flags inputs slower than 1 s', async () => {
    const r = await runOne({ name: 'selftest', seeds, run: () => { const end = Date.now() + 1100; while (Date.now() < end); } }, new Uint8Array(1));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.kind).toBe('slow');
  });

  it('mutations are deterministic for a seed and never modify their input', () => {
    const input = new Prng(5).bytes(64);
    const copy = new Uint8Array(input);
    const a = Array.from({ length: 50 }, (_, i) => mutate(input, new Prng(i), [input]));
    const b = Array.from({ length: 50 }, (_, i) => mutate(input, new Prng(i), [input]));
    expect(a).toEqual(b);
    expect(input).toEqual(copy);
    expect(a.some((x) => x.length !== 64 || x.some((v, i) => v !== input[i]))).toBe(true);
  });
});
