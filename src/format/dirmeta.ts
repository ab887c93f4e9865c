/**
 * Dirmeta objects `(uuua(ayay))` and the identical bare-user "filemeta" (`user.ostreemeta` xattr).
 *
 * Facts from upstream: `src/libostree/ostree-core.h` (`OSTREE_DIRMETA_GVARIANT_STRING`,
 * `OSTREE_FILEMETA_GVARIANT_STRING`), `src/libostree/ostree-core.c`
 * (`ostree_validate_structureof_dirmeta()`: normal form, `S_ISDIR`, `validate_stat_mode_perms()`,
 * `_ostree_validate_structureof_xattrs()`), `src/libostree/ostree-repo-commit.c`
 * (`_ostree_write_bareuser_metadata()`): uid, gid, mode are big-endian u32s.
 * See ostree-formats.md §1.5, §3.4.
 *
 * @module
 */

import { decode, encode } from '../gvariant/index.js';
import { asCorrupt, bswap32, corruptObject } from './bytes.js';
import { isDirMode, validateDirMode, validateFileMode, validateStatModePerms, isRegularMode, isSymlinkMode } from './mode.js';
import { DIRMETA_TYPE, FILEMETA_TYPE } from './types.js';
import { canonicalizeXattrs, xattrsProblem, type Xattrs } from './xattrs.js';

/** Directory metadata. */
export interface Dirmeta {
  /** Owner user ID. */
  uid: number;
  /** Owner group ID. */
  gid: number;
  /** Full mode including `S_IFDIR`. */
  mode: number;
  /** Extended attributes: `[name incl. trailing NUL, value]`, sorted. */
  xattrs: Xattrs;
}

/** bare-user file metadata (`user.ostreemeta`): same shape as {@link Dirmeta}, regular file or symlink mode. */
export type Filemeta = Dirmeta;

function checkU32(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} must be a u32, got ${v}`);
}

function encodeMeta(type: string, m: Dirmeta): Uint8Array {
  checkU32('uid', m.uid);
  checkU32('gid', m.gid);
  return encode(type, [bswap32(m.uid), bswap32(m.gid), bswap32(m.mode), canonicalizeXattrs(m.xattrs)]);
}

/**
 * Serialize a dirmeta in normal form; xattrs are sorted canonically.
 *
 * @throws OstreeError `INVALID_MODE` unless `mode` is a valid directory mode, `INVALID_ARGUMENT`
 *   for bad xattrs; RangeError for uid/gid outside u32
 */
export function encodeDirmeta(m: Dirmeta): Uint8Array {
  validateDirMode(m.mode);
  return encodeMeta(DIRMETA_TYPE, m);
}

function decodeMeta(kind: string, type: string, bytes: Uint8Array, checkMode: (mode: number) => string | null, checkOrder: boolean): Dirmeta {
  return asCorrupt(kind, () => {
    const v = decode(type, bytes) as [number, number, number, Xattrs];
    const mode = bswap32(v[2]);
    const p = checkMode(mode);
    if (p !== null) throw corruptObject(kind, `invalid mode 0${mode.toString(8)}: ${p}`, undefined, { mode });
    try {
      validateStatModePerms(mode);
    } catch (e) {
      throw corruptObject(kind, (e as Error).message, e, { mode });
    }
    if (checkOrder) {
      const xp = xattrsProblem(v[3]);
      if (xp !== null) throw corruptObject(kind, xp);
    }
    return { uid: bswap32(v[0]), gid: bswap32(v[1]), mode, xattrs: v[3] };
  });
}

/**
 * Parse and validate a dirmeta like `ostree_validate_structureof_dirmeta()`. Xattr views may
 * alias `bytes`.
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function decodeDirmeta(bytes: Uint8Array): Dirmeta {
  return decodeMeta('dirmeta', DIRMETA_TYPE, bytes, (m) => (isDirMode(m) ? null : 'not a directory'), true);
}

/**
 * Serialize bare-user file metadata (`_ostree_write_bareuser_metadata()`).
 *
 * @throws OstreeError `INVALID_MODE` unless `mode` is a regular-file or symlink mode,
 *   `INVALID_ARGUMENT` for bad xattrs
 */
export function encodeFilemeta(m: Filemeta): Uint8Array {
  validateFileMode(m.mode);
  return encodeMeta(FILEMETA_TYPE, m);
}

/**
 * Parse bare-user file metadata: normal form, regular-file or symlink mode with valid bits
 * (xattrs are returned as stored, unchecked: upstream does not validate them here either).
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function decodeFilemeta(bytes: Uint8Array): Filemeta {
  return decodeMeta(
    'filemeta',
    FILEMETA_TYPE,
    bytes,
    (m) => (isRegularMode(m) || isSymlinkMode(m) ? null : 'not a regular file or symlink'),
    false,
  );
}

