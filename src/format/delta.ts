/**
 * Static-delta formats, pure bytes in/out: the superblock (plain and signed wrapper), part headers
 * and fallback entries (native-endian integers with an `ostree.endianness` marker), part files
 * `(yay)`, part payloads `(a(uuu)aa(ayay)ayay)`, and the op stream with full bounds validation.
 *
 * Facts from upstream ostree v2022.7:
 * - `src/libostree/ostree-repo-static-delta-private.h`: formats, opcodes, `OSTREE_DELTAPART_VERSION`,
 *   `OSTREE_STATIC_DELTA_OBJTYPE_CSUM_LEN` (33), `OSTREE_STATIC_DELTA_SIGNED_MAGIC`;
 * - `ostree-repo-static-delta-compilation.c` (`finish_part()`, `get_fallback_headers()`,
 *   `ostree_repo_static_delta_generate()`): field order, endianness swapping, metadata keys;
 * - `ostree-repo-static-delta-core.c` (`_ostree_static_delta_part_open()`,
 *   `_ostree_delta_get_endianness()`, `_ostree_repo_static_delta_is_signed()`);
 * - `ostree-repo-static-delta-processing.c` (operand order per opcode, `validate_ofs()`).
 * See ostree-formats.md §4.5 and §7.
 *
 * Deviations (stricter than upstream, never rejecting what ostree writes): the op stream must
 * create exactly the objects listed in the part header, in order, with `w`/`B` filling exactly the
 * size announced by `o`; `B` requires a read source; part objects must be content, dirtree, dirmeta
 * or commit; unknown endianness markers are rejected instead of being treated as host order.
 *
 * @module
 */

import { decode, encode, Variant, type GVValue } from '../gvariant/index.js';
import { OstreeError } from '../errors.js';
import { bswap32, bswap64 } from './bytes.js';
import { bytesToHex, checksumToBytes, CHECKSUM_BYTE_LENGTH } from './checksum.js';
import { ObjectType } from './object-type.js';
import {
  COMMIT_TYPE,
  DELTA_PART_PAYLOAD_TYPE,
  DELTA_PART_TYPE,
  DELTA_SIGNED_TYPE,
  DELTA_SUPERBLOCK_TYPE,
} from './types.js';
import { decodeVarintNumber, writeVarint } from './varint.js';
import type { Xattrs } from './xattrs.js';
import { deltaDirPath } from './summary.js';

export { parseDeltaName, formatDeltaName, deltaDirPath, deltaSuperblockPath, deltaIndexPath, type DeltaName } from './summary.js';

/** Part format version (`OSTREE_DELTAPART_VERSION`). */
export const DELTAPART_VERSION = 0;
/** Length of one `[objtype][csum]` record in a part header's object list. */
export const DELTA_OBJTYPE_CSUM_LEN = 33;
/** Magic of a signed superblock (`OSTREE_STATIC_DELTA_SIGNED_MAGIC`), stored big-endian: "OSTSGNDT". */
export const DELTA_SIGNED_MAGIC = 0x4f535453474e4454n;
/** Superblock metadata key holding `'l'` or `'B'`. */
export const DELTA_ENDIANNESS_KEY = 'ostree.endianness';

/** Part-file compression bytes accepted by `_ostree_static_delta_part_open()`. */
export const DeltaCompression = {
  /** Uncompressed payload. */
  NONE: 0,
  /** `'x'`: .xz (liblzma preset 8, CRC64 when written by ostree). */
  XZ: 0x78,
} as const;

/** Opcodes (`OstreeStaticDeltaOpCode`). */
export const DeltaOpCode = {
  OPEN_SPLICE_AND_CLOSE: 0x53, // 'S'
  OPEN: 0x6f, // 'o'
  WRITE: 0x77, // 'w'
  SET_READ_SOURCE: 0x72, // 'r'
  UNSET_READ_SOURCE: 0x52, // 'R'
  CLOSE: 0x63, // 'c'
  BSPATCH: 0x42, // 'B'
} as const;

/** Byte order of the integers in part headers and fallback entries. */
export type DeltaEndianness = 'little' | 'big';

/** An object a part creates (one 33-byte record of the header's object list). */
export interface DeltaObject {
  type: ObjectType;
  checksum: string;
}

