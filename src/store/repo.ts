/**
 * An OSTree repository on a {@link Storage}: configuration, objects, refs and write transactions.
 *
 * Layout and config follow `repo_create_at_internal()` / `reload_core_config()` in
 * `src/libostree/ostree-repo.c`; object paths `_ostree_loose_path()` in `ostree-core.c`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { inflateRaw, inflateRawSync } from 'node:zlib';
import { deflateRawBytes, createRawDeflater, type DeflateFlavour } from './deflate.js';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promises as fsp, createReadStream, createWriteStream, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { OstreeError } from '../errors.js';
import { sha256Hex } from '../format/checksums.js';
import { isChecksum, validateChecksum } from '../format/checksum.js';
import { ObjectType, isMeta, loosePath, parseLoosePath, repoModeFromString, repoModeToString } from '../format/object-type.js';
import type { RepoMode } from '../format/object-type.js';
import { KeyFile } from '../format/keyfile.js';
import { decodeCommit, type Commit } from '../format/commit.js';
import { decodeDirtree, type Dirtree } from '../format/dirtree.js';
import { decodeDirmeta, type Dirmeta } from '../format/dirmeta.js';
import {
  encodeArchiveHeader,
  encodeContentHeader,
  parseFilez,
  contentChecksum,
  type FileHeader,
} from '../format/file-header.js';
import { validateCollectionId } from '../format/names.js';
import { NodeStorage, isAbsent, needsChmod, processUmask, tmpSuffix, writeAtomicFast, writeNewFile, writeNewFileSync, type Storage } from './storage.js';
import { lockRepo, type HeldLock } from './lock.js';
import { regularHeaderLayouts, stageContentOnWorker, type ContentBatchCommon, type ContentJobResult } from './content-pool.js';
import { WorkerJobError } from './worker-pool.js';
import { listRefs, readRef, writeRef, parseRefLocation, type ListedRef, type RefLocation } from './refs.js';

const inflateRawAsync = promisify(inflateRaw);

/**
 * Content objects up to this size are inflated in-thread: on libuv's pool each inflation costs a
 * zlib stream and an event-loop round trip (≈ 80 µs of the calling thread for a 6 KB file), in-thread
 * a few microseconds (a static delta's from→to compilation: 0.70–0.73 → 0.63–0.68 s).
 */
export const SYNC_INFLATE_MAX = 64 * 1024;

/**
 * Inflate the raw-deflate body of a content object declared to hold `size` bytes in one zlib call:
 * the output chunk is the declared size (Node's default 16 KiB chunks cost a JavaScript round trip
 * per chunk, ≈ 0.3 s of main-thread time per 25 MB), but never more than deflate can expand the input
 * (1032:1), so a header that lies cannot make it allocate; in-thread when small
 * ({@link SYNC_INFLATE_MAX}), else on libuv's pool. Longer output fails (`maxOutputLength`).
 */
async function inflateDeclared(deflated: Uint8Array, size: number): Promise<Buffer> {
  const opts = { chunkSize: Math.max(64, Math.min(size, deflated.length * 1032 + 64, 64 * 1024 * 1024)), maxOutputLength: Math.max(size, 1) };
  return size <= SYNC_INFLATE_MAX ? inflateRawSync(deflated, opts) : inflateRawAsync(deflated, opts);
}

/** The 256 object directory names `00` … `ff`, in order. */
const OBJECT_PREFIXES: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Maximum size of a metadata object (`OSTREE_MAX_METADATA_SIZE`, `ostree-core.h`). */
export const MAX_METADATA_SIZE = 128 * 1024 * 1024;

/** Options for {@link Repo.init}. */
export interface InitOptions {
  /** Repository mode; default `'archive'` here (ostree's CLI default is `bare`). */
  mode?: RepoMode;
  /** `[core] collection-id`. */
  collectionId?: string;
}

/** A content object as read back: its header and its content bytes (regular files only). */
export interface ContentObject {
  header: FileHeader;
  /** File content; empty for symlinks. */
  content: Uint8Array;
}

/** Statistics of a transaction (as `ostree commit --table-output` prints). */
export interface TransactionStats {
  metadataTotal: number;
  metadataWritten: number;
  contentTotal: number;
  contentWritten: number;
  contentBytesWritten: number;
}


/** The directories `ostree init` creates (`repo_create_at_internal()`). */
const INIT_DIRS = ['objects', 'tmp', 'tmp/cache', 'extensions', 'state', 'refs', 'refs/heads', 'refs/mirrors', 'refs/remotes'];

/**
 * An open repository.
 *
 * @example
 * ```ts
 * const repo = await Repo.init('repo', { mode: 'archive' });
 * const head = await repo.resolveRev('main');
 * ```
 */
export class Repo {
  /** The repository's storage. */
  readonly storage: Storage;
  /** Parsed `config`. Call {@link Repo.writeConfig} after changing it. */
  config: KeyFile;
  /** The repository mode (`archive` for both `archive` and `archive-z2`). */
  mode: RepoMode;
  /**
   * Deflate implementation for new `.filez` objects: `'fast'` (node:zlib, default) or `'exact'`
   * (byte-identical to ostree's zlib; see `store/deflate.ts`). Commits with generated sizes switch
   * to `'exact'` for their duration.
   */
  deflateFlavour: DeflateFlavour = 'fast';
  private parentRepo: Repo | null | undefined;
  private tx: Transaction | null = null;

  private constructor(storage: Storage, config: KeyFile) {
    this.storage = storage;
    this.config = config;
    this.mode = 'bare';
    this.applyConfig();
  }

  /** Absolute path of the repository directory (Node storage). */
  get path(): string {
    return this.storage.resolve('');
  }

  /** Create a repository at `path` (like `ostree init`). Existing repositories are an error. */
  static async init(path: string, opts: InitOptions = {}): Promise<Repo> {
    const storage = new NodeStorage(resolvePath(path));
    if (await storage.lstat('config')) {
      throw new OstreeError('REPO_EXISTS', `A repository already exists at ${path}`, { data: { path } });
    }
    const mode = opts.mode ?? 'archive';
    if (mode !== 'archive' && mode !== 'bare-user-only' && mode !== 'bare' && mode !== 'bare-user') {
      throw new OstreeError('UNSUPPORTED_REPO_MODE', `Cannot create a repository in mode ${mode}`);
    }
    if (opts.collectionId !== undefined) validateCollectionId(opts.collectionId);
    await storage.mkdirp('');
    for (const d of INIT_DIRS) await storage.mkdirp(d);
    let text = `[core]\nrepo_version=1\nmode=${repoModeToString(mode)}\n`;
    if (opts.collectionId !== undefined) text += `collection-id=${opts.collectionId}\n`;
    await storage.writeAtomic('config', text);
    return Repo.open(path);
  }

