/**
 * Static-delta application: write the target commit carried by a superblock and execute its parts
 * into a repository, verifying everything on the way.
 *
 * Mirrors `ostree_repo_static_delta_execute_offline_with_signature()` and
 * `_ostree_static_delta_part_open()` (`src/libostree/ostree-repo-static-delta-core.c`) and the op
 * interpreter `_ostree_static_delta_part_execute()` (`ostree-repo-static-delta-processing.c`),
 * ostree v2022.7. The pull path uses {@link applyStaticDelta} with a part fetcher.
 *
 * Differences from upstream:
 * - The target may be an archive repository: `o`/`w`/`r`/`B` read the source object through
 *   `repo.readContent` (ostree asserts a bare-family target for those ops).
 * - Everything runs in one {@link Repo.transaction}: on any failure nothing is published (ostree
 *   writes objects as it goes). Detached metadata is written after all parts succeeded.
 * - Decompressed parts are bounded (`maxPartOutput`), objects are bounded by the part's declared
 *   uncompressed size and `maxObjectSize`, and the op stream is validated before it runs
 *   (see `decodeDeltaOps`). Metadata objects are structurally validated after their checksum.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { sha256Hex } from '../format/checksums.js';
import { bspatch } from '../codec/bspatch.js';
import { bytesToHex } from '../format/checksum.js';
import { ObjectType } from '../format/object-type.js';
import { contentChecksum, type FileHeader } from '../format/file-header.js';
import { decodeCommit } from '../format/commit.js';
import { decodeDirtree } from '../format/dirtree.js';
import { decodeDirmeta } from '../format/dirmeta.js';
import { encode } from '../gvariant/index.js';
import { COMMITMETA_TYPE } from '../format/types.js';
import {
  decodeDeltaOps,
  decodeDeltaPartPayload,
  decodeDeltaSuperblock,
  deltaCommitmetaKey,
  inlineDeltaParts,
  unwrapDeltaSuperblock,
  type DeltaPartHeader,
  type DeltaSuperblock,
} from '../format/delta.js';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { NodeStorage } from '../store/storage.js';
import type { Repo } from '../store/repo.js';
import { decompressDeltaPart, type PartDecoder } from './delta-part-worker.js';

/** Progress of {@link applyStaticDelta}. */
export type ApplyDeltaProgress =
  | { phase: 'commit'; to: string }
  | { phase: 'part'; index: number; total: number; objects: number; skipped: boolean }
  | { phase: 'done'; partsApplied: number; partsSkipped: number; objectsWritten: number };

/** Options of {@link applyStaticDelta}. */
export interface ApplyDeltaOptions {
  /**
   * Return the bytes of part file `index` (non-inline parts). Required unless every part is inline
   * or already present. Called only for parts that must be executed.
   */
  readPart?: (index: number, header: DeltaPartHeader) => Promise<Uint8Array>;
  /** Verify the SHA-256 of non-inline part files (default true; `--skip-validation` sets false). */
  verifyParts?: boolean;
  /**
   * Accept superblocks listing fallback objects (the caller fetches them; a pull does). Default
   * false: offline application refuses them as ostree does.
   */
  allowFallbacks?: boolean;
  /** Largest single object created by `o`/`B` (default 1 GiB; bounds memory). */
  maxObjectSize?: number;
  /**
   * Verify and decompress non-inline parts on this decoder's worker, one part ahead of the one
   * being executed (a pull passes one). Parts it finds bad are opened in this thread, which raises
   * the proper error. With a decoder, whether a part is already complete is checked before the
   * part before it runs (ostree's generator never puts an object in two parts).
   */
  partDecoder?: PartDecoder;
  signal?: AbortSignal;
  onProgress?: (e: ApplyDeltaProgress) => void;
}

/** What {@link applyStaticDelta} did. */
export interface ApplyDeltaResult {
  from: string | null;
  to: string;
  /** True when the target commit object was written. */
  commitWritten: boolean;
  partsApplied: number;
  partsSkipped: number;
  /** Objects created by executed parts (including ones that were already present). */
  objectsWritten: number;
}

const DEFAULT_MAX_OBJECT = 1 << 30;

function deltaCorrupt(message: string, data: Record<string, unknown> = {}, cause?: unknown): OstreeError {
  return new OstreeError('DELTA_CORRUPT', message, { data, cause });
}

/**
 * Largest decompressed payload accepted for a part: twice its declared object bytes (bsdiff
 * patches are slightly larger than their output) plus 16 KiB per object (symlink targets, ops,
 * table entries, which `usize` does not count) plus 1 MiB.
 */
export function maxPartPayloadSize(header: Pick<DeltaPartHeader, 'usize' | 'objects'>): number {
  return Math.min(Number.MAX_SAFE_INTEGER, 2 * header.usize + 16384 * header.objects.length + (1 << 20));
}

