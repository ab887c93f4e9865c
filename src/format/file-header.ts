/**
 * Content-object headers: the checksum/stream header `(uuuusa(ayay))` and the archive (`.filez`)
 * header `(tuuuusa(ayay))`, both stored length-prefixed as
 * `[u32 BE length][4 zero bytes][GVariant]`, plus content checksums.
 *
 * Facts from upstream `src/libostree/ostree-core.c`: `_ostree_file_header_new()` (uid/gid/mode
 * BE, rdev 0, symlink target or `""`, canonicalized xattrs), `_ostree_zlib_file_header_new()`
 * (leading BE u64 content size), `variant_to_lenprefixed_buffer()`,
 * `ostree_content_stream_parse()` / `file_header_parse()` / `zlib_file_header_parse()` (header
 * length must be non-zero and fit; rdev must be 0; mode must be a regular file or symlink),
 * `ostree_checksum_file_from_input()` (checksum = SHA-256 of the length-prefixed header ‖ content).
 * `src/libostree/ostree-core-private.h` for the type strings. See ostree-formats.md §1.6, §1.7, §2,
 * §3.2.
 *
 * Deviations (stricter): the 4 padding bytes must be zero, the header GVariant must be in normal
 * form, and permission bits outside `07777` are rejected (upstream checks those only on commit).
 *
 * @module
 */

import { decode, encode } from '../gvariant/index.js';
import { OstreeError } from '../errors.js';
import { asCorrupt, bswap32, bswap64, corruptObject } from './bytes.js';
import { createSha256Hasher, type ObjectHasher } from './checksums.js';
import { isRegularMode, isSymlinkMode, validateFileMode, validateStatModePerms } from './mode.js';
import { ARCHIVE_FILE_HEADER_TYPE, FILE_HEADER_TYPE } from './types.js';
import { canonicalizeXattrs, type Xattrs } from './xattrs.js';

/** Metadata of a content object (regular file or symlink). */
export interface FileHeader {
  /** Owner user ID. */
  uid: number;
  /** Owner group ID. */
  gid: number;
  /** Full mode: `S_IFREG` or `S_IFLNK` plus permission bits. */
  mode: number;
  /** Always 0. */
  rdev: 0;
  /** Symlink target; `""` for regular files. */
  symlinkTarget: string;
  /** Extended attributes `[name incl. trailing NUL, value]`, sorted. */
  xattrs: Xattrs;
}

/** Length of the `[u32 BE length][4 zero bytes]` prefix. */
export const HEADER_PREFIX_LENGTH = 8;

const U64_MAX = (1n << 64n) - 1n;

