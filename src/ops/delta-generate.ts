/**
 * Static-delta compilation (`ostree static-delta generate`).
 *
 * Mirrors `ostree_repo_static_delta_generate()` / `generate_delta_lowlatency()`
 * (`src/libostree/ostree-repo-static-delta-compilation.c`) and the similar-file pairing of
 * `_ostree_delta_compute_similar_objects()` (`…-compilation-analysis.c`), ostree v2022.7:
 *
 * 1. objects reachable from `to` (no parents) minus those reachable from `from`; the `to` commit
 *    itself ships in the superblock;
 * 2. each new regular file is paired with an old one of similar size (±30 %, non-empty, not
 *    `.xz`/`.bz2`) sharing a basename (exact first, then the part before the first `.`);
 * 3. pairs whose old file is world-readable and differs from the new one by small edits are written
 *    as copies of it plus the changed bytes (ours: `decideSimilar`); the others use rollsum when
 *    ≥ 50 % of the new file's chunks match, else bsdiff when enabled and both sizes together fit
 *    `maxBsdiffSize`;
 * 4. parts receive metadata, rollsum and edit files, bsdiff files, plain regular files (those whose object
 *    stream exceeds `minFallbackSize` become fallbacks), then symlinks; a new part starts when the
 *    payload blob would pass `maxChunkSize`;
 * 5. each part payload is xz-compressed (preset 8, CRC64) — here in parallel on worker threads —
 *    and the superblock records `ostree.endianness` = `'l'`, inline parts and the target's
 *    detached metadata.
 *
 * Differences: objects within a group are emitted in tree-walk order (ostree uses GHashTable
 * order, which only changes byte layout, never what clients accept); bsdiff patches come from our
 * own bsdiff (valid, not byte-identical to mendsley's); small edits skip rollsum and bsdiff, and the
 * unmatched chunks of a rollsum object ship only their changed bytes (`rollsumSpans`), with the
 * same ops ostree writes for rollsum objects; deltas are always little-endian unless
 * `endianness: 'big'` is asked for; no superblock signing yet.
 *
 * @module
 */
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { OstreeError } from '../errors.js';
import { sha256Hex } from '../format/checksums.js';
import type { RollsumSpan } from '../codec/rollsum.js';
import { bsdiff } from '../codec/bsdiff.js';
import { checksumToBytes } from '../format/checksum.js';
import { ObjectType, isMeta } from '../format/object-type.js';
import { HEADER_PREFIX_LENGTH, encodeContentHeader, fileHeaderLength, parseFilez, type FileHeader } from '../format/file-header.js';
import { decodeCommit } from '../format/commit.js';
import { decodeCommitmeta } from '../format/commitmeta.js';
import {
  DELTAPART_VERSION,
  DeltaCompression,
  DeltaOpsWriter,
  buildDeltaSuperblockMetadata,
  deltaDirPath,
  encodeDeltaPartFile,
  encodeDeltaPartPayload,
  encodeDeltaSuperblock,
  type DeltaEndianness,
  type DeltaFallback,
  type DeltaMode,
  type DeltaObject,
  type DeltaPartHeader,
} from '../format/delta.js';
import type { Xattrs } from '../format/xattrs.js';
import { NodeStorage, tmpSuffix, type Storage } from '../store/storage.js';
import type { Repo } from '../store/repo.js';
import { DELTA_SEGMENT_SIZE, createCompressPool, decideSimilar, type CompressPool, type CompressPoolOptions, type SimilarResult } from './delta-compress.js';

/** `CONTENT_SIZE_SIMILARITY_THRESHOLD_PERCENT`. */
const SIMILARITY_PERCENT = 30;
const MB = 1000 * 1000;

/** Progress of {@link generateStaticDelta}. */
export type GenerateDeltaProgress =
  | { phase: 'scan'; metadata: number; regular: number; symlinks: number; modified: number }
  | { phase: 'part'; index: number; objects: number; size: number; usize: number }
  | { phase: 'done'; parts: number; fallbacks: number; rollsum: number; edits: number; bsdiff: number };

