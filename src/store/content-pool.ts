/**
 * Whole content objects written on worker threads: a worker reads a regular file, computes its
 * content checksum, skips it when the object already exists, compresses it (archive) and writes
 * the staged object — so a commit's main thread only walks the tree, and every core hashes and
 * compresses.
 *
 * The worker knows no ostree format: the caller passes the encoded content header (hashed in
 * front of the file's bytes, as `ostree_checksum_file_from_input()` does) and, for archive
 * repositories, the encoded `.filez` header for the expected size. A file whose size changed since
 * it was `lstat`ed is reported as `changed` and nothing is written; the caller then reads it again
 * in-thread. Staged objects are created with `O_EXCL`: if two workers meet the same content, the
 * second sees `EEXIST` and reports `staged` without compressing it again (the bytes would be
 * identical). Deflate parameters are ostree's (raw, memLevel 8; see `deflate.ts`): node:zlib for
 * the `fast` flavour, the zlib-exact encoder (`EXACT_DEFLATE_SOURCE`) for `exact`. Files travel in batches (one
 * message each way per batch): for small files the messaging cost more than the work.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from './worker-pool.js';
import { resolvePako, EXACT_DEFLATE_SOURCE } from './deflate-pool.js';
import { encodeArchiveHeader, encodeContentHeader, type FileHeader } from '../format/file-header.js';

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash, hash: hashOnce } = require('node:crypto');
const zlib = require('node:zlib');
${EXACT_DEFLATE_SOURCE}
const madeDirs = new Set();
// Errors leave this worker as message + code only: capturing stack traces (EEXIST for every
// duplicate file, ENOENT lookups) is wasted work.
Error.stackTraceLimit = 0;
// not following a symlink, and not blocking on a FIFO put there since the walk (fstat then says
// it is not a regular file)
const OPEN_NOFOLLOW = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0) | (fs.constants.O_NONBLOCK || 0);

function exists(p) {
  try { return fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined; } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return false;
    throw e;
  }
}

function deflate(data, level, exact) {
  if (exact) return exactDeflateRaw(data, level);
  // one output chunk as large as deflateBound(): a single pass, no concatenation
  const n = data.length;
  const chunkSize = Math.max(16384, n + (n >>> 12) + (n >>> 14) + 64);
  return zlib.deflateRawSync(data, { level, memLevel: 8, chunkSize });
}

// One read buffer per worker, grown as needed: no fresh allocation (and page faults) per file.
let readBuf = Buffer.allocUnsafeSlow(1 << 20);

// The whole file into readBuf after \`header\` (hashed in one call with it): the file's bytes, or
// null when it does not have \`size\` bytes (it changed).
function readWhole(path, size, header) {
  const fd = fs.openSync(path, 'r');
  try {
    return readFd(fd, size, header);
  } finally {
    fs.closeSync(fd);
  }
}

function readFd(fd, size, header) {
  const off = header.length;
  if (readBuf.length < off + size + 1) readBuf = Buffer.allocUnsafeSlow(Math.max(off + size + 1, readBuf.length * 2));
  readBuf.set(header, 0);
  let n = 0;
  // ask for more than the expected size so a file that grew is noticed
  for (;;) {
    const want = readBuf.length - off - n;
    const r = fs.readSync(fd, readBuf, off + n, want, null);
    if (r === 0) break;
    n += r;
    if (n > size) return null;
    if (r < want && n === size) break; // a short read of a regular file is its end: no extra read
  }
  return n === size ? readBuf.subarray(off, off + n) : null;
}

// Content checksum of the header + bytes that readFd left in readBuf.
function checksumOf(header, data) {
  return hashOnce
    ? hashOnce('sha256', readBuf.subarray(0, header.length + data.length), 'hex')
    : createHash('sha256').update(header).update(data).digest('hex');
}

function writeAll(fd, buf) {
  for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function handle(c, f) {
  const data = readWhole(f.path, f.size, f.hashHeader);
  if (data === null) return { checksum: '', state: 'changed', bytes: 0 };
  const checksum = checksumOf(f.hashHeader, data);
  return stage(c, checksum, data, f.archiveHeader, f.perms, f.chmod);
}

// Stage one object (skipped when stored or staged already); returns the file's result.
function stage(c, checksum, data, archiveHeader, perms, chmod) {
  const xx = checksum.slice(0, 2);
  const name = xx + '/' + checksum.slice(2) + c.ext;
  if ((!c.absent || c.absent[parseInt(xx, 16)] === 0) && exists(c.objectsDir + '/' + name)) {
    return { checksum, state: 'exists', bytes: 0 };
  }
  const dir = c.stagingDir + '/' + xx;
  if (!madeDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o775 }); // as objects/XX (publish may rename it there)
    madeDirs.add(dir);
  }
  let fd;
  try {
    fd = fs.openSync(c.stagingDir + '/' + name, 'wx', perms);
  } catch (e) {
    if (e.code === 'EEXIST') return { checksum, state: 'staged', bytes: 0 };
    throw e;
  }
  let bytes;
  try {
    if (archiveHeader) {
      const body = deflate(data, c.level, c.exact);
      writeAll(fd, archiveHeader);
      writeAll(fd, body);
      bytes = archiveHeader.length + body.length;
    } else {
      writeAll(fd, data);
      bytes = data.length;
    }
    if (chmod) fs.fchmodSync(fd, perms);
    if (c.mtimeZero) fs.futimesSync(fd, 0, 0);
  } catch (e) {
    try { fs.closeSync(fd); } catch {}
    try { fs.unlinkSync(c.stagingDir + '/' + name); } catch {}
    throw e;
  }
  fs.closeSync(fd);
  return { checksum, state: 'written', bytes };
}

// Content headers for the stat form, per (uid, gid, mode): the template with the fields patched.
const hashHeaders = new Map();

function patched(layout, uid, gid, mode) {
  const b = Buffer.from(layout.template);
  b.writeUInt32BE(uid, layout.uid);
  b.writeUInt32BE(gid, layout.gid);
  b.writeUInt32BE(mode, layout.mode);
  return b;
}

// A file given by path only: open it (not following a symlink put there since the walk), fstat,
// apply the ownership/permission rules, build its headers from the templates, then as above.
function handlePath(c, path) {
  const s = c.stat;
  const CHANGED = { checksum: '', state: 'changed', bytes: 0, size: 0 };
  let fd;
  try {
    fd = fs.openSync(path, OPEN_NOFOLLOW);
  } catch (e) {
    if (e.code === 'ELOOP') return CHANGED; // now a symlink: the caller looks again
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return CHANGED;
    const size = st.size;
    if (size > s.limit) return { checksum: '', state: 'large', bytes: 0, size };
    let uid = s.uid >= 0 ? s.uid : st.uid;
    let gid = s.gid >= 0 ? s.gid : st.gid;
    let mode = st.mode;
    if (s.roExecutables && (mode & 0o111) !== 0) mode &= ~0o222;
    if (s.canonical) {
      uid = 0;
      gid = 0;
      mode &= 0o100755;
    }
    const perms = c.ext === '.filez' ? 0o644 : mode & 0o7777;
    if (s.maxPerms >= 0 && (perms & ~s.maxPerms) !== 0) return CHANGED; // the caller reports the error
    const key = uid + ':' + gid + ':' + mode;
    let hh = hashHeaders.get(key);
    if (hh === undefined) {
      hh = patched(s.hashLayout, uid, gid, mode);
      if (hashHeaders.size < 4096) hashHeaders.set(key, hh);
    }
    const data = readFd(fd, size, hh);
    if (data === null) return CHANGED;
    const checksum = checksumOf(hh, data);
    let archiveHeader = null;
    if (s.archiveLayout) {
      archiveHeader = patched(s.archiveLayout, uid, gid, mode);
      archiveHeader.writeUInt32BE(Math.floor(size / 0x100000000), s.archiveLayout.size);
      archiveHeader.writeUInt32BE(size >>> 0, s.archiveLayout.size + 4);
    }
    const chmod = (perms & 0o7000) !== 0 || (perms & 0o777 & s.umask) !== 0;
    const r = stage(c, checksum, data, archiveHeader, perms, chmod);
    r.size = size;
    return r;
  } finally {
    fs.closeSync(fd);
  }
}

parentPort.on('message', (m) => {
  const results = [];
  const c = m.job.common;
  for (const f of m.job.files) {
    try {
      results.push(typeof f === 'string' ? handlePath(c, f) : handle(c, f));
    } catch (e) {
      results.push({ checksum: '', state: 'error', bytes: 0, message: String((e && e.message) || e), code: e && e.code });
    }
  }
  parentPort.postMessage({ id: m.id, result: results });
});
parentPort.postMessage({ ready: true });
`;

/** One file of a {@link ContentBatch}. */
export interface ContentFileJob {
  /** Absolute path of the regular file to read. */
  path: string;
  /** Its size when it was `lstat`ed; a different size read back is reported as `changed`. */
  size: number;
  /** Encoded content header, hashed before the file's bytes. */
  hashHeader: Uint8Array;
  /** Encoded `.filez` header for `size` (archive), or `null` to store the bytes as they are. */
  archiveHeader: Uint8Array | null;
  /** Permission bits of the staged file. */
  perms: number;
  /** `fchmod` after creation (when the umask could have masked `perms`). */
  chmod: boolean;
}