  /** Open an existing repository. */
  static async open(path: string): Promise<Repo> {
    const storage = new NodeStorage(resolvePath(path));
    return Repo.openStorage(storage);
  }

  /** Open a repository on any {@link Storage}. */
  static async openStorage(storage: Storage): Promise<Repo> {
    const data = await storage.read('config');
    if (data === null) {
      throw new OstreeError('REPO_NOT_FOUND', `No repository at ${storage.location} (no config file)`, {
        data: { path: storage.location },
      });
    }
    const config = KeyFile.parse(new TextDecoder('utf-8', { fatal: false }).decode(data));
    return new Repo(storage, config);
  }

  private applyConfig(): void {
    const version = this.config.getString('core', 'repo_version');
    if (version !== undefined && version !== '1') {
      throw new OstreeError('CONFIG_INVALID', `Invalid repository version '${version}' in ${this.storage.location}/config`);
    }
    const archive = this.config.getString('core', 'archive');
    if (archive === 'true') {
      throw new OstreeError('UNSUPPORTED_REPO_MODE', 'This repository uses the legacy archive mode, which is not supported');
    }
    this.mode = repoModeFromString(this.config.getString('core', 'mode') ?? 'bare');
  }

  /** Re-read `config` from storage. */
  async reloadConfig(): Promise<void> {
    const data = await this.storage.read('config');
    if (data === null) throw new OstreeError('REPO_NOT_FOUND', `No config file in ${this.storage.location}`);
    this.config = KeyFile.parse(new TextDecoder().decode(data));
    this.applyConfig();
  }

  /** Write {@link Repo.config} back atomically, keeping comments and order. */
  async writeConfig(): Promise<void> {
    await this.storage.writeAtomic('config', this.config.toString());
    this.applyConfig();
  }

  /** `[core] collection-id`, if set. */
  get collectionId(): string | undefined {
    return this.config.getString('core', 'collection-id');
  }

  /** `[archive] zlib-level` clamped to 1..9, default 6 (`reload_core_config()`). */
  get zlibLevel(): number {
    const v = this.config.getString('archive', 'zlib-level');
    if (v === undefined) return 6;
    const n = Number.parseInt(v, 10);
    if (!Number.isFinite(n)) return 6;
    return Math.min(9, Math.max(1, n));
  }

  /** `[core] fsync`, default true. */
  get fsyncEnabled(): boolean {
    const v = this.config.getString('core', 'fsync');
    return v === undefined ? true : v !== 'false' && v !== '0';
  }

  /** `[core] lock-timeout-secs`, default 300. */
  get lockTimeoutSecs(): number {
    const v = Number.parseInt(this.config.getString('core', 'lock-timeout-secs') ?? '', 10);
    return Number.isFinite(v) && v >= 0 ? v : 300;
  }

  /** The repository named by `[core] parent`, consulted for objects this one lacks. */
  async parent(): Promise<Repo | null> {
    if (this.parentRepo !== undefined) return this.parentRepo;
    const p = this.config.getString('core', 'parent');
    this.parentRepo = p ? await Repo.open(resolvePath(this.path, p)) : null;
    return this.parentRepo;
  }

  // ---------------------------------------------------------------------------------------------
  // Objects

  /** Relative path of an object in this repository. */
  objectPath(checksum: string, type: ObjectType): string {
    return loosePath(checksum, type, this.mode);
  }

  /** True if the object is stored here, staged in the current transaction, or in the parent repo. */
  async hasObject(checksum: string, type: ObjectType): Promise<boolean> {
    validateChecksum(checksum);
    if (await this.hasObjectLocal(checksum, type)) return true;
    const parent = await this.parent();
    return parent ? parent.hasObject(checksum, type) : false;
  }

  /** Size in bytes of the stored (loose or staged) object, or `null` when absent here. */
  async storedObjectSize(checksum: string, type: ObjectType): Promise<number | null> {
    await this.tx?.ready(checksum, type);
    const path = this.tx?.stagedPath(checksum, type) ?? this.objectPath(checksum, type);
    return (await this.storage.lstat(path))?.size ?? null;
  }

  /** Raw bytes of a metadata object, or `null` when absent (parent repo consulted). */
  async readMetadataBytes(type: ObjectType, checksum: string): Promise<Uint8Array | null> {
    validateChecksum(checksum);
    await this.tx?.ready(checksum, type);
    const staged = this.tx?.stagedPath(checksum, type);
    const data = (staged ? await this.storage.read(staged) : null) ?? (await this.storage.read(this.objectPath(checksum, type)));
    if (data !== null) {
      if (data.byteLength > MAX_METADATA_SIZE) {
        throw new OstreeError('CORRUPT_OBJECT', `Metadata object ${checksum}.${ObjectType[type]} is too large`);
      }
      return data;
    }
    const parent = await this.parent();
    return parent ? parent.readMetadataBytes(type, checksum) : null;
  }

  /**
   * Read a metadata object and verify that it hashes to its name (cheap for metadata, and it turns a
   * mislabeled or corrupted object — or a tree that claims to contain itself — into CORRUPT_OBJECT at
   * once instead of a wrong tree).
   */
  private async requireMetadata(type: ObjectType, checksum: string): Promise<Uint8Array> {
    const data = await this.readMetadataBytes(type, checksum);
    const kind = type === ObjectType.COMMIT ? 'commit' : type === ObjectType.DIR_TREE ? 'dirtree' : type === ObjectType.DIR_META ? 'dirmeta' : 'object';
    if (data === null) {
      throw new OstreeError('OBJECT_NOT_FOUND', `No such metadata object ${checksum}.${kind}`, { data: { checksum, type } });
    }
    const actual = sha256Hex(data);
    if (actual !== checksum) {
      throw new OstreeError('CORRUPT_OBJECT', `Corrupted ${kind} object ${checksum}: actual checksum is ${actual}`, {
        data: { checksum, actual, type },
      });
    }
    return data;
  }

  /** Load and validate a commit. */
  async loadCommit(checksum: string): Promise<Commit> {
    return withObjectContext(checksum, 'commit', async () => decodeCommit(await this.requireMetadata(ObjectType.COMMIT, checksum)));
  }