/** Options of {@link generateStaticDelta} (the `params` of `ostree_repo_static_delta_generate()`). */
export interface GenerateDeltaOptions {
  /** Source commit checksum; `null` for a scratch delta. */
  from: string | null;
  /** Target commit checksum. */
  to: string;
  /** MB (10^6) above which a new file's object stream becomes a fallback; 0 disables. Default 4. */
  minFallbackSize?: number;
  /** MB: bsdiff only when old + new sizes fit. Default 128. */
  maxBsdiffSize?: number;
  /** MB: start a new part when the blob would exceed this. Default 32. */
  maxChunkSize?: number;
  /** Default true. */
  bsdiff?: boolean;
  /** Put parts into the superblock (`--inline`). Default false. */
  inline?: boolean;
  /** Header/fallback integer order; default `'little'`. */
  endianness?: DeltaEndianness;
  /** Write the superblock to this path (parts beside it) instead of the repository. */
  filename?: string;
  /** Superblock timestamp (seconds); default now. */
  timestamp?: bigint;
  /**
   * Worker threads for compression, rollsum and bsdiff (default: all cores; 0 = main thread), see
   * `delta-compress.ts`. Deltas with ≤ 32 MB of new content always run on the main thread.
   */
  workers?: number;
  /**
   * Compress parts over 12 MiB as several xz blocks on all workers (one stream, which ostree
   * reads): much faster for large parts, but each block starts with an empty dictionary — +1.5 %
   * bytes on the benchmark tree, ~+10 % on text or shared libraries. Default false.
   */
  parallelBlocks?: boolean;
  /**
   * With workers, compress parts of 1 MiB or more with two threads each: the xz match finder on a
   * helper thread ahead of the parser (identical output). Default false: on the benchmark machine
   * (2 cores shared with other jobs) it cost 10–25 % more CPU and did not reliably cut wall time;
   * see docs/performance.md "Static deltas".
   */
  matchHelpers?: boolean;
  /** Module URL to start compression workers from (see `delta-compress.ts`). */
  workerUrl?: CompressPoolOptions['workerUrl'];
  signal?: AbortSignal;
  onProgress?: (e: GenerateDeltaProgress) => void;
}

/** What {@link generateStaticDelta} wrote. */
export interface GenerateDeltaResult {
  from: string | null;
  to: string;
  /** Superblock path (relative to the repository unless `filename` was given). */
  superblockPath: string;
  /** SHA-256 of the superblock file. */
  superblockChecksum: string;
  parts: DeltaPartHeader[];
  fallbacks: DeltaFallback[];
  /** Total compressed / uncompressed part bytes. */
  size: number;
  usize: number;
  /** Modified files written from ostree's rollsum chunk matches. */
  rollsum: number;
  /**
   * Modified files found to differ from their old version by small edits and written as copies of
   * it plus the changed bytes, without rollsum chunking or bsdiff (ours; `decideSimilar`).
   */
  edits: number;
  bsdiff: number;
}

interface ContentInfo {
  symlink: boolean;
  size: number;
  /** On-disk size of the object (`ostree_repo_query_object_storage_size()`); `null`: not read yet. */
  storedSize: number | null;
  /** Header of the object stream (its encoded length + `size` is the fallback rule's size). */
  header: FileHeader;
  /** `mode & S_IROTH`. */
  worldReadable: boolean;
}

interface Walk {
  /** New/all objects in walk order (commit first). */
  objects: DeltaObject[];
  /** Content checksum → basenames in walk order. */
  basenames: Map<string, string[]>;
}

/** Depth-first walk of one commit's tree (no parents), recording content basenames. */
async function walkCommit(repo: Repo, commit: string, signal?: AbortSignal): Promise<Walk> {
  const c = await repo.loadCommit(commit);
  const seen = new Set<string>();
  const objects: DeltaObject[] = [{ type: ObjectType.COMMIT, checksum: commit }];
  const basenames = new Map<string, string[]>();
  const add = (type: ObjectType, checksum: string): boolean => {
    const k = `${checksum}.${type}`;
    if (seen.has(k)) return false;
    seen.add(k);
    objects.push({ type, checksum });
    return true;
  };
  const visit = async (tree: string, meta: string): Promise<void> => {
    signal?.throwIfAborted();
    add(ObjectType.DIR_META, meta);
    const first = add(ObjectType.DIR_TREE, tree);
    const dt = await repo.loadDirtree(tree);
    for (const f of dt.files) {
      add(ObjectType.FILE, f.checksum);
      const names = basenames.get(f.checksum);
      if (names) names.push(f.name);
      else basenames.set(f.checksum, [f.name]);
    }
    // a repeated subtree contributes its basenames again (ostree's iterator walks it again)
    void first;
    for (const d of dt.dirs) await visit(d.tree, d.meta);
  };
  await visit(c.rootTree, c.rootMeta);
  return { objects, basenames };
}

/**
 * The header of an archive object and the object's size, reading only the header when the
 * repository is on the local filesystem (a `.filez` may be megabytes; the scan only needs sizes and
 * modes of every object of both commits); `null` when absent.
 */
