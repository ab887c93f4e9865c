/**
 * The storage interface the upper layers use, and its Node `fs` implementation.
 *
 * Paths are relative to the repository root and always use `/`. Only ENOENT (and ENOTDIR on a
 * path component) is mapped to "absent" (`null` / `false`); every other error is rethrown, so a
 * permission problem is never mistaken for a missing object.
 *
 * @module
 */
import { promises as fsp, constants as fsc, statfsSync, createReadStream, open as openCb, mkdir as mkdirCb, openSync, fstatSync, readSync, closeSync, readdirSync, writeSync, fchmodSync, futimesSync, fsync, renameSync, linkSync, unlinkSync, mkdirSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, sep } from 'node:path';
import { OstreeError } from '../errors.js';

/** Kinds of directory entries and stat results. */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

/** A directory entry. */
export interface DirEntry {
  name: string;
  kind: EntryKind;
}

/** The subset of `stat` the upper layers need. */
export interface StatInfo {
  kind: EntryKind;
  /** Full `st_mode` (type and permission bits). */
  mode: number;
  size: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

/** Options for {@link Storage.writeAtomic}. */
export interface WriteOptions {
  /** Permission bits of the created file (default 0o644). */
  mode?: number;
  /** fsync the file before the rename (default false; transactions sync the filesystem once). */
  fsync?: boolean;
  /** Fail with code `EXISTS` instead of replacing an existing file. */
  noReplace?: boolean;
}

/**
 * What ostree-ts needs from a repository's storage. The Node implementation is
 * {@link NodeStorage}; a read-only HTTP implementation can provide the read half.
 */
export interface Storage {
  /** Human-readable location (a directory path or URL), used in messages. */
  readonly location: string;
  /** Whole file, or `null` when absent. */
  read(path: string): Promise<Uint8Array | null>;
  /** At most the first `length` bytes of a file (fewer when it is shorter), or `null` when absent. */
  readPrefix(path: string, length: number): Promise<Uint8Array | null>;
  /** Stat without following a final symlink, or `null` when absent. */
  lstat(path: string): Promise<StatInfo | null>;
  /** Directory entries, or `null` when the directory is absent. */
  list(path: string): Promise<DirEntry[] | null>;
  /** Symlink target, or `null` when absent. */
  readlink(path: string): Promise<string | null>;
  /** `mkdir -p`. */
  mkdirp(path: string, mode?: number): Promise<void>;
  /** Write a file atomically: a temporary file in the same directory, then rename. */
  writeAtomic(path: string, data: Uint8Array | string, opts?: WriteOptions): Promise<void>;
  /**
   * Optional: write several files atomically as one group. Every file is written (and, with
   * `fsync`, synced — concurrently) to a temporary name first; only then are they renamed into
   * place, in the given order (an entry with `data: null` removes that path at its place in the
   * order). When a write or sync fails nothing is renamed or removed and the temporary files are
   * deleted. Callers without it write the files one by one with {@link writeAtomic}.
   */
  writeAtomicGroup?(files: ReadonlyArray<{ path: string; data: Uint8Array | null }>, opts?: Pick<WriteOptions, 'fsync' | 'mode'>): Promise<void>;
  /** Create a symlink atomically (temporary name, then rename over any existing entry). */
  symlinkAtomic(target: string, path: string): Promise<void>;
  /** Rename (replacing a file at `to`). */
  rename(from: string, to: string): Promise<void>;
  /** Remove a file or symlink; returns false when it was absent. */
  unlink(path: string): Promise<boolean>;
  /** Remove a directory tree; absent is fine. */
  rmrf(path: string): Promise<void>;
  /** Remove an empty directory; returns false when absent or not empty. */
  rmdirIfEmpty(path: string): Promise<boolean>;
  /** Flush written data of this filesystem to disk. */
  syncFs(): Promise<void>;
  /** Absolute filesystem path for `path` (Node storage only; used for streaming large files). */
  resolve(path: string): string;
}

/** True for the error codes that mean "absent". */
export function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function kindOf(st: Stats | import('node:fs').Dirent): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** Files at most this large are read synchronously by {@link NodeStorage.read}. */
const SYNC_READ_LIMIT = 256 * 1024;

/**
 * Scratch buffer of the first read in {@link NodeStorage.read}: a file shorter than this is read
 * with open + one read + close (no fstat, no probe for EOF — a short read of a regular file is
 * the end of the file). Only used inside one synchronous stretch, so it is never shared.
 */
const SCRATCH = new Uint8Array(64 * 1024);

/** A random suffix for temporary names. */
export function tmpSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** {@link Storage} on the local filesystem with `fs/promises`. */
export class NodeStorage implements Storage {
  readonly location: string;
  private memory: boolean | undefined;

