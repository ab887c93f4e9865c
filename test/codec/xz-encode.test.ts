/**
 * Differential tests of the xz encoder (src/codec/xz) against the real `xz -d`, and size parity with `xz -8`.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { xzCompress, xzDecompress } from '../../src/codec/xz/index.js';
import { isOstreeError } from '../../src/errors.js';

import { itXz, xz, genText, genBinary, genRandom, concat, same } from './xz-util.js';
const text = genText(400_000, 1);
const bin = genBinary(400_000, 2);
const rnd = genRandom(200_000, 3);
const nodeBin = existsSync(process.execPath) ? new Uint8Array(readFileSync(process.execPath).subarray(0, 600_000)) : bin;
const datasets: [string, Uint8Array][] = [
  ['text', text], ['binary', bin], ['node-binary', nodeBin], ['random', rnd],
  ['empty', new Uint8Array(0)], ['one byte', new Uint8Array([0x42])], ['zeros', new Uint8Array(300_000)],
];

describe('xzCompress → xz -d', () => {
  const presets: [number, boolean][] = [[0, false], [1, false], [3, false], [6, false], [8, false]];
  for (const [name, data] of datasets) {
    itXz(`round-trips ${name} at presets 0/1/3/6/8`, () => {
      const src = data.length > 200_000 ? data.subarray(0, 200_000) : data;
      for (const [preset, extreme] of presets) {
        const c = xzCompress(src, { preset, extreme });
        expect(same(xz(['-d', '-c'], c), src), `${name} preset ${preset}`).toBe(true);
        expect(same(xzDecompress(c), src), `${name} preset ${preset} (ours)`).toBe(true);
      }
    });
  }
  itXz('writes crc32, none and sha256 checks that xz verifies', () => {
    const src = text.subarray(0, 100_000);
    for (const check of ['crc32', 'none', 'sha256', 'crc64'] as const) {
      const c = xzCompress(src, { preset: 2, check });
      expect(same(xz(['-d', '-c'], c), src)).toBe(true);
      expect(c[7]).toBe({ crc32: 1, none: 0, sha256: 10, crc64: 4 }[check]); // stream flags: check ID
    }
  });
  itXz('extreme preset (-9e) output is valid', () => {
    const src = concat(text.subarray(0, 120_000), bin.subarray(0, 60_000));
    const c = xzCompress(src, { preset: 9, extreme: true });
    expect(same(xz(['-d', '-c'], c), src)).toBe(true);
  });
  itXz('mixed compressible/incompressible data uses uncompressed chunks and state resets correctly', () => {
    const src = concat(rnd.subarray(0, 150_000), text.subarray(0, 100_000), rnd.subarray(50_000, 200_000),
      bin.subarray(0, 80_000), text.subarray(0, 100_000));
    for (const preset of [1, 6]) {
      const c = xzCompress(src, { preset });
      expect(same(xz(['-d', '-c'], c), src)).toBe(true);
      expect(same(xzDecompress(c), src)).toBe(true);
    }
  });
  itXz('multi-megabyte input (2.5 MB) at preset 6', () => {
    const t = genText(500_000, 9);
    const src = concat(t, genBinary(300_000, 10), new Uint8Array(1_000_000), t, bin.subarray(0, 200_000));
    const c = xzCompress(src);
    expect(same(xz(['-d', '-c'], c), src)).toBe(true);
    expect(same(xzDecompress(c), src)).toBe(true);
  });
  itXz('preset 8 size is within 2% of xz -8', () => {
    for (const [name, data] of [['text', text], ['binary', bin], ['node-binary', nodeBin]] as const) {
      const ours = xzCompress(data, { preset: 8 }).length;
      const theirs = xz(['-8', '-C', 'crc64', '-c'], data).length;
      expect(ours / theirs, `${name}: ours ${ours} xz ${theirs}`).toBeLessThan(1.02);
    }
  });
  itXz('declares a dictionary no larger than the input (small decoder memory)', () => {
    const src = text.subarray(0, 100_000);
    const c = xzCompress(src, { preset: 9 });
    // xz -9 output would need ~65 MiB to decode; ours declares a 128 KiB dictionary.
    expect(same(xz(['-d', '-c', '--memlimit=2MiB'], c), src)).toBe(true);
  });
  itXz('match finder, nice length and depth overrides (the static-delta settings) round-trip', () => {
    const src = concat(text.subarray(0, 150_000), rnd.subarray(0, 40_000), nodeBin.subarray(0, 150_000), text.subarray(0, 50_000));
    const variants = [
      { preset: 8, matchFinder: 'hc4', niceLen: 64, depth: 48 },
      { preset: 6, matchFinder: 'hc4' },
      { preset: 1, matchFinder: 'bt4', niceLen: 16 },
      { preset: 8, niceLen: 273, depth: 4 },
    ] as const;
    for (const v of variants) {
      const c = xzCompress(src, v);
      expect(same(xz(['-d', '-c'], c), src), JSON.stringify(v)).toBe(true);
      expect(same(xzDecompress(c), src), JSON.stringify(v)).toBe(true);
    }
    // hash chains with the optimal parser: within 1 % of xz -8's size (measured ≈ 0.3 % on delta parts)
    for (const [name, data] of [['text', text], ['node-binary', nodeBin]] as const) {
      const ours = xzCompress(data, { preset: 8, matchFinder: 'hc4', depth: 48 }).length;
      const theirs = xz(['-8', '-C', 'crc64', '-c'], data).length;
      expect(ours / theirs, `${name}: ours ${ours} xz ${theirs}`).toBeLessThan(1.01);
    }
  });
  it('rejects bad arguments with TypeError/RangeError', () => {
    expect(() => xzCompress(new Uint8Array(1), { preset: 8, matchFinder: 'bt2' as 'bt4' })).toThrow(RangeError);
    expect(() => xzCompress(new Uint8Array(1), { preset: 8, niceLen: 1 })).toThrow(RangeError);
    expect(() => xzCompress(new Uint8Array(1), { preset: 8, depth: -1 })).toThrow(RangeError);
    expect(() => xzCompress(new Uint8Array(1), { preset: 10 })).toThrow(RangeError);
    expect(() => xzCompress('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => xzDecompress([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
  it('empty input makes a stream with no blocks that we decode', () => {
    const c = xzCompress(new Uint8Array(0));
    expect(c.length).toBe(32);
    expect(xzDecompress(c).length).toBe(0);
    expect(isOstreeError((() => { try { xzDecompress(c.subarray(0, 31)); } catch (e) { return e; } })(), 'XZ_CORRUPT')).toBe(true);
  });
});
