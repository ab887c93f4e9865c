/**
 * Detached commit metadata (`.commitmeta`, `a{sv}`) — where signatures live.
 *
 * Facts from upstream: `src/libostree/ostree-repo-commit.c`
 * (`ostree_repo_write_commit_detached_metadata()`: stored in normal form, keyed by the commit
 * checksum, never hashed), `src/libostree/ostree-core.c`
 * (`_ostree_detached_metadata_append_gpg_sig()`) and `src/libostree/ostree-sign.c`
 * (`_sign_detached_metadata_append()`): appending rebuilds the dict through a `GVariantDict`, so the
 * result is in GHashTable order. See ostree-formats.md §1.8, §6.4.
 *
 * @module
 */

import { decode, encode, Variant, type GVValue } from '../gvariant/index.js';
import { asCorrupt } from './bytes.js';
import { ghashOrderEntries } from './ghash-order.js';
import { COMMITMETA_TYPE, SIGNATURES_TYPE } from './types.js';

/** Detached metadata: `a{sv}` entries in serialized order. */
export type Commitmeta = Array<[string, Variant]>;

/** Serialize detached metadata in normal form (entry order is kept). */
export function encodeCommitmeta(m: Commitmeta): Uint8Array {
  return encode(COMMITMETA_TYPE, m as GVValue);
}

/**
 * Parse detached metadata (normal form required). An empty file is the empty dict.
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function decodeCommitmeta(bytes: Uint8Array): Commitmeta {
  return asCorrupt('commitmeta', () => decode(COMMITMETA_TYPE, bytes) as Commitmeta);
}

/**
 * Emulate `GVariantDict`: start from `dict`, apply `updates` with `g_variant_dict_insert_value`
 * (replace in place or add), and return what `g_variant_dict_end()` serializes (GHashTable order).
 */
export function vardictUpdate(dict: ReadonlyArray<readonly [string, Variant]>, updates: ReadonlyArray<readonly [string, Variant]>): Array<[string, Variant]> {
  return ghashOrderEntries<Variant>([...dict, ...updates]);
}

/**
 * Append one signature to the `aay` array under `key` (e.g. `ostree.gpgsigs`,
 * `ostree.sign.ed25519`), creating it if absent, the way `_sign_detached_metadata_append()` does:
 * the result is in GHashTable order. A value of another type under `key` is replaced.
 */
export function appendSignature(m: ReadonlyArray<readonly [string, Variant]>, key: string, signature: Uint8Array): Commitmeta {
  let existing: Uint8Array[] = [];
  for (const [k, v] of m) {
    if (k === key && v.type === SIGNATURES_TYPE) {
      existing = v.value as Uint8Array[];
      break;
    }
  }
  return vardictUpdate(m, [[key, new Variant(SIGNATURES_TYPE, [...existing, signature])]]);
}
