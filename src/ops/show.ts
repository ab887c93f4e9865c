/**
 * `ostree show`: an object's contents or one metadata value (`src/ostree/ot-builtin-show.c`,
 * `src/ostree/ot-dump.c`).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { isChecksum } from '../format/checksum.js';
import { commitContentChecksum, decodeCommit, type Commit } from '../format/commit.js';
import { decodeCommitmeta } from '../format/commitmeta.js';
import { decodeDirmeta, type Dirmeta } from '../format/dirmeta.js';
import { decodeDirtree, type Dirtree } from '../format/dirtree.js';
import type { FileHeader } from '../format/file-header.js';
import { ObjectType } from '../format/object-type.js';
import { COMMIT_TYPE, DIRMETA_TYPE, DIRTREE_TYPE } from '../format/types.js';
import { decode } from '../gvariant/codec.js';
import { parseType, type GVType } from '../gvariant/type.js';
import { Variant, type GVValue } from '../gvariant/value.js';
import type { Repo } from '../store/repo.js';
import { readContentInfo } from './tree.js';

/** What {@link showObject} found. */
export type ShownObject =
  | { kind: 'commit'; checksum: string; commit: Commit; contentChecksum: string; version?: string; type: string; value: GVValue }
  | { kind: 'dirmeta'; checksum: string; dirmeta: Dirmeta; type: string; value: GVValue }
  | { kind: 'dirtree'; checksum: string; dirtree: Dirtree; type: string; value: GVValue }
  | { kind: 'file'; checksum: string; header: FileHeader; size: number };

/** The `version` metadata string of a commit, if it is a string (`ot_admin_checksum_version()`). */
export function commitVersion(c: Commit): string | undefined {
  for (const [k, v] of c.metadata) if (k === 'version') return v.type === 's' ? (v.value as string) : undefined;
  return undefined;
}

async function loadMeta(repo: Repo, type: ObjectType, checksum: string): Promise<Uint8Array | null> {
  return repo.readMetadataBytes(type, checksum);
}

/**
 * Resolve `rev` and describe the object, like `ostree show OBJECT`: a non-checksum is resolved as
 * a rev to a commit; a full checksum is looked up as a commit, dirmeta, dirtree, then file.
 * Metadata objects also carry their decoded GVariant value (`type`, `value`) for `--raw`.
 *
 * @throws OstreeError `REF_NOT_FOUND`, `OBJECT_NOT_FOUND`, `CORRUPT_OBJECT`
 */
export async function showObject(repo: Repo, rev: string): Promise<ShownObject> {
  if (!isChecksum(rev as unknown)) {
    const checksum = (await repo.resolveRev(rev, false))!;
    return showCommit(repo, checksum);
  }
  const c = await loadMeta(repo, ObjectType.COMMIT, rev);
  if (c !== null) return commitFromBytes(rev, c);
  const m = await loadMeta(repo, ObjectType.DIR_META, rev);
  if (m !== null) return { kind: 'dirmeta', checksum: rev, dirmeta: decodeDirmeta(m), type: DIRMETA_TYPE, value: decode(DIRMETA_TYPE, m) };
  const t = await loadMeta(repo, ObjectType.DIR_TREE, rev);
  if (t !== null) return { kind: 'dirtree', checksum: rev, dirtree: decodeDirtree(t), type: DIRTREE_TYPE, value: decode(DIRTREE_TYPE, t) };
  const f = await readContentInfo(repo, rev);
  return { kind: 'file', checksum: rev, header: f.header, size: f.size };
}

async function showCommit(repo: Repo, checksum: string): Promise<ShownObject> {
  const bytes = await loadMeta(repo, ObjectType.COMMIT, checksum);
  if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such metadata object ${checksum}.commit`, { data: { checksum } });
  return commitFromBytes(checksum, bytes);
}

function commitFromBytes(checksum: string, bytes: Uint8Array): ShownObject {
  const commit = decodeCommit(bytes);
  const out: ShownObject = { kind: 'commit', checksum, commit, contentChecksum: commitContentChecksum(commit), type: COMMIT_TYPE, value: decode(COMMIT_TYPE, bytes) };
  const v = commitVersion(commit);
  if (v !== undefined) out.version = v;
  return out;
}

/**
 * `ostree show --print-metadata-key=KEY` / `--print-detached-metadata-key=KEY`: the value stored
 * under `key` in the commit's metadata (or its detached metadata).
 *
 * @throws OstreeError `NOT_FOUND` ("No such metadata key 'K'", "No detached metadata for commit C")
 */
export async function commitMetadataKey(repo: Repo, rev: string, key: string, opts: { detached?: boolean } = {}): Promise<Variant> {
  const checksum = (await repo.resolveRev(rev, false))!;
  let dict: Array<[string, Variant]>;
  if (opts.detached) {
    const bytes = await repo.readCommitDetachedMetadata(checksum);
    if (bytes === null) throw new OstreeError('NOT_FOUND', `No detached metadata for commit ${checksum}`, { data: { checksum } });
    dict = decodeCommitmeta(bytes);
  } else {
    dict = (await repo.loadCommit(checksum)).metadata;
  }
  for (const [k, v] of dict) if (k === key) return v;
  throw new OstreeError('NOT_FOUND', `No such metadata key '${key}'`, { data: { key } });
}

function swapBytes(v: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) {
    out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  }
  return out;
}

function swapNumber(v: number, code: string): number {
  const n = code === 'n' || code === 'q' ? 2 : 4;
  const unsigned = BigInt(code === 'n' ? v & 0xffff : code === 'i' ? v >>> 0 : v);
  const s = Number(swapBytes(unsigned, n));
  if (code === 'n') return s >= 0x8000 ? s - 0x10000 : s;
  if (code === 'i') return s | 0;
  return s;
}

/**
 * `g_variant_byteswap()` on a decoded value: every 2-, 4- and 8-byte number swapped, recursively
 * (also inside `v`). ostree prints variants byteswapped on little-endian hosts
 * (`ot_dump_variant()`), which is why `--raw` shows the big-endian commit timestamp readably.
 */
export function byteswapValue(type: string | GVType, value: GVValue): GVValue {
  const t = typeof type === 'string' ? parseType(type) : type;
  switch (t.code) {
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'h':
      return swapNumber(value as number, t.code);
    case 'x': {
      const u = BigInt.asUintN(64, value as bigint);
      return BigInt.asIntN(64, swapBytes(u, 8));
    }
    case 't':
      return swapBytes(value as bigint, 8);
    case 'd': {
      const buf = new DataView(new ArrayBuffer(8));
      buf.setFloat64(0, value as number, true);
      return buf.getFloat64(0, false);
    }
    case 'v': {
      const inner = value as Variant;
      return new Variant(inner.type, byteswapValue(inner.type, inner.value));
    }
    case 'm':
      return value === null ? null : { just: byteswapValue(t.elem!, (value as { just: GVValue }).just) };
    case 'a':
      if (value instanceof Uint8Array) return value;
      return (value as GVValue[]).map((x) => byteswapValue(t.elem!, x));
    case '(':
    case '{':
      return (value as GVValue[]).map((x, i) => byteswapValue(t.members![i]!, x));
    default:
      return value;
  }
}