function checkHeader(h: FileHeader): void {
  validateFileMode(h.mode);
  if (h.rdev !== 0) throw new OstreeError('INVALID_ARGUMENT', `Invalid rdev ${String(h.rdev)}; must be 0`);
  if (isRegularMode(h.mode) && h.symlinkTarget !== '') {
    throw new OstreeError('INVALID_ARGUMENT', 'A regular file cannot have a symlink target');
  }
  for (const [what, v] of [['uid', h.uid], ['gid', h.gid]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} must be a u32, got ${v}`);
  }
}

function lenPrefixed(variant: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_PREFIX_LENGTH + variant.length);
  new DataView(out.buffer).setUint32(0, variant.length, false);
  out.set(variant, HEADER_PREFIX_LENGTH);
  return out;
}

/**
 * The length-prefixed checksum/stream header (`_ostree_file_header_new()`); xattrs are sorted.
 * These 8+N bytes followed by the content are what a content checksum hashes.
 *
 * @throws OstreeError `INVALID_MODE` / `INVALID_ARGUMENT` for an invalid header
 */
export function encodeContentHeader(h: FileHeader): Uint8Array {
  checkHeader(h);
  const v = encode(FILE_HEADER_TYPE, [bswap32(h.uid), bswap32(h.gid), bswap32(h.mode), 0, h.symlinkTarget, canonicalizeXattrs(h.xattrs)]);
  return lenPrefixed(v);
}

/**
 * The length-prefixed archive header (`_ostree_zlib_file_header_new()`), with the uncompressed
 * content `size` (0 for symlinks). Xattrs are sorted (upstream relies on its input being sorted).
 *
 * @throws OstreeError `INVALID_MODE` / `INVALID_ARGUMENT`; RangeError for a bad size
 */
export function encodeArchiveHeader(h: FileHeader, size: bigint | number): Uint8Array {
  checkHeader(h);
  const sz = typeof size === 'number' ? (Number.isSafeInteger(size) && size >= 0 ? BigInt(size) : -1n) : size;
  if (sz < 0n || sz > U64_MAX) throw new RangeError(`encodeArchiveHeader: invalid size ${String(size)}`);
  const v = encode(ARCHIVE_FILE_HEADER_TYPE, [
    bswap64(sz),
    bswap32(h.uid),
    bswap32(h.gid),
    bswap32(h.mode),
    0,
    h.symlinkTarget,
    canonicalizeXattrs(h.xattrs),
  ]);
  return lenPrefixed(v);
}

/**
 * Total length (8 + N) of the length-prefixed header starting at `prefix`, from its first 8 bytes
 * — lets a store read exactly the header of a large object.
 *
 * @param kind - object kind named in errors
 * @throws OstreeError `CORRUPT_OBJECT` for fewer than 8 bytes, a zero length or non-zero padding
 */
export function fileHeaderLength(prefix: Uint8Array, kind = 'content object'): number {
  if (prefix.length < HEADER_PREFIX_LENGTH) throw corruptObject(kind, `truncated header (${prefix.length} bytes)`);
  const n = ((prefix[0]! << 24) | (prefix[1]! << 16) | (prefix[2]! << 8) | prefix[3]!) >>> 0;
  if (n === 0) throw corruptObject(kind, 'file header size is zero');
  if (prefix[4] !== 0 || prefix[5] !== 0 || prefix[6] !== 0 || prefix[7] !== 0) {
    throw corruptObject(kind, 'non-zero header padding');
  }
  return HEADER_PREFIX_LENGTH + n;
}

function headerSlice(bytes: Uint8Array, kind: string): Uint8Array {
  const total = fileHeaderLength(bytes, kind);
  if (total > bytes.length) {
    throw corruptObject(kind, `file header size ${total - HEADER_PREFIX_LENGTH} exceeds size ${bytes.length}`);
  }
  return bytes.subarray(HEADER_PREFIX_LENGTH, total);
}

function finishHeader(kind: string, v: unknown[], base: number): FileHeader {
  const rdev = v[base + 3] as number;
  if (rdev !== 0) throw corruptObject(kind, `invalid rdev ${bswap32(rdev)}`);
  const mode = bswap32(v[base + 2] as number);
  if (!isRegularMode(mode) && !isSymlinkMode(mode)) throw corruptObject(kind, `invalid mode 0${mode.toString(8)}`, undefined, { mode });
  validateStatModePerms(mode);
  return {
    uid: bswap32(v[base] as number),
    gid: bswap32(v[base + 1] as number),
    mode,
    rdev: 0,
    symlinkTarget: v[base + 4] as string,
    xattrs: v[base + 5] as Xattrs,
  };
}

/** A parsed content object stream (header + raw content). */
export interface ContentStream {
  /** The header. */
  header: FileHeader;
  /** Length of the length-prefixed header in bytes (8 + N). */
  headerLength: number;
  /** The content (a view into the input; empty for symlinks). */
  content: Uint8Array;
}

/**
 * Parse an object stream: length-prefixed `(uuuusa(ayay))` header then raw content
 * (`ostree_content_stream_parse(compressed=FALSE)`). `content` is a zero-copy view.
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function parseContentStream(bytes: Uint8Array): ContentStream {
  const kind = 'content object stream';
  return asCorrupt(kind, () => {
    const hb = headerSlice(bytes, kind);
    const header = finishHeader(kind, decode(FILE_HEADER_TYPE, hb) as unknown[], 0);
    const headerLength = HEADER_PREFIX_LENGTH + hb.length;
    const content = bytes.subarray(headerLength);
    if (isSymlinkMode(header.mode) && content.length !== 0) throw corruptObject(kind, 'symlink with content');
    return { header, headerLength, content };
  });
}

/** A parsed `.filez` archive object. */
export interface Filez {
  /** The header. */
  header: FileHeader;
  /** Declared uncompressed content size. */
  size: bigint;
  /** Length of the length-prefixed header in bytes (8 + N). */
  headerLength: number;
  /** The raw DEFLATE stream (a view into the input; empty for symlinks). */
  deflated: Uint8Array;
}

/**
 * Parse the header of an archive object (`.filez`); `bytes` may hold just the header or the whole
 * object (`ostree_content_stream_parse(compressed=TRUE)`). `deflated` is a zero-copy view of what
 * follows the header.
 *
 * @throws OstreeError `CORRUPT_OBJECT` (also when a symlink declares a size or carries data)
 */
export function parseFilez(bytes: Uint8Array): Filez {
  const kind = 'archive content object';
  return asCorrupt(kind, () => {
    const hb = headerSlice(bytes, kind);
    const v = decode(ARCHIVE_FILE_HEADER_TYPE, hb) as unknown[];
    const header = finishHeader(kind, v, 1);
    const size = bswap64(v[0] as bigint);
    const headerLength = HEADER_PREFIX_LENGTH + hb.length;
    const deflated = bytes.subarray(headerLength);
    if (isSymlinkMode(header.mode) && (size !== 0n || deflated.length !== 0)) throw corruptObject(kind, 'symlink with content');
    return { header, size, headerLength, deflated };
  });
}

/**
 * Parse only a length-prefixed checksum/stream header (e.g. one read from a bare-user xattr-less
 * source); bytes after the header are ignored.
 *
 * @throws OstreeError `CORRUPT_OBJECT`
 */
export function parseContentHeader(bytes: Uint8Array): FileHeader {
  return parseContentStream(bytes.subarray(0, fileHeaderLength(bytes, 'content object stream'))).header;
}

/**
 * Content-object checksum (`ostree_checksum_file_from_input()`): SHA-256 of
 * {@link encodeContentHeader}(header) ‖ content. Symlinks pass empty content.
 *
 * @throws OstreeError `INVALID_MODE` / `INVALID_ARGUMENT` for an invalid header
 */
export function contentChecksum(header: FileHeader, content: Uint8Array = new Uint8Array(0)): string {
  return createContentHasher(header).update(content).digest();
}

/**
 * Incremental content checksum: feed the content in chunks so large files need not be held in
 * memory.
 *
 * @example
 * ```ts
 * const h = createContentHasher(header);
 * for await (const chunk of stream) h.update(chunk);
 * const checksum = h.digest();
 * ```
 */
export function createContentHasher(header: FileHeader): ObjectHasher {
  return createSha256Hasher(encodeContentHeader(header));
}