/**
 * Open a part file (`_ostree_static_delta_part_open()`): check its checksum (unless `expected` is
 * null), decompress within {@link maxPartPayloadSize}, and parse the payload.
 *
 * @throws OstreeError `DELTA_MISMATCH` for a wrong checksum, `DELTA_CORRUPT` for anything malformed
 */
export function openDeltaPart(file: Uint8Array, header: DeltaPartHeader, expected: string | null, index = 0) {
  return decodeDeltaPartPayload(decompressDeltaPart(file, expected, maxPartPayloadSize(header), index));
}

async function writeMetadataVerified(repo: Repo, type: ObjectType, checksum: string, bytes: Uint8Array): Promise<void> {
  const actual = sha256Hex(bytes);
  if (actual !== checksum) {
    throw new OstreeError('DELTA_MISMATCH', `Corrupted ${ObjectType[type].toLowerCase()} object in delta; checksum expected='${checksum}' actual='${actual}'`, {
      data: { expected: checksum, actual },
    });
  }
  if (type === ObjectType.DIR_TREE) decodeDirtree(bytes);
  else if (type === ObjectType.DIR_META) decodeDirmeta(bytes);
  else if (type === ObjectType.COMMIT) decodeCommit(bytes);
  await repo.writeMetadata(type, bytes, checksum);
}