  /** Load and validate a dirtree. */
  async loadDirtree(checksum: string): Promise<Dirtree> {
    return withObjectContext(checksum, 'dirtree', async () => decodeDirtree(await this.requireMetadata(ObjectType.DIR_TREE, checksum)));
  }

  /** Load and validate a dirmeta. */
  async loadDirmeta(checksum: string): Promise<Dirmeta> {
    return withObjectContext(checksum, 'dirmeta', async () => decodeDirmeta(await this.requireMetadata(ObjectType.DIR_META, checksum)));
  }

  /** Detached metadata (`.commitmeta`) bytes, or `null`. */
  async readCommitDetachedMetadata(checksum: string): Promise<Uint8Array | null> {
    return this.readMetadataBytes(ObjectType.COMMIT_META, checksum);
  }

  /** Is the commit marked partial (`state/<csum>.commitpartial`)? */
  async isCommitPartial(checksum: string): Promise<boolean> {
    return (await this.storage.lstat(`state/${checksum}.commitpartial`)) !== null;
  }

  /**
   * Read a content object: header and content. Archive repos inflate the `.filez`; bare-user-only
   * repos report uid/gid 0 and the stored mode. The checksum is NOT verified here (fsck does that).
   */
  async readContent(checksum: string): Promise<ContentObject> {
    validateChecksum(checksum);
    await this.tx?.ready(checksum, ObjectType.FILE);
    const staged = this.tx?.stagedPath(checksum, ObjectType.FILE);
    const path = staged ?? this.objectPath(checksum, ObjectType.FILE);
    if (this.mode === 'archive') {
      const raw = await this.storage.read(path);
      if (raw === null) return this.readContentFromParent(checksum);
      return withObjectContext(checksum, 'file', async () => {
        const f = parseFilez(raw);
        const size = Number(f.size);
        let content: Uint8Array;
        if ((f.header.mode & 0o170000) === 0o100000) {
          try {
            const out = await inflateDeclared(f.deflated, size);
            content = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
          } catch (e) {
            throw new OstreeError('CORRUPT_OBJECT', `Corrupt compressed content in ${checksum}.filez`, { cause: e });
          }
          if (content.byteLength !== size) {
            throw new OstreeError('CORRUPT_OBJECT', `Content size mismatch in ${checksum}.filez: header says ${size}, got ${content.byteLength}`);
          }
        } else {
          content = new Uint8Array(0);
        }
        return { header: f.header, content };
      });
    }
    if (this.mode === 'bare-user-only' || this.mode === 'bare') {
      const st = await this.storage.lstat(path);
      if (st === null) return this.readContentFromParent(checksum);
      if (st.kind === 'symlink') {
        const target = (await this.storage.readlink(path)) ?? '';
        return { header: { uid: 0, gid: 0, mode: 0o120777, rdev: 0, symlinkTarget: target, xattrs: [] }, content: new Uint8Array(0) };
      }
      const content = (await this.storage.read(path)) ?? new Uint8Array(0);
      const uid = this.mode === 'bare' ? st.uid : 0;
      const gid = this.mode === 'bare' ? st.gid : 0;
      return { header: { uid, gid, mode: st.mode, rdev: 0, symlinkTarget: '', xattrs: [] }, content };
    }
    throw new OstreeError('UNSUPPORTED_REPO_MODE', `Reading content objects of ${this.mode} repositories is not supported (needs xattrs)`);
  }

  private async readContentFromParent(checksum: string): Promise<ContentObject> {
    const parent = await this.parent();
    if (parent) return parent.readContent(checksum);
    throw new OstreeError('OBJECT_NOT_FOUND', `No such content object ${checksum}`, { data: { checksum } });
  }

  /**
   * The object directories (`objects/XX`, two lowercase hex digits) absent from this repository
   * right now, or `null` when that cannot tell whether an object is here (a parent repository is
   * configured, or the transaction has staged objects). An object under such a prefix is absent —
   * until somebody writes one there, so a caller uses the snapshot for objects it has not written
   * itself since; a bulk fetch then needs no `lstat` per object in a fresh repository.
   */
  async absentObjectPrefixes(): Promise<ReadonlySet<string> | null> {
    if ((await this.parent()) !== null || (this.tx?.count ?? 0) > 0) return null;
    const ents = await this.storage.list('objects');
    if (ents === null) return null;
    const present = new Set(ents.map((e) => e.name));
    return new Set(OBJECT_PREFIXES.filter((xx) => !present.has(xx)));
  }