/** Part header / meta entry `(uayttay)` with host-order numbers. */
export interface DeltaPartHeader {
  /** Part format version (0). */
  version: number;
  /** SHA-256 (hex) of the whole part file. */
  checksum: string;
  /** Part file size (compressed). */
  size: number;
  /** Sum of the uncompressed object sizes in the part. */
  usize: number;
  /** Objects in creation order. */
  objects: DeltaObject[];
}

/** Fallback entry `(yaytt)`: an object the client fetches as a plain loose object. */
export interface DeltaFallback {
  type: ObjectType;
  checksum: string;
  /** Compressed (`.filez`) size. */
  size: number;
  /** Uncompressed content size. */
  usize: number;
}

/** A decoded (unsigned) superblock. */
export interface DeltaSuperblock {
  /** Superblock metadata in serialized order. */
  metadata: Array<[string, Variant]>;
  /** Generation time, seconds since the epoch (stored BE). */
  timestamp: bigint;
  /** Source commit, `null` for a scratch ("from empty") delta. */
  from: string | null;
  /** Target commit. */
  to: string;
  /** The embedded target commit object, byte-identical to its `.commit` file. */
  commit: Uint8Array;
  /** Raw "recursive deltas" field (pairs of 32-byte checksums; always empty in practice). */
  parents: Uint8Array;
  /** Part headers. */
  parts: DeltaPartHeader[];
  /** Fallback objects. */
  fallbacks: DeltaFallback[];
  /** Byte order of the header/fallback integers. */
  endianness: DeltaEndianness;
  /** True when the endianness was guessed (no `ostree.endianness` key, pre-2016 deltas). */
  endiannessGuessed: boolean;
}

/** What {@link encodeDeltaSuperblock} writes. */
export interface DeltaSuperblockInput {
  /** Complete metadata dict in order (see {@link buildDeltaSuperblockMetadata}). */
  metadata: ReadonlyArray<readonly [string, Variant]>;
  timestamp: bigint;
  from: string | null;
  to: string;
  /** The target commit object bytes (normal form). */
  commit: Uint8Array;
  parts: readonly DeltaPartHeader[];
  fallbacks: readonly DeltaFallback[];
  /** Byte order for header/fallback integers; must match the metadata marker. Default `'little'`. */
  endianness?: DeltaEndianness;
}

/** One mode-table entry `(uuu)` with host-order numbers. */
export interface DeltaMode {
  uid: number;
  gid: number;
  mode: number;
}

/** A decompressed part payload. */
export interface DeltaPartPayload {
  modes: DeltaMode[];
  xattrs: Xattrs[];
  /** Concatenated raw data the ops point into. */
  blob: Uint8Array;
  /** Op bytecode. */
  ops: Uint8Array;
}

/** A decoded and validated operation (offsets/indices already checked against the payload). */
export type DeltaOperation =
  | { op: 'S'; object: number; size: number; offset: number; mode: number; xattr: number }
  | { op: 'o'; object: number; mode: number; xattr: number; size: number }
  | { op: 'w'; size: number; offset: number; fromSource: boolean }
  | { op: 'r'; offset: number }
  | { op: 'R' }
  | { op: 'c'; object: number }
  | { op: 'B'; offset: number; size: number };

function corrupt(message: string, data: Record<string, unknown> = {}, cause?: unknown): OstreeError {
  return new OstreeError('DELTA_CORRUPT', message, { data, cause });
}

/** Run `f`, turning any GVariant/format failure into DELTA_CORRUPT. */
function asDeltaCorrupt<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OstreeError && e.code === 'DELTA_CORRUPT') throw e;
    if (e instanceof OstreeError || e instanceof RangeError || e instanceof TypeError) {
      throw corrupt(`Invalid ${what}: ${e.message}`, {}, e);
    }
    throw e;
  }
}

function csumHex(b: Uint8Array, what: string): string {
  if (b.length !== CHECKSUM_BYTE_LENGTH) throw corrupt(`Invalid ${what}: checksum of length ${b.length}`);
  return bytesToHex(b);
}

function u64ToNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`Invalid ${what}: ${v} is too large`);
  return Number(v);
}

// ---------------------------------------------------------------------------------------------
// Paths and metadata keys

/** `deltas/<…>/<index>` (`_ostree_get_relative_static_delta_part_path()`); also the inline-part key. */
export function deltaPartPath(from: string | null, to: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError('deltaPartPath: index must be a non-negative integer');
  return `${deltaDirPath(from, to)}/${index}`;
}