async function writeContentVerified(repo: Repo, header: FileHeader, content: Uint8Array, checksum: string): Promise<void> {
  let actual: string;
  try {
    actual = contentChecksum(header, content);
  } catch (e) {
    if (e instanceof OstreeError) throw deltaCorrupt(`Invalid content object header in delta: ${e.message}`, { checksum }, e);
    throw e;
  }
  if (actual !== checksum) {
    throw new OstreeError('DELTA_MISMATCH', `Corrupted file object in delta; checksum expected='${checksum}' actual='${actual}'`, {
      data: { expected: checksum, actual },
    });
  }
  await repo.writeContent(header, content, checksum);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Execute one part (`_ostree_static_delta_part_execute()`) into `repo` (inside its transaction).
 * Returns the number of objects created.
 */
export async function executeDeltaPart(
  repo: Repo,
  header: DeltaPartHeader,
  partFile: Uint8Array,
  opts: {
    expectedChecksum: string | null;
    index?: number;
    maxObjectSize?: number;
    signal?: AbortSignal;
    /** `partFile`'s payload, already verified and decompressed (by a {@link PartDecoder}). */
    raw?: Uint8Array | null;
  },
): Promise<number> {
  const index = opts.index ?? 0;
  const maxObject = opts.maxObjectSize ?? DEFAULT_MAX_OBJECT;
  const payload = opts.raw ? decodeDeltaPartPayload(opts.raw) : openDeltaPart(partFile, header, opts.expectedChecksum, index);
  const ops = decodeDeltaOps(payload, header.objects);
  const blob = payload.blob;
  let usizeLeft = header.usize;
  let source: { checksum: string; content: Uint8Array | null } | null = null;
  let open: { object: number; header: FileHeader; buf: Uint8Array; pos: number } | null = null;
  const loadSource = async (): Promise<Uint8Array> => {
    if (!source) throw deltaCorrupt(`Delta part ${index}: no read source`);
    if (source.content === null) {
      const c = await repo.readContent(source.checksum);
      if ((c.header.mode & 0o170000) !== 0o100000) throw deltaCorrupt(`Delta part ${index}: read source ${source.checksum} is not a regular file`);
      source.content = c.content;
    }
    return source.content;
  };
  const fileHeader = (modeIdx: number, xattrIdx: number, target: string): FileHeader => {
    const m = payload.modes[modeIdx]!;
    return { uid: m.uid, gid: m.gid, mode: m.mode, rdev: 0, symlinkTarget: target, xattrs: payload.xattrs[xattrIdx]! };
  };
  let n = 0;
  for (const op of ops) {
    if ((n++ & 63) === 0) opts.signal?.throwIfAborted();
    switch (op.op) {
      case 'S': {
        const obj = header.objects[op.object]!;
        const data = blob.subarray(op.offset, op.offset + op.size);
        if (obj.type !== ObjectType.FILE) {
          await writeMetadataVerified(repo, obj.type, obj.checksum, data);
        } else {
          const m = payload.modes[op.mode]!;
          const fmt = m.mode & 0o170000;
          if (fmt === 0o120000) {
            let target: string;
            try {
              target = utf8.decode(data);
            } catch (e) {
              throw deltaCorrupt(`Delta part ${index}: symlink target of ${obj.checksum} is not UTF-8`, { index }, e);
            }
            if (target.length === 0 || target.includes('\0')) throw deltaCorrupt(`Delta part ${index}: invalid symlink target for ${obj.checksum}`);
            await writeContentVerified(repo, fileHeader(op.mode, op.xattr, target), new Uint8Array(0), obj.checksum);
          } else if (fmt === 0o100000) {
            await writeContentVerified(repo, fileHeader(op.mode, op.xattr, ''), data, obj.checksum);
          } else {
            throw deltaCorrupt(`Delta part ${index}: content object ${obj.checksum} has mode 0${m.mode.toString(8)}`);
          }
        }
        source = null;
        break;
      }
      case 'o': {
        const obj = header.objects[op.object]!;
        const h = fileHeader(op.mode, op.xattr, '');
        if ((h.mode & 0o170000) !== 0o100000) throw deltaCorrupt(`Delta part ${index}: 'o' for non-regular mode 0${h.mode.toString(8)}`);
        if (op.size > maxObject || op.size > usizeLeft) {
          throw deltaCorrupt(`Delta part ${index}: object ${obj.checksum} of ${op.size} bytes exceeds the part's declared size or the limit`, {
            index,
            size: op.size,
          });
        }
        usizeLeft -= op.size;
        open = { object: op.object, header: h, buf: new Uint8Array(op.size), pos: 0 };
        break;
      }
      case 'w': {
        const o = open!;
        if (op.fromSource) {
          const src = await loadSource();
          if (op.offset > src.length || op.size > src.length - op.offset) {
            throw deltaCorrupt(`Delta part ${index}: read of ${op.size} bytes at ${op.offset} past the end of source object ${source!.checksum}`);
          }
          o.buf.set(src.subarray(op.offset, op.offset + op.size), o.pos);
        } else {
          o.buf.set(blob.subarray(op.offset, op.offset + op.size), o.pos);
        }
        o.pos += op.size;
        break;
      }
      case 'r':
        source = { checksum: bytesToHex(blob.subarray(op.offset, op.offset + 32)), content: null };
        break;
      case 'R':
        source = null;
        break;
      case 'B': {
        const o = open!;
        const src = await loadSource();
        o.buf = bspatch(src, blob.subarray(op.offset, op.offset + op.size), o.buf.length, { maxNewSize: maxObject });
        o.pos = o.buf.length;
        break;
      }
      case 'c': {
        const o = open!;
        await writeContentVerified(repo, o.header, o.buf, header.objects[o.object]!.checksum);
        open = null;
        source = null;
        break;
      }
    }
  }
  return header.objects.length;
}

async function haveAllObjects(repo: Repo, header: DeltaPartHeader): Promise<boolean> {
  for (const o of header.objects) if (!(await repo.hasObject(o.checksum, o.type))) return false;
  return true;
}

function withPartContext(e: unknown, index: number): unknown {
  if (e instanceof OstreeError && !e.message.startsWith('Delta part') && !e.message.startsWith('Executing delta part')) {
    return new OstreeError(e.code, `Executing delta part ${index}: ${e.message}`, { data: { ...e.data, part: index }, cause: e });
  }
  return e;
}

/**
 * Apply a static delta given its superblock bytes (signed wrapper accepted; signatures are not
 * checked here). The source commit (if any) must be present. Runs inside a transaction (the
 * caller's if one is open), so a failure leaves nothing half-written.
 *
 * @throws OstreeError `DELTA_CORRUPT` / `DELTA_MISMATCH` for bad delta data, `OBJECT_NOT_FOUND`
 *   when the source commit or a read-source object is missing, `DELTA_UNSUPPORTED` for fallbacks
 *   without `allowFallbacks` or a too-new part version
 */
export async function applyStaticDelta(repo: Repo, superblockFile: Uint8Array, opts: ApplyDeltaOptions = {}): Promise<ApplyDeltaResult> {
  const sb = decodeDeltaSuperblock(unwrapDeltaSuperblock(superblockFile).superblock);
  return repo.inOpenTransaction(() => applyDecoded(repo, sb, opts), { signal: opts.signal });
}

async function applyDecoded(repo: Repo, sb: DeltaSuperblock, opts: ApplyDeltaOptions): Promise<ApplyDeltaResult> {
  const { from, to } = sb;
  const result: ApplyDeltaResult = { from, to, commitWritten: false, partsApplied: 0, partsSkipped: 0, objectsWritten: 0 };
  if (from !== null && !(await repo.hasObject(from, ObjectType.COMMIT))) {
    throw new OstreeError('OBJECT_NOT_FOUND', `Commit ${from}, which is the delta source, is not in repository`, { data: { checksum: from } });
  }
  if (sb.fallbacks.length > 0 && !opts.allowFallbacks) {
    throw new OstreeError('DELTA_UNSUPPORTED', 'Cannot execute delta offline: contains nonempty http fallback entries');
  }
  const commitActual = sha256Hex(sb.commit);
  if (commitActual !== to) {
    throw new OstreeError('DELTA_MISMATCH', `Delta superblock embeds commit ${commitActual}, expected ${to}`, { data: { expected: to, actual: commitActual } });
  }
  let commitmeta: Uint8Array | null = null;
  const metaKey = deltaCommitmetaKey(from, to);
  for (const [k, v] of sb.metadata) {
    if (k === metaKey && v.type === 'a{sv}') commitmeta = encode(COMMITMETA_TYPE, v.value);
  }
  if (!(await repo.hasObject(to, ObjectType.COMMIT))) {
    opts.onProgress?.({ phase: 'commit', to });
    decodeCommit(sb.commit);
    await repo.writeMetadata(ObjectType.COMMIT, sb.commit, to);
    result.commitWritten = true;
  } else {
    commitmeta = null; // ostree only writes detached metadata along with a new commit
  }
  const inline = inlineDeltaParts(sb);
  // Part i: null when all its objects are present, else its file, and with a decoder the
  // payload being decoded on the worker. With a decoder, part i + 1 is prepared while i runs.
  type Prepared = { file: Uint8Array; expected: string | null; raw: Promise<Uint8Array | null> | null } | null;
  const prepared = new Map<number, Promise<Prepared>>();
  const prepare = (i: number): Promise<Prepared> => {
    let p = prepared.get(i);
    if (!p) {
      p = (async (): Promise<Prepared> => {
        const header = sb.parts[i]!;
        if (header.version > 0) throw new OstreeError('DELTA_UNSUPPORTED', `Delta part has too new version ${header.version}`);
        if (await haveAllObjects(repo, header)) return null;
        const inl = inline.get(i);
        if (inl) return { file: inl, expected: null, raw: null }; // inline parts are covered by the superblock
        if (!opts.readPart) throw new OstreeError('DELTA_CORRUPT', `Delta part ${i} is neither inline nor readable`);
        const file = await opts.readPart(i, header);
        const expected = opts.verifyParts === false ? null : header.checksum;
        return { file, expected, raw: opts.partDecoder?.decode(file, expected, maxPartPayloadSize(header)) ?? null };
      })();
      p.catch(() => undefined); // a part prepared ahead may never be awaited
      prepared.set(i, p);
    }
    return p;
  };
  for (let i = 0; i < sb.parts.length; i++) {
    opts.signal?.throwIfAborted();
    const header = sb.parts[i]!;
    const part = await prepare(i);
    prepared.delete(i);
    if (opts.partDecoder && i + 1 < sb.parts.length) void prepare(i + 1);
    if (part === null) {
      result.partsSkipped++;
      opts.onProgress?.({ phase: 'part', index: i, total: sb.parts.length, objects: header.objects.length, skipped: true });
      continue;
    }
    try {
      result.objectsWritten += await executeDeltaPart(repo, header, part.file, {
        expectedChecksum: part.expected, index: i, maxObjectSize: opts.maxObjectSize, signal: opts.signal, raw: await part.raw,
      });
    } catch (e) {
      throw withPartContext(e, i);
    }
    result.partsApplied++;
    opts.onProgress?.({ phase: 'part', index: i, total: sb.parts.length, objects: header.objects.length, skipped: false });
  }
  if (commitmeta !== null) await repo.writeCommitDetachedMetadata(to, commitmeta);
  opts.onProgress?.({ phase: 'done', partsApplied: result.partsApplied, partsSkipped: result.partsSkipped, objectsWritten: result.objectsWritten });
  return result;
}

/** Options of {@link applyDeltaOffline}. */
export interface ApplyOfflineOptions extends Omit<ApplyDeltaOptions, 'readPart' | 'allowFallbacks'> {}

/**
 * `ostree static-delta apply-offline PATH`: PATH is a delta directory (holding `superblock` and
 * part files `0`, `1`, …) or a superblock file with its parts beside it.
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` when the superblock or a part file is missing, plus the
 *   errors of {@link applyStaticDelta}
 */
export async function applyDeltaOffline(repo: Repo, path: string, opts: ApplyOfflineOptions = {}): Promise<ApplyDeltaResult> {
  const full = resolvePath(path);
  let dir = new NodeStorage(full);
  let name = 'superblock';
  const st = await dir.lstat('');
  if (st === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such delta: ${path}`, { data: { path } });
  if (st.kind === 'file') {
    dir = new NodeStorage(dirname(full));
    name = basename(full);
  }
  const sbBytes = await dir.read(name);
  if (sbBytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No delta superblock at ${dir.resolve(name)}`, { data: { path } });
  return applyStaticDelta(repo, sbBytes, {
    ...opts,
    readPart: async (i) => {
      const b = await dir.read(String(i));
      if (b === null) throw new OstreeError('OBJECT_NOT_FOUND', `Opening deltapart '${i}': no such file in ${dir.location}`, { data: { part: i } });
      return b;
    },
  });
}
