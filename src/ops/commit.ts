/**
 * `ostree commit`: build a tree from directories, tar archives, existing commits or an in-memory
 * description, write its objects, then the commit, then the ref.
 *
 * Mirrors `ostree_builtin_commit()` (`src/ostree/ot-builtin-commit.c`) and the writers in
 * `src/libostree/ostree-repo-commit.c`:
 * - metadata order: `--add-metadata-string` entries, then `--add-metadata`, then `--keep-metadata`,
 *   then `ostree.ref-binding` (sorted branch + `--bind-ref`s) and `ostree.collection-binding`
 *   unless `--no-bindings`, then `ostree.sizes` with `--generate-sizes` (archive repos only);
 * - the commit modifier: `--owner-uid/--owner-gid`, `--mode-ro-executables`, then canonical
 *   permissions (`--canonical-permissions`, implied in bare-user-only repos);
 * - the parent defaults to the branch's current commit.
 *
 * @module
 */
import { promises as fsp, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { OstreeError } from '../errors.js';
import { sha256Hex } from '../format/checksums.js';
import { Variant } from '../gvariant/value.js';
import { ObjectType } from '../format/object-type.js';
import { encodeCommit, type Commit } from '../format/commit.js';
import { encodeDirtree } from '../format/dirtree.js';
import { encodeDirmeta } from '../format/dirmeta.js';
import { contentChecksum, encodeContentHeader, type FileHeader } from '../format/file-header.js';
import { encodeSizesEntry } from '../format/commit.js';
import { canonicalizePermissions, modeRoExecutables, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../format/mode.js';
import { validateChecksum } from '../format/checksum.js';
import { filenameProblem } from '../format/names.js';
import type { Repo, TransactionStats } from '../store/repo.js';
import { MutableTree } from './mutable-tree.js';
import type { Signer } from '../sign/types.js';
import { TaskPool } from './task-pool.js';
import { contentWorkerCount, warmContentWorkers } from '../store/content-pool.js';

/** One layer of the tree to commit (`--tree=dir=`, `--tree=ref=`, `--tree=tar=`, or in memory). */
export type TreeSource =
  | { kind: 'dir'; path: string }
  | { kind: 'ref'; rev: string }
  | { kind: 'tar'; path: string }
  | { kind: 'memory'; tree: MemDir };

/** In-memory tree node: a regular file. */
export interface MemFile {
  type: 'file';
  content: Uint8Array | string;
  /** Permission bits (default 0o644). */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** In-memory tree node: a symbolic link. */
export interface MemSymlink {
  type: 'symlink';
  target: string;
  uid?: number;
  gid?: number;
}

/** In-memory tree node: a directory. */
export interface MemDir {
  type: 'dir';
  /** Permission bits (default 0o755). */
  mode?: number;
  uid?: number;
  gid?: number;
  entries?: Record<string, MemNode>;
}

/** Any in-memory tree node. */
export type MemNode = MemFile | MemSymlink | MemDir;

/** Progress events of {@link commit}. */
export type CommitProgress =
  | { phase: 'scan'; files: number; bytes: number }
  | { phase: 'write'; files: number; bytes: number; written: number }
  | { phase: 'done'; checksum: string; stats: TransactionStats };

/** Options of {@link commit}, named after `ostree commit`'s. */
export interface CommitOptions {
  /** `-b/--branch`: the ref to update; also the default parent. */
  branch?: string;
  /** `--orphan`: write no ref. One of `branch`/`orphan` is required. */
  orphan?: boolean;
  /** `--parent`: a checksum, or `'none'`. Default: the branch's current commit. */
  parent?: string;
  /** Tree layers, overlaid in order (default: nothing → an empty tree). */
  trees: TreeSource[];
  /** `-s/--subject`. */
  subject?: string;
  /** `-m/--body`. */
  body?: string;
  /** `--timestamp`: seconds since the epoch, a Date, or a string `parseTimestamp` accepts. Default: now. */
  timestamp?: bigint | number | Date | string;
  /** `--owner-uid`. */
  ownerUid?: number;
  /** `--owner-gid`. */
  ownerGid?: number;
  /** `--canonical-permissions`. */
  canonicalPermissions?: boolean;
  /** `--mode-ro-executables`. */
  modeRoExecutables?: boolean;
  /** `--no-xattrs`: accepted for compatibility; ostree-ts never imports xattrs (Node cannot read them). */
  noXattrs?: boolean;
  /** `--add-metadata-string=KEY=VALUE` entries, in order. */
  metadataStrings?: Array<[string, string]>;
  /** `--add-metadata=KEY=VALUE` entries with parsed GVariant values, in order. */
  metadata?: Array<[string, Variant]>;
  /** `--keep-metadata=KEY`: copy these keys from the parent commit. */
  keepMetadata?: string[];
  /** `--add-detached-metadata-string=KEY=VALUE`. */
  detachedMetadataStrings?: Array<[string, string]>;
  /** `--bind-ref`. */
  bindRefs?: string[];
  /** `--no-bindings`. */
  noBindings?: boolean;
  /** `--consume`: delete the committed directory sources' content afterwards. */
  consume?: boolean;
  /** `--generate-sizes` (archive repos only, as ostree). */
  generateSizes?: boolean;
  /** `--tar-autocreate-parents`. */
  tarAutocreateParents?: boolean;
  /**
   * Sign the new commit with these signers (`--gpg-sign`, `--sign`) inside the transaction, before
   * the ref moves — so a ref never points at a commit that is still unsigned.
   */
  signers?: readonly Signer[];
  /** Abort the commit (nothing is published; the ref is not moved). */
  signal?: AbortSignal;
  /** Progress callback. */
  onProgress?: (e: CommitProgress) => void;
}

/** Result of {@link commit}. */
export interface CommitResult {
  checksum: string;
  rootTree: string;
  rootMeta: string;
  stats: TransactionStats;
}

/** Size entry recorded for `--generate-sizes`. */
interface SizeEntry {
  archived: number;
  unpacked: number;
  type: ObjectType;
}

/** Files at most this large are read whole; larger ones are streamed. */
const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;
/** Files processed concurrently (reads, hashing and deflate overlap across the libuv pool). */
const CONCURRENCY = 8;
/** File bytes a commit writes in-thread before it starts the content workers (tiny commits never do). */
const INLINE_BYTES = 1024 * 1024;
/** A batch for the content workers closes at this many files… */
const BATCH_FILES = 32;
/** …or this many bytes (a large file travels alone, so the workers stay balanced). */
const BATCH_BYTES = 512 * 1024;
/**
 * Files known by path only are read within a batch up to this size; a larger one (its size is
 * only known once opened) comes back and travels alone, so that no batch holds several large files
 * and leaves one worker compressing them while the others wait.
 */
const BATCHED_FILE_LIMIT = 512 * 1024;

/**
 * Parse a `--timestamp` value as ostree's `parse_datetime()` commonly receives it: `@SECONDS`,
 * plain seconds, ISO 8601, or `YYYY-MM-DD HH:MM:SS [+ZZZZ]` (UTC when no zone is given).
 */
export function parseTimestamp(s: string): bigint {
  const t = s.trim();
  let m = /^@?(-?\d+)$/.exec(t);
  if (m) return BigInt(m[1]);
  m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', zone] = m;
    let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec);
    if (zone && !/^(Z|UTC)$/i.test(zone)) {
      const z = zone.replace(':', '');
      const off = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
      ms -= z[0] === '-' ? -off : off;
    }
    if (Number.isFinite(ms)) return BigInt(Math.floor(ms / 1000));
  }
  const ms = Date.parse(t);
  if (Number.isFinite(ms)) return BigInt(Math.floor(ms / 1000));
  throw new OstreeError('INVALID_ARGUMENT', `Could not parse '${s}'`, { data: { timestamp: s } });
}

function toSeconds(ts: CommitOptions['timestamp']): bigint {
  if (ts === undefined) return BigInt(Math.floor(Date.now() / 1000));
  if (typeof ts === 'bigint') return ts;
  if (typeof ts === 'number') return BigInt(Math.floor(ts));
  if (ts instanceof Date) return BigInt(Math.floor(ts.getTime() / 1000));
  return parseTimestamp(ts);
}

/** Applies `ostree commit`'s modifier to a (uid, gid, mode) triple. */
class Modifier {
  constructor(
    private readonly o: Pick<CommitOptions, 'ownerUid' | 'ownerGid' | 'modeRoExecutables'>,
    private readonly canonical: boolean,
  ) {}

  apply(uid: number, gid: number, mode: number): { uid: number; gid: number; mode: number } {
    if (this.o.ownerUid !== undefined && this.o.ownerUid >= 0) uid = this.o.ownerUid;
    if (this.o.ownerGid !== undefined && this.o.ownerGid >= 0) gid = this.o.ownerGid;
    if (this.o.modeRoExecutables) mode = modeRoExecutables(mode);
    if (this.canonical) return { ...canonicalizePermissions({ uid, gid, mode }) };
    return { uid, gid, mode };
  }

  /** The same rules for a content worker (`Repo.offloadContentByPath`). */
  rules(): { uid: number; gid: number; roExecutables: boolean; canonical: boolean } {
    const { ownerUid, ownerGid } = this.o;
    return {
      uid: ownerUid !== undefined && ownerUid >= 0 ? ownerUid : -1,
      gid: ownerGid !== undefined && ownerGid >= 0 ? ownerGid : -1,
      roExecutables: !!this.o.modeRoExecutables,
      canonical: this.canonical,
    };
  }
}

/**
 * A content-checksum function for many files: like `contentChecksum()` (same result), but the
 * encoded header of plain files (no symlink target, no xattrs) is cached per uid/gid/mode, since
 * a tree has only a handful of those and encoding the GVariant costs as much as hashing a small
 * file. `bench/hash` measures this path against raw `node:crypto`.
 */
export function createContentChecksummer(): (header: FileHeader, content: Uint8Array) => string {
  const headerBytes = createHeaderCache();
  return (header, content) => {
    const bytes = headerBytes(header);
    if (!bytes) return contentChecksum(header, content);
    return sha256Hex(bytes, content);
  };
}

/**
 * Encoded content headers of plain files (no symlink target, xattrs or rdev) cached per
 * uid/gid/mode; `null` for the other headers, which the caller encodes itself.
 */
function createHeaderCache(): (header: FileHeader) => Uint8Array | null {
  const headers = new Map<string, Uint8Array>();
  return (header) => {
    if (header.symlinkTarget !== '' || header.xattrs.length !== 0 || header.rdev !== 0) return null;
    const key = `${header.uid}:${header.gid}:${header.mode}`;
    let bytes = headers.get(key);
    if (!bytes) {
      bytes = encodeContentHeader(header); // validates the header; invalid ones throw and are not cached
      if (headers.size < 4096) headers.set(key, bytes);
    }
    return bytes;
  };
}

/** State shared by one commit's writers. */
class CommitWriter {
  readonly sizes = new Map<string, SizeEntry>();
  private readonly hash = createContentChecksummer();
  private readonly headerBytes = createHeaderCache();
  /** Checksums whose stored size is looked up after the walk (`--generate-sizes`). */
  private readonly sizeLater = new Map<string, number>();
  /** Bytes of regular files written in-thread so far (see {@link CommitWriter.addFile}). */
  private inlineBytes = 0;
  /**
   * {@link INLINE_BYTES}, or 0 when this commit compresses with the zlib-exact encoder: written
   * in-thread, those files would start the deflate pool's workers (`store/deflate-pool.ts`) besides
   * the content workers, and compile the encoder in each of them and in this thread (`perf` on the
   * bench's `--generate-sizes` commit: ≈ 150 ms of CPU per extra worker).
   */
  private readonly inlineLimit: number;
  /** Files past the first {@link INLINE_BYTES} go to the content workers. */
  private offload = false;
  private batch: Array<{ header: FileHeader; path: string; size: number; done: (checksum: string) => void }> = [];
  private batchBytes = 0;
  /** Regular files known by path only (see {@link CommitWriter.addPath}). */
  private paths: Array<{ path: string; done: (checksum: string) => void }> = [];
  /** Large files re-sent alone (see {@link BATCHED_FILE_LIMIT}); awaited by {@link CommitWriter.drain}. */
  private later: Array<Promise<void>> = [];
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly dirmetaCache = new Map<string, string>();
  files = 0;
  bytes = 0;
  private readonly pool: TaskPool;

  constructor(
    readonly repo: Repo,
    readonly modifier: Modifier,
    readonly opts: CommitOptions,
  ) {
    this.pool = new TaskPool(Math.max(CONCURRENCY, 4 * contentWorkerCount()), opts.signal);
    this.inlineLimit = repo.mode === 'archive' && repo.deflateFlavour === 'exact' ? 0 : INLINE_BYTES;
  }

  get generateSizes(): boolean {
    return !!this.opts.generateSizes && this.repo.mode === 'archive';
  }

  checkAbort(): void {
    this.pool.check();
  }

  /** Run `task` with bounded concurrency; errors surface at the next checkAbort/drain. */
  schedule(task: () => Promise<void>): Promise<void> {
    return this.pool.schedule(task);
  }

  async drain(): Promise<void> {
    await this.pool.drain();
    while (this.later.length > 0) {
      const later = this.later;
      this.later = [];
      await Promise.all(later);
      await this.pool.drain();
    }
  }

  progress(): void {
    if (this.opts.onProgress && (this.files & 0xff) === 0) {
      this.opts.onProgress({ phase: 'write', files: this.files, bytes: this.bytes, written: 0 });
    }
  }

  /** Write a dirmeta (deduplicated) and return its checksum. */
  async dirmeta(uid: number, gid: number, mode: number): Promise<string> {
    const key = `${uid}:${gid}:${mode}`;
    const cached = this.dirmetaCache.get(key);
    if (cached) return cached;
    const bytes = encodeDirmeta({ uid, gid, mode, xattrs: [] });
    const csum = await this.repo.writeMetadata(ObjectType.DIR_META, bytes);
    this.recordMetaSize(csum, bytes.byteLength, ObjectType.DIR_META);
    this.dirmetaCache.set(key, csum);
    return csum;
  }

  /**
   * Write the dirtree of a directory whose every file and subdirectory is known (a walk calls this
   * as soon as its last file comes back from the workers, so the tree is written while they stage
   * other files rather than after them). The checksum is computed now and kept as the tree's
   * `cachedTreeChecksum` — which any later change clears — so that the parent and the final
   * `writeTree` reuse it; the object is staged asynchronously ({@link CommitWriter.drain} awaits
   * it). A subdirectory without a known checksum (left by an earlier tree of an overlay) leaves
   * the directory to `writeTree`.
   */
  finishDir(tree: MutableTree): void {
    const dirs: Array<{ name: string; tree: string; meta: string }> = [];
    for (const [name, sub] of tree.dirs) {
      if (sub.cachedTreeChecksum === null || sub.metaChecksum === null) return;
      dirs.push({ name, tree: sub.cachedTreeChecksum, meta: sub.metaChecksum });
    }
    for (const csum of tree.files.values()) if (csum === '') return;
    const bytes = dirtreeBytes(tree, dirs);
    const csum = sha256Hex(bytes);
    tree.cachedTreeChecksum = csum;
    const written = this.repo.writeMetadata(ObjectType.DIR_TREE, bytes, csum).then(() => this.recordMetaSize(csum, bytes.byteLength, ObjectType.DIR_TREE));
    written.catch(() => undefined); // surfaces through drain()
    this.later.push(written);
  }

  recordMetaSize(checksum: string, size: number, type: ObjectType): void {
    if (this.generateSizes && !this.sizes.has(checksum)) this.sizes.set(checksum, { archived: size, unpacked: size, type });
  }

  /** Write a content object whose bytes are in memory; returns the checksum. */
  async content(header: FileHeader, data: Uint8Array): Promise<string> {
    const csum = this.hash(header, (header.mode & S_IFMT) === S_IFREG ? data : EMPTY);
    this.files++;
    this.bytes += data.byteLength;
    let p = this.inflight.get(csum);
    if (!p) {
      p = this.repo.writeContent(header, data, csum).then(() => undefined);
      this.inflight.set(csum, p);
      if (this.generateSizes) {
        // The stored size is read after the walk (resolveSizes), not now: a content worker may
        // have created the same staged object first (this write then stops at EEXIST) and still be
        // writing it. ostree records a symlink's target length as its unpacked size
        // (write_content_object()).
        this.sizeLater.set(csum, (header.mode & S_IFMT) === S_IFLNK ? Buffer.byteLength(header.symlinkTarget) : data.byteLength);
      }
    }
    await p;
    this.progress();
    return csum;
  }

  /** Write a content object streamed from a file (large files). */
  async contentFromFile(header: FileHeader, path: string, size: number): Promise<string> {
    const csum = await this.repo.writeContentFromFile(header, path, size);
    this.files++;
    this.bytes += size;
    if (this.generateSizes) {
      const archived = (await this.repo.storedObjectSize(csum, ObjectType.FILE)) ?? 0;
      this.sizes.set(csum, { archived, unpacked: size, type: ObjectType.FILE });
    }
    this.progress();
    return csum;
  }

  /**
   * Add a regular file of a directory walk (files up to {@link WHOLE_FILE_LIMIT}; larger ones are
   * streamed). The first {@link INLINE_BYTES} of a commit are written in-thread (tiny commits never
   * start workers); after that files are collected into batches ({@link BATCH_FILES} files or
   * {@link BATCH_BYTES}) whose whole jobs — read, hash, compress, write — run on the store's
   * content workers, one message per batch, leaving this thread to walk the tree.
   */
  async addFile(header: FileHeader, path: string, size: number, done: (checksum: string) => void): Promise<void> {
    if (size > WHOLE_FILE_LIMIT) return this.schedule(async () => done(await this.contentFromFile(header, path, size)));
    if (!this.offload && this.inlineBytes + size < this.inlineLimit) {
      this.inlineBytes += size;
      return this.schedule(async () => done(await this.contentInThread(header, path)));
    }
    if (!this.offload) {
      this.offload = true;
      warmContentWorkers();
    }
    this.batch.push({ header, path, size, done });
    this.batchBytes += size;
    if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) await this.flushBatch();
  }

  /**
   * True once files go to the content workers: the walk may then pass regular files by path
   * alone ({@link CommitWriter.addPath}), without `lstat`ing them.
   */
  get offloading(): boolean {
    return this.offload;
  }

  /**
   * Add a regular file of a directory walk known only by its path (its `readdir` type): a content
   * worker `fstat`s it, applies the modifier's rules and writes it. What the worker leaves to
   * this thread (large files, files that changed type, disallowed permissions) goes through
   * {@link CommitWriter.addByLstat}. Batches of {@link BATCH_FILES}.
   */
  addPath(path: string, done: (checksum: string) => void): Promise<void> | undefined {
    this.paths.push({ path, done });
    // a promise only when a batch goes out: the walk awaits once per batch, not once per file
    return this.paths.length >= BATCH_FILES ? this.flushPaths() : undefined;
  }

  private async flushPaths(): Promise<void> {
    const batch = this.paths;
    if (batch.length === 0) return;
    this.paths = [];
    await this.stagePaths(batch, BATCHED_FILE_LIMIT);
  }

  /** Stage files known by path on a content worker, reading those up to `limit` bytes. */
  private async stagePaths(batch: Array<{ path: string; done: (checksum: string) => void }>, limit: number): Promise<void> {
    await this.schedule(async () => {
      const results = await this.repo.offloadContentByPath(
        batch.map((f) => f.path),
        this.modifier.rules(),
        limit,
      );
      for (let i = 0; i < batch.length; i++) {
        const f = batch[i]!;
        const r = results?.[i];
        if (r && 'large' in r) {
          // alone this time (not awaited here: this task would hold a slot the new one waits for)
          if (r.large <= WHOLE_FILE_LIMIT && limit < WHOLE_FILE_LIMIT) this.later.push(this.stagePaths([f], WHOLE_FILE_LIMIT));
          else f.done(await this.addByLstat(f.path));
          continue;
        }
        if (!r) {
          f.done(await this.addByLstat(f.path));
          continue;
        }
        f.done(this.recordOffloaded(r.checksum, r.size, r.stored));
      }
    });
  }

  /** Count a file a content worker staged (or found stored) and note its sizes; returns its checksum. */
  private recordOffloaded(checksum: string, size: number, stored: number | null): string {
    this.files++;
    this.bytes += size;
    if (this.generateSizes && !this.sizes.has(checksum)) {
      if (stored !== null) this.sizes.set(checksum, { archived: stored, unpacked: size, type: ObjectType.FILE });
      else this.sizeLater.set(checksum, size);
    }
    this.progress();
    return checksum;
  }

  /** Write a file of the walk in-thread after `lstat`ing it (what a worker handed back). */
  private async addByLstat(path: string): Promise<string> {
    const st = lstatSync(path);
    const m = this.modifier.apply(st.uid, st.gid, st.mode);
    if (st.isSymbolicLink()) {
      return this.content({ uid: m.uid, gid: m.gid, mode: m.mode, rdev: 0, symlinkTarget: readlinkSync(path), xattrs: [] }, EMPTY);
    }
    if (!st.isFile()) throw new OstreeError('INVALID_MODE', `Unsupported file type for ${path} (mode 0${st.mode.toString(8)})`, { data: { path } });
    const header: FileHeader = { uid: m.uid, gid: m.gid, mode: m.mode, rdev: 0, symlinkTarget: '', xattrs: [] };
    if (st.size > WHOLE_FILE_LIMIT) return this.contentFromFile(header, path, st.size);
    return this.contentInThread(header, path);
  }

  /** Send the collected files to a content worker (call at the end of a walk). */
  async flushBatch(): Promise<void> {
    await this.flushPaths();
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batchBytes = 0;
    await this.schedule(async () => {
      const results = await this.repo.offloadContentFromPaths(
        batch.map((f) => ({ header: f.header, absPath: f.path, size: f.size, hashHeader: this.headerBytes(f.header) ?? undefined })),
      );
      for (let i = 0; i < batch.length; i++) {
        const f = batch[i]!;
        const r = results?.[i];
        if (!r) {
          f.done(await this.contentInThread(f.header, f.path));
          continue;
        }
        f.done(this.recordOffloaded(r.checksum, f.size, r.stored));
      }
    });
  }

  private async contentInThread(header: FileHeader, path: string): Promise<string> {
    const buf = readFileSync(path);
    return this.content(header, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }

  /** Look up the stored sizes of objects that were already present or staged by another job. */
  async resolveSizes(): Promise<void> {
    for (const [csum, unpacked] of this.sizeLater) {
      if (this.sizes.has(csum)) continue;
      const archived = (await this.repo.storedObjectSize(csum, ObjectType.FILE)) ?? 0;
      this.sizes.set(csum, { archived, unpacked, type: ObjectType.FILE });
    }
    this.sizeLater.clear();
  }
}

const EMPTY = new Uint8Array(0);

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function checkName(name: string, where: string): void {
  const problem = filenameProblem(name);
  if (problem) throw new OstreeError('INVALID_FILENAME', `Invalid filename ${JSON.stringify(name)} in ${where}: ${problem}`, { data: { name } });
}

/**
 * Walk a directory. Directory listing, `lstat`, `readlink` and whole-file reads are synchronous:
 * on page-cached trees each is a few microseconds of syscall, whereas the promise API costs a
 * thread-pool round trip per call (open, fstat, read, close…), which profiling showed to be most
 * of the commit's CPU time besides deflate. Compression stays asynchronous (thread pool / workers),
 * so the main thread reads and hashes while the other cores compress.
 */
async function importDir(w: CommitWriter, absPath: string, st: Stats, tree: MutableTree, onComplete?: () => void): Promise<void> {
  const m = w.modifier.apply(st.uid, st.gid, st.mode);
  tree.metaChecksum = await w.dirmeta(m.uid, m.gid, m.mode);
  // Outstanding files and subdirectories, plus one for the walk itself: at zero the directory's
  // dirtree is written (CommitWriter.finishDir) while the workers still stage other files.
  let pending = 1;
  const settle = (): void => {
    if (--pending === 0) {
      w.finishDir(tree);
      onComplete?.();
    }
  };
  const ents = readdirSync(absPath, { encoding: 'buffer', withFileTypes: true });
  for (const ent of ents) {
    w.checkAbort();
    let name: string;
    try {
      name = fatalUtf8.decode(ent.name);
    } catch {
      throw new OstreeError('INVALID_FILENAME', `Invalid UTF-8 in filename under ${absPath}`, { data: { dir: absPath } });
    }
    checkName(name, absPath);
    const child = absPath.endsWith('/') ? absPath + name : `${absPath}/${name}`; // as join(), without its normalising pass
    if (ent.isFile() && w.offloading) {
      // a regular file per readdir: the content worker stats, reads and writes it
      tree.replaceFile(name, ''); // placeholder: filled in when the object is written
      pending++;
      const sent = w.addPath(child, (csum) => {
        tree.files.set(name, csum);
        settle();
      });
      if (sent) await sent;
      continue;
    }
    const cst = lstatSync(child);
    if (cst.isDirectory()) {
      pending++;
      await importDir(w, child, cst, tree.ensureDir(name), settle);
    } else if (cst.isFile() || cst.isSymbolicLink()) {
      const mm = w.modifier.apply(cst.uid, cst.gid, cst.mode);
      if (cst.isSymbolicLink()) {
        const target = readlinkSync(child);
        const header: FileHeader = { uid: mm.uid, gid: mm.gid, mode: mm.mode, rdev: 0, symlinkTarget: target, xattrs: [] };
        tree.replaceFile(name, await w.content(header, new Uint8Array(0)));
      } else {
        const header: FileHeader = { uid: mm.uid, gid: mm.gid, mode: mm.mode, rdev: 0, symlinkTarget: '', xattrs: [] };
        tree.replaceFile(name, ''); // placeholder: filled in when the object is written
        pending++;
        await w.addFile(header, child, cst.size, (csum) => {
          tree.files.set(name, csum);
          settle();
        });
      }
    } else {
      throw new OstreeError('INVALID_MODE', `Unsupported file type for ${child} (mode 0${cst.mode.toString(8)})`, { data: { path: child } });
    }
  }
  settle();
}

async function importMemory(w: CommitWriter, node: MemDir, tree: MutableTree, path: string): Promise<void> {
  const d = w.modifier.apply(node.uid ?? 0, node.gid ?? 0, S_IFDIR | ((node.mode ?? 0o755) & 0o7777));
  tree.metaChecksum = await w.dirmeta(d.uid, d.gid, d.mode);
  for (const [name, child] of Object.entries(node.entries ?? {})) {
    w.checkAbort();
    checkName(name, path || '/');
    if (child.type === 'dir') {
      await importMemory(w, child, tree.ensureDir(name), `${path}/${name}`);
    } else if (child.type === 'symlink') {
      const m = w.modifier.apply(child.uid ?? 0, child.gid ?? 0, S_IFLNK | 0o777);
      tree.replaceFile(name, await w.content({ uid: m.uid, gid: m.gid, mode: m.mode, rdev: 0, symlinkTarget: child.target, xattrs: [] }, new Uint8Array(0)));
    } else {
      const m = w.modifier.apply(child.uid ?? 0, child.gid ?? 0, S_IFREG | ((child.mode ?? 0o644) & 0o7777));
      const data = typeof child.content === 'string' ? new TextEncoder().encode(child.content) : child.content;
      tree.replaceFile(name, await w.content({ uid: m.uid, gid: m.gid, mode: m.mode, rdev: 0, symlinkTarget: '', xattrs: [] }, data));
    }
  }
}

/**
 * Overlay a stored tree (`--tree=ref=`). As ostree's `ostree_repo_write_directory_to_mtree()`
 * does without a modifier, subtrees are linked by checksum; with a modifier the files are rewritten.
 */
async function importCommitTree(w: CommitWriter, treeCsum: string, metaCsum: string, tree: MutableTree, rewrite: boolean): Promise<void> {
  const dt = await w.repo.loadDirtree(treeCsum);
  if (rewrite) {
    const dm = await w.repo.loadDirmeta(metaCsum);
    const m = w.modifier.apply(dm.uid, dm.gid, dm.mode);
    tree.metaChecksum = await w.dirmeta(m.uid, m.gid, m.mode);
  } else {
    tree.metaChecksum = metaCsum;
    w.recordMetaSize(metaCsum, (await w.repo.readMetadataBytes(ObjectType.DIR_META, metaCsum))?.byteLength ?? 0, ObjectType.DIR_META);
  }
  const empty = tree.files.size === 0 && tree.dirs.size === 0;
  for (const f of dt.files) {
    w.checkAbort();
    if (rewrite) {
      const obj = await w.repo.readContent(f.checksum);
      const m = w.modifier.apply(obj.header.uid, obj.header.gid, obj.header.mode);
      tree.replaceFile(f.name, await w.content({ ...obj.header, uid: m.uid, gid: m.gid, mode: m.mode }, obj.content));
    } else {
      tree.replaceFile(f.name, f.checksum);
    }
  }
  for (const d of dt.dirs) await importCommitTree(w, d.tree, d.meta, tree.ensureDir(d.name), rewrite);
  if (empty && !rewrite) tree.cachedTreeChecksum = treeCsum;
}

/** Serialize a mutable tree bottom-up; returns its dirtree checksum. */
async function writeTree(w: CommitWriter, tree: MutableTree, emptyMeta: () => Promise<string>): Promise<{ tree: string; meta: string }> {
  const meta = tree.metaChecksum ?? (await emptyMeta());
  if (tree.cachedTreeChecksum) return { tree: tree.cachedTreeChecksum, meta };
  const dirs: Array<{ name: string; tree: string; meta: string }> = [];
  for (const [name, sub] of tree.dirs) {
    const r = await writeTree(w, sub, emptyMeta);
    dirs.push({ name, tree: r.tree, meta: r.meta });
  }
  const bytes = dirtreeBytes(tree, dirs);
  const csum = await w.repo.writeMetadata(ObjectType.DIR_TREE, bytes);
  w.recordMetaSize(csum, bytes.byteLength, ObjectType.DIR_TREE);
  return { tree: csum, meta };
}

/** The dirtree of `tree` with `dirs` as its subdirectories' checksums. */
function dirtreeBytes(tree: MutableTree, dirs: Array<{ name: string; tree: string; meta: string }>): Uint8Array {
  const files = [...tree.files].map(([name, checksum]) => ({ name, checksum }));
  return encodeDirtree({ files, dirs });
}

/**
 * Commit a tree (like `ostree commit`). Everything is written in one transaction; the ref moves
 * only after all objects are in place.
 *
 * @example
 * ```ts
 * const { checksum } = await commit(repo, { branch: 'main', trees: [{ kind: 'dir', path: 'build' }], subject: 'v1' });
 * ```
 */
export async function commit(repo: Repo, opts: CommitOptions): Promise<CommitResult> {
  if (!opts.branch && !opts.orphan) {
    throw new OstreeError('INVALID_ARGUMENT', 'A branch must be specified with --branch, or use --orphan');
  }
  let parent: string | null = null;
  if (opts.parent !== undefined) {
    if (opts.parent !== 'none') {
      validateChecksum(opts.parent);
      parent = opts.parent;
    }
  } else if (!opts.orphan && opts.branch) {
    parent = await repo.resolveRev(opts.branch, true);
  }
  if (!parent && opts.keepMetadata?.length) {
    throw new OstreeError('INVALID_ARGUMENT', 'Either --branch or --parent must be specified when using --keep-metadata');
  }
  const canonical = !!opts.canonicalPermissions || repo.mode === 'bare-user-only';
  if (opts.canonicalPermissions && (opts.ownerUid ?? 0) > 0) throw new OstreeError('INVALID_ARGUMENT', 'Cannot specify both --canonical-permissions and non-zero --owner-uid');
  if (opts.canonicalPermissions && (opts.ownerGid ?? 0) > 0) throw new OstreeError('INVALID_ARGUMENT', 'Cannot specify both --canonical-permissions and non-zero --owner-gid');
  const timestamp = toSeconds(opts.timestamp);

  // Metadata, in ostree's order.
  const metadata: Array<[string, Variant]> = [];
  for (const [k, v] of opts.metadataStrings ?? []) metadata.push([k, new Variant('s', v)]);
  for (const [k, v] of opts.metadata ?? []) metadata.push([k, v]);
  if (opts.keepMetadata?.length) {
    const pc = await repo.loadCommit(parent!);
    for (const key of opts.keepMetadata) {
      const found = pc.metadata.find(([k]) => k === key);
      if (!found) throw new OstreeError('INVALID_ARGUMENT', `Missing metadata key '${key}' from commit '${parent}'`);
      metadata.push([key, found[1]]);
    }
  }
  for (const [k] of metadata) if (k === '') throw new OstreeError('INVALID_ARGUMENT', 'Empty metadata key');

  const modifier = new Modifier(opts, canonical);
  const hasModifier =
    canonical || opts.ownerUid !== undefined || opts.ownerGid !== undefined || !!opts.modeRoExecutables;
  const consumed: string[] = [];
  const savedFlavour = repo.deflateFlavour;
  // Archived sizes enter the commit with --generate-sizes: compress exactly as ostree's zlib does.
  if (opts.generateSizes && repo.mode === 'archive') repo.deflateFlavour = 'exact';
  const result = await repo.transaction(
    async (stats) => {
      const w = new CommitWriter(repo, modifier, opts);
      const root = new MutableTree();
      opts.onProgress?.({ phase: 'scan', files: 0, bytes: 0 });
      for (const src of opts.trees) {
        w.checkAbort();
        if (src.kind === 'dir') {
          const st = await fsp.stat(src.path).catch((e) => {
            throw new OstreeError('INVALID_ARGUMENT', `Cannot read tree ${src.path}: ${(e as Error).message}`, { cause: e });
          });
          if (!st.isDirectory()) throw new OstreeError('INVALID_ARGUMENT', `Not a directory: ${src.path}`);
          await importDir(w, src.path, st, root);
          await w.flushBatch();
          consumed.push(src.path);
          await w.drain();
        } else if (src.kind === 'ref') {
          const c = await repo.resolveRev(src.rev);
          const co = await repo.loadCommit(c!);
          await importCommitTree(w, co.rootTree, co.rootMeta, root, hasModifier);
          await w.drain();
        } else if (src.kind === 'tar') {
          // loaded when needed (as ./sign.js below): a commit of a directory does not load them
          const { importTar } = await import('./commit-tar.js');
          await importTar(src.path, root, {
            autocreateParents: !!opts.tarAutocreateParents,
            dirmeta: (uid, gid, mode) => {
              const m = modifier.apply(uid, gid, mode);
              return w.dirmeta(m.uid, m.gid, m.mode);
            },
            dirmetaUnmodified: (uid, gid, mode) => w.dirmeta(uid, gid, mode),
            content: (header, data) => {
              const m = modifier.apply(header.uid, header.gid, header.mode);
              return w.content({ ...header, uid: m.uid, gid: m.gid, mode: m.mode }, data);
            },
            checkAbort: () => w.checkAbort(),
          });
        } else {
          await importMemory(w, src.tree, root, '');
        }
      }
      await w.drain();
      const emptyMeta = () => {
        const m = modifier.apply(0, 0, S_IFDIR | 0o755);
        return w.dirmeta(m.uid, m.gid, m.mode);
      };
      const top = await writeTree(w, root, emptyMeta);

      if (!opts.noBindings) {
        const refs = [...(opts.branch ? [opts.branch] : []), ...(opts.bindRefs ?? [])];
        refs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        metadata.push(['ostree.ref-binding', new Variant('as', refs)]);
        const cid = repo.collectionId;
        if (cid !== undefined && !metadata.some(([k]) => k === 'ostree.collection-binding')) {
          metadata.push(['ostree.collection-binding', new Variant('s', cid)]);
        }
      }
      if (w.generateSizes) await w.resolveSizes();
      if (w.generateSizes && w.sizes.size > 0) {
        const keys = [...w.sizes.keys()].sort();
        metadata.push([
          'ostree.sizes',
          new Variant(
            'aay',
            keys.map((k) => {
              const e = w.sizes.get(k)!;
              return encodeSizesEntry({ checksum: k, archived: e.archived, unpacked: e.unpacked, objectType: e.type });
            }),
          ),
        ]);
      }
      const c: Commit = {
        metadata,
        parent,
        related: [],
        subject: opts.subject ?? '',
        body: opts.body ?? '',
        timestamp,
        rootTree: top.tree,
        rootMeta: top.meta,
      };
      const bytes = encodeCommit(c);
      const checksum = await repo.writeMetadata(ObjectType.COMMIT, bytes);
      if (opts.detachedMetadataStrings?.length) {
        const { encodeCommitmeta } = await import('../format/commitmeta.js');
        await repo.writeCommitDetachedMetadata(
          checksum,
          encodeCommitmeta(opts.detachedMetadataStrings.map(([k, v]) => [k, new Variant('s', v)])),
        );
      }
      if (opts.signers?.length) {
        const { signCommit } = await import('./sign.js');
        await signCommit(repo, checksum, opts.signers, { lock: false, signal: opts.signal });
      }
      if (opts.branch) await repo.setRef(opts.branch, checksum);
      return { checksum, rootTree: top.tree, rootMeta: top.meta, stats: { ...stats } };
    },
    { signal: opts.signal, syncMetadata: true },
  ).finally(() => {
    repo.deflateFlavour = savedFlavour;
  });
  if (opts.consume) {
    // --consume: remove each committed source directory, as ostree does
    for (const dir of consumed) await fsp.rm(dir, { recursive: true, force: true });
  }
  opts.onProgress?.({ phase: 'done', checksum: result.checksum, stats: result.stats });
  return result;
}
