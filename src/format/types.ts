/**
 * THE registry of OSTree GVariant type strings. Every reader and writer imports its type from
 * here; nothing else in the code base spells these strings.
 *
 * Sources (upstream ostree): `src/libostree/ostree-core.h` (`OSTREE_*_GVARIANT_STRING`),
 * `src/libostree/ostree-core-private.h` (`_OSTREE_FILE_HEADER_GVARIANT_FORMAT`,
 * `_OSTREE_ZLIB_FILE_HEADER_GVARIANT_FORMAT`, `_OSTREE_METADATA_GPGSIGS_*`),
 * `src/libostree/ostree-repo-static-delta-private.h` (`OSTREE_STATIC_DELTA_*`), and the writers
 * named per constant. See ostree-formats.md §1.2.
 *
 * @module
 */

/** Commit object: metadata, parent, related, subject, body, timestamp (BE), root tree, root meta. */
export const COMMIT_TYPE = '(a{sv}aya(say)sstayay)';
/** Dirtree object: files (name, content csum), dirs (name, tree csum, meta csum). */
export const DIRTREE_TYPE = '(a(say)a(sayay))';
/** Dirmeta object: uid, gid, mode (BE u32s), xattrs. */
export const DIRMETA_TYPE = '(uuua(ayay))';
/** bare-user `user.ostreemeta` xattr ("filemeta"): uid, gid, mode (BE), xattrs. */
export const FILEMETA_TYPE = '(uuua(ayay))';
/** Extended attributes: (name incl. trailing NUL, value). Also `.file-xattrs` objects. */
export const XATTRS_TYPE = 'a(ayay)';
/** Content header used for checksums and object streams: uid, gid, mode, rdev, symlink target, xattrs. */
export const FILE_HEADER_TYPE = '(uuuusa(ayay))';
/** Archive (`.filez`) header: content size (BE u64) then as {@link FILE_HEADER_TYPE}. */
export const ARCHIVE_FILE_HEADER_TYPE = '(tuuuusa(ayay))';
/** Detached commit metadata (`.commitmeta`). */
export const COMMITMETA_TYPE = 'a{sv}';
/** Tombstone commit (`.tombstone-commit`): `{ "commit": <ay hex+NUL> }`. */
export const TOMBSTONE_TYPE = 'a{sv}';
/** Generic string-keyed metadata dictionary. */
export const VARDICT_TYPE = 'a{sv}';
/** `ostree.sizes` commit metadata value: packed (csum, varint, varint, objtype) entries. */
export const SIZES_TYPE = 'aay';
/** `ostree.gpgsigs` / `ostree.sign.*` signature arrays. */
export const SIGNATURES_TYPE = 'aay';
/** Summary: refs (name, (commit size LE, commit csum, ref metadata)), additional metadata. */
export const SUMMARY_TYPE = '(a(s(taya{sv}))a{sv})';
/** One summary ref entry. */
export const SUMMARY_REF_TYPE = '(s(taya{sv}))';
/** `ostree.summary.collection-map`: collection ID → refs list. */
export const SUMMARY_COLLECTION_MAP_TYPE = 'a{sa(s(taya{sv}))}';
/** `summary.sig` (`OSTREE_SUMMARY_SIG_GVARIANT_STRING`). */
export const SUMMARY_SIG_TYPE = 'a{sv}';
/** Static-delta superblock (`OSTREE_STATIC_DELTA_SUPERBLOCK_FORMAT`). */
export const DELTA_SUPERBLOCK_TYPE = '(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))';
/** Signed superblock wrapper (`OSTREE_STATIC_DELTA_SIGNED_FORMAT`): magic (BE), superblock, signatures. */
export const DELTA_SIGNED_TYPE = '(taya{sv})';
/** Delta meta entry / part header (`OSTREE_STATIC_DELTA_META_ENTRY_FORMAT`). */
export const DELTA_META_ENTRY_TYPE = '(uayttay)';
/** Delta fallback entry (`OSTREE_STATIC_DELTA_FALLBACK_FORMAT`): objtype, csum, compressed, uncompressed. */
export const DELTA_FALLBACK_TYPE = '(yaytt)';
/** Delta part file: compression byte + payload (`finish_part()`). */
export const DELTA_PART_TYPE = '(yay)';
/** Decompressed delta part payload (`OSTREE_STATIC_DELTA_PART_PAYLOAD_FORMAT_V0`). */
export const DELTA_PART_PAYLOAD_TYPE = '(a(uuu)aa(ayay)ayay)';
/** Delta index file (`delta-indexes/XX/….index`). */
export const DELTA_INDEX_TYPE = 'a{sv}';
/** `ostree.static-deltas` map: delta name → `v(ay)` superblock checksum. */
export const STATIC_DELTAS_MAP_TYPE = 'a{sv}';
/** Object name `(su)` = (hex checksum, objtype) (`ostree_object_name_serialize()`). */
export const OBJECT_NAME_TYPE = '(su)';

/** Well-known metadata keys (`ostree-core.h`, `ostree-core-private.h`, `otcore.h`, `ostree-repo-os.h`). */
export const MetadataKeys = {
  VERSION: 'version',
  REF_BINDING: 'ostree.ref-binding',
  COLLECTION_BINDING: 'ostree.collection-binding',
  ENDOFLIFE: 'ostree.endoflife',
  ENDOFLIFE_REBASE: 'ostree.endoflife-rebase',
  SOURCE_TITLE: 'ostree.source-title',
  ARCHITECTURE: 'ostree.architecture',
  BOOTABLE: 'ostree.bootable',
  LINUX: 'ostree.linux',
  SIZES: 'ostree.sizes',
  GPGSIGS: 'ostree.gpgsigs',
  SIGN_ED25519: 'ostree.sign.ed25519',
  SIGN_SPKI: 'ostree.sign.spki',
  SIGN_DUMMY: 'ostree.sign.dummy',
} as const;
