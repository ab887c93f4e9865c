/**
 * The zlib-exact raw deflate on a `worker_threads` pool, so commits with `--generate-sizes`
 * compress on every core instead of only the main thread.
 *
 * Levels 4–9 use our own encoder (`codec/deflate-exact.ts`), whose self-contained factory is
 * embedded in the inline worker source ({@link EXACT_DEFLATE_SOURCE}); other levels use pako, which
 * the worker `require`s by the absolute path resolved here (see `worker-pool.ts` for why the worker
 * source is inline). If workers are unavailable, callers fall back to compressing in-thread.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { WorkerPool } from './worker-pool.js';
import { createDeflateRawExact } from '../codec/deflate-exact.js';

/**
 * CommonJS worker-source fragment defining `exactDeflateRaw(data, level)`: our zlib-exact encoder
 * for levels 4–9 (its factory's source text), pako (`require(workerData.pako || 'pako')`) for the others.
 */
export const EXACT_DEFLATE_SOURCE = `
const createDeflateRawExact = ${createDeflateRawExact.toString()};
let deflateRawExact = null; // made on first use: a worker that never compresses exactly never pays for it
let exactPako = null;
function exactDeflateRaw(data, level) {
  if (level >= 4 && level <= 9) return (deflateRawExact = deflateRawExact || createDeflateRawExact())(data, level);
  exactPako = exactPako || require(workerData.pako || 'pako');
  return exactPako.deflateRaw(data, { level, memLevel: 8 });
}
`;

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
${EXACT_DEFLATE_SOURCE}
parentPort.on('message', (m) => {
  try {
    const out = exactDeflateRaw(m.job.data, m.job.level);
    const copy = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    parentPort.postMessage({ id: m.id, result: copy }, [copy.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: String((e && e.message) || e) } });
  }
});
`;

/** `require` relative to this module (works from ESM sources, ESM and CJS bundles). */
function requireHere(): NodeJS.Require {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
}

/**
 * pako's entry point as resolved from this module, for workers to `require`; `null` when it cannot
 * be resolved from here (ostree-ts bundled into another program): the workers then ask for `pako`
 * by name, and only a job that needs it (exact deflate at levels 1–3) fails, instead of every pool.
 */
export function resolvePako(): string | null {
  try {
    return requireHere().resolve('pako');
  } catch {
    return null;
  }
}

let pakoModule: typeof import('pako') | null = null;

/**
 * pako itself, loaded on first use: it is only needed for the zlib-exact flavour, and loading it
 * costs ≈ 10 ms of every process's start-up.
 */
export function loadPako(): typeof import('pako') {
  pakoModule ??= requireHere()('pako') as typeof import('pako');
  return pakoModule;
}

let pool: WorkerPool<{ data: Uint8Array; level: number }, Uint8Array> | null = null;

/**
 * Raw-deflate `data` with pako on a worker thread (one worker per core, at most 4). Returns `null`
 * when worker threads are unavailable, so the caller can compress in-thread.
 */
export function pakoDeflateRawOnWorker(data: Uint8Array, level: number): Promise<Uint8Array> | null {
  pool ??= new WorkerPool({
    name: 'deflate',
    source: WORKER_SOURCE,
    workerData: () => ({ pako: resolvePako() }),
    size: Math.max(1, Math.min(4, availableParallelism())),
  });
  // Copy into a fresh buffer and transfer it: cloning a view would copy its whole backing store,
  // and the caller keeps its own bytes (Buffer#slice would be a view, hence the constructor).
  const copy = new Uint8Array(data);
  return pool.run({ data: copy, level }, [copy.buffer]);
}