  /** Iterate every loose object of this repository (not the parent's). */
  async *listObjects(): AsyncGenerator<{ checksum: string; type: ObjectType }> {
    const dirs = (await this.storage.list('objects')) ?? [];
    dirs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirs) {
      if (d.kind !== 'dir' || !/^[0-9a-f]{2}$/.test(d.name)) continue;
      const ents = (await this.storage.list(`objects/${d.name}`)) ?? [];
      for (const e of ents) {
        const parsed = parseLoosePath(`objects/${d.name}/${e.name}`);
        if (!parsed) continue;
        if (!isMeta(parsed.type) && parsed.compressed !== (this.mode === 'archive')) continue;
        yield { checksum: parsed.checksum, type: parsed.type };
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing objects

  /**
   * Write a metadata object (already-serialized, normal-form bytes) and return its checksum.
   * Inside a transaction it is staged; otherwise written atomically in place.
   */
  async writeMetadata(type: ObjectType, bytes: Uint8Array, expected?: string): Promise<string> {
    if (!isMeta(type) || type === ObjectType.COMMIT_META || type === ObjectType.TOMBSTONE_COMMIT) {
      throw new RangeError(`writeMetadata: type ${ObjectType[type]} is not a checksummed metadata type`);
    }
    const checksum = sha256Hex(bytes);
    if (expected !== undefined && expected !== checksum) {
      throw new OstreeError('CORRUPT_OBJECT', `Corrupted metadata object; checksum expected='${expected}' actual='${checksum}'`, {
        data: { expected, actual: checksum },
      });
    }
    if (this.tx) this.tx.stats.metadataTotal++;
    if (await this.hasObjectLocal(checksum, type)) return checksum;
    await this.putObject(checksum, type, bytes);
    if (this.tx) this.tx.stats.metadataWritten++;
    return checksum;
  }

  /** Write detached metadata for a commit (`.commitmeta`), replacing any existing one. */
  async writeCommitDetachedMetadata(checksum: string, bytes: Uint8Array | null): Promise<void> {
    const path = this.objectPath(checksum, ObjectType.COMMIT_META);
    if (bytes === null) {
      await this.storage.unlink(path);
      return;
    }
    await this.storage.writeAtomic(path, bytes, { mode: 0o644 });
  }

  /**
   * Store the bytes of an object exactly as given (e.g. a fetched `.filez` into an archive
   * repository), staged when a transaction is open, else written atomically in place. The caller
   * has verified them against `checksum`; nothing is written when the object is already present.
   */
  async writeVerifiedObjectBytes(checksum: string, type: ObjectType, bytes: Uint8Array): Promise<void> {
    validateChecksum(checksum);
    if (await this.hasObjectLocal(checksum, type)) return;
    await this.putObject(checksum, type, bytes);
  }

  private async hasObjectLocal(checksum: string, type: ObjectType): Promise<boolean> {
    if (this.tx?.has(checksum, type)) return true;
    if (this.tx?.prefixAbsent(checksum)) return false;
    // Node storage: a synchronous lstat is a few µs, the promise API a thread-pool round trip per object.
    if (this.storage instanceof NodeStorage) return lstatExists(this.storage.resolve(this.objectPath(checksum, type)));
    return (await this.storage.lstat(this.objectPath(checksum, type))) !== null;
  }

  /** Store an object's bytes; false when a concurrent writer had already staged it. */
  private async putObject(checksum: string, type: ObjectType, bytes: Uint8Array, mode = 0o644): Promise<boolean> {
    if (this.tx) {
      return this.tx.stage(checksum, type, bytes, mode);
    } else if (this.storage instanceof NodeStorage) {
      // temporary file + rename (see writeNewFile); mtime 0 for bare-family content
      await writeAtomicFast(this.storage.resolve(this.objectPath(checksum, type)), bytes, {
        mode, zeroTimes: this.mode !== 'archive' && !isMeta(type), sync: this.storage.inMemory,
      });
    } else {
      await this.storage.writeAtomic(this.objectPath(checksum, type), bytes, { mode });
      // bare-family content objects carry mtime 0 (OSTREE_TIMESTAMP), as inside a transaction
      if (this.mode !== 'archive' && !isMeta(type)) await fsp.utimes(this.storage.resolve(this.objectPath(checksum, type)), 0, 0);
    }
    return true;
  }

  /**
   * Write a content object given its header and whole content; returns the checksum.
   * `checksum` may be passed when already computed (it is trusted — callers hash as they read).
   */
  async writeContent(header: FileHeader, content: Uint8Array, checksum?: string): Promise<string> {
    const isReg = (header.mode & 0o170000) === 0o100000;
    const isLnk = (header.mode & 0o170000) === 0o120000;
    if (!isReg && !isLnk) throw new OstreeError('INVALID_MODE', `Content objects must be regular files or symlinks (mode 0${header.mode.toString(8)})`);
    const csum = checksum ?? contentChecksum(header, content);
    if (this.tx) this.tx.stats.contentTotal++;
    if (await this.hasObjectLocal(csum, ObjectType.FILE)) return csum;
    if (this.mode === 'archive') {
      const hdr = encodeArchiveHeader(header, isReg ? content.byteLength : 0);
      let body: Uint8Array = new Uint8Array(0);
      if (isReg) {
        body = await deflateRawBytes(content, this.zlibLevel, this.deflateFlavour);
      }
      const out = new Uint8Array(hdr.byteLength + body.byteLength);
      out.set(hdr, 0);
      out.set(body, hdr.byteLength);
      if (!(await this.putObject(csum, ObjectType.FILE, out))) return csum;
      if (this.tx) this.tx.stats.contentBytesWritten += out.byteLength;
    } else if (this.mode === 'bare-user-only') {
      const perms = header.mode & 0o7777;
      if ((perms & ~0o775) !== 0 && isReg) {
        throw new OstreeError('INVALID_MODE', `Content object mode 0${perms.toString(8)} is not allowed in bare-user-only repositories`);
      }
      if (isLnk) {
        await this.putSymlinkObject(csum, header.symlinkTarget);
      } else {
        if (!(await this.putObject(csum, ObjectType.FILE, content, perms))) return csum;
      }
      if (this.tx) this.tx.stats.contentBytesWritten += content.byteLength;
    } else {
      throw new OstreeError('UNSUPPORTED_REPO_MODE', `Writing content to ${this.mode} repositories is not supported`);
    }
    if (this.tx) this.tx.stats.contentWritten++;
    return csum;
  }

  /**
   * Write a regular-file content object by streaming it from `absPath` (hashing, compressing and
   * writing chunk by chunk, so a large file is never held in memory). Returns the checksum.
   */
  async writeContentFromFile(header: FileHeader, absPath: string, size: number): Promise<string> {
    if ((header.mode & 0o170000) !== 0o100000) throw new RangeError('writeContentFromFile: header must describe a regular file');
    if (this.mode !== 'archive' && this.mode !== 'bare-user-only') {
      throw new OstreeError('UNSUPPORTED_REPO_MODE', `Writing content to ${this.mode} repositories is not supported`);
    }
    if (this.mode === 'bare-user-only' && (header.mode & 0o7777 & ~0o775) !== 0) {
      throw new OstreeError('INVALID_MODE', `Content object mode 0${(header.mode & 0o7777).toString(8)} is not allowed in bare-user-only repositories`);
    }
    const hash = createHash('sha256');
    hash.update(encodeContentHeader(header));
    const tmpRel = `${this.tx ? this.tx.dir : 'tmp'}/.stream-${tmpSuffix()}`;
    const tmpFull = this.storage.resolve(tmpRel);
    const perms = this.mode === 'archive' ? 0o644 : header.mode & 0o7777;
    const out = createWriteStream(tmpFull, { mode: perms });
    let total = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        total += chunk.byteLength;
        cb(null, chunk);
      },
    });
    try {
      if (this.mode === 'archive') {
        out.write(encodeArchiveHeader(header, size));
        await pipeline(createReadStream(absPath, { highWaterMark: 1 << 20 }), tap, createRawDeflater(this.zlibLevel, this.deflateFlavour), out);
      } else {
        await pipeline(createReadStream(absPath, { highWaterMark: 1 << 20 }), tap, out);
        await fsp.chmod(tmpFull, perms);
        await fsp.utimes(tmpFull, 0, 0);
      }
      if (total !== size) {
        throw new OstreeError('INVALID_ARGUMENT', `${absPath} changed size while it was being committed (${size} → ${total})`);
      }
    } catch (e) {
      await fsp.unlink(tmpFull).catch(() => undefined);
      throw e;
    }
    const csum = hash.digest('hex');
    if (this.tx) this.tx.stats.contentTotal++;
    if (await this.hasObjectLocal(csum, ObjectType.FILE)) {
      await fsp.unlink(tmpFull).catch(() => undefined);
      return csum;
    }
    const written = (await fsp.stat(tmpFull)).size;
    if (this.tx) {
      await this.tx.adopt(csum, ObjectType.FILE, tmpRel);
      this.tx.stats.contentWritten++;
      this.tx.stats.contentBytesWritten += written;
    } else {
      const dest = this.objectPath(csum, ObjectType.FILE);
      await this.storage.mkdirp(dest.slice(0, 'objects/xx'.length));
      await this.storage.rename(tmpRel, dest);
    }
    return csum;
  }

  /**
   * Write regular files' content objects from their paths on a worker thread (`content-pool.ts`):
   * each file's whole job — read, hash, existence check, compression, staged write — runs off this
   * thread, the files in one message. Meant for files of a few MiB at most (read whole). Returns,
   * per file, the checksum and (when this call stored the object) its stored size, or `null` when
   * that file must be written in-thread with {@link Repo.writeContent} (same object): its size
   * changed since it was taken. Returns `null` for the whole batch when nothing can be offloaded
   * (no transaction, not Node storage, workers unavailable). Throws the first file's read/write
   * error (with the fs `code`).
   */
  async offloadContentFromPaths(
    files: ReadonlyArray<{ header: FileHeader; absPath: string; size: number; hashHeader?: Uint8Array }>,
  ): Promise<Array<{ checksum: string; stored: number | null } | null> | null> {
    const tx = this.tx;
    if (!tx || !(this.storage instanceof NodeStorage) || (this.mode !== 'archive' && this.mode !== 'bare-user-only')) return null;
    const archive = this.mode === 'archive';
    const jobs = files.map((f) => {
      if ((f.header.mode & 0o170000) !== 0o100000) throw new RangeError('offloadContentFromPaths: headers must describe regular files');
      const perms = archive ? 0o644 : f.header.mode & 0o7777;
      if (!archive && (perms & ~0o775) !== 0) {
        throw new OstreeError('INVALID_MODE', `Content object mode 0${perms.toString(8)} is not allowed in bare-user-only repositories`);
      }
      return {
        path: f.absPath,
        size: f.size,
        hashHeader: f.hashHeader ?? encodeContentHeader(f.header),
        archiveHeader: archive ? encodeArchiveHeader(f.header, f.size) : null,
        perms,
        chmod: needsChmod(perms),
      };
    });
    const run = stageContentOnWorker({ common: this.contentBatchCommon(tx), files: jobs });
    if (!run) return null;
    const results = await run;
    return results.map((r) => (r.state === 'changed' ? null : this.recordOffloaded(tx, r)));
  }

  /**
   * Like {@link Repo.offloadContentFromPaths}, for regular files known by path only (e.g. from
   * `readdir` file types): the worker `fstat`s each one and applies `rules` — the commit's
   * ownership and permission rules, in this order: `uid`/`gid` overrides (≥ 0, -1 keeps the
   * file's), `roExecutables` (a file with an execute bit loses its write bits), `canonical`
   * (uid = gid = 0, mode &= 0755) — so the caller makes no system call per file. A `null` entry
   * means "handle this path in-thread": it is no longer a regular file, its permissions are not
   * allowed here (the in-thread path reports that), or it changed while read; `{ large: size }`
   * that it is larger than `limit` (nothing was read). Returns `null` for the whole batch when nothing can be offloaded.
   */
  async offloadContentByPath(
    paths: readonly string[],
    rules: { uid: number; gid: number; roExecutables: boolean; canonical: boolean },
    limit: number,
  ): Promise<Array<{ checksum: string; size: number; stored: number | null } | { large: number } | null> | null> {
    const tx = this.tx;
    if (!tx || !(this.storage instanceof NodeStorage) || (this.mode !== 'archive' && this.mode !== 'bare-user-only')) return null;
    const layouts = regularHeaderLayouts();
    if (!layouts) return null;
    const archive = this.mode === 'archive';
    const common = this.contentBatchCommon(tx);
    common.stat = {
      ...rules,
      maxPerms: archive ? -1 : 0o775,
      umask: processUmask(),
      limit,
      hashLayout: layouts.hash,
      archiveLayout: archive ? layouts.archive : null,
    };
    const run = stageContentOnWorker({ common, files: paths as string[] });
    if (!run) return null;
    const results = await run;
    return results.map((r) => {
      if (r.state === 'large') return { large: r.size ?? 0 };
      if (r.state === 'changed') return null;
      return { ...this.recordOffloaded(tx, r), size: r.size ?? 0 };
    });
  }

  /** Settings of a content-worker batch for this repository and transaction. */
  private contentBatchCommon(tx: Transaction): ContentBatchCommon {
    const archive = this.mode === 'archive';
    tx.workersStage = true;
    return {
      level: this.zlibLevel,
      exact: this.deflateFlavour === 'exact',
      mtimeZero: !archive,
      ext: archive ? '.filez' : '.file',
      objectsDir: this.storage.resolve('objects'),
      stagingDir: this.storage.resolve(tx.dir),
      absent: tx.absentMask(),
    };
  }

  /** Count a content worker's result in the transaction (throws a worker's error). */
  private recordOffloaded(tx: Transaction, r: ContentJobResult): { checksum: string; stored: number | null } {
    if (r.state === 'error') throw new WorkerJobError(`content worker: ${r.message ?? 'failed'}`, r.code);
    tx.stats.contentTotal++;
    // not counted when the in-thread path staged the same object meanwhile (it counted it)
    if (r.state !== 'written' || tx.has(r.checksum, ObjectType.FILE)) return { checksum: r.checksum, stored: r.state === 'written' ? r.bytes : null };
    tx.recordStaged(r.checksum, ObjectType.FILE);
    tx.stats.contentWritten++;
    tx.stats.contentBytesWritten += r.bytes;
    return { checksum: r.checksum, stored: r.bytes };
  }

  private async putSymlinkObject(checksum: string, target: string): Promise<void> {
    if (this.tx) {
      await this.tx.stageSymlink(checksum, target);
    } else {
      await this.storage.symlinkAtomic(target, this.objectPath(checksum, ObjectType.FILE));
      await fsp.lutimes(this.storage.resolve(this.objectPath(checksum, ObjectType.FILE)), 0, 0).catch(() => undefined);
    }
  }

  /** Delete one loose object (prune/fsck repair). */
  async deleteObject(checksum: string, type: ObjectType): Promise<boolean> {
    const removed = await this.storage.unlink(this.objectPath(checksum, type));
    if (type === ObjectType.COMMIT) {
      await this.storage.unlink(this.objectPath(checksum, ObjectType.COMMIT_META));
      await this.storage.unlink(`state/${checksum}.commitpartial`);
    }
    return removed;
  }

  // ---------------------------------------------------------------------------------------------
  // Refs

  /** All refs (local heads and remote refs; mirrors with `{ mirrors: true }`). */
  async listRefs(opts: { remotes?: boolean; mirrors?: boolean } = {}): Promise<ListedRef[]> {
    return listRefs(this.storage, opts);
  }

  /** Read a ref (`ref` or `remote:ref`); `null` when absent. */
  async readRef(refspec: string): Promise<string | null> {
    const { remote, ref } = parseRefLocation(refspec);
    const found = await readRef(this.storage, { remote, ref });
    if (found !== null || remote !== undefined) return found;
    const parent = await this.parent();
    return parent ? parent.readRef(refspec) : null;
  }

  /**
   * Resolve a revision: a full checksum, a ref (`ref`, `remote:ref`), `REV^`… for parents,
   * or a unique checksum prefix (`ostree_repo_resolve_rev()`).
   *
   * @param allowNoent - return `null` instead of throwing REF_NOT_FOUND
   */
  async resolveRev(rev: string, allowNoent = false): Promise<string | null> {
    if (isChecksum(rev as unknown)) return rev;
    if (rev.endsWith('^')) {
      const base = await this.resolveRev(rev.slice(0, -1), false);
      const commit = await this.loadCommit(base!);
      if (commit.parent === null) throw new OstreeError('REF_NOT_FOUND', `Commit ${base} has no parent`);
      return commit.parent;
    }
    if (/^[0-9a-f]{4,63}$/.test(rev)) {
      const matches = new Set<string>();
      for await (const o of this.listObjectsWithPrefix(rev)) if (o.type === ObjectType.COMMIT) matches.add(o.checksum);
      if (matches.size === 1) return [...matches][0];
      if (matches.size > 1) throw new OstreeError('REF_NOT_FOUND', `Ambiguous commit prefix '${rev}'`);
    }
    let found: string | null = null;
    try {
      found = await this.readRef(rev);
    } catch (e) {
      if (!(e instanceof OstreeError && e.code === 'INVALID_REF') || !allowNoent) throw e;
    }
    if (found === null && !rev.includes(':')) {
      // ostree also tries remotes/<rev> (i.e. `remote/ref` written without the colon)
      const slash = rev.indexOf('/');
      if (slash > 0) {
        const c = await readRef(this.storage, { remote: rev.slice(0, slash), ref: rev.slice(slash + 1) }).catch(() => null);
        if (c) found = c;
      }
    }
    if (found === null && !allowNoent) throw new OstreeError('REF_NOT_FOUND', `Refspec '${rev}' not found`, { data: { rev } });
    return found;
  }

  private async *listObjectsWithPrefix(prefix: string): AsyncGenerator<{ checksum: string; type: ObjectType }> {
    const ents = (await this.storage.list(`objects/${prefix.slice(0, 2)}`)) ?? [];
    for (const e of ents) {
      if (!(prefix.slice(0, 2) + e.name).startsWith(prefix)) continue;
      const parsed = parseLoosePath(`objects/${prefix.slice(0, 2)}/${e.name}`);
      if (parsed) yield { checksum: parsed.checksum, type: parsed.type };
    }
  }

  /** Set (or delete with `null`) a ref immediately, or at transaction commit when one is open. */
  async setRef(loc: RefLocation | string, checksum: string | null): Promise<void> {
    const l = typeof loc === 'string' ? parseRefLocation(loc) : loc;
    if (this.tx) {
      this.tx.refs.push({ loc: l, checksum });
      return;
    }
    await writeRef(this.storage, l, checksum);
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions

  /**
   * Run `fn` inside a write transaction: the repository lock is held, objects are staged under
   * `tmp/staging-*` and moved into `objects/` only after a filesystem sync, then refs are written —
   * so a killed process leaves only a stale staging directory, never a ref to a partial commit.
   */
  async transaction<T>(fn: (stats: TransactionStats) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    if (this.tx) throw new Error('A transaction is already open on this Repo');
    const lock: HeldLock | null = opts.lock === false ? null : await lockRepo(this.path, { timeoutSecs: this.lockTimeoutSecs, signal: opts.signal });
    const tx = new Transaction(this.storage, this.mode, lock !== null);
    tx.syncMetadata = !!opts.syncMetadata;
    this.tx = tx;
    try {
      await tx.begin();
      const result = await fn(tx.stats);
      await tx.flush();
      opts.signal?.throwIfAborted();
      if (tx.count > 0 && this.fsyncEnabled) await this.storage.syncFs();
      await tx.publish(this.mode);
      for (const r of tx.refs) await writeRef(this.storage, r.loc, r.checksum);
      return result;
    } finally {
      this.tx = null;
      await tx.flush().catch(() => undefined);
      await tx.cleanup().catch(() => undefined);
      await lock?.release();
    }
  }

  /**
   * Run `fn` inside the transaction already open on this Repo, or, when none is, inside a new one
   * ({@link Repo.transaction}) — for operations that are atomic on their own but may also be part of
   * a caller's larger transaction.
   */
  async inOpenTransaction<T>(fn: () => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return this.tx ? fn() : this.transaction(fn, opts);
  }

  /** True while a transaction is open. */
  get inTransaction(): boolean {
    return this.tx !== null;
  }
}