/** Settings shared by the files of a {@link ContentBatch} (one repository and transaction). */
export interface ContentBatchCommon {
  /** Deflate level (archive). */
  level: number;
  /** Use the zlib-exact encoder (ours, or pako below level 4) instead of node:zlib. */
  exact: boolean;
  /** Set mtime to 0 (bare-family content objects). */
  mtimeZero: boolean;
  /** Object file extension including the dot (`.filez`, `.file`). */
  ext: string;
  /** Absolute path of the repository's `objects` directory. */
  objectsDir: string;
  /** Absolute path of the transaction's staging directory. */
  stagingDir: string;
  /** 256 flags, 1 where `objects/XX` was absent (no lookup needed); `null` to always look. */
  absent: Uint8Array | null;
  /** Rules for files given by path only (required for them). */
  stat?: ContentStatSpec;
}

/** Byte offsets of the big-endian fields of an encoded header, and the header they patch. */
export interface HeaderLayout {
  /** An encoded header of a regular file (any uid/gid/mode; size 0 for an archive header). */
  template: Uint8Array;
  uid: number;
  gid: number;
  mode: number;
  /** Offset of the u64 size (archive headers; unused otherwise). */
  size: number;
}

/**
 * How a worker turns a file given by path only (the "stat form", see {@link ContentBatch}) into
 * a content object: the ownership and permission rules of the commit, applied in this order to
 * the `fstat` of the opened file, and the header layouts to fill in.
 */