/** `deltas/<…>/commitmeta`: the superblock metadata key carrying the target's detached metadata. */
export function deltaCommitmetaKey(from: string | null, to: string): string {
  return `${deltaDirPath(from, to)}/commitmeta`;
}

/** Inputs of {@link buildDeltaSuperblockMetadata}. */
export interface DeltaMetadataInput {
  /** User metadata, written first (flatpak sniffs it). */
  user?: ReadonlyArray<readonly [string, Variant]>;
  endianness?: DeltaEndianness;
  from: string | null;
  to: string;
  /** Whole part files to inline, in part order. */
  inlineParts?: readonly Uint8Array[];
  /** Detached metadata of the target commit (`a{sv}` bytes or value). */
  commitmeta?: Array<[string, Variant]> | null;
}

/**
 * The superblock metadata dict in `ostree_repo_static_delta_generate()` order: user entries,
 * `ostree.endianness`, inline parts (`deltas/<…>/<i>` → `v((yay))`), then `deltas/<…>/commitmeta`.
 */
export function buildDeltaSuperblockMetadata(m: DeltaMetadataInput): Array<[string, Variant]> {
  const out: Array<[string, Variant]> = [];
  for (const [k, v] of m.user ?? []) out.push([k, v]);
  out.push([DELTA_ENDIANNESS_KEY, new Variant('y', (m.endianness ?? 'little') === 'little' ? 0x6c : 0x42)]);
  (m.inlineParts ?? []).forEach((part, i) => {
    const { compression, payload } = decodeDeltaPartFile(part);
    out.push([deltaPartPath(m.from, m.to, i), new Variant('(yay)', [compression, payload])]);
  });
  if (m.commitmeta) out.push([deltaCommitmetaKey(m.from, m.to), new Variant('a{sv}', m.commitmeta as GVValue)]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Superblock

function swap32If(swap: boolean, v: number): number {
  return swap ? bswap32(v) : v;
}

function swap64If(swap: boolean, v: bigint): bigint {
  return swap ? bswap64(v) : v;
}

/** Concatenate `[type][csum]` records (`objtype_checksum_array_new()`). */
export function encodeDeltaObjectList(objects: readonly DeltaObject[]): Uint8Array {
  const out = new Uint8Array(objects.length * DELTA_OBJTYPE_CSUM_LEN);
  objects.forEach((o, i) => {
    out[i * DELTA_OBJTYPE_CSUM_LEN] = o.type;
    out.set(checksumToBytes(o.checksum), i * DELTA_OBJTYPE_CSUM_LEN + 1);
  });
  return out;
}

const PART_OBJECT_TYPES = new Set<number>([ObjectType.FILE, ObjectType.DIR_TREE, ObjectType.DIR_META, ObjectType.COMMIT]);

/**
 * Parse a part header's object list (`_ostree_static_delta_parse_checksum_array()`).
 *
 * @throws OstreeError `DELTA_CORRUPT` when the length is not a multiple of 33 or a type is invalid
 */
export function decodeDeltaObjectList(bytes: Uint8Array): DeltaObject[] {
  if (bytes.length % DELTA_OBJTYPE_CSUM_LEN !== 0) {
    throw corrupt(`Invalid delta object list of length ${bytes.length}`);
  }
  const out: DeltaObject[] = [];
  for (let i = 0; i < bytes.length; i += DELTA_OBJTYPE_CSUM_LEN) {
    const type = bytes[i]!;
    if (!PART_OBJECT_TYPES.has(type)) throw corrupt(`Invalid object type ${type} in delta part object list`);
    out.push({ type: type as ObjectType, checksum: bytesToHex(bytes.subarray(i + 1, i + DELTA_OBJTYPE_CSUM_LEN)) });
  }
  return out;
}

/**
 * Serialize a superblock (`OSTREE_STATIC_DELTA_SUPERBLOCK_FORMAT`) in normal form.
 *
 * @throws OstreeError `DELTA_CORRUPT` when `commit` is not a commit object
 */
export function encodeDeltaSuperblock(sb: DeltaSuperblockInput): Uint8Array {
  const swap = (sb.endianness ?? 'little') === 'big';
  const commitValue = asDeltaCorrupt('embedded commit', () => decode(COMMIT_TYPE, sb.commit));
  const num = (n: number, what: string): bigint => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`encodeDeltaSuperblock: invalid ${what} ${n}`);
    return BigInt(n);
  };
  const value: GVValue = [
    sb.metadata as unknown as GVValue,
    bswap64(sb.timestamp),
    sb.from === null ? new Uint8Array(0) : checksumToBytes(sb.from),
    checksumToBytes(sb.to),
    commitValue,
    new Uint8Array(0),
    sb.parts.map((p) => [
      swap32If(swap, p.version),
      checksumToBytes(p.checksum),
      swap64If(swap, num(p.size, 'part size')),
      swap64If(swap, num(p.usize, 'part usize')),
      encodeDeltaObjectList(p.objects),
    ]),
    sb.fallbacks.map((f) => [f.type, checksumToBytes(f.checksum), swap64If(swap, num(f.size, 'fallback size')), swap64If(swap, num(f.usize, 'fallback usize'))]),
  ];
  return encode(DELTA_SUPERBLOCK_TYPE, value);
}

