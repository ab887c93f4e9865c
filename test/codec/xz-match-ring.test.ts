/**
 * The match ring (xzCreateMatchRing / xzProduceMatches / XzCompressOptions.matchRing): the
 * encoder fed from a ring must write exactly what it writes with its own match finder. Here the
 * producer runs to completion first in the same thread (the inputs fit the ring); the two-thread
 * path is exercised by bench/delta.bench.ts (byte-identical parts, checked by `ostree`).
 */
import { describe, it, expect } from 'vitest';
import { abortMatchRing, xzCompress, xzCreateMatchRing, xzDecompress, xzProduceMatches } from '../../src/codec/xz/index.js';
import { MatchRingReader } from '../../src/codec/xz/match-ring.js';
import { genText, genBinary, concat, same } from './xz-util.js';

const data = concat(genText(120_000, 21), genBinary(60_000, 22), new Uint8Array(40_000), genText(30_000, 21));

describe('xz match ring', () => {
  for (const preset of [1, 3, 6, 8]) {
    it(`preset ${preset}: output equals the single-thread encoder's`, () => {
      const ring = xzCreateMatchRing();
      xzProduceMatches(data, ring, { preset });
      const viaRing = xzCompress(data, { preset, check: 'crc64', matchRing: ring });
      expect(same(viaRing, xzCompress(data, { preset, check: 'crc64' }))).toBe(true);
      expect(same(xzDecompress(viaRing), data)).toBe(true);
    });
  }
  it('extreme mode and tiny inputs', () => {
    for (const d of [data.subarray(0, 5), data.subarray(0, 1), data.subarray(1000, 9000)]) {
      const ring = xzCreateMatchRing();
      xzProduceMatches(d, ring, { preset: 9, extreme: true });
      expect(same(xzCompress(d, { preset: 9, extreme: true, matchRing: ring }), xzCompress(d, { preset: 9, extreme: true }))).toBe(true);
    }
  });
  it('an aborted ring makes the consumer throw instead of waiting', () => {
    const ring = xzCreateMatchRing();
    abortMatchRing(ring);
    expect(() => xzCompress(data, { preset: 8, matchRing: ring })).toThrow(/match finder thread failed/);
  });
  it('positions must be read in order', () => {
    const ring = xzCreateMatchRing();
    xzProduceMatches(data, ring, { preset: 8 });
    const r = new MatchRingReader(ring, data.length, 64, 48);
    const out = new Int32Array(600);
    r.find(0, out);
    expect(() => r.find(2, out)).toThrow(/in order/);
  });
});