/** Options of {@link Repo.transaction}. */
export interface TransactionOptions {
  signal?: AbortSignal;
  /** Take the repository lock (default true). */
  lock?: boolean;
  /**
   * Stage metadata objects with synchronous writes instead of write-behind: for a burst of small
   * objects with no other work to overlap (a commit's dirtrees), where each thread-pool round trip
   * would cost more than the write.
   */
  syncMetadata?: boolean;
}

/** `lstat` succeeds (ENOENT/ENOTDIR mean absent; other errors are rethrown). */
function lstatExists(full: string): boolean {
  try {
    return lstatSync(full, { throwIfNoEntry: false }) !== undefined;
  } catch (e) {
    if (isAbsent(e)) return false;
    throw e;
  }
}

async function withObjectContext<T>(checksum: string, kind: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OstreeError && (e.code === 'CORRUPT_OBJECT' || e.code === 'OBJECT_NOT_FOUND')) {
      if (!e.message.includes(checksum)) {
        throw new OstreeError(e.code, `${e.message} (while reading ${kind} ${checksum})`, { data: { ...e.data, checksum, kind }, cause: e });
      }
      throw e;
    }
    if (e instanceof OstreeError) throw e;
    throw new OstreeError('CORRUPT_OBJECT', `Corrupt ${kind} object ${checksum}: ${(e as Error).message}`, { data: { checksum, kind }, cause: e });
  }
}

