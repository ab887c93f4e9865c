/**
 * Decoding static-delta parts on a worker thread: the SHA-256 check and the xz decompression of a
 * part file, which for a large part is most of a delta pull's time (issue #7).
 *
 * This module is both the main-thread API ({@link createPartDecoder}) and the worker: a worker
 * started on this module's file (a `workerData` marker) answers decode requests. It is its own
 * entry of the package build (`dist/delta-part-worker.js`), so the worker loads only the xz
 * decoder and the part-file format, not the whole library: it starts in a few tens of
 * milliseconds instead of over a hundred. As with the compression workers (delta-compress.ts), a
 * worker is started only from the package's own ESM `dist/` files or on an explicit URL; elsewhere
 * (the CommonJS build, TypeScript sources under vitest, ostree-ts bundled into another program)
 * there is no decoder and parts are decoded in the caller's thread.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { xzDecompress } from '../codec/xz/index.js';
import { DeltaCompression, decodeDeltaPartFile } from '../format/delta.js';
import { sha256Hex } from '../format/checksums.js';
import { OstreeError } from '../errors.js';
import { moduleWorkerExecArgv, packageModuleUrl } from './package-module.js';

const MARKER = 'ostreeTsDeltaPartWorker';

interface Job {
  id: number;
  file: Uint8Array;
  expected: string | null;
  maxOutput: number;
}

interface Reply {
  id: number;
  /** The payload; absent when the part is bad. */
  out?: Uint8Array;
}

/**
 * Check a delta part file's SHA-256 (unless `expected` is null) and decompress its payload, at most
 * `maxOutput` bytes: `_ostree_static_delta_part_open()` up to the parse
 * (src/libostree/ostree-repo-static-delta-processing.c). `openDeltaPart` parses the result; the
 * worker runs it through {@link decodeDeltaPartRaw}. An uncompressed part's payload is a view of
 * `file`.
 *
 * @throws OstreeError `DELTA_MISMATCH` for a wrong checksum, `DELTA_CORRUPT` for anything malformed
 */
export function decompressDeltaPart(file: Uint8Array, expected: string | null, maxOutput: number, index = 0): Uint8Array {
  if (expected !== null) {
    const actual = sha256Hex(file);
    if (actual !== expected) {
      throw new OstreeError('DELTA_MISMATCH', `Checksum mismatch in delta part ${index}: expected ${expected}, actual ${actual}`, {
        data: { index, expected, actual },
      });
    }
  }
  const { compression, payload } = decodeDeltaPartFile(file);
  if (compression !== DeltaCompression.XZ) return payload;
  try {
    return xzDecompress(payload, { maxOutput });
  } catch (e) {
    if (e instanceof OstreeError) throw new OstreeError('DELTA_CORRUPT', `Delta part ${index}: ${e.message}`, { data: { index }, cause: e });
    throw e;
  }
}

/**
 * {@link decompressDeltaPart} as the worker runs it: the payload in a buffer of its own (to be
 * transferred back), or null when anything is wrong (the caller then opens the part with
 * `openDeltaPart` in its own thread, which raises the proper error).
 */
export function decodeDeltaPartRaw(file: Uint8Array, expected: string | null, maxOutput: number): Uint8Array | null {
  try {
    const raw = decompressDeltaPart(file, expected, maxOutput);
    return raw.buffer === file.buffer ? raw.slice() : raw;
  } catch {
    return null;
  }
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[MARKER] === true) {
  const port = parentPort;
  port.on('message', (job: Job) => {
    const out = decodeDeltaPartRaw(job.file, job.expected, job.maxOutput);
    if (out === null) port.postMessage({ id: job.id } satisfies Reply);
    else port.postMessage({ id: job.id, out } satisfies Reply, [out.buffer as ArrayBuffer]);
  });
}

/**
 * Decodes delta part files on one worker thread, in the order they are submitted, so that a
 * static-delta pull decompresses a part while its own thread fetches fallback objects and
 * executes the part before. Part files are copied to the worker; payloads come back without a copy.
 */
export interface PartDecoder {
  /**
   * The decompressed payload of `file` (at most `maxOutput` bytes) after checking its SHA-256
   * against `expected` (unless null). Null when the worker found the part bad or is gone: open it
   * in the caller's thread then (`openDeltaPart`), which decodes it or raises the proper error.
   * Never rejects.
   */
  decode(file: Uint8Array, expected: string | null, maxOutput: number): Promise<Uint8Array | null>;
  /** Stop the worker (pending decodes resolve null). */
  close(): Promise<void>;
}

/** The worker module next to this one in the package's `dist/`, or null (see the module notes). */
function defaultWorkerUrl(): URL | null {
  let own: URL | null;
  try {
    own = packageModuleUrl(import.meta.url);
  } catch {
    return null;
  }
  if (own === null) return null;
  const url = new URL('./delta-part-worker.js', own);
  return existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * Start a {@link PartDecoder} on `workerUrl` (a file that evaluates this module; default the
 * package's `dist/delta-part-worker.js` when running from the package). Null when no worker
 * module is known: decode in the caller's thread.
 */
export function createPartDecoder(opts: { workerUrl?: URL | string } = {}): PartDecoder | null {
  const url = opts.workerUrl !== undefined ? new URL(String(opts.workerUrl)) : defaultWorkerUrl();
  if (url === null) return null;
  const pending = new Map<number, (r: Uint8Array | null) => void>();
  let nextId = 0;
  let dead = false;
  const lose = (): void => {
    dead = true;
    for (const settle of pending.values()) settle(null);
    pending.clear();
  };
  const w = new Worker(url, {
    workerData: { [MARKER]: true },
    execArgv: moduleWorkerExecArgv(),
  });
  w.on('message', (r: Reply) => {
    const settle = pending.get(r.id);
    if (!settle) return;
    pending.delete(r.id);
    if (pending.size === 0) w.unref();
    settle(r.out ?? null);
  });
  w.on('error', lose);
  w.on('exit', lose);
  // an idle decoder does not keep the process alive; one with work does
  w.unref();
  return {
    decode(file, expected, maxOutput) {
      if (dead) return Promise.resolve(null);
      // posting a view clones its whole buffer: send only the file's bytes
      if (file.byteOffset !== 0 || file.byteLength !== file.buffer.byteLength) file = file.slice();
      const id = nextId++;
      return new Promise((resolve) => {
        if (pending.size === 0) w.ref();
        pending.set(id, resolve);
        w.postMessage({ id, file, expected, maxOutput } satisfies Job);
      });
    },
    async close() {
      dead = true;
      await w.terminate();
    },
  };
}
