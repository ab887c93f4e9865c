import { describe, it, expect } from 'vitest';
import { encodeVarint, decodeVarint, decodeVarintNumber } from '../../src/format/varint.js';
import { codeOf } from '../util/errors.js';

const code = codeOf;

describe('varint (§7.5)', () => {
  it('encodes known values', () => {
    expect([...encodeVarint(0)]).toEqual([0]);
    expect([...encodeVarint(127)]).toEqual([0x7f]);
    expect([...encodeVarint(128)]).toEqual([0x80, 0x01]);
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02]);
    expect([...encodeVarint(300000)]).toEqual([...encodeVarint(300000n)]);
    expect([...encodeVarint((1n << 64n) - 1n)]).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
    expect(() => encodeVarint(-1)).toThrow(RangeError);
    expect(() => encodeVarint(1n << 64n)).toThrow(RangeError);
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
  });
  it('round-trips across bit boundaries', () => {
    for (let bits = 0; bits <= 64; bits++) {
      for (const v of [(1n << BigInt(bits)) - 1n, 1n << BigInt(bits)]) {
        if (v >= 1n << 64n) continue;
        const e = encodeVarint(v);
        const buf = new Uint8Array(e.length + 3);
        buf.set(e, 2);
        expect(decodeVarint(buf, 2)).toEqual({ value: v, length: e.length });
        if (v <= BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(decodeVarintNumber(buf, 2)).toEqual({ value: Number(v), length: e.length });
          expect(encodeVarint(Number(v))).toEqual(e);
        } else {
          expect(code(() => decodeVarintNumber(buf, 2))).toBe('CORRUPT_OBJECT');
        }
      }
    }
  });
  it('rejects truncation, overlong and overflow with the given code', () => {
    expect(code(() => decodeVarint(new Uint8Array([0x80])))).toBe('CORRUPT_OBJECT');
    expect(code(() => decodeVarint(new Uint8Array([])))).toBe('CORRUPT_OBJECT');
    expect(code(() => decodeVarint(new Uint8Array(11).fill(0x80), 0, 'DELTA_CORRUPT'))).toBe('DELTA_CORRUPT');
    expect(code(() => decodeVarint(new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255, 255, 2])))).toBe('CORRUPT_OBJECT');
    expect(code(() => decodeVarintNumber(new Uint8Array([0x80, 0x80]), 0, 'DELTA_CORRUPT'))).toBe('DELTA_CORRUPT');
  });
});
