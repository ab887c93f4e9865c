/**
 * Multi-block xz streams (xzCompressBlock + xzJoinBlocks, used for parallel delta-part compression)
 * checked against the real `xz -d` / `xz -l` and our decoder.
 */
import { describe, it, expect } from 'vitest';
import { xzCompress, xzCompressBlock, xzDecompress, xzJoinBlocks } from '../../src/codec/xz/index.js';
import { itXz, xz, genText, genBinary, concat, same } from './xz-util.js';

const data = concat(genText(150_000, 11), genBinary(100_000, 12), new Uint8Array(50_000));

describe('xzCompressBlock / xzJoinBlocks', () => {
  itXz('three blocks make one stream that xz decodes and indexes as 3 blocks', () => {
    const cuts = [0, 90_000, 200_000, data.length];
    const blocks = cuts.slice(1).map((end, i) => xzCompressBlock(data.subarray(cuts[i]!, end), { preset: 6, check: 'crc64' }));
    const s = xzJoinBlocks(blocks, 'crc64');
    expect(same(xz(['-d', '-c'], s), data)).toBe(true);
    expect(same(xzDecompress(s), data)).toBe(true);
    // the index (after the 12-byte stream header and the blocks) records 3 blocks
    const at = 12 + blocks.reduce((n, b) => n + b.bytes.length, 0);
    expect([s[at], s[at + 1]]).toEqual([0x00, 3]);
  });
  it('a single block joined equals xzCompress', () => {
    const one = xzJoinBlocks([xzCompressBlock(data, { preset: 8, check: 'crc64' })], 'crc64');
    expect(same(one, xzCompress(data, { preset: 8, check: 'crc64' }))).toBe(true);
    expect(same(xzJoinBlocks([], 'crc32'), xzCompress(new Uint8Array(0), { check: 'crc32' }))).toBe(true);
  });
  it('rejects empty blocks and mismatched checks', () => {
    expect(() => xzCompressBlock(new Uint8Array(0))).toThrow(RangeError);
    const b = xzCompressBlock(data.subarray(0, 1000), { check: 'crc32' });
    expect(() => xzJoinBlocks([b], 'crc64')).toThrow(RangeError);
  });
});
