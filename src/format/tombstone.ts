/**
 * Tombstone commits (`.tombstone-commit`): an `a{sv}` with one entry `commit` → `v(ay)` holding the
 * deleted commit's hex checksum as a NUL-terminated bytestring; stored under the deleted commit's
 * checksum.
 *
 * Facts from upstream `src/libostree/ostree-repo.c` (`ostree_repo_delete_object()`, built with
 * `g_variant_builder` + `g_variant_new_bytestring`). See ostree-formats.md §1.9.
 *
 * @module
 */

import { decode, encode, Variant } from '../gvariant/index.js';
import { asCorrupt, corruptObject } from './bytes.js';
import { isChecksum, validateChecksum } from './checksum.js';
import { TOMBSTONE_TYPE } from './types.js';

/** A tombstone. */
export interface Tombstone {
  /** The deleted commit's checksum. */
  commit: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Serialize a tombstone (78 bytes).
 *
 * @throws OstreeError `INVALID_CHECKSUM`
 */
export function encodeTombstone(t: Tombstone): Uint8Array {
  validateChecksum(t.commit);
  const b = new Uint8Array(65);
  b.set(enc.encode(t.commit));
  return encode(TOMBSTONE_TYPE, [['commit', new Variant('ay', b)]]);
}

/**
 * Parse a tombstone: normal form, a `commit` entry of type `ay` holding 64 hex chars + NUL.
 * Other entries are ignored.
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function decodeTombstone(bytes: Uint8Array): Tombstone {
  const kind = 'tombstone-commit';
  return asCorrupt(kind, () => {
    const d = decode(TOMBSTONE_TYPE, bytes) as Array<[string, Variant]>;
    const e = d.find(([k]) => k === 'commit');
    if (!e) throw corruptObject(kind, "missing 'commit' key");
    const v = e[1];
    if (v.type !== 'ay') throw corruptObject(kind, `'commit' has type ${v.type}, expected ay`);
    const b = v.value as Uint8Array;
    if (b.length !== 65 || b[64] !== 0) throw corruptObject(kind, "'commit' is not a NUL-terminated checksum");
    const commit = dec.decode(b.subarray(0, 64));
    if (!isChecksum(commit)) throw corruptObject(kind, "'commit' is not a valid checksum");
    return { commit };
  });
}
