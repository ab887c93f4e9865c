/**
 * Unsigned LEB128 varints (Protocol Buffers varint64), as used by `ostree.sizes` commit metadata
 * and static-delta op streams.
 *
 * Facts from upstream `src/libostree/ostree-varint.c` (`_ostree_read_varuint64()`,
 * `_ostree_write_varuint64()`): 7 bits per byte, least significant group first, continuation bit
 * 0x80, at most 10 bytes.
 *
 * Deviation (stricter): upstream silently drops bits beyond 64 in a 10-byte varint; we reject a
 * value that does not fit in a u64 as corrupt.
 *
 * @module
 */

import { OstreeError, type OstreeErrorCode } from '../errors.js';

/** Maximum encoded length of a u64 varint. */
export const VARINT_MAX_BYTES = 10;

const U64_MAX = (1n << 64n) - 1n;

/** A decoded varint and the number of bytes it used. */
export interface VarintResult<T> {
  /** Decoded value. */
  readonly value: T;
  /** Encoded length in bytes (1..10). */
  readonly length: number;
}

/**
 * Encode a u64 in minimal LEB128 form.
 *
 * @param value - a non-negative safe integer or a bigint in 0..2^64-1
 * @throws RangeError when `value` is out of range
 */
export function encodeVarint(value: bigint | number): Uint8Array {
  const out: number[] = [];
  writeVarint(out, value);
  return Uint8Array.from(out);
}

/**
 * Append the minimal LEB128 encoding of `value` to `out` (for builders).
 *
 * @throws RangeError when `value` is out of range
 */
export function writeVarint(out: number[], value: bigint | number): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: invalid value ${value}`);
    while (value >= 0x80) {
      out.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    out.push(value);
    return;
  }
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new RangeError(`varint: invalid value ${String(value)}`);
  }
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
}

function corrupt(code: OstreeErrorCode, offset: number, why: string): OstreeError {
  return new OstreeError(code, `Invalid varint at offset ${offset}: ${why}`, { data: { offset } });
}

/**
 * Decode a varint as a bigint.
 *
 * @param bytes - input
 * @param offset - where the varint starts (default 0)
 * @param code - error code to throw (default `CORRUPT_OBJECT`; deltas pass `DELTA_CORRUPT`)
 * @throws OstreeError `code` on end of input, more than 10 bytes, or a value above 2^64-1
 */
export function decodeVarint(
  bytes: Uint8Array,
  offset = 0,
  code: OstreeErrorCode = 'CORRUPT_OBJECT',
): VarintResult<bigint> {
  // Fast path: up to 7 bytes (49 bits) fit a double exactly.
  let lo = 0;
  let i = 0;
  for (; i < 7; i++) {
    if (offset + i >= bytes.length) throw corrupt(code, offset, 'unexpected end of data');
    const b = bytes[offset + i]!;
    lo += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value: BigInt(lo), length: i + 1 };
  }
  let result = BigInt(lo);
  for (; i < VARINT_MAX_BYTES; i++) {
    if (offset + i >= bytes.length) throw corrupt(code, offset, 'unexpected end of data');
    const b = bytes[offset + i]!;
    result |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      if (result > U64_MAX) throw corrupt(code, offset, 'value exceeds 64 bits');
      return { value: result, length: i + 1 };
    }
  }
  throw corrupt(code, offset, 'longer than 10 bytes');
}

/**
 * Decode a varint as a JS number (the hot path for delta offsets and sizes).
 *
 * @param bytes - input
 * @param offset - where the varint starts (default 0)
 * @param code - error code to throw (default `CORRUPT_OBJECT`)
 * @throws OstreeError `code` on malformed input or a value above `Number.MAX_SAFE_INTEGER`
 */
export function decodeVarintNumber(
  bytes: Uint8Array,
  offset = 0,
  code: OstreeErrorCode = 'CORRUPT_OBJECT',
): VarintResult<number> {
  let value = 0;
  for (let i = 0; i < 7; i++) {
    if (offset + i >= bytes.length) throw corrupt(code, offset, 'unexpected end of data');
    const b = bytes[offset + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, length: i + 1 };
  }
  const r = decodeVarint(bytes, offset, code);
  if (r.value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(code, offset, 'value exceeds 2^53-1');
  return { value: Number(r.value), length: r.length };
}