export interface ContentStatSpec {
  /** uid to record (≥ 0), or -1 for the file's own. */
  uid: number;
  /** gid to record (≥ 0), or -1 for the file's own. */
  gid: number;
  /** A file with any execute bit loses all write bits (`--mode-ro-executables`). */
  roExecutables: boolean;
  /** uid = gid = 0 and mode &= S_IFREG | 0755 (`--canonical-permissions`). */
  canonical: boolean;
  /** Permission bits a staged file may have (-1: any); others are left to the caller (`changed`). */
  maxPerms: number;
  /** The process umask (a staged file whose bits it would mask is `fchmod`ed). */
  umask: number;
  /** Files larger than this are not read (`large`: the caller streams them). */
  limit: number;
  /** Layout of the content (checksum) header. */
  hashLayout: HeaderLayout;
  /** Layout of the archive header (archive repositories), else `null`. */
  archiveLayout: HeaderLayout | null;
}

/**
 * Files handed to one worker in one message (per-file messages cost more than small files' work).
 * A file is either a {@link ContentFileJob} (the caller `lstat`ed it and encoded its headers) or,
 * with {@link ContentBatchCommon.stat}, just its absolute path: the worker opens it without
 * following symlinks, `fstat`s it and builds the headers itself — the walking thread then does no
 * per-file system call at all. Such a file comes back `changed` when it is not a regular file any
 * more (or its permissions are not allowed), `large` (with its `size`) when above the limit.
 */
export interface ContentBatch {
  common: ContentBatchCommon;
  files: Array<ContentFileJob | string>;
}

/** What a worker did with one {@link ContentFileJob}. */
export interface ContentJobResult {
  /** Content checksum (empty when `changed` or `error`). */
  checksum: string;
  /**
   * `written`: staged now; `exists`: already in `objects/`; `staged`: already staged (by another
   * job); `changed`: the file's size differed from the job's, nothing written; `error`: the file
   * could not be read or the object written (`message`, `code`).
   */
  state: 'written' | 'exists' | 'staged' | 'changed' | 'large' | 'error';
  /** Bytes written (the stored object's size) when `written`. */
  bytes: number;
  /** Error message (`error`). */
  message?: string;
  /** The fs error's code, e.g. `ENOENT` (`error`). */
  code?: string;
  /** The file's size (files given by path: `written`, `exists`, `staged`, `large`). */
  size?: number;
}

let layouts: { hash: HeaderLayout; archive: HeaderLayout } | null | undefined;

/**
 * Where uid, gid, mode (and an archive header's size) sit in encoded regular-file headers, found
 * by encoding probe values and verified by patching the template for other values and comparing
 * with a direct encoding; `null` if that does not hold (the stat form is then not used).
 */
