/**
 * Extended attributes as OSTree serializes them: `a(ayay)` of (name *including its trailing NUL*,
 * value without NUL), sorted by name with `strcmp`.
 *
 * Facts from upstream `src/libostree/ostree-core.c`: `_ostree_canonicalize_xattrs()` (sort by
 * name with `strcmp`; NULL ⇒ empty array) and `_ostree_validate_structureof_xattrs()` (sorted,
 * no duplicates, no empty or NUL-less names).
 *
 * @module
 */

import { OstreeError } from '../errors.js';
import { strcmpBytes } from './bytes.js';

/** One extended attribute: `[name bytes incl. trailing NUL, value bytes]`. */
export type Xattr = [name: Uint8Array, value: Uint8Array];
/** A list of extended attributes in serialized order. */
export type Xattrs = Xattr[];

const enc = new TextEncoder();

/** The on-disk form of an xattr name: its UTF-8 bytes plus the trailing NUL. */
export function xattrName(name: string): Uint8Array {
  const b = enc.encode(name);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/**
 * Why `xattrs` are not canonical (sorted by `strcmp` of the name, unique, every name non-empty and
 * NUL-terminated), or `null` when they are. Mirrors `_ostree_validate_structureof_xattrs()`
 * (upstream reads names with `^&ay`, which sees a missing NUL as an empty name).
 */
export function xattrsProblem(xattrs: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): string | null {
  let prev: Uint8Array | null = null;
  for (let i = 0; i < xattrs.length; i++) {
    const name = xattrs[i]![0];
    if (name.length < 2 || name[name.length - 1] !== 0 || name[0] === 0) {
      return `invalid xattr name (empty or missing NUL) index=${i}`;
    }
    if (prev) {
      const c = strcmpBytes(prev, name);
      if (c === 0) return `duplicate xattr name, index=${i}`;
      if (c > 0) return `incorrectly sorted xattr name, index=${i}`;
    }
    prev = name;
  }
  return null;
}

/**
 * Canonical xattrs (`_ostree_canonicalize_xattrs()`): a sorted copy, validated.
 *
 * @throws OstreeError `INVALID_ARGUMENT` for an empty/NUL-less name or a duplicate name
 */
export function canonicalizeXattrs(xattrs: ReadonlyArray<readonly [Uint8Array, Uint8Array]> | null | undefined): Xattrs {
  if (!xattrs || xattrs.length === 0) return [];
  const sorted: Xattrs = xattrs.map((x) => [x[0], x[1]]);
  sorted.sort((a, b) => strcmpBytes(a[0], b[0]));
  const p = xattrsProblem(sorted);
  if (p !== null) throw new OstreeError('INVALID_ARGUMENT', `Invalid xattrs: ${p}`);
  return sorted;
}
