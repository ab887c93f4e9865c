/**
 * Malformed .xz input: every failure must be an OstreeError with an XZ_* code, quickly, never a
 * RangeError/TypeError and never a hang. Inputs are made by our encoder (no external tool needed).
 */
import { describe, it, expect } from 'vitest';
import { xzCompress, xzDecompress } from '../../src/codec/xz/index.js';
import { crc32 } from '../../src/codec/xz/crc.js';
import { OstreeError } from '../../src/errors.js';
import { prng } from './xz-util.js';


const rnd = prng(7);
const words = ['alpha', 'beta', 'gamma', 'delta', 'ostree', 'commit', 'dirtree', 'xz', 'lzma', 'static'];
let s = '';
while (s.length < 20_000) s += words[Math.floor(rnd() * words.length)] + (rnd() < 0.1 ? '\n' : ' ');
const plain = new TextEncoder().encode(s);
const good = xzCompress(plain, { preset: 6 });

/** Run the decoder and return the error code ('' when it succeeded). */
function outcome(data: Uint8Array, opts?: Parameters<typeof xzDecompress>[1]): string {
  try {
    xzDecompress(data, opts);
    return '';
  } catch (e) {
    if (!(e instanceof OstreeError)) throw e;
    expect(e.code).toMatch(/^XZ_(CORRUPT|UNSUPPORTED|LIMIT)$/);
    return e.code;
  }
}

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

/** Build a stream header + one block header with the given body, with valid CRCs. */
function blockHeader(body: number[]): number[] {
  const bh = [0, ...body];
  while ((bh.length + 4) & 3) bh.push(0);
  bh[0] = (bh.length + 4) / 4 - 1;
  return [...bh, ...u32le(crc32(new Uint8Array(bh)))];
}
const streamHeader = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, ...u32le(crc32(new Uint8Array([0, 4])))];

describe('xzDecompress on corrupt input', () => {
  it('the fixture itself decodes', () => {
    expect(Buffer.from(xzDecompress(good)).equals(Buffer.from(plain))).toBe(true);
  });

  it('every truncation is XZ_CORRUPT', () => {
    for (let n = 0; n < good.length; n++) expect(outcome(good.subarray(0, n)), `prefix ${n}`).toBe('XZ_CORRUPT');
  });

  it('trailing garbage is XZ_CORRUPT', () => {
    expect(outcome(new Uint8Array([...good, 1, 2, 3, 4]))).toBe('XZ_CORRUPT');
    expect(outcome(new Uint8Array([...good, 0, 0, 0, 0]))).toBe(''); // valid stream padding
  });

  it('every single-bit flip in headers, index and footer is detected', () => {
    const regions = [[0, 40], [good.length - 40, good.length]];
    for (const [a, b] of regions) {
      for (let i = a; i < b; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const m = good.slice();
          m[i] ^= 1 << bit;
          expect(outcome(m), `byte ${i} bit ${bit}`).not.toBe('');
        }
      }
    }
  });

  it('bit flips in the compressed block are detected (CRC64 or LZMA errors)', () => {
    const r = prng(11);
    for (let k = 0; k < 400; k++) {
      const m = good.slice();
      const i = 24 + Math.floor(r() * (good.length - 80));
      m[i] ^= 1 << Math.floor(r() * 8);
      expect(outcome(m), `byte ${i}`).not.toBe('');
    }
  });

  it('random mutations never throw anything but OstreeError', () => {
    const r = prng(12);
    for (let k = 0; k < 300; k++) {
      const m = good.slice();
      const edits = 1 + Math.floor(r() * 8);
      for (let e = 0; e < edits; e++) m[Math.floor(r() * m.length)] = Math.floor(r() * 256);
      outcome(m);
    }
    for (let k = 0; k < 200; k++) {
      const junk = new Uint8Array(Math.floor(r() * 200));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(r() * 256);
      junk.set(good.subarray(0, Math.min(12, junk.length)));
      outcome(junk);
    }
  });

  it('a huge declared uncompressed size is rejected at once with maxOutput', () => {
    // block header declaring 2^50 uncompressed bytes, then a tiny LZMA2 body
    const bh = blockHeader([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x21, 0x01, 0x16]);
    const data = new Uint8Array([...streamHeader, ...bh, 0x01, 0x00, 0x00, 0x41, 0x00]);
    expect(outcome(data, { maxOutput: 1 << 20 })).toBe('XZ_LIMIT');
    expect(outcome(data)).toBe('XZ_CORRUPT'); // sizes disagree, detected after the (tiny) block
  });

  it('a huge dictionary is rejected by memlimit', () => {
    const bh = blockHeader([0x00, 0x21, 0x01, 40]); // dict 4 GiB - 1
    const data = new Uint8Array([...streamHeader, ...bh, 0x00]);
    expect(outcome(data, { memlimit: 64 << 20 })).toBe('XZ_LIMIT');
  });

  it('LZMA2 chunks that claim more output than maxOutput stop immediately', () => {
    const big = xzCompress(new Uint8Array(3_000_000), { preset: 1 });
    expect(outcome(big, { maxOutput: 1000 })).toBe('XZ_LIMIT');
  });

  it('rejects bad LZMA2 control bytes, missing dict reset and bad properties', () => {
    const bh = blockHeader([0x00, 0x21, 0x01, 0x10]);
    const mk = (body: number[]): Uint8Array => new Uint8Array([...streamHeader, ...bh, ...body]);
    expect(outcome(mk([0x03]))).toBe('XZ_CORRUPT'); // invalid control
    expect(outcome(mk([0x02, 0x00, 0x00, 0x41]))).toBe('XZ_CORRUPT'); // no dict reset first
    expect(outcome(mk([0x80, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0]))).toBe('XZ_CORRUPT'); // LZMA without dict reset
    expect(outcome(mk([0xe0, 0x00, 0x00, 0x00, 0x04, 0xff, 0, 0, 0, 0, 0]))).toBe('XZ_CORRUPT'); // props > 224
    expect(outcome(mk([0xe0, 0x00, 0x00, 0x00, 0x04, 0x5d, 1, 0, 0, 0, 0]))).toBe('XZ_CORRUPT'); // rc first byte ≠ 0
  });

  it('rejects unsupported check types and stream flags', () => {
    const hdr = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x02, ...u32le(crc32(new Uint8Array([0, 2])))];
    expect(outcome(new Uint8Array([...hdr, 0, 0, 0, 0]))).toBe('XZ_UNSUPPORTED');
    const hdr2 = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x01, 0x04, ...u32le(crc32(new Uint8Array([1, 4])))];
    expect(outcome(new Uint8Array([...hdr2, 0, 0, 0, 0]))).toBe('XZ_UNSUPPORTED');
  });
});