/** Staged object writes outstanding at once (write-behind in {@link Transaction.stage}). */
const MAX_INFLIGHT = 16;

/** Objects staged under `tmp/staging-*` until the transaction commits. */
class Transaction {
  readonly stats: TransactionStats = { metadataTotal: 0, metadataWritten: 0, contentTotal: 0, contentWritten: 0, contentBytesWritten: 0 };
  readonly refs: Array<{ loc: RefLocation; checksum: string | null }> = [];
  private readonly staged = new Map<string, string>();
  /**
   * The same entries grouped for {@link Transaction.publish}: content by `XX` prefix (an absent
   * prefix moves as one directory), metadata and commits in staging order. Kept as objects are
   * staged, so that publishing thousands of objects does not parse every key again.
   */
  private readonly stagedContent = new Map<string, Array<[string, string]>>();
  private readonly stagedMeta: Array<[string, string]> = [];
  private readonly stagedCommits: Array<[string, string]> = [];
  /** Staged objects whose file is still being written (see stage()). */
  private readonly inflight = new Map<string, Promise<void>>();
  private writeFailure: { e: unknown } | null = null;
  private readonly dirsMade = new Set<string>();
  readonly dir: string;

  /**
   * `objects/XX` directories that existed when the transaction began (null: unknown). Under the
   * exclusive repo lock nobody else adds objects, so an object whose prefix directory was absent
   * cannot exist — a fresh repository then needs no existence check per object.
   */
  private prefixes: Set<string> | null = null;
  private mask: Uint8Array | null = null;
  /** Content workers write into the staging directory too (see {@link Repo.offloadContentFromPath}). */
  workersStage = false;
  /** Metadata objects are written synchronously ({@link TransactionOptions.syncMetadata}). */
  syncMetadata = false;