async function readFilezHead(repo: Repo, path: string): Promise<{ head: Uint8Array; storedSize: number | null } | null> {
  // the header is usually well under 4 KiB: one read, a second only for big xattrs; the stored
  // size is known when the whole object fit in that read, else left for the (rare) fallbacks
  const first = await repo.storage.readPrefix(path, 4096);
  if (first === null) return null;
  const total = fileHeaderLength(first.subarray(0, HEADER_PREFIX_LENGTH), 'archive content object');
  const head = total > first.length && first.length === 4096 ? ((await repo.storage.readPrefix(path, total)) ?? first) : first;
  return { head: head.subarray(0, Math.min(total, head.length)), storedSize: first.length < 4096 ? first.length : null };
}

/** A content object as {@link Repo.readContent} returns it. */
type Content = Awaited<ReturnType<Repo['readContent']>>;

async function contentInfo(repo: Repo, checksum: string): Promise<ContentInfo> {
  const path = repo.objectPath(checksum, ObjectType.FILE);
  if (repo.mode === 'archive') {
    const raw = await readFilezHead(repo, path);
    if (raw === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such content object ${checksum}`, { data: { checksum } });
    const f = parseFilez(raw.head);
    const symlink = (f.header.mode & 0o170000) === 0o120000;
    const size = symlink ? 0 : Number(f.size);
    return { symlink, size, storedSize: raw.storedSize, header: f.header, worldReadable: (f.header.mode & 0o004) !== 0 };
  }
  const st = await repo.storage.lstat(path);
  if (st === null) {
    const c = await repo.readContent(checksum); // parent repo
    const symlink = (c.header.mode & 0o170000) === 0o120000;
    return { symlink, size: c.content.length, storedSize: c.content.length, header: c.header, worldReadable: (c.header.mode & 0o004) !== 0 };
  }
  if (st.kind === 'symlink') {
    const target = (await repo.storage.readlink(path)) ?? '';
    const h: FileHeader = { uid: 0, gid: 0, mode: 0o120777, rdev: 0, symlinkTarget: target, xattrs: [] };
    return { symlink: true, size: 0, storedSize: st.size, header: h, worldReadable: true };
  }
  const h: FileHeader = { uid: 0, gid: 0, mode: st.mode, rdev: 0, symlinkTarget: '', xattrs: [] };
  return { symlink: false, size: st.size, storedSize: st.size, header: h, worldReadable: (st.mode & 0o004) !== 0 };
}

/**
 * New regular-file bytes (plus the old side of modified pairs) up to which a delta is compiled and
 * compressed on the main thread whatever `workers` says (unless its new unmodified files outside
 * fallbacks exceed `DELTA_SEGMENT_SIZE`): on the benchmark's from→to delta (11.6 MB of new files,
 * 263 modified) two workers cost 0.3 CPU-seconds to start and made it ~10 % slower.
 */
const SMALL_DELTA_BYTES = 32 * 1024 * 1024;

/** Input bytes (old + new) of modified-file pairs handed to the worker pool for rollsum/bsdiff. */
const EARLY_BSDIFF_BYTES = 64 * 1024 * 1024;

/**
 * Bytes of modified-file contents (old + new) kept from the rollsum/bsdiff decisions for the part
 * assembly, so that those files are not read and inflated twice (on the benchmark's from→to delta
 * the second pass spent ≈ 100 ms of main-thread CPU inflating them again).
 */
const PAIR_CACHE_BYTES = 32 * 1024 * 1024;

/** Objects read ahead of the one being processed (inflation runs on libuv's pool meanwhile). */
const READ_AHEAD = 8;

/**
 * Map `items` through async `fn` in order, keeping up to `depth` calls running ahead of the
 * consumer: reading/inflating the next objects overlaps the CPU work on the current one, and at
 * most `depth + 1` results are held at a time.
 */
async function* readAhead<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, depth = READ_AHEAD): AsyncGenerator<[T, R]> {
  const started: Array<Promise<R>> = [];
  let next = 0;
  const fill = (upto: number) => {
    while (next < items.length && next <= upto) {
      const p = fn(items[next]!);
      p.catch(() => undefined); // awaited in order below; avoid unhandled-rejection noise meanwhile
      started.push(p);
      next++;
    }
  };
  try {
    for (let i = 0; i < items.length; i++) {
      fill(i + depth);
      const r = await started[i]!;
      started[i] = undefined as unknown as Promise<R>;
      yield [items[i]!, r];
    }
  } finally {
    // let abandoned reads settle before returning (no work left running behind the caller)
    await Promise.allSettled(started.slice(0, next).filter(Boolean));
  }
}

/** Run `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

interface SizeName {
  checksum: string;
  size: number;
  names: string[];
}

function isDeltaCandidate(s: SizeName): boolean {
  if (s.size === 0) return false;
  for (const name of s.names) {
    const dot = name.lastIndexOf('.');
    if (dot < 0) continue;
    const ext = name.slice(dot + 1);
    if (ext === 'xz' || ext === 'bz2') return false;
  }
  return true;
}

/** Fuzzy keys of basenames: the part before the first `.`, for names with a dot after position 0. */
function fuzzyKeys(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const d = n.indexOf('.');
    if (d > 0) out.push(n.slice(0, d));
  }
  return out;
}

/**
 * The old objects (checksum → basenames) that {@link computeSimilarObjects} could pair with a new
 * file of `newNames`: those sharing a basename, or the part of one before its first dot, with a new
 * file. Dropping the others keeps the size order of the rest, so the pairing is the same — and they
 * need not be read to learn their sizes.
 */
export function similarCandidates(newNames: Iterable<readonly string[]>, old: ReadonlyMap<string, readonly string[]>): Array<[string, string[]]> {
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const list of newNames) {
    for (const n of list) names.add(n);
    for (const k of fuzzyKeys(list)) keys.add(k);
  }
  const out: Array<[string, string[]]> = [];
  for (const [csum, list] of old) {
    if (list.some((n) => names.has(n)) || fuzzyKeys(list).some((k) => keys.has(k))) out.push([csum, [...list]]);
  }
  return out;
}

/**
 * `_ostree_delta_compute_similar_objects()`: map new regular file → similar old one. Both lists are
 * sorted by size (ties by checksum, where ostree's qsort order is unspecified).
 *
 * Names match exactly, or (second pass) by the part before the first `.` when both names have
 * their first dot at the same position > 0 — upstream's pairwise rule: equal names always match,
 * and equal non-empty prefixes ending at the first dot imply equal dot positions, so comparing
 * precomputed sets of names and prefixes gives the same answer without slicing strings per pair.
 */
export function computeSimilarObjects(fromSizes: SizeName[], toSizes: SizeName[], percent = SIMILARITY_PERCENT): Map<string, string> {
  const bySize = (a: SizeName, b: SizeName) => a.size - b.size || (a.checksum < b.checksum ? -1 : a.checksum > b.checksum ? 1 : 0);
  const from = [...fromSizes].sort(bySize);
  const to = [...toSizes].sort(bySize);
  const fromCandidate = from.map(isDeltaCandidate);
  const fromKeys = from.map((f) => fuzzyKeys(f.names));
  const out = new Map<string, string>();
  let lower = 0;
  const upper = from.length;
  for (const t of to) {
    const min = Math.floor(t.size * (1.0 - percent / 100.0));
    const max = Math.floor(t.size * (1.0 + percent / 100.0));
    if (!isDeltaCandidate(t)) continue;
    const tNames = new Set(t.names);
    const tKeys = new Set(fuzzyKeys(t.names));
    let found = false;
    for (let fuzzy = 0; fuzzy < 2 && !found; fuzzy++) {
      for (let j = lower; j < upper; j++) {
        const f = from[j]!;
        if (!fromCandidate[j]) continue;
        if (f.size < min) {
          lower++;
          continue;
        }
        if (f.size > max) break;
        let match = false;
        for (const n of f.names) if (tNames.has(n)) match = true;
        if (!match && fuzzy === 1) for (const k of fromKeys[j]!) if (tKeys.has(k)) match = true;
        if (!match) continue;
        out.set(t.checksum, f.checksum);
        found = true;
        break;
      }
    }
  }
  return out;
}

/** One part being assembled (`OstreeStaticDeltaPartBuilder`). */
class PartBuilder {
  readonly objects: DeltaObject[] = [];
  private readonly chunks: Uint8Array[] = [];
  blobLength = 0;
  usize = 0;
  readonly ops = new DeltaOpsWriter();
  private readonly modeIndex = new Map<string, number>();
  readonly modes: DeltaMode[] = [];
  private readonly xattrIndex = new Map<string, number>();
  readonly xattrs: Xattrs[] = [];

  append(data: Uint8Array): number {
    const at = this.blobLength;
    if (data.length > 0) {
      this.chunks.push(data);
      this.blobLength += data.length;
    }
    return at;
  }

  /** `write_content_mode_xattrs()`: unique mode and xattr table entries. */
  modeXattr(h: FileHeader): [number, number] {
    const mk = `${h.uid}:${h.gid}:${h.mode}`;
    let m = this.modeIndex.get(mk);
    if (m === undefined) {
      m = this.modes.length;
      this.modes.push({ uid: h.uid, gid: h.gid, mode: h.mode });
      this.modeIndex.set(mk, m);
    }
    const xk = h.xattrs.map(([n, v]) => `${Buffer.from(n).toString('hex')}=${Buffer.from(v).toString('hex')}`).join(',');
    let x = this.xattrIndex.get(xk);
    if (x === undefined) {
      x = this.xattrs.length;
      this.xattrs.push(h.xattrs);
      this.xattrIndex.set(xk, x);
    }
    return [m, x];
  }

  payload(): Uint8Array {
    const blob = new Uint8Array(this.blobLength);
    let at = 0;
    for (const c of this.chunks) {
      blob.set(c, at);
      at += c.length;
    }
    this.chunks.length = 0;
    return encodeDeltaPartPayload({ modes: this.modes, xattrs: this.xattrs, blob, ops: this.ops.bytes() });
  }
}

/** Where parts and the superblock go. */
interface Output {
  storage: Storage;
  dir: string;
  superblock: string;
}

/**
 * Generate a static delta `from` → `to` (or from empty) and write it to the repository's
 * `deltas/` (or next to `filename`). Does not update the summary or delta indexes.
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` when a commit or object is missing, `CORRUPT_OBJECT`
 *   for unreadable objects
 */
export async function generateStaticDelta(repo: Repo, opts: GenerateDeltaOptions): Promise<GenerateDeltaResult> {
  const { from, to } = opts;
  const mb = (v: number | undefined, dflt: number, what: string): number => {
    const n = v ?? dflt;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`generateStaticDelta: ${what} must be a u32 number of MB`);
    return n * MB;
  };
  const minFallback = mb(opts.minFallbackSize, 4, 'minFallbackSize');
  const maxBsdiff = mb(opts.maxBsdiffSize, 128, 'maxBsdiffSize');
  const maxChunk = mb(opts.maxChunkSize, 32, 'maxChunkSize');
  const useBsdiff = opts.bsdiff !== false;
  const endianness = opts.endianness ?? 'little';

  const toCommitBytes = await repo.readMetadataBytes(ObjectType.COMMIT, to);
  if (toCommitBytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such commit ${to}`, { data: { checksum: to } });
  decodeCommit(toCommitBytes);
  if (sha256Hex(toCommitBytes) !== to) throw new OstreeError('CORRUPT_OBJECT', `Corrupted commit object ${to}`, { data: { checksum: to } });

  // the pool is created once the scan has sized the work (see SMALL_DELTA_BYTES)
  let pool: CompressPool | null = null;
  const getPool = (small: boolean): CompressPool =>
    (pool ??= createCompressPool({ workers: small ? 0 : opts.workers, workerUrl: opts.workerUrl, splitBlocks: opts.parallelBlocks === true,
      helpers: opts.matchHelpers === true ? undefined : 0 }));
  try {
    return await generateWithPool(repo, opts, getPool, toCommitBytes, { minFallback, maxBsdiff, maxChunk, useBsdiff, endianness });
  } finally {
    await (pool as CompressPool | null)?.close();
  }
}

async function generateWithPool(
  repo: Repo,
  opts: GenerateDeltaOptions,
  getPool: (small: boolean) => CompressPool,
  toCommitBytes: Uint8Array,
  p: { minFallback: number; maxBsdiff: number; maxChunk: number; useBsdiff: boolean; endianness: DeltaEndianness },
): Promise<GenerateDeltaResult> {
  const { from, to, signal } = opts;
  const { minFallback, maxBsdiff, maxChunk, useBsdiff, endianness } = p;
  // 1. reachable difference
  const toWalk = await walkCommit(repo, to, signal);
  const fromWalk = from !== null ? await walkCommit(repo, from, signal) : null;
  const fromSet = new Set(fromWalk?.objects.map((o) => `${o.checksum}.${o.type}`) ?? []);
  const newMeta: DeltaObject[] = [];
  const newRegular: string[] = [];
  const newSymlinks: string[] = [];
  const info = new Map<string, ContentInfo>();
  const newContent: string[] = [];
  for (const o of toWalk.objects) {
    if (fromSet.has(`${o.checksum}.${o.type}`)) continue;
    if (isMeta(o.type)) {
      if (!(o.type === ObjectType.COMMIT && o.checksum === to)) newMeta.push(o);
      continue;
    }
    newContent.push(o.checksum);
  }
  const newInfos = await mapLimit(newContent, 16, (c) => contentInfo(repo, c));
  newContent.forEach((csum, i) => {
    const ci = newInfos[i]!;
    info.set(csum, ci);
    (ci.symlink ? newSymlinks : newRegular).push(csum);
  });

  // 2. similar files
  let modified = new Map<string, string>();
  if (fromWalk) {
    const newSet = new Set(newRegular);
    // only old objects that could be paired are read and sized (≈ 300 of 3 900 on the benchmark)
    const olds = similarCandidates([...toWalk.basenames].filter(([c]) => newSet.has(c)).map(([, names]) => names), fromWalk.basenames);
    const fromSizes: SizeName[] = [];
    const unknown = olds.map(([c]) => c).filter((c) => !info.has(c));
    const fromInfos = await mapLimit(unknown, 16, (c) => contentInfo(repo, c));
    unknown.forEach((c, i) => info.set(c, fromInfos[i]!));
    for (const [csum, names] of olds) {
      const ci = info.get(csum)!;
      if (!ci.symlink) fromSizes.push({ checksum: csum, size: ci.size, names });
    }
    const toSizes: SizeName[] = [];
    for (const [csum, names] of toWalk.basenames) {
      if (newSet.has(csum)) toSizes.push({ checksum: csum, size: info.get(csum)!.size, names });
    }
    modified = computeSimilarObjects(fromSizes, toSizes);
  }
  opts.onProgress?.({ phase: 'scan', metadata: newMeta.length, regular: newRegular.length, symlinks: newSymlinks.length, modified: modified.size });

  // Workers only pay off for enough work: starting one (loading the module, a cold JIT for xz,
  // rollsum and bsdiff) costs more than it saves on a delta of a few MB — unless a part will be
  // big enough to be compressed in several segments, which workers compress side by side.
  const isFallback = (ci: ContentInfo): boolean => minFallback > 0 && encodeContentHeader(ci.header).length + ci.size > minFallback;
  let work = 0;
  let plainBytes = 0;
  for (const c of newRegular) {
    const ci = info.get(c)!;
    work += ci.size;
    const old = modified.get(c);
    if (old !== undefined) work += info.get(old)!.size;
    else if (!isFallback(ci)) plainBytes += ci.size;
  }
  const pool = getPool(work <= SMALL_DELTA_BYTES && plainBytes <= DELTA_SEGMENT_SIZE);

  // 3. rollsum / bsdiff choices
  const rollsums = new Map<string, { from: string; spans: RollsumSpan[]; edit: boolean }>();
  const bsdiffs = new Map<string, string>();
  const earlyPatches = new Map<string, Promise<Uint8Array>>();
  let earlyBytes = 0;
  const pairs = newRegular.filter((c) => modified.has(c) && info.get(modified.get(c)!)!.worldReadable);
  const readPair = async (toCsum: string) => Promise.all([repo.readContent(modified.get(toCsum)!), repo.readContent(toCsum)]);
  // With workers, each pair's rollsum check (and bsdiff, when rollsum is not worthwhile) runs on
  // the pool while the main thread reads the next pairs; inputs handed over are bounded by
  // EARLY_BSDIFF_BYTES, beyond that the check runs here and bsdiff when the part is assembled.
  // Decisions are applied in `pairs` order, so the result does not depend on timing.
  const decisions: Array<{ toCsum: string; fromCsum: string; sizes: number; result: SimilarResult | Promise<SimilarResult> }> = [];
  // contents read here and used again when the part is assembled (see PAIR_CACHE_BYTES)
  const pairCache = new Map<string, { old: Content | null; new: Content }>();
  let cachedBytes = 0;
  try {
    for await (const [toCsum, [oldC, newC]] of readAhead(pairs, readPair)) {
      const fromCsum = modified.get(toCsum)!;
      signal?.throwIfAborted();
      const a = oldC.content;
      const b = newC.content;
      const sizes = a.length + b.length;
      if (cachedBytes + sizes <= PAIR_CACHE_BYTES) {
        pairCache.set(toCsum, { old: oldC, new: newC });
        cachedBytes += sizes;
      }
      const allowBsdiff = useBsdiff && sizes <= maxBsdiff;
      if (pool.parallel > 0 && earlyBytes + sizes <= EARLY_BSDIFF_BYTES) {
        earlyBytes += sizes;
        const result = pool.similar(a, b, allowBsdiff);
        result.catch(() => undefined); // awaited below
        decisions.push({ toCsum, fromCsum, sizes, result });
      } else {
        decisions.push({ toCsum, fromCsum, sizes, result: decideSimilar(a, b, false) });
      }
    }
  } finally {
    await Promise.allSettled(decisions.map((d) => d.result));
  }
  for (const d of decisions) {
    const r = await d.result;
    const cached = pairCache.get(d.toCsum);
    if (r.spans) {
      rollsums.set(d.toCsum, { from: d.fromCsum, spans: r.spans, edit: r.edit === true });
      if (cached) cached.old = null; // a rollsum object copies from the old file by reference
    } else if (useBsdiff && d.sizes <= maxBsdiff) {
      bsdiffs.set(d.toCsum, d.fromCsum);
      if (r.patch) {
        earlyPatches.set(d.toCsum, Promise.resolve(r.patch));
        if (cached) cached.old = null;
      }
    } else {
      pairCache.delete(d.toCsum); // emitted whole later, read then
    }
  }

  // output location
  let out: Output;
  if (opts.filename !== undefined) {
    if (opts.filename === '') throw new RangeError("generateStaticDelta: invalid 'filename'");
    const full = resolvePath(opts.filename);
    out = { storage: new NodeStorage(dirname(full)), dir: '', superblock: basename(full) };
  } else {
    out = { storage: repo.storage, dir: deltaDirPath(from, to), superblock: `${deltaDirPath(from, to)}/superblock` };
  }
  const tmpDir = `${opts.filename !== undefined ? '' : 'tmp/'}.delta-${tmpSuffix()}`;
  const rel = (name: string) => (out.dir ? `${out.dir}/${name}` : name);

  // 4./5. parts
  const parts: Array<Promise<{ header: DeltaPartHeader; file: Uint8Array | null }>> = [];
  const inlineFiles: Uint8Array[] = [];
  let current = new PartBuilder();
  // bound memory: at most (workers + 1) parts in flight
  const inFlight = new Set<Promise<unknown>>();
  const finish = async (): Promise<void> => {
    const p = current;
    current = new PartBuilder();
    const index = parts.length;
    const payload = p.payload();
    const job = pool.compress(payload).then(async (compressed) => {
      const file = encodeDeltaPartFile(DeltaCompression.XZ, compressed);
      const header: DeltaPartHeader = { version: DELTAPART_VERSION, checksum: sha256Hex(file), size: file.length, usize: p.usize, objects: p.objects };
      opts.onProgress?.({ phase: 'part', index, objects: p.objects.length, size: file.length, usize: p.usize });
      if (opts.inline) return { header, file };
      await out.storage.mkdirp(tmpDir);
      await out.storage.writeAtomic(`${tmpDir}/${index}`, file, { mode: 0o644 });
      return { header, file: null };
    });
    parts.push(job);
    const tracked = job.then(() => undefined, () => undefined);
    inFlight.add(tracked);
    void tracked.then(() => inFlight.delete(tracked));
    while (inFlight.size > Math.max(1, pool.parallel)) await Promise.race(inFlight);
  };
  const fallbacks: DeltaFallback[] = [];
  const counts = { rollsum: 0, edits: 0, bsdiff: 0 };
  try {
    // metadata
    for (const o of newMeta) {
      signal?.throwIfAborted();
      const bytes = await repo.readMetadataBytes(o.type, o.checksum);
      if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such ${ObjectType[o.type].toLowerCase()} ${o.checksum}`, { data: { checksum: o.checksum } });
      if (current.objects.length > 0 && current.blobLength + bytes.length > maxChunk) await finish();
      current.usize += bytes.length;
      current.objects.push(o);
      const at = current.append(bytes);
      current.ops.spliceMetadata(bytes.length, at);
    }
    // rollsum
    const cachedNew = (t: string): Promise<Content> => {
      const hit = pairCache.get(t)?.new;
      return hit ? Promise.resolve(hit) : repo.readContent(t);
    };
    for await (const [[toCsum, r], c] of readAhead([...rollsums], ([t]) => cachedNew(t))) {
      pairCache.delete(toCsum);
      signal?.throwIfAborted();
      if (current.objects.length > 0 && current.blobLength > maxChunk) await finish();
      const data = c.content;
      current.usize += data.length;
      current.objects.push({ type: ObjectType.FILE, checksum: toCsum });
      const [m, x] = current.modeXattr(c.header);
      const srcOfs = current.append(checksumToBytes(r.from));
      current.ops.open(m, x, data.length);
      let readingPayload = true;
      for (const span of r.spans) {
        if (span.fromOffset < 0) {
          if (!readingPayload) {
            current.ops.unsetReadSource();
            readingPayload = true;
          }
          current.ops.write(span.length, current.append(data.subarray(span.toOffset, span.toOffset + span.length)));
        } else {
          if (readingPayload) {
            current.ops.setReadSource(srcOfs);
            readingPayload = false;
          }
          current.ops.write(span.length, span.fromOffset);
        }
      }
      if (!readingPayload) current.ops.unsetReadSource();
      current.ops.close();
      if (r.edit) counts.edits++;
      else counts.rollsum++;
    }
    // bsdiff
    const readBsdiffPair = async ([t, f]: [string, string]) => {
      const hit = pairCache.get(t);
      pairCache.delete(t);
      return Promise.all([earlyPatches.has(t) ? null : (hit?.old ?? repo.readContent(f)), hit ? hit.new : repo.readContent(t)]);
    };
    for await (const [[toCsum, fromCsum], [oldC, c]] of readAhead([...bsdiffs], readBsdiffPair)) {
      signal?.throwIfAborted();
      if (current.objects.length > 0 && current.blobLength > maxChunk) await finish();
      current.usize += c.content.length;
      current.objects.push({ type: ObjectType.FILE, checksum: toCsum });
      const [m, x] = current.modeXattr(c.header);
      current.ops.setReadSource(current.append(checksumToBytes(fromCsum)));
      current.ops.open(m, x, c.content.length);
      const early = earlyPatches.get(toCsum);
      const patch = early ? await early : bsdiff(oldC!.content, c.content);
      earlyPatches.delete(toCsum);
      current.ops.bspatch(current.append(patch), patch.length);
      current.ops.close();
      current.ops.unsetReadSource();
      counts.bsdiff++;
    }
    // plain regular files (fallbacks first, as ostree decides them before emitting)
    const plain: string[] = [];
    for (const csum of newRegular) {
      if (rollsums.has(csum) || bsdiffs.has(csum)) continue;
      const ci = info.get(csum)!;
      if (isFallback(ci)) {
        const size = ci.storedSize ?? (await repo.storedObjectSize(csum, ObjectType.FILE));
        if (size === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such content object ${csum}`, { data: { checksum: csum } });
        fallbacks.push({ type: ObjectType.FILE, checksum: csum, size, usize: ci.size });
      } else {
        plain.push(csum);
      }
    }
    for await (const [csum, c] of readAhead([...plain, ...newSymlinks], (x) => repo.readContent(x))) {
      signal?.throwIfAborted();
      const symlink = (c.header.mode & 0o170000) === 0o120000;
      const data = symlink ? new TextEncoder().encode(c.header.symlinkTarget) : c.content;
      const usize = symlink ? 0 : data.length;
      if (current.objects.length > 0 && current.blobLength + usize > maxChunk) await finish();
      current.usize += usize;
      current.objects.push({ type: ObjectType.FILE, checksum: csum });
      const [m, x] = current.modeXattr(c.header);
      const at = current.append(data);
      current.ops.spliceContent(m, x, data.length, at);
    }
    await finish();
    const done = await Promise.all(parts);
    const headers = done.map((d) => d.header);
    for (const d of done) if (d.file) inlineFiles.push(d.file);

    // superblock
    const metaBytes = await repo.readCommitDetachedMetadata(to);
    const metadata = buildDeltaSuperblockMetadata({
      endianness,
      from,
      to,
      inlineParts: opts.inline ? inlineFiles : [],
      commitmeta: metaBytes ? decodeCommitmeta(metaBytes) : null,
    });
    const superblock = encodeDeltaSuperblock({
      metadata,
      timestamp: opts.timestamp ?? BigInt(Math.floor(Date.now() / 1000)),
      from,
      to,
      commit: toCommitBytes,
      parts: headers,
      fallbacks,
      endianness,
    });
    // publish: parts first, superblock last (each an atomic rename)
    if (out.dir) await out.storage.mkdirp(out.dir);
    if (!opts.inline) for (let i = 0; i < headers.length; i++) await out.storage.rename(`${tmpDir}/${i}`, rel(String(i)));
    await out.storage.writeAtomic(out.superblock, superblock, { mode: 0o644 });
    opts.onProgress?.({ phase: 'done', parts: headers.length, fallbacks: fallbacks.length, ...counts });
    return {
      from,
      to,
      superblockPath: opts.filename !== undefined ? resolvePath(opts.filename) : out.superblock,
      superblockChecksum: sha256Hex(superblock),
      parts: headers,
      fallbacks,
      size: headers.reduce((s, h) => s + h.size, 0),
      usize: headers.reduce((s, h) => s + h.usize, 0),
      ...counts,
    };
  } finally {
    await Promise.allSettled(parts);
    await out.storage.rmrf(tmpDir).catch(() => undefined);
  }
}