type RawHeader = [number, Uint8Array, bigint, bigint, Uint8Array];
type RawFallback = [number, Uint8Array, bigint, bigint];

/**
 * Byte order of a superblock's integers (`_ostree_delta_get_endianness()`): the
 * `ostree.endianness` marker, else the size/usize heuristic of pre-2016 deltas.
 */
function detectEndianness(metadata: Array<[string, Variant]>, headers: RawHeader[]): { endianness: DeltaEndianness; guessed: boolean } {
  for (const [k, v] of metadata) {
    if (k !== DELTA_ENDIANNESS_KEY) continue;
    if (v.type === 'y' && v.value === 0x6c) return { endianness: 'little', guessed: false };
    if (v.type === 'y' && v.value === 0x42) return { endianness: 'big', guessed: false };
    throw corrupt(`Invalid ${DELTA_ENDIANNESS_KEY} value in delta superblock`);
  }
  let totalSize = 0n;
  let totalObjects = 0n;
  for (const h of headers) {
    const size = h[2];
    const usize = h[3];
    totalSize += size;
    totalObjects += BigInt(Math.floor(h[4].length / DELTA_OBJTYPE_CSUM_LEN));
    // size/usize > 1.2 ⇔ 5·size > 6·usize
    if (size > usize && size * 5n > usize * 6n) return { endianness: 'big', guessed: true };
  }
  if (totalObjects > 0n && totalSize / totalObjects > 0xffffffffn) return { endianness: 'big', guessed: true };
  return { endianness: 'little', guessed: true };
}

/**
 * The inline parts of a superblock (`--inline`: metadata entries keyed by the part path, value
 * `(yay)` — compression byte and payload, `DELTA_PART_TYPE`), as part files (the compression byte
 * followed by the payload, what a part file holds on disk), by part index.
 */
export function inlineDeltaParts(sb: Pick<DeltaSuperblock, 'metadata' | 'from' | 'to' | 'parts'>): Map<number, Uint8Array> {
  const byKey = new Map(sb.metadata.filter(([, v]) => v.type === DELTA_PART_TYPE));
  const out = new Map<number, Uint8Array>();
  for (let i = 0; i < sb.parts.length; i++) {
    const v = byKey.get(deltaPartPath(sb.from, sb.to, i));
    if (!v) continue;
    const [c, payload] = v.value as [number, Uint8Array];
    const file = new Uint8Array(payload.length + 1);
    file[0] = c;
    file.set(payload, 1);
    out.set(i, file);
  }
  return out;
}

/**
 * Parse an unsigned superblock. The embedded commit must hash to `to`.
 *
 * @throws OstreeError `DELTA_CORRUPT` for any malformed field (not normal form, bad checksum
 *   lengths, an embedded commit that does not match `to`, sizes beyond 2^53)
 */