  constructor(
    private readonly storage: Storage,
    private readonly mode: RepoMode,
    private readonly locked: boolean,
  ) {
    this.dir = `tmp/staging-ostree-ts-${process.pid}-${tmpSuffix()}`;
  }

  /** True when `objects/<first two hex digits>` was absent at the start (so the object is too). */
  prefixAbsent(checksum: string): boolean {
    return this.prefixes !== null && !this.prefixes.has(checksum.slice(0, 2));
  }

  get count(): number {
    return this.staged.size;
  }

  async begin(): Promise<void> {
    await this.storage.mkdirp(this.dir);
    if (this.locked) {
      const ents = await this.storage.list('objects');
      this.prefixes = ents ? new Set(ents.map((e) => e.name)) : null;
    }
  }

  /**
   * Path of a staged object below the staging directory: content objects at `XX/…` (their loose
   * path without `objects/`; content workers write there too), metadata apart, flat under `m/`, so
   * that a staging `XX` directory holds content objects only and {@link Transaction.publish} can
   * move it into `objects/` whole.
   */
  private stagedRel(checksum: string, type: ObjectType): string {
    const rel = loosePath(checksum, type, this.mode).slice('objects/'.length);
    // metadata flat in m/ (no directory per prefix to create and remove: they move one by one)
    return isMeta(type) ? `m/${rel.slice(0, 2)}${rel.slice(3)}` : rel;
  }

  private key(checksum: string, type: ObjectType): string {
    return `${checksum}.${type}`;
  }

  /** Record a staged object (`key` = {@link Transaction.key}) at `path`. */
  private put(key: string, checksum: string, type: ObjectType, path: string): void {
    const again = this.staged.has(key); // the same object staged twice: same path, listed once
    this.staged.set(key, path);
    if (again) return;
    if (type === ObjectType.COMMIT) this.stagedCommits.push([key, path]);
    else if (isMeta(type)) this.stagedMeta.push([key, path]);
    else {
      const xx = checksum.slice(0, 2);
      const list = this.stagedContent.get(xx);
      if (list) list.push([key, path]);
      else this.stagedContent.set(xx, [[key, path]]);
    }
  }

  has(checksum: string, type: ObjectType): boolean {
    return this.staged.has(this.key(checksum, type));
  }

  stagedPath(checksum: string, type: ObjectType): string | undefined {
    return this.staged.get(this.key(checksum, type));
  }

  private async ensureDir(sub: string): Promise<void> {
    if (this.dirsMade.has(sub)) return;
    // synchronous on Node storage: one mkdir instead of a thread-pool round trip per new prefix
    if (this.storage instanceof NodeStorage) mkdirSync(this.storage.resolve(`${this.dir}/${sub}`), { recursive: true, mode: 0o775 });
    else await this.storage.mkdirp(`${this.dir}/${sub}`);
    this.dirsMade.add(sub);
  }