  /** @param root - the repository directory */
  constructor(readonly root: string) {
    this.location = root;
  }

  resolve(path: string): string {
    if (path === '' || path === '.') return this.root;
    if (path.startsWith('/') || (path.includes('..') && path.split('/').includes('..'))) {
      throw new OstreeError('PATH_ESCAPE', `Refusing path outside the repository: ${path}`, { data: { path } });
    }
    return join(this.root, path);
  }

  async read(path: string): Promise<Uint8Array | null> {
    const full = this.resolve(path);
    // Small files (refs, config, metadata objects — the bulk of reads) are read synchronously:
    // `fs.promises.readFile` costs four thread-pool round trips per file, which dominated summary
    // and build-update-repo over thousands of refs. A sync read of ≤ 256 KiB blocks for microseconds.
    let fd: number;
    try {
      fd = openSync(full, 'r');
    } catch (e) {
      if (isAbsent(e) || (e as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw e;
    }
    try {
      let n: number;
      try {
        n = readSync(fd, SCRATCH, 0, SCRATCH.byteLength, 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EISDIR') return null;
        throw e;
      }
      if (n < SCRATCH.byteLength) return SCRATCH.slice(0, n);
      const st = fstatSync(fd);
      if (st.isDirectory()) return null;
      if (st.size <= SYNC_READ_LIMIT) {
        const buf = new Uint8Array(st.size);
        let off = 0;
        while (off < buf.byteLength) {
          const n = readSync(fd, buf, off, buf.byteLength - off, off);
          if (n === 0) break;
          off += n;
        }
        // a file that grew or shrank while we read it: fall back to the general path
        if (off === st.size && readSync(fd, new Uint8Array(1), 0, 1, off) === 0) return buf;
      }
    } finally {
      closeSync(fd);
    }
    try {
      const b = await fsp.readFile(full);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if (isAbsent(e) || (e as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw e;
    }
  }

  async readPrefix(path: string, length: number): Promise<Uint8Array | null> {
    // synchronous for the same reason as read(): one small read per call, thousands of calls
    let fd: number;
    try {
      fd = openSync(this.resolve(path), 'r');
    } catch (e) {
      if (isAbsent(e) || (e as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw e;
    }
    try {
      const buf = new Uint8Array(length);
      let off = 0;
      while (off < length) {
        const n = readSync(fd, buf, off, length - off, off);
        if (n === 0) break;
        off += n;
      }
      return buf.subarray(0, off);
    } finally {
      closeSync(fd);
    }
  }

  async lstat(path: string): Promise<StatInfo | null> {
    try {
      const st = await fsp.lstat(this.resolve(path));
      return { kind: kindOf(st), mode: st.mode, size: st.size, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs };
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
  }

  async list(path: string): Promise<DirEntry[] | null> {
    // synchronous for the reason read() is: one `fs.promises.readdir` is several thread-pool round
    // trips, and listings come by the thousand (a refs tree holds one directory per ref component)
    try {
      const ents = readdirSync(this.resolve(path), { withFileTypes: true });
      return ents.map((d) => ({ name: d.name, kind: kindOf(d) }));
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
  }

  async readlink(path: string): Promise<string | null> {
    try {
      return await fsp.readlink(this.resolve(path));
    } catch (e) {
      if (isAbsent(e) || (e as NodeJS.ErrnoException).code === 'EINVAL') return null;
      throw e;
    }
  }

  async mkdirp(path: string, mode = 0o775): Promise<void> {
    await fsp.mkdir(this.resolve(path), { recursive: true, mode });
  }

  async writeAtomic(path: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<void> {
    const full = this.resolve(path);
    const tmp = `${dirname(full)}${sep}.tmp-${tmpSuffix()}`;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.byteLength <= SYNC_READ_LIMIT) return this.writeAtomicSmall(path, full, tmp, bytes, opts);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(tmp, 'wx', opts.mode ?? 0o644);
    } catch (e) {
      if (!isAbsent(e)) throw e;
      await fsp.mkdir(dirname(full), { recursive: true, mode: 0o775 });
      fh = await fsp.open(tmp, 'wx', opts.mode ?? 0o644);
    }
    try {
      await fh.writeFile(data);
      if (opts.mode !== undefined) await fh.chmod(opts.mode);
      if (opts.fsync) await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await fsp.unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    if (opts.noReplace) {
      try {
        await fsp.link(tmp, full);
      } catch (e) {
        await fsp.unlink(tmp).catch(() => undefined);
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new OstreeError('EXISTS', `${path} already exists`, { data: { path } });
        }
        throw e;
      }
      await fsp.unlink(tmp);
      return;
    }
    try {
      await fsp.rename(tmp, full);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  /** See {@link Storage.writeAtomicGroup}: temporary files written and synced first, then renamed in order. */
  async writeAtomicGroup(files: ReadonlyArray<{ path: string; data: Uint8Array | null }>, opts: Pick<WriteOptions, 'fsync' | 'mode'> = {}): Promise<void> {
    const staged: Array<{ full: string; tmp: string; fd: number | null }> = [];
    const steps: Array<{ full: string; tmp: string | null }> = [];
    const cleanup = (): void => {
      for (const f of staged) {
        if (f.fd !== null) closeQuietly(f.fd);
        unlinkQuietly(f.tmp);
      }
    };
    try {
      for (const { path, data } of files) {
        const full = this.resolve(path);
        if (data === null) {
          steps.push({ full, tmp: null });
          continue;
        }
        const tmp = `${dirname(full)}${sep}.tmp-${tmpSuffix()}`;
        const fd = openTempBeside(tmp, full, opts.mode ?? 0o644);
        const f = { full, tmp, fd: fd as number | null };
        staged.push(f);
        steps.push({ full, tmp });
        writeAllSync(fd, data);
        if (opts.mode !== undefined) fchmodSync(fd, opts.mode);
      }
      // the syncs run side by side in the thread pool: one journal wait instead of one per file
      if (opts.fsync) await Promise.all(staged.map((f) => fsyncAsync(f.fd!)));
      for (const f of staged) {
        const fd = f.fd!;
        f.fd = null;
        closeSync(fd);
      }
    } catch (e) {
      cleanup();
      throw e;
    }
    // every file is complete (and synced) before the first rename; renames keep the given order
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i]!;
      try {
        if (st.tmp === null) {
          try {
            unlinkSync(st.full);
          } catch (e) {
            if (!isAbsent(e)) throw e;
          }
        } else renameSync(st.tmp, st.full);
      } catch (e) {
        // the steps before `i` are done; the remaining temporary files are deleted
        for (const f of steps.slice(i)) if (f.tmp !== null) unlinkQuietly(f.tmp);
        throw e;
      }
    }
  }

  /**
   * {@link writeAtomic} of a small buffer with synchronous calls (as for reads, each promise call
   * is a thread-pool round trip, and a small write is several of them); only the fsync, which can
   * wait on the disk for long, goes to the thread pool. Same steps and cleanup as the general path.
   */
  private async writeAtomicSmall(path: string, full: string, tmp: string, bytes: Uint8Array, opts: WriteOptions): Promise<void> {
    const fd = openTempBeside(tmp, full, opts.mode ?? 0o644);
    try {
      writeAllSync(fd, bytes);
      if (opts.mode !== undefined) fchmodSync(fd, opts.mode);
      if (opts.fsync) await fsyncAsync(fd);
    } catch (e) {
      closeQuietly(fd);
      unlinkQuietly(tmp);
      throw e;
    }
    closeSync(fd);
    if (opts.noReplace) {
      try {
        linkSync(tmp, full);
      } catch (e) {
        unlinkQuietly(tmp);
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new OstreeError('EXISTS', `${path} already exists`, { data: { path } });
        }
        throw e;
      }
      unlinkSync(tmp);
      return;
    }
    try {
      renameSync(tmp, full);
    } catch (e) {
      unlinkQuietly(tmp);
      throw e;
    }
  }

  async symlinkAtomic(target: string, path: string): Promise<void> {
    const full = this.resolve(path);
    const tmp = `${dirname(full)}${sep}.tmp-${tmpSuffix()}`;
    try {
      await fsp.symlink(target, tmp);
    } catch (e) {
      if (!isAbsent(e)) throw e;
      await fsp.mkdir(dirname(full), { recursive: true, mode: 0o775 });
      await fsp.symlink(target, tmp);
    }
    try {
      await fsp.rename(tmp, full);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(this.resolve(from), this.resolve(to));
  }

  async unlink(path: string): Promise<boolean> {
    try {
      await fsp.unlink(this.resolve(path));
      return true;
    } catch (e) {
      if (isAbsent(e)) return false;
      throw e;
    }
  }

  async rmrf(path: string): Promise<void> {
    await fsp.rm(this.resolve(path), { recursive: true, force: true });
  }

  async rmdirIfEmpty(path: string): Promise<boolean> {
    try {
      await fsp.rmdir(this.resolve(path));
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (isAbsent(e) || code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw e;
    }
  }

  async syncFs(): Promise<void> {
    await syncFilesystem(this.root);
  }

  /**
   * True when the repository is on a filesystem in memory (tmpfs, ramfs; `statfs` once, cached).
   * There, creating a file never waits for a disk, and a synchronous `open` costs about a third of
   * a thread-pool round trip (3 000 files of 6 KB: 36 vs 100 ms wall, 45 vs 150 ms CPU), so object
   * writers create files synchronously ({@link writeNewFileSync}); on a disk-backed filesystem the
   * `open` goes to the thread pool, where its wait overlaps other work.
   */
  get inMemory(): boolean {
    if (this.memory === undefined) {
      try {
        this.memory = MEMORY_FILESYSTEMS.has(statfsSync(this.root).type);
      } catch {
        this.memory = false;
      }
    }
    return this.memory;
  }
}

/** `statfs` types of filesystems without backing store: `TMPFS_MAGIC`, `RAMFS_MAGIC` (linux/magic.h). */
const MEMORY_FILESYSTEMS = new Set([0x01021994, 0x858458f6]);

/**
 * Flush the filesystem holding `dir` to disk. Node has no `syncfs(2)`; coreutils' `sync -f DIR`
 * is exactly that syscall, so use it when present and otherwise fsync the directory itself.
 * (ostree calls `syncfs()` once per transaction before renaming staged objects into place:
 * `ostree_repo_commit_transaction()` in `src/libostree/ostree-repo-commit.c`.)
 */
export async function syncFilesystem(dir: string): Promise<void> {
  // A filesystem in memory (tmpfs, ramfs) has nothing to flush: skip the process spawn (≈ 10 ms).
  try {
    if (MEMORY_FILESYSTEMS.has(statfsSync(dir).type)) return;
  } catch {
    // no statfs: sync anyway
  }
  const { spawn } = await import('node:child_process');
  const ok = await new Promise<boolean>((resolve) => {
    const p = spawn('sync', ['-f', dir], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('close', (code) => resolve(code === 0));
  });
  if (ok) return;
  const fh = await fsp.open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Per-process random prefix of {@link writeAtomicFast}'s temporary names (a counter follows). */
let tmpPrefix = '';
let tmpCounter = 0;

/** Create the temporary file `tmp` (O_EXCL) next to `full`, creating their directory when missing. */
function openTempBeside(tmp: string, full: string, mode: number): number {
  try {
    return openSync(tmp, 'wx', mode);
  } catch (e) {
    if (!isAbsent(e)) throw e;
    mkdirSync(dirname(full), { recursive: true, mode: 0o775 });
    return openSync(tmp, 'wx', mode);
  }
}

/** Write all of `data` through `fd` (a write may be short). */
function writeAllSync(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
}

/** `fsync(fd)` on the thread pool. */
function fsyncAsync(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
}

/** `close`, ignoring errors (cleanup on a path that is already failing). */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing more can be done
  }
}

/** `unlink`, ignoring every error (cleanup of a temporary file on a path that is already failing). */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or nothing more can be done
  }
}

/** The process umask, read once (reading it is not free and it does not change under us). */
let cachedUmask = -1;

/**
 * True when a file created with permission bits `mode` needs an explicit `chmod`: it has
 * setuid/setgid/sticky bits, or the process umask would mask some of its bits.
 */
export function needsChmod(mode: number): boolean {
  return (mode & 0o7000) !== 0 || (mode & 0o777 & processUmask()) !== 0;
}

/** The process umask (read once, see {@link needsChmod}). */
export function processUmask(): number {
  if (cachedUmask < 0) cachedUmask = process.umask();
  return cachedUmask;
}

/** Options of {@link writeNewFile}. */
export interface NewFileOptions {
  /** Permission bits (setuid/setgid/sticky included); applied exactly, whatever the umask. */
  mode: number;
  /** Set atime and mtime to 0 (the epoch), as bare-family content objects carry. */
  zeroTimes?: boolean;
  /** Atomically move the written file to this absolute path (temporary name, then rename). */
  renameTo?: string;
}

const NEW_FILE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL;

/**
 * Create the new file `full` (O_CREAT|O_EXCL: an existing file is an error), write `data`, set its
 * permission bits and optionally zero its times through the open descriptor, close it and optionally
 * rename it to `opts.renameTo`. On failure the new file is removed.
 *
 * Only the `open` goes to the thread pool: creating a file is by far the slowest step (the
 * filesystem allocates an inode and a directory entry, and may wait for its journal — up to a
 * millisecond on a busy disk), and off the main thread it overlaps with network and decompression
 * work; write/fchmod/futimes/close/rename of an in-memory buffer stay cheap synchronous calls (one
 * thread-pool round trip per file instead of the five of `fs.promises`, which dominated pulls and
 * commits of thousands of small objects).
 */
export async function writeNewFile(full: string, data: Uint8Array, opts: NewFileOptions): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) => openCb(full, NEW_FILE_FLAGS, opts.mode & 0o777, (e, fd) => (e ? reject(e) : resolve(fd))));
  fillNewFileSync(fd, full, data, opts);
}

/** {@link writeNewFile} with a synchronous `open` (for bursts of small files with nothing to overlap). */
export function writeNewFileSync(full: string, data: Uint8Array, opts: NewFileOptions): void {
  fillNewFileSync(openSync(full, NEW_FILE_FLAGS, opts.mode & 0o777), full, data, opts);
}

function fillNewFileSync(fd: number, full: string, data: Uint8Array, opts: NewFileOptions): void {
  try {
    writeAllSync(fd, data);
    if (needsChmod(opts.mode)) fchmodSync(fd, opts.mode & 0o7777);
    if (opts.zeroTimes) futimesSync(fd, 0, 0);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(full);
    throw e;
  }
  closeSync(fd);
  if (opts.renameTo !== undefined) {
    try {
      renameSync(full, opts.renameTo);
    } catch (e) {
      unlinkQuietly(full);
      throw e;
    }
  }
}

/**
 * Write `data` to `dest` atomically: a temporary file next to it (created with
 * {@link writeNewFile}, or {@link writeNewFileSync} with `sync`), then rename. The parent
 * directory is created when missing.
 */
export async function writeAtomicFast(dest: string, data: Uint8Array, opts: Omit<NewFileOptions, 'renameTo'> & { sync?: boolean }): Promise<void> {
  if (tmpPrefix === '') tmpPrefix = `.tmp-${process.pid}-${tmpSuffix()}-`;
  const dir = dirname(dest);
  const tmp = () => `${dir}${sep}${tmpPrefix}${tmpCounter++}`;
  const write = (): Promise<void> | void =>
    opts.sync ? writeNewFileSync(tmp(), data, { ...opts, renameTo: dest }) : writeNewFile(tmp(), data, { ...opts, renameTo: dest });
  try {
    await write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') await new Promise<void>((resolve, reject) => mkdirCb(dir, { recursive: true, mode: 0o775 }, (err) => (err ? reject(err) : resolve())));
    else if (code === 'EEXIST') tmpPrefix = `.tmp-${process.pid}-${tmpSuffix()}-`; // a stale file of an earlier process
    else throw e;
    await write();
  }
}

/** Stream a file's bytes (Node storage). */
export function readStream(fullPath: string, highWaterMark = 1 << 20): AsyncIterable<Uint8Array> {
  return createReadStream(fullPath, { highWaterMark }) as AsyncIterable<Uint8Array>;
}