export function decodeDeltaSuperblock(bytes: Uint8Array): DeltaSuperblock {
  const v = asDeltaCorrupt('delta superblock', () => decode(DELTA_SUPERBLOCK_TYPE, bytes)) as GVValue[];
  const metadata = v[0] as Array<[string, Variant]>;
  const timestamp = bswap64(v[1] as bigint);
  const fromBytes = v[2] as Uint8Array;
  const from = fromBytes.length === 0 ? null : csumHex(fromBytes, 'delta source checksum');
  const to = csumHex(v[3] as Uint8Array, 'delta target checksum');
  const commit = encode(COMMIT_TYPE, v[4] as GVValue);
  const parents = v[5] as Uint8Array;
  const rawHeaders = v[6] as RawHeader[];
  const rawFallbacks = v[7] as RawFallback[];
  const { endianness, guessed } = detectEndianness(metadata, rawHeaders);
  const swap = endianness === 'big';
  const parts = rawHeaders.map((h, i): DeltaPartHeader => ({
    version: swap32If(swap, h[0]),
    checksum: csumHex(h[1], `checksum of delta part ${i}`),
    size: u64ToNumber(swap64If(swap, h[2]), `size of delta part ${i}`),
    usize: u64ToNumber(swap64If(swap, h[3]), `uncompressed size of delta part ${i}`),
    objects: decodeDeltaObjectList(h[4]),
  }));
  const fallbacks = rawFallbacks.map((f, i): DeltaFallback => {
    if (f[0] !== ObjectType.FILE) throw corrupt(`Delta fallback ${i} has object type ${f[0]}; only content objects are allowed`);
    return {
      type: ObjectType.FILE,
      checksum: csumHex(f[1], `checksum of delta fallback ${i}`),
      size: u64ToNumber(swap64If(swap, f[2]), `size of delta fallback ${i}`),
      usize: u64ToNumber(swap64If(swap, f[3]), `uncompressed size of delta fallback ${i}`),
    };
  });
  return { metadata, timestamp, from, to, commit, parents, parts, fallbacks, endianness, endiannessGuessed: guessed };
}

/** A signed superblock wrapper `(taya{sv})` (`OSTREE_STATIC_DELTA_SIGNED_FORMAT`). */
export interface SignedDeltaSuperblock {
  /** The unsigned superblock bytes the signatures cover. */
  superblock: Uint8Array;
  /** Signature dict, e.g. `ostree.sign.ed25519` → `aay`. */
  signatures: Array<[string, Variant]>;
}

/**
 * True when `bytes` is a signed superblock (`_ostree_repo_static_delta_is_signed()`): it parses as
 * `(taya{sv})`, carries the BE magic "OSTSGNDT" and at least one `ostree.sign.*` key.
 */
export function isSignedDeltaSuperblock(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false);
  if (magic !== DELTA_SIGNED_MAGIC) return false;
  try {
    const v = decode(DELTA_SIGNED_TYPE, bytes, { allowNonNormal: true }) as GVValue[];
    return (v[2] as Array<[string, Variant]>).some(([k]) => k.startsWith('ostree.sign.'));
  } catch {
    return false;
  }
}

/**
 * Split a signed superblock into the inner superblock bytes and its signatures.
 *
 * @throws OstreeError `DELTA_CORRUPT` when it is not a signed superblock
 */
export function decodeSignedDeltaSuperblock(bytes: Uint8Array): SignedDeltaSuperblock {
  const v = asDeltaCorrupt('signed delta superblock', () => decode(DELTA_SIGNED_TYPE, bytes, { allowNonNormal: true })) as GVValue[];
  if (bswap64(v[0] as bigint) !== DELTA_SIGNED_MAGIC) throw corrupt('Invalid signed delta superblock magic');
  return { superblock: v[1] as Uint8Array, signatures: v[2] as Array<[string, Variant]> };
}

/** Wrap superblock bytes with signatures (`(taya{sv})`, magic stored BE). */
export function encodeSignedDeltaSuperblock(s: SignedDeltaSuperblock): Uint8Array {
  return encode(DELTA_SIGNED_TYPE, [bswap64(DELTA_SIGNED_MAGIC), s.superblock, s.signatures as GVValue]);
}

/** The unsigned superblock bytes of a superblock file, signed or not. */
export function unwrapDeltaSuperblock(bytes: Uint8Array): { superblock: Uint8Array; signed: boolean } {
  if (isSignedDeltaSuperblock(bytes)) return { superblock: decodeSignedDeltaSuperblock(bytes).superblock, signed: true };
  return { superblock: bytes, signed: false };
}

// ---------------------------------------------------------------------------------------------
// Part files and payloads

