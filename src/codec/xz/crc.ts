/**
 * Integrity checks used by the .xz container: CRC32 (IEEE, reflected 0xEDB88320), CRC64 (ECMA-182,
 * reflected 0xC96C5795D7870F42) and SHA-256.
 *
 * Polynomials and the little-endian storage of the check fields come from the .xz file format
 * specification (xz-file-format.txt §3.4 "Check" and §6 "Cyclic Redundancy Checks").
 *
 * @module
 */
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';

// ---- CRC32 --------------------------------------------------------------------------------------

const CRC32_TABLE = /* @__PURE__ */ (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

function crc32Table(data: Uint8Array, prev: number): number {
  let c = ~prev;
  for (let i = 0; i < data.length; i++) c = CRC32_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const zlibCrc32 = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;

/**
 * CRC32 (IEEE 802.3, as zlib and xz use it) of `data`, continuing from `prev` (the CRC of the bytes
 * before; 0 to start). Uses `zlib.crc32` when the running Node has it.
 */
export function crc32(data: Uint8Array, prev = 0): number {
  if (zlibCrc32 !== undefined && data.length > 32) return zlibCrc32(data, prev) >>> 0;
  return crc32Table(data, prev);
}

// ---- CRC64 (slicing by 8, in two 32-bit halves: no BigInt) -----------------------------------

/** lo/hi halves of the 8 slicing tables, table k at offset k*256. */
const C64_LO = new Int32Array(8 * 256);
const C64_HI = new Int32Array(8 * 256);
(() => {
  const polyLo = 0xd7870f42 | 0;
  const polyHi = 0xc96c5795 | 0;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = (lo >>> 1) | (hi << 31);
      hi = hi >>> 1;
      if (bit) {
        lo ^= polyLo;
        hi ^= polyHi;
      }
    }
    C64_LO[i] = lo;
    C64_HI[i] = hi;
  }
  for (let t = 1; t < 8; t++) {
    for (let i = 0; i < 256; i++) {
      const plo = C64_LO[(t - 1) * 256 + i];
      const phi = C64_HI[(t - 1) * 256 + i];
      const idx = plo & 0xff;
      C64_LO[t * 256 + i] = ((plo >>> 8) | (phi << 24)) ^ C64_LO[idx];
      C64_HI[t * 256 + i] = (phi >>> 8) ^ C64_HI[idx];
    }
  }
})();

/**
 * CRC64-ECMA-182 as used by .xz (check ID 4), returned as its 8 little-endian bytes, the form
 * stored in the file.
 */
export function crc64(data: Uint8Array): Uint8Array {
  let lo = -1;
  let hi = -1;
  const n = data.length;
  let i = 0;
  const L = C64_LO;
  const H = C64_HI;
  // 8 bytes per step, read as two little-endian words (DataView: any host, any alignment)
  const dv = new DataView(data.buffer, data.byteOffset, n);
  for (; i + 8 <= n; i += 8) {
    const a = lo ^ dv.getInt32(i, true);
    const b = hi ^ dv.getInt32(i + 4, true);
    const i7 = 7 * 256 + (a & 0xff);
    const i6 = 6 * 256 + ((a >>> 8) & 0xff);
    const i5 = 5 * 256 + ((a >>> 16) & 0xff);
    const i4 = 4 * 256 + (a >>> 24);
    const i3 = 3 * 256 + (b & 0xff);
    const i2 = 2 * 256 + ((b >>> 8) & 0xff);
    const i1 = 256 + ((b >>> 16) & 0xff);
    const i0 = b >>> 24;
    lo = L[i7] ^ L[i6] ^ L[i5] ^ L[i4] ^ L[i3] ^ L[i2] ^ L[i1] ^ L[i0];
    hi = H[i7] ^ H[i6] ^ H[i5] ^ H[i4] ^ H[i3] ^ H[i2] ^ H[i1] ^ H[i0];
  }
  for (; i < n; i++) {
    const idx = (lo ^ data[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ L[idx];
    hi = (hi >>> 8) ^ H[idx];
  }
  lo = ~lo;
  hi = ~hi;
  const out = new Uint8Array(8);
  out[0] = lo;
  out[1] = lo >>> 8;
  out[2] = lo >>> 16;
  out[3] = lo >>> 24;
  out[4] = hi;
  out[5] = hi >>> 8;
  out[6] = hi >>> 16;
  out[7] = hi >>> 24;
  return out;
}

/** SHA-256 of `data` (check ID 10), via node:crypto. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/**
 * Size in bytes of the check field for a check ID (0..15), per xz-file-format.txt §2.1.1.2: IDs
 * come in groups of three sharing a size.
 */
export function checkSize(id: number): number {
  if (id === 0) return 0;
  return 4 << (((id - 1) / 3) | 0);
}

/**
 * Compute the check field for `data` with a supported check ID, or `undefined` for an ID this
 * module does not implement.
 */
export function computeCheck(id: number, data: Uint8Array): Uint8Array | undefined {
  switch (id) {
    case 0:
      return new Uint8Array(0);
    case 1: {
      const c = crc32(data);
      return new Uint8Array([c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]);
    }
    case 4:
      return crc64(data);
    case 10:
      return sha256(data);
    default:
      return undefined;
  }
}