export function regularHeaderLayouts(): { hash: HeaderLayout; archive: HeaderLayout } | null {
  if (layouts !== undefined) return layouts;
  try {
    layouts = probeLayouts();
  } catch {
    layouts = null; // an encoder that rejects the probes: no stat form
  }
  return layouts;
}

const regularHeader = (uid: number, gid: number, mode: number): FileHeader => ({ uid, gid, mode: 0o100000 | mode, rdev: 0, symlinkTarget: '', xattrs: [] });

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Offset of the only occurrence of `needle` in `hay`, or -1 (absent or not unique). */
function uniqueOffset(hay: Uint8Array, needle: Buffer): number {
  const h = Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength);
  const at = h.indexOf(needle);
  return at >= 0 && h.indexOf(needle, at + 1) < 0 ? at : -1;
}

/** `l`'s template with the fields set (what the worker's `patched` does). */
function patchLayout(l: HeaderLayout, uid: number, gid: number, mode: number, size: number | null): Buffer {
  const b = Buffer.from(l.template);
  b.writeUInt32BE(uid, l.uid);
  b.writeUInt32BE(gid, l.gid);
  b.writeUInt32BE(mode, l.mode);
  if (size !== null) {
    b.writeUInt32BE(Math.floor(size / 0x100000000), l.size);
    b.writeUInt32BE(size >>> 0, l.size + 4);
  }
  return b;
}

function probeLayouts(): { hash: HeaderLayout; archive: HeaderLayout } | null {
  const probe = regularHeader(0x01020304, 0x05060708, 0o7654);
  const hp = encodeContentHeader(probe);
  const ap = encodeArchiveHeader(probe, 0x0a0b0c0d0e0f10);
  const hash: HeaderLayout = {
    template: encodeContentHeader(regularHeader(0, 0, 0o644)),
    uid: uniqueOffset(hp, be32(probe.uid)),
    gid: uniqueOffset(hp, be32(probe.gid)),
    mode: uniqueOffset(hp, be32(probe.mode)),
    size: -1,
  };
  const archive: HeaderLayout = {
    template: encodeArchiveHeader(regularHeader(0, 0, 0o644), 0),
    uid: uniqueOffset(ap, be32(probe.uid)),
    gid: uniqueOffset(ap, be32(probe.gid)),
    mode: uniqueOffset(ap, be32(probe.mode)),
    size: uniqueOffset(ap, Buffer.from([0, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10])),
  };
  const found = [hash.uid, hash.gid, hash.mode, archive.uid, archive.gid, archive.mode, archive.size].every((o) => o >= 0);
  const checks: Array<[number, number, number, number]> = [
    [0, 0, 0o755, 0],
    [1000, 100, 0o600, 12_345_678_901],
    [0xffffffff, 0xfffffffe, 0o7777, 2 ** 53 - 1],
  ];
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
  return found &&
    hp.length === hash.template.length &&
    ap.length === archive.template.length &&
    checks.every(
      ([uid, gid, mode, size]) =>
        same(patchLayout(hash, uid, gid, 0o100000 | mode, null), encodeContentHeader(regularHeader(uid, gid, mode))) &&
        same(patchLayout(archive, uid, gid, 0o100000 | mode, size), encodeArchiveHeader(regularHeader(uid, gid, mode), size)),
    )
      ? { hash, archive }
      : null;
}

let pool: WorkerPool<ContentBatch, ContentJobResult[]> | null = null;

/** Workers the content pool may start (one per core, at most 8). */
export function contentWorkerCount(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Stage a batch of content objects on one worker; one result per file, in order. Returns `null`
 * when workers are unavailable (the caller writes in-thread).
 */
export function stageContentOnWorker(batch: ContentBatch): Promise<ContentJobResult[]> | null {
  return contentPool().run(batch);
}

/** Start the content workers ahead of a large job, so that their start-up overlaps other work. */
export function warmContentWorkers(): void {
  contentPool().warm();
}

/**
 * Call `fn` once all content workers have started and loaded their modules — never if they do not
 * start (a commit below the in-thread threshold). The CLI changes V8's flags only then
 * (`cli/runtime.ts`): a changed flag invalidates Node's code cache for its own modules, which a
 * worker starting later would then compile from source.
 */
export function onContentWorkersReady(fn: () => void): void {
  contentPool().onReady(fn);
}

function contentPool(): WorkerPool<ContentBatch, ContentJobResult[]> {
  pool ??= new WorkerPool({ name: 'content', source: WORKER_SOURCE, workerData: () => ({ pako: resolvePako() }), size: contentWorkerCount() });
  return pool;
}