/** Build a part file `(yay)`: the compression byte followed by the payload. */
export function encodeDeltaPartFile(compression: number, payload: Uint8Array): Uint8Array {
  if (compression !== DeltaCompression.NONE && compression !== DeltaCompression.XZ) {
    throw new RangeError(`encodeDeltaPartFile: invalid compression ${compression}`);
  }
  const out = new Uint8Array(payload.length + 1);
  out[0] = compression;
  out.set(payload, 1);
  return out;
}

/**
 * Split a part file into compression type and (still compressed) payload.
 *
 * @throws OstreeError `DELTA_CORRUPT` for an empty file or a compression byte other than 0/'x'
 */
export function decodeDeltaPartFile(bytes: Uint8Array): { compression: number; payload: Uint8Array } {
  if (bytes.length < 1) throw corrupt('Empty delta part');
  const c = bytes[0]!;
  if (c !== DeltaCompression.NONE && c !== DeltaCompression.XZ) throw corrupt(`Invalid compression type '${c}' in delta part`);
  return { compression: c, payload: bytes.subarray(1) };
}

/** Serialize a part payload `(a(uuu)aa(ayay)ayay)`; mode-table numbers are stored BE. */
export function encodeDeltaPartPayload(p: DeltaPartPayload): Uint8Array {
  return encode(DELTA_PART_PAYLOAD_TYPE, [
    p.modes.map((m) => [bswap32(m.uid), bswap32(m.gid), bswap32(m.mode)]),
    p.xattrs as GVValue,
    p.blob,
    p.ops,
  ]);
}

/**
 * Parse a decompressed part payload.
 *
 * @throws OstreeError `DELTA_CORRUPT`
 */
export function decodeDeltaPartPayload(bytes: Uint8Array): DeltaPartPayload {
  const v = asDeltaCorrupt('delta part payload', () => decode(DELTA_PART_PAYLOAD_TYPE, bytes)) as GVValue[];
  const modes = (v[0] as Array<[number, number, number]>).map(([uid, gid, mode]) => ({ uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode) }));
  return { modes, xattrs: v[1] as Xattrs[], blob: v[2] as Uint8Array, ops: v[3] as Uint8Array };
}

// ---------------------------------------------------------------------------------------------
// Ops

/** Builds an op stream with minimal varints (as the compiler does). */
export class DeltaOpsWriter {
  private readonly out: number[] = [];

  private op(code: number, ...args: number[]): this {
    this.out.push(code);
    for (const a of args) writeVarint(this.out, a);
    return this;
  }

  /** `S size offset` for a metadata object. */
  spliceMetadata(size: number, offset: number): this {
    return this.op(DeltaOpCode.OPEN_SPLICE_AND_CLOSE, size, offset);
  }

  /** `S mode xattr size offset` for a regular file (content) or symlink (target). */
  spliceContent(mode: number, xattr: number, size: number, offset: number): this {
    return this.op(DeltaOpCode.OPEN_SPLICE_AND_CLOSE, mode, xattr, size, offset);
  }

  /** `o mode xattr size`. */
  open(mode: number, xattr: number, size: number): this {
    return this.op(DeltaOpCode.OPEN, mode, xattr, size);
  }

  /** `w size offset`. */
  write(size: number, offset: number): this {
    return this.op(DeltaOpCode.WRITE, size, offset);
  }

  /** `r offset` (offset of a 32-byte checksum in the blob). */
  setReadSource(offset: number): this {
    return this.op(DeltaOpCode.SET_READ_SOURCE, offset);
  }

  /** `R`. */
  unsetReadSource(): this {
    return this.op(DeltaOpCode.UNSET_READ_SOURCE);
  }

  /** `c`. */
  close(): this {
    return this.op(DeltaOpCode.CLOSE);
  }

  /** `B offset size`. */
  bspatch(offset: number, size: number): this {
    return this.op(DeltaOpCode.BSPATCH, offset, size);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.out.length;
  }

