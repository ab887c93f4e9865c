/**
 * Single-block xz streams compressed in segments (xzSegmentPlan + xzCompressSegment + xzJoinSegments,
 * used for parallel delta-part compression), checked against the real `xz -d` and our decoder.
 */
import { describe, it, expect } from 'vitest';
import {
  xzCompress, xzCompressSegment, xzDecompress, xzJoinSegments, xzSegmentPlan, type XzCompressOptions,
} from '../../src/codec/xz/index.js';
import { itXz, xz, genText, genBinary, genRandom, concat, same } from './xz-util.js';

const text = genText(160_000, 21);
const data = concat(text, genBinary(90_000, 22), genRandom(70_000, 23), text.subarray(0, 60_000), new Uint8Array(20_000));

function segmented(input: Uint8Array, size: number, opts: XzCompressOptions, preload = Infinity): { out: Uint8Array; parts: Uint8Array[] } {
  const plan = xzSegmentPlan(input.length, size, opts, preload);
  const parts = plan.map((seg) => xzCompressSegment(input.slice(seg.prefix, seg.end), seg, input.length, opts));
  return { out: xzJoinSegments(input, parts, opts), parts };
}

/** Control byte of the first LZMA2 chunk of a raw segment. */
const control = (part: Uint8Array): number => part[0]!;

describe('xz segments', () => {
  itXz('segments with the whole window preloaded make one block that xz decodes', () => {
    for (const opts of [{ preset: 8, matchFinder: 'hc4', depth: 48 }, { preset: 6 }, { preset: 1 }] as XzCompressOptions[]) {
      const { out, parts } = segmented(data, 64 * 1024, opts);
      expect(parts.length).toBe(Math.ceil(data.length / (64 * 1024)));
      expect(same(xz(['-d', '-c'], out), data), JSON.stringify(opts)).toBe(true);
      expect(same(xzDecompress(out), data), JSON.stringify(opts)).toBe(true);
      // first segment resets the dictionary (LZMA 0xE0 or uncompressed 0x01); later ones only the
      // coder state and restate the properties (0xC0) or are uncompressed without a dictionary reset (0x02)
      const c0 = control(parts[0]!);
      expect(c0 === 0x01 || (c0 & 0xe0) === 0xe0, `control ${c0.toString(16)}`).toBe(true);
      for (const p of parts.slice(1)) {
        const c = control(p);
        expect(c === 0x02 || (c & 0xe0) === 0xc0, `control ${c.toString(16)}`).toBe(true);
      }
      expect(parts.at(-1)!.at(-1)).toBe(0); // the end marker (a marker inside would end decoding early)
    }
  });
  itXz('a segment after segments of uncompressed chunks only (incompressible data) still carries the properties', () => {
    const input = concat(genRandom(150_000, 31), text.subarray(0, 100_000));
    const opts: XzCompressOptions = { preset: 8, matchFinder: 'hc4', depth: 48 };
    const { out, parts } = segmented(input, 75_000, opts);
    expect(parts.length).toBe(4);
    expect(parts[0]![0]).toBe(0x01); // the first segment is stored: no properties sent yet
    expect(parts[1]![0]).toBe(0x02);
    expect(same(xz(['-d', '-c'], out), input)).toBe(true);
    expect(same(xzDecompress(out), input)).toBe(true);
  });
  itXz('a bounded preload still decodes, and costs little on repetitive data', () => {
    const opts: XzCompressOptions = { preset: 8, matchFinder: 'hc4', depth: 48 };
    const full = segmented(data, 100_000, opts).out;
    const bounded = segmented(data, 100_000, opts, 16 * 1024).out;
    expect(same(xz(['-d', '-c'], bounded), data)).toBe(true);
    expect(same(xzDecompress(bounded), data)).toBe(true);
    const single = xzCompress(data, opts).length;
    expect(full.length / single).toBeLessThan(1.01);
    expect(bounded.length).toBeGreaterThanOrEqual(full.length - 64);
  });
  it('one segment (input no larger than the segment size) equals xzCompress', () => {
    const opts: XzCompressOptions = { preset: 8, matchFinder: 'hc4', depth: 48 };
    const { out, parts } = segmented(data, 1 << 20, opts);
    expect(parts.length).toBe(1);
    expect(same(out, xzCompress(data, opts))).toBe(true);
    expect(xzSegmentPlan(0, 4096)).toEqual([]);
  });
  it('the plan depends only on its arguments', () => {
    const a = xzSegmentPlan(30_000_000, 12 << 20, { preset: 8 }, 8 << 20);
    expect(a.map((s) => [s.prefix, s.start, s.end])).toEqual([
      [0, 0, 10_000_000], [10_000_000 - (8 << 20), 10_000_000, 20_000_000], [20_000_000 - (8 << 20), 20_000_000, 30_000_000],
    ]);
    // the preload never exceeds the dictionary (64 KiB input → 64 KiB dictionary)
    const b = xzSegmentPlan(65_536, 4096, { preset: 8 });
    expect(b.every((s) => s.prefix === 0)).toBe(true);
  });
  it('rejects bad arguments', () => {
    expect(() => xzSegmentPlan(10, 100)).toThrow(RangeError);
    expect(() => xzSegmentPlan(-1, 4096)).toThrow(RangeError);
    const [s0] = xzSegmentPlan(10_000, 4096);
    expect(() => xzCompressSegment(data.subarray(0, 10), s0!, 10_000)).toThrow(RangeError);
    expect(() => xzCompressSegment('x' as unknown as Uint8Array, s0!, 10_000)).toThrow(TypeError);
    const first = xzCompressSegment(data.slice(s0!.prefix, s0!.end), s0!, 10_000);
    expect(() => xzJoinSegments(data.subarray(0, 10_000), [first])).toThrow(RangeError); // stream not ended
    const plan = xzSegmentPlan(10_000, 4096);
    const parts = plan.map((seg) => xzCompressSegment(data.slice(seg.prefix, seg.end), seg, 10_000));
    expect(() => xzJoinSegments(data.subarray(0, 10_000), [parts[0]!, parts[2]!])).toThrow(RangeError); // bytes missing
    expect(() => xzJoinSegments(data.subarray(0, 10_000), [parts[2]!, parts[0]!, parts[1]!])).toThrow(RangeError); // marker inside
    expect(() => xzJoinSegments(data.subarray(0, 10_000), [parts[0]!, parts[1]!.subarray(1), parts[2]!])).toThrow(RangeError);
    expect(same(xzDecompress(xzJoinSegments(data.subarray(0, 10_000), parts)), data.subarray(0, 10_000))).toBe(true);
  });
});
