/**
 * crc64 (src/codec/xz/crc.ts, slicing by 8 over 32-bit halves) against a plain bitwise
 * CRC-64/XZ written with BigInt, on every alignment and on lengths around the 8-byte steps.
 */
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../src/codec/xz/index.js';
import { xorshift32 } from '../util/prng.js';

const POLY = 0xc96c5795d7870f42n; // ECMA-182, reflected (xz-file-format.txt)
const MASK = (1n << 64n) - 1n;

function reference(data: Uint8Array): Uint8Array {
  let crc = MASK;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ POLY : crc >> 1n;
  }
  crc ^= MASK;
  const out = new Uint8Array(8);
  for (let k = 0; k < 8; k++) out[k] = Number((crc >> BigInt(8 * k)) & 0xffn);
  return out;
}

describe('crc64', () => {
  it('matches a bitwise reference at every offset and around the 8-byte steps', () => {
    const next = xorshift32(99);
    const buf = Uint8Array.from({ length: 4200 }, () => next() & 0xff);
    expect(Buffer.from(crc64(new TextEncoder().encode('123456789'))).toString('hex')).toBe('fa3919dfbbc95d99'); // check value 0x995dc9bbdf1939fa, little-endian
    for (let off = 0; off < 8; off++) {
      for (const len of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 4096 + off]) {
        const d = buf.subarray(off, off + len);
        expect(Buffer.from(crc64(d)).toString('hex'), `offset ${off} length ${len}`).toBe(Buffer.from(reference(d)).toString('hex'));
      }
    }
  });
});