  /** The op stream. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/**
 * Decode and validate a part's op stream against its payload and object list. Every offset and
 * length into the blob, every mode/xattr index, and the object cursor are checked, and the stream
 * must be well-formed: `o` … `c` pairs, `w` totals equal to the opened size, `B` only with a read
 * source, and exactly the listed objects created in order. `w` offsets into a read-source file
 * can only be checked when it is read (the executor does).
 *
 * @throws OstreeError `DELTA_CORRUPT` naming the op index and the problem
 */
export function decodeDeltaOps(payload: DeltaPartPayload, objects: readonly DeltaObject[]): DeltaOperation[] {
  const ops = payload.ops;
  const blobLen = payload.blob.length;
  const out: DeltaOperation[] = [];
  let pos = 0;
  let cursor = 0;
  let open: { size: number; written: number; patched: boolean } | null = null;
  let source = false;
  const n = objects.length;
  if (n === 0) return out; // upstream skips empty parts entirely
  const read = (): number => {
    const r = decodeVarintNumber(ops, pos, 'DELTA_CORRUPT');
    pos += r.length;
    return r.value;
  };
  const fail = (why: string): never => {
    throw corrupt(`Invalid delta op ${out.length} (at byte ${pos}): ${why}`, { op: out.length, offset: pos });
  };
  const checkRange = (offset: number, len: number): void => {
    if (offset > blobLen || len > blobLen - offset) fail(`offset/length ${offset}/${len} outside the ${blobLen}-byte payload`);
  };
  const checkTables = (mode: number, xattr: number): void => {
    if (mode >= payload.modes.length) fail(`mode index ${mode} out of range (${payload.modes.length} modes)`);
    if (xattr >= payload.xattrs.length) fail(`xattr index ${xattr} out of range (${payload.xattrs.length} xattr sets)`);
  };
  const needObject = (): DeltaObject => {
    if (open) fail('object already open');
    if (cursor >= n) fail(`more objects created than the ${n} listed`);
    return objects[cursor]!;
  };
  while (pos < ops.length) {
    const code = ops[pos++]!;
    switch (code) {
      case DeltaOpCode.OPEN_SPLICE_AND_CLOSE: {
        const obj = needObject();
        if (obj.type === ObjectType.FILE) {
          const mode = read();
          const xattr = read();
          const size = read();
          const offset = read();
          checkTables(mode, xattr);
          checkRange(offset, size);
          out.push({ op: 'S', object: cursor, size, offset, mode, xattr });
        } else {
          const size = read();
          const offset = read();
          checkRange(offset, size);
          out.push({ op: 'S', object: cursor, size, offset, mode: -1, xattr: -1 });
        }
        cursor++;
        source = false;
        break;
      }
      case DeltaOpCode.OPEN: {
        const obj = needObject();
        if (obj.type !== ObjectType.FILE) fail(`'o' for a ${ObjectType[obj.type]} object`);
        const mode = read();
        const xattr = read();
        const size = read();
        checkTables(mode, xattr);
        open = { size, written: 0, patched: false };
        out.push({ op: 'o', object: cursor, mode, xattr, size });
        break;
      }
      case DeltaOpCode.WRITE: {
        const size = read();
        const offset = read();
        if (!open) fail("'w' without an open object");
        if (open!.patched) fail("'w' after 'B'");
        if (!source) checkRange(offset, size);
        if (size > open!.size - open!.written) fail(`write of ${size} bytes past the object size ${open!.size}`);
        open!.written += size;
        out.push({ op: 'w', size, offset, fromSource: source });
        break;
      }
      case DeltaOpCode.SET_READ_SOURCE: {
        const offset = read();
        checkRange(offset, CHECKSUM_BYTE_LENGTH);
        source = true;
        out.push({ op: 'r', offset });
        break;
      }
      case DeltaOpCode.UNSET_READ_SOURCE:
        source = false;
        out.push({ op: 'R' });
        break;
      case DeltaOpCode.CLOSE:
        if (!open) fail("'c' without an open object");
        if (!open!.patched && open!.written !== open!.size) fail(`object closed after ${open!.written} of ${open!.size} bytes`);
        out.push({ op: 'c', object: cursor });
        open = null;
        source = false;
        cursor++;
        break;
      case DeltaOpCode.BSPATCH: {
        const offset = read();
        const size = read();
        if (!open) fail("'B' without an open object");
        if (!source) fail("'B' without a read source");
        if (open!.written !== 0 || open!.patched) fail("'B' on a partly written object");
        checkRange(offset, size);
        open!.patched = true;
        out.push({ op: 'B', offset, size });
        break;
      }
      default:
        fail(`unknown opcode ${code}`);
    }
  }
  if (open) fail('op stream ends with an open object');
  if (cursor !== n) fail(`op stream creates ${cursor} of the ${n} listed objects`);
  return out;
}
