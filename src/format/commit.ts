/**
 * Commit objects `(a{sv}aya(say)sstayay)` and the `ostree.sizes` metadata entries.
 *
 * Facts from upstream: `src/libostree/ostree-core.h` (`OSTREE_COMMIT_GVARIANT_STRING` and its
 * field comment), `src/libostree/ostree-repo-commit.c` (`ostree_repo_write_commit_with_time()`:
 * timestamp stored BE, related objects always empty; `add_size_index_to_metadata()`),
 * `src/libostree/ostree-core.c` (`ostree_validate_structureof_commit()`: normal form, no empty
 * metadata key, parent empty or 32 bytes, root tree/meta exactly 32 bytes;
 * `ostree_commit_get_content_checksum()`; `read_sizes_entry()`). See ostree-formats.md §1.3.
 *
 * Deviation (stricter): `related` entries must carry 32-byte checksums (upstream never writes any
 * and does not look at them).
 *
 * @module
 */

import { decode, encode, Variant, type GVValue } from '../gvariant/index.js';
import { OstreeError } from '../errors.js';
import { asCorrupt, bswap64, corruptObject } from './bytes.js';
import { bytesToHex, checksumToBytes, CHECKSUM_BYTE_LENGTH } from './checksum.js';
import { sha256Hex } from './checksums.js';
import { COMMIT_TYPE } from './types.js';
import { decodeVarintNumber, writeVarint } from './varint.js';
import { ObjectType, OBJECT_TYPE_FIRST, OBJECT_TYPE_LAST } from './object-type.js';

/** A commit as stored. Checksums are lowercase hex. */
export interface Commit {
  /** Commit metadata in serialized order (`a{sv}`). */
  metadata: Array<[string, Variant]>;
  /** Parent commit checksum, or `null` for a root commit. */
  parent: string | null;
  /** "Related objects" (name, commit checksum); always empty in practice. */
  related: Array<[string, string]>;
  /** Subject line (empty string if none). */
  subject: string;
  /** Body (empty string if none). */
  body: string;
  /** Seconds since the epoch (stored big-endian on disk). */
  timestamp: bigint;
  /** Root dirtree checksum. */
  rootTree: string;
  /** Root dirmeta checksum. */
  rootMeta: string;
}

const U64_MAX = (1n << 64n) - 1n;
const KIND = 'commit';

/**
 * Serialize a commit in normal form (what `ostree_repo_write_commit()` stores).
 *
 * @throws OstreeError `INVALID_CHECKSUM` for a malformed checksum, `INVALID_ARGUMENT` for an
 *   empty metadata key; RangeError for a timestamp outside 0..2^64-1
 */
export function encodeCommit(c: Commit): Uint8Array {
  if (typeof c.timestamp !== 'bigint' || c.timestamp < 0n || c.timestamp > U64_MAX) {
    throw new RangeError('encodeCommit: timestamp must be a bigint in 0..2^64-1');
  }
  for (const [k] of c.metadata) {
    if (k.length === 0) throw new OstreeError('INVALID_ARGUMENT', 'Empty commit metadata key');
  }
  const value: GVValue = [
    c.metadata as GVValue,
    c.parent === null ? new Uint8Array(0) : checksumToBytes(c.parent),
    c.related.map(([name, csum]) => [name, checksumToBytes(csum)]),
    c.subject,
    c.body,
    bswap64(c.timestamp),
    checksumToBytes(c.rootTree),
    checksumToBytes(c.rootMeta),
  ];
  return encode(COMMIT_TYPE, value);
}

function csum(kind: string, b: Uint8Array, what: string): string {
  if (b.length !== CHECKSUM_BYTE_LENGTH) throw corruptObject(kind, `${what}: invalid checksum of length ${b.length}`);
  return bytesToHex(b);
}

/**
 * Parse and validate a commit like `ostree_validate_structureof_commit()` (normal form required).
 *
 * @throws OstreeError `CORRUPT_OBJECT` (cause: the GVariant or field error)
 */
