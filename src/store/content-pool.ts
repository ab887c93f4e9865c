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
 * the `fast` flavour, pako (required by absolute path) for `exact`. Files travel in batches (one
 * message each way per batch): for small files the messaging cost more than the work.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from './worker-pool.js';
import { resolvePako } from './deflate-pool.js';

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
let pako = null;
const madeDirs = new Set();

function exists(p) {
  try { fs.lstatSync(p); return true; } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return false;
    throw e;
  }
}

function deflate(data, level, exact) {
  if (exact) {
    pako = pako || require(workerData.pako);
    return pako.deflateRaw(data, { level, memLevel: 8 });
  }
  // one output chunk as large as deflateBound(): a single pass, no concatenation
  const n = data.length;
  const chunkSize = Math.max(16384, n + (n >>> 12) + (n >>> 14) + 64);
  return zlib.deflateRawSync(data, { level, memLevel: 8, chunkSize });
}

// One read buffer per worker, grown as needed: no fresh allocation (and page faults) per file.
let readBuf = Buffer.allocUnsafeSlow(1 << 20);

function readWhole(path, size) {
  if (readBuf.length < size + 1) readBuf = Buffer.allocUnsafeSlow(Math.max(size + 1, readBuf.length * 2));
  const fd = fs.openSync(path, 'r');
  try {
    let n = 0;
    // read one byte past the expected size so a file that grew is noticed
    for (;;) {
      const r = fs.readSync(fd, readBuf, n, readBuf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > size) return null;
    }
    return n === size ? readBuf.subarray(0, n) : null;
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd, buf) {
  for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function handle(c, f) {
  const j = { ...c, ...f };
  const data = readWhole(j.path, j.size);
  if (data === null) return { checksum: '', state: 'changed', bytes: 0 };
  const checksum = createHash('sha256').update(j.hashHeader).update(data).digest('hex');
  const xx = checksum.slice(0, 2);
  const name = xx + '/' + checksum.slice(2) + j.ext;
  if ((!j.absent || j.absent[parseInt(xx, 16)] === 0) && exists(j.objectsDir + '/' + name)) {
    return { checksum, state: 'exists', bytes: 0 };
  }
  const dir = j.stagingDir + '/' + xx;
  if (!madeDirs.has(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o775 }); // as objects/XX (publish may rename it there)
    madeDirs.add(dir);
  }
  let fd;
  try {
    fd = fs.openSync(j.stagingDir + '/' + name, 'wx', j.perms);
  } catch (e) {
    if (e.code === 'EEXIST') return { checksum, state: 'staged', bytes: 0 };
    throw e;
  }
  let bytes;
  try {
    if (j.archiveHeader) {
      const body = deflate(data, j.level, j.exact);
      writeAll(fd, j.archiveHeader);
      writeAll(fd, body);
      bytes = j.archiveHeader.length + body.length;
    } else {
      writeAll(fd, data);
      bytes = data.length;
    }
    if (j.chmod) fs.fchmodSync(fd, j.perms);
    if (j.mtimeZero) fs.futimesSync(fd, 0, 0);
  } catch (e) {
    try { fs.closeSync(fd); } catch {}
    try { fs.unlinkSync(j.stagingDir + '/' + name); } catch {}
    throw e;
  }
  fs.closeSync(fd);
  return { checksum, state: 'written', bytes };
}

parentPort.on('message', (m) => {
  const results = [];
  for (const f of m.job.files) {
    try {
      results.push(handle(m.job.common, f));
    } catch (e) {
      results.push({ checksum: '', state: 'error', bytes: 0, message: String((e && e.message) || e), code: e && e.code });
    }
  }
  parentPort.postMessage({ id: m.id, result: results });
});
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
  /** Use pako (zlib-exact output) instead of node:zlib. */
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
}

/** Files handed to one worker in one message (per-file messages cost more than small files' work). */
export interface ContentBatch {
  common: ContentBatchCommon;
  files: ContentFileJob[];
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
  state: 'written' | 'exists' | 'staged' | 'changed' | 'error';
  /** Bytes written (the stored object's size) when `written`. */
  bytes: number;
  /** Error message (`error`). */
  message?: string;
  /** The fs error's code, e.g. `ENOENT` (`error`). */
  code?: string;
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

function contentPool(): WorkerPool<ContentBatch, ContentJobResult[]> {
  pool ??= new WorkerPool({ name: 'content', source: WORKER_SOURCE, workerData: () => ({ pako: resolvePako() }), size: contentWorkerCount() });
  return pool;
}
