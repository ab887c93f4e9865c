/**
 * OSTree checksum strings: SHA-256 digests written as 64 lowercase hex characters, their raw
 * 32-byte form, and the "modified base64" form used in static-delta paths.
 *
 * Facts from upstream `src/libostree/ostree-core.c`:
 * `ostree_validate_structureof_checksum_string()` accepts only `[0-9a-f]{64}`;
 * `ostree_checksum_b64_inplace_from_bytes()` / `…_to_bytes()` define the modified base64
 * (standard alphabet, `/` → `_`, trailing `=` dropped, 43 characters).
 *
 * @module
 */

import { OstreeError } from '../errors.js';

/** Length of a hex checksum string (`OSTREE_SHA256_STRING_LEN`). */
export const CHECKSUM_HEX_LENGTH = 64;
/** Length of a raw checksum (`OSTREE_SHA256_DIGEST_LEN`). */
export const CHECKSUM_BYTE_LENGTH = 32;
/** Length of a modified-base64 checksum. */
export const CHECKSUM_B64_LENGTH = 43;

const HEX_CHARS = '0123456789abcdef';
const BYTE_TO_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_TO_HEX.push(HEX_CHARS[i >> 4]! + HEX_CHARS[i & 15]!);

/** char code → nibble value, -1 when not a lowercase hex digit. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX_CHARS.charCodeAt(i)] = i;

const CHECKSUM_RE = /^[0-9a-f]{64}$/;

/**
 * Lowercase hex of arbitrary bytes.
 *
 * @param bytes - any bytes
 * @returns `2 * bytes.length` lowercase hex characters
 */
export function bytesToHex(bytes: Uint8Array): string {
  if (bytes.length > 8) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_HEX[bytes[i]!]!;
  return s;
}

/**
 * Bytes of an even-length lowercase hex string.
 *
 * @param hex - lowercase hex (uppercase is rejected, as ostree does)
 * @throws OstreeError `INVALID_CHECKSUM` on odd length or a non-hex character
 */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw invalidChecksum(hex, 'odd hex length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0, j = 0; j < out.length; i += 2, j++) {
    const c1 = hex.charCodeAt(i);
    const c2 = hex.charCodeAt(i + 1);
    const hi = c1 < 128 ? HEX_VALUE[c1]! : -1;
    const lo = c2 < 128 ? HEX_VALUE[c2]! : -1;
    if (hi < 0 || lo < 0) throw invalidChecksum(hex, 'invalid hex character');
    out[j] = (hi << 4) | lo;
  }
  return out;
}

/**
 * True when `hex` is a valid checksum string (`[0-9a-f]{64}`), like
 * `ostree_validate_checksum_string()` without the error.
 */
export function isChecksum(hex: unknown): hex is string {
  return typeof hex === 'string' && hex.length === CHECKSUM_HEX_LENGTH && CHECKSUM_RE.test(hex);
}

/**
 * Validate a checksum string (`ostree_validate_structureof_checksum_string()`).
 *
 * @throws OstreeError `INVALID_CHECKSUM` unless `hex` is 64 lowercase hex characters
 */
export function validateChecksum(hex: string): void {
  if (!isChecksum(hex)) throw invalidChecksum(hex, 'expected 64 lowercase hex characters');
}

/**
 * Raw 32 bytes of a checksum string (`ostree_checksum_to_bytes()`).
 *
 * @throws OstreeError `INVALID_CHECKSUM` when `hex` is not a valid checksum
 */
export function checksumToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== CHECKSUM_HEX_LENGTH) validateChecksum(hex);
  try {
    return hexToBytes(hex);
  } catch {
    throw invalidChecksum(hex, 'expected 64 lowercase hex characters');
  }
}

/**
 * Checksum string of 32 raw bytes (`ostree_checksum_from_bytes()`).
 *
 * @throws OstreeError `INVALID_CHECKSUM` when `bytes` is not exactly 32 bytes long
 */
export function checksumFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== CHECKSUM_BYTE_LENGTH) {
    throw new OstreeError('INVALID_CHECKSUM', `Invalid checksum of length ${bytes.length}, expected 32 bytes`, {
      data: { length: bytes.length },
    });
  }
  return bytesToHex(bytes);
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64_ALPHABET.charCodeAt(i)] = i;

/**
 * Modified base64 of a checksum (`ostree_checksum_b64_from_bytes()`): standard base64 with `/`
 * replaced by `_` and the trailing `=` dropped — 43 characters; `+` is kept.
 *
 * @param checksum - a hex checksum string or its 32 raw bytes
 * @throws OstreeError `INVALID_CHECKSUM` on a malformed checksum
 */
export function checksumToB64(checksum: string | Uint8Array): string {
  const b = typeof checksum === 'string' ? checksumToBytes(checksum) : checksum;
  if (b.length !== CHECKSUM_BYTE_LENGTH) checksumFromBytes(b); // throws
  let s = '';
  let i = 0;
  for (; i + 3 <= 30; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64_ALPHABET[n >> 18]! + B64_ALPHABET[(n >> 12) & 63]! + B64_ALPHABET[(n >> 6) & 63]! + B64_ALPHABET[n & 63]!;
  }
  // 2 remaining bytes → 3 characters (the '=' is dropped)
  const n = (b[30]! << 16) | (b[31]! << 8);
  s += B64_ALPHABET[n >> 18]! + B64_ALPHABET[(n >> 12) & 63]! + B64_ALPHABET[(n >> 6) & 63]!;
  return s;
}

/**
 * Hex checksum of a modified-base64 checksum (`ostree_checksum_b64_to_bytes()`), strictly:
 * exactly 43 characters of `[A-Za-z0-9+_]` whose last character carries no stray low bits.
 *
 * @throws OstreeError `INVALID_CHECKSUM` otherwise
 */
export function checksumFromB64(b64: string): string {
  return bytesToHex(checksumBytesFromB64(b64));
}

/**
 * Raw 32 bytes of a modified-base64 checksum; see {@link checksumFromB64}.
 *
 * @throws OstreeError `INVALID_CHECKSUM` on malformed input
 */
export function checksumBytesFromB64(b64: string): Uint8Array {
  if (typeof b64 !== 'string' || b64.length !== CHECKSUM_B64_LENGTH) {
    throw invalidChecksum(String(b64), 'expected 43 modified-base64 characters');
  }
  const vals = new Uint8Array(44);
  for (let i = 0; i < 43; i++) {
    const c = b64.charCodeAt(i);
    const v = c < 128 ? B64_VALUE[c]! : -1;
    if (v < 0) throw invalidChecksum(b64, 'invalid modified-base64 character');
    vals[i] = v;
  }
  if ((vals[42]! & 3) !== 0) throw invalidChecksum(b64, 'non-canonical modified base64');
  const out = new Uint8Array(33);
  for (let i = 0, j = 0; i < 44; i += 4, j += 3) {
    const n = (vals[i]! << 18) | (vals[i + 1]! << 12) | (vals[i + 2]! << 6) | vals[i + 3]!;
    out[j] = n >> 16;
    out[j + 1] = (n >> 8) & 255;
    out[j + 2] = n & 255;
  }
  return out.slice(0, 32);
}

function invalidChecksum(value: string, why: string): OstreeError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new OstreeError('INVALID_CHECKSUM', `Invalid checksum '${shown}': ${why}`, { data: { checksum: shown } });
}