  /** Stage an object (write-behind, see below); false when it is already staged. */
  async stage(checksum: string, type: ObjectType, bytes: Uint8Array, mode: number): Promise<boolean> {
    const rel = this.stagedRel(checksum, type);
    await this.ensureDir(rel.slice(0, rel.lastIndexOf('/')));
    const key = this.key(checksum, type);
    // staged (or being staged) by a concurrent writer of the same object (same checksum ⇒ same bytes)
    if (this.staged.has(key)) return false;
    this.throwIfWriteFailed();
    const path = `${this.dir}/${rel}`;
    const full = this.storage.resolve(path);
    if (this.storage instanceof NodeStorage && (this.storage.inMemory || (this.syncMetadata && isMeta(type)))) {
      // synchronously: on tmpfs creating a file is cheaper than a thread-pool round trip
      // (NodeStorage.inMemory); metadata when the caller asked for it (`syncMetadata`)
      try {
        writeNewFileSync(full, bytes, { mode, zeroTimes: this.mode !== 'archive' && !isMeta(type) });
      } catch (e) {
        // a content worker created this very object first (see below)
        if (!(this.workersStage && type === ObjectType.FILE && (e as NodeJS.ErrnoException).code === 'EEXIST')) throw e;
      }
      this.put(key, checksum, type, path);
      return true;
    }
    // open(O_CREAT|O_EXCL) on the thread pool, then write + fchmod/futimes through the descriptor +
    // close synchronously: one round trip per object (commits and pulls write thousands of these).
    // Write-behind: the caller goes on while the file is created; at most MAX_INFLIGHT writes (and
    // their buffers) are outstanding, readers of a staged object wait for its write (ready()), and
    // the transaction waits for all of them (flush()) before it syncs and publishes.
    const p = writeNewFile(full, bytes, { mode, zeroTimes: this.mode !== 'archive' && !isMeta(type) }).then(
      () => {
        this.inflight.delete(key);
      },
      (e: unknown) => {
        this.inflight.delete(key);
        // EEXIST while content workers stage into this directory (content-pool.ts): a worker
        // created this very object first — same checksum, same bytes; the caller awaits every
        // worker job before the transaction publishes. Otherwise a file in the way is an error.
        if (this.workersStage && type === ObjectType.FILE && (e as NodeJS.ErrnoException).code === 'EEXIST') return;
        this.staged.delete(key);
        this.writeFailure ??= { e };
      },
    );
    this.put(key, checksum, type, path);
    this.inflight.set(key, p);
    while (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight.values());
    this.throwIfWriteFailed();
    return true;
  }

  private throwIfWriteFailed(): void {
    if (this.writeFailure) throw this.writeFailure.e;
  }

  /** Wait until the staged file of this object (if it is being written) is complete. */
  async ready(checksum: string, type: ObjectType): Promise<void> {
    const p = this.inflight.get(this.key(checksum, type));
    if (p) await p;
    this.throwIfWriteFailed();
  }

  /** Wait for every staged write; rethrows the first write failure. */
  async flush(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight.values()]);
    this.throwIfWriteFailed();
  }

  /** 256 flags, 1 where `objects/XX` was absent when the transaction began; `null` if unknown. */
  absentMask(): Uint8Array | null {
    if (this.prefixes === null) return null;
    if (!this.mask) {
      this.mask = new Uint8Array(256);
      for (let i = 0; i < 256; i++) this.mask[i] = this.prefixes.has(OBJECT_PREFIXES[i]!) ? 0 : 1;
    }
    return this.mask;
  }

  /** Record an object a worker wrote at its staged path (`<dir>/<loose path>`). */
  recordStaged(checksum: string, type: ObjectType): void {
    this.dirsMade.add(checksum.slice(0, 2));
    this.put(this.key(checksum, type), checksum, type, `${this.dir}/${this.stagedRel(checksum, type)}`);
  }

  /** Take an already-written temporary file (relative path) as the staged object. */
  async adopt(checksum: string, type: ObjectType, tmpRel: string): Promise<void> {
    const rel = this.stagedRel(checksum, type);
    await this.ensureDir(rel.slice(0, rel.lastIndexOf('/')));
    const path = `${this.dir}/${rel}`;
    await this.storage.rename(tmpRel, path);
    this.put(this.key(checksum, type), checksum, type, path);
  }

  async stageSymlink(checksum: string, target: string): Promise<void> {
    const rel = loosePath(checksum, ObjectType.FILE, this.mode).slice('objects/'.length);
    await this.ensureDir(rel.slice(0, 2));
    const path = `${this.dir}/${rel}`;
    const full = this.storage.resolve(path);
    await fsp.symlink(target, full);
    await fsp.lutimes(full, 0, 0).catch(() => undefined);
    this.put(this.key(checksum, ObjectType.FILE), checksum, ObjectType.FILE, path);
  }

  /**
   * Move every staged object into `objects/` (content, then metadata, commits last). A staging
   * `XX` directory (content objects only, see {@link Transaction.stagedRel}) whose `objects/XX`
   * was absent when the transaction began — known under the exclusive lock, so nobody else can
   * have created it — is renamed into place whole: one `rename` instead of one per object (a
   * fresh repository's commit publishes thousands of objects through ≤ 256 renames). Its objects
   * are complete and synced like the others, so a crash in between still leaves whole objects only.
   * Called after {@link Transaction.flush} and the filesystem sync.
   */
  async publish(mode: RepoMode): Promise<void> {
    const made = new Set<string>();
    const node = this.storage instanceof NodeStorage;
    const moveOne = async ([k, path]: [string, string]): Promise<void> => {
      const dot = k.lastIndexOf('.');
      const dest = loosePath(k.slice(0, dot), Number(k.slice(dot + 1)) as ObjectType, mode);
      const sub = dest.slice(0, 'objects/xx'.length);
      if (node) {
        // synchronous: thousands of renames, each a thread-pool round trip with fs.promises
        if (!made.has(sub)) {
          mkdirSync(this.storage.resolve(sub), { recursive: true, mode: 0o775 });
          made.add(sub);
        }
        renameSync(this.storage.resolve(path), this.storage.resolve(dest));
        return;
      }
      if (!made.has(sub)) {
        await this.storage.mkdirp(sub);
        made.add(sub);
      }
      await this.storage.rename(path, dest);
    };
    for (const [xx, list] of this.stagedContent) {
      if (node && this.prefixes !== null && !this.prefixes.has(xx)) {
        try {
          renameSync(this.storage.resolve(`${this.dir}/${xx}`), this.storage.resolve(`objects/${xx}`));
          made.add(`objects/${xx}`);
          continue;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
          // appeared after all: object by object
        }
      }
      for (const e of list) await moveOne(e);
    }
    for (const e of this.stagedMeta) await moveOne(e);
    for (const e of this.stagedCommits) await moveOne(e);
    this.stagedContent.clear();
    this.stagedMeta.length = 0;
    this.stagedCommits.length = 0;
    this.staged.clear();
  }

  async cleanup(): Promise<void> {
    // synchronous on Node storage: after a publish only empty directories are left, and each
    // would cost a thread-pool round trip
    if (this.storage instanceof NodeStorage) rmSync(this.storage.resolve(this.dir), { recursive: true, force: true });
    else await this.storage.rmrf(this.dir);
  }
}