export function decodeCommit(bytes: Uint8Array): Commit {
  return asCorrupt(KIND, () => {
    const v = decode(COMMIT_TYPE, bytes) as GVValue[];
    const metadata = v[0] as Array<[string, Variant]>;
    for (const [k] of metadata) if (k.length === 0) throw corruptObject(KIND, 'empty metadata key');
    const parentBytes = v[1] as Uint8Array;
    const parent = parentBytes.length === 0 ? null : csum(KIND, parentBytes, 'invalid commit parent');
    const related = (v[2] as Array<[string, Uint8Array]>).map(
      ([n, b]) => [n, csum(KIND, b, 'invalid related object')] as [string, string],
    );
    return {
      metadata,
      parent,
      related,
      subject: v[3] as string,
      body: v[4] as string,
      timestamp: bswap64(v[5] as bigint),
      rootTree: csum(KIND, v[6] as Uint8Array, 'invalid commit tree content checksum'),
      rootMeta: csum(KIND, v[7] as Uint8Array, 'invalid commit tree metadata checksum'),
    };
  });
}

/**
 * `ostree_commit_get_content_checksum()`: SHA-256 of root dirtree csum bytes ‖ root dirmeta csum
 * bytes — identifies the tree independent of commit metadata.
 */
export function commitContentChecksum(c: Pick<Commit, 'rootTree' | 'rootMeta'>): string {
  return sha256Hex(checksumToBytes(c.rootTree), checksumToBytes(c.rootMeta));
}

/** One `ostree.sizes` entry (`OstreeCommitSizesEntry`). */
export interface SizesEntry {
  /** Object checksum. */
  checksum: string;
  /** Object type (FILE when the entry predates the type byte). */
  objectType: ObjectType;
  /** Size as stored in an archive repo (compressed). */
  archived: number;
  /** Unpacked size. */
  unpacked: number;
}

/**
 * Pack one `ostree.sizes` element: 32-byte csum ‖ varint(archived) ‖ varint(unpacked) ‖ objtype
 * byte (`add_size_index_to_metadata()`).
 */
export function encodeSizesEntry(e: SizesEntry): Uint8Array {
  const out: number[] = Array.from(checksumToBytes(e.checksum));
  writeVarint(out, e.archived);
  writeVarint(out, e.unpacked);
  if (!Number.isInteger(e.objectType) || e.objectType < OBJECT_TYPE_FIRST || e.objectType > OBJECT_TYPE_LAST) {
    throw new RangeError(`encodeSizesEntry: invalid object type ${e.objectType}`);
  }
  out.push(e.objectType);
  return Uint8Array.from(out);
}

/**
 * Unpack one `ostree.sizes` element (`read_sizes_entry()`); the trailing objtype byte is optional
 * (absent ⇒ FILE). Deviation (stricter): bytes after the objtype byte are rejected.
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function decodeSizesEntry(b: Uint8Array): SizesEntry {
  const kind = 'ostree.sizes entry';
  if (b.length < CHECKSUM_BYTE_LENGTH + 2) throw corruptObject(kind, `entry too short (${b.length} bytes)`);
  const checksum = bytesToHex(b.subarray(0, CHECKSUM_BYTE_LENGTH));
  return asCorrupt(kind, () => {
    let off = CHECKSUM_BYTE_LENGTH;
    const a = decodeVarintNumber(b, off);
    off += a.length;
    const u = decodeVarintNumber(b, off);
    off += u.length;
    let objectType = ObjectType.FILE;
    if (off < b.length) {
      const t = b[off]!;
      if (t < OBJECT_TYPE_FIRST || t > OBJECT_TYPE_LAST) throw corruptObject(kind, `unexpected object type ${t}`);
      objectType = t;
      off++;
    }
    if (off !== b.length) throw corruptObject(kind, 'trailing bytes');
    return { checksum, objectType, archived: a.value, unpacked: u.value };
  });
}

/**
 * The `ostree.sizes` metadata value (`aay`) for `entries`, sorted by hex checksum as upstream
 * does. Wrap it as `new Variant(SIZES_TYPE, value)`.
 */
export function encodeSizesMetadata(entries: readonly SizesEntry[]): Uint8Array[] {
  return [...entries].sort((x, y) => (x.checksum < y.checksum ? -1 : x.checksum > y.checksum ? 1 : 0)).map(encodeSizesEntry);
}

/**
 * Parse an `ostree.sizes` metadata value.
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function decodeSizesMetadata(value: readonly Uint8Array[]): SizesEntry[] {
  return value.map(decodeSizesEntry);
}
