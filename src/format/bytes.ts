/**
 * Small byte helpers shared by the format modules: byte swapping for OSTree's big-endian fields
 * inside little-endian GVariants, UTF-8 code-point comparison, and the CORRUPT_OBJECT error.
 *
 * @module
 */

import { OstreeError } from '../errors.js';

/** Swap the byte order of a u32 (OSTree stores uid/gid/mode BE; GVariant numbers are LE here). */
export function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

const swapView = new DataView(new ArrayBuffer(8));

/** Swap the byte order of a u64. */
export function bswap64(v: bigint): bigint {
  swapView.setBigUint64(0, v, true);
  return swapView.getBigUint64(0, false);
}

/**
 * Compare two strings in the order of their UTF-8 bytes (= Unicode code-point order), which is
 * what `strcmp` gives upstream. JS `<` compares UTF-16 code units and differs for characters
 * above U+FFFF versus U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Move surrogates (supplementary planes) above U+E000–U+FFFF.
      if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
      if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** A UTF-16 code unit at or above U+D800: where JS `<` and UTF-8 byte order can disagree. */
const HIGH_UNIT = /[\uD800-\uFFFF]/;

/**
 * `items` sorted by `key` in {@link compareUtf8} order (a new array). When no key has a code unit
 * at or above U+D800 — ASCII ref names, say — JS `<` already is byte order and the sort compares
 * natively (several times faster); otherwise it uses {@link compareUtf8}.
 */
export function sortByUtf8<T>(items: Iterable<T>, key: (item: T) => string): T[] {
  const out = [...items];
  for (const it of out) {
    if (HIGH_UNIT.test(key(it))) return out.sort((a, b) => compareUtf8(key(a), key(b)));
  }
  return out.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x === y ? 0 : 1;
  });
}

/** `strcmp` of two byte strings (comparison stops at the first NUL, as in C). */
export function strcmpBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x - y;
    if (x === 0) return 0;
  }
  const x = a.length > n ? a[n]! : 0;
  const y = b.length > n ? b[n]! : 0;
  return x - y;
}

/** True when two byte arrays are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The error every object decoder throws: `CORRUPT_OBJECT`, naming the object kind, with the
 * underlying error (GVariant framing, bad name, …) as `cause`.
 */
export function corruptObject(kind: string, why: string, cause?: unknown, data: Record<string, unknown> = {}): OstreeError {
  return new OstreeError('CORRUPT_OBJECT', `Corrupt ${kind}: ${why}`, { data: { kind, ...data }, cause });
}

/**
 * Run `f` and convert any failure into {@link corruptObject} for `kind` (an already-converted
 * CORRUPT_OBJECT error passes through).
 */
export function asCorrupt<T>(kind: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OstreeError && e.code === 'CORRUPT_OBJECT' && e.data.kind === kind) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw corruptObject(kind, why, e);
  }
}
