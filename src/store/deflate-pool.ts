/**
 * A small `worker_threads` pool running pako's raw deflate (the zlib-exact flavour), so commits
 * with `--generate-sizes` compress on every core instead of only the main thread.
 *
 * The worker is created from an inline CommonJS source (`eval: true`) that `require`s pako by the
 * absolute path resolved here, so the same code works from the TypeScript sources (vitest) and from
 * the bundled `dist/` (ESM and CJS) without an extra file to ship. Workers are started lazily,
 * `unref()`ed while idle (an idle pool never keeps the process alive) and terminated after
 * {@link IDLE_MS} without work. If a worker cannot be started, callers fall back to in-thread pako.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';

/** Idle time after which the pool's workers are terminated. */
const IDLE_MS = 2000;

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const pako = require(workerData.pako);
parentPort.on('message', (m) => {
  try {
    const out = pako.deflateRaw(m.data, { level: m.level, memLevel: 8 });
    const copy = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    parentPort.postMessage({ id: m.id, out: copy }, [copy.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

interface Job {
  resolve: (out: Uint8Array) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

/** Resolve pako's entry point from this module (works from ESM sources, ESM and CJS bundles). */
function resolvePako(): string {
  const anchor = typeof __filename === 'string' ? __filename : import.meta.url;
  return createRequire(anchor).resolve('pako');
}

/** Pool of pako deflate workers. */
class DeflatePool {
  private slots: Slot[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private broken = false;

  constructor(private readonly size: number) {}

  /** Compress on a worker; `null` when workers are unavailable (caller compresses in-thread). */
  run(data: Uint8Array, level: number): Promise<Uint8Array> | null {
    if (this.broken) return null;
    const slot = this.pick();
    if (!slot) return null;
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    const id = this.nextId++;
    // Copy into a fresh buffer and transfer it: cloning a view would copy its whole backing store,
    // and the caller keeps its own bytes (Buffer#slice would be a view, hence the constructor).
    const copy = new Uint8Array(data);
    return new Promise<Uint8Array>((resolve, reject) => {
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(id, { resolve, reject });
      slot.worker.postMessage({ id, data: copy, level }, [copy.buffer]);
    });
  }

  private pick(): Slot | null {
    let best: Slot | null = null;
    for (const s of this.slots) if (!best || s.jobs.size < best.jobs.size) best = s;
    if (best && (best.jobs.size === 0 || this.slots.length >= this.size)) return best;
    try {
      return this.spawn();
    } catch {
      this.broken = true;
      return best;
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { pako: resolvePako() },
      // The source is CommonJS: do not inherit flags such as --input-type=module or loaders.
      execArgv: [],
    });
    worker.unref();
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (m: { id: number; out?: Uint8Array; error?: string }) => {
      const job = slot.jobs.get(m.id);
      if (!job) return;
      slot.jobs.delete(m.id);
      if (slot.jobs.size === 0) {
        worker.unref();
        this.maybeIdle();
      }
      if (m.error !== undefined || !m.out) job.reject(new Error(`deflate worker: ${m.error ?? 'no output'}`));
      else job.resolve(m.out);
    });
    const fail = (e: Error) => {
      if (slot.jobs.size > 0) this.broken = true; // a crashed worker: compress in-thread from now on
      this.slots = this.slots.filter((s) => s !== slot);
      for (const job of slot.jobs.values()) job.reject(e);
      slot.jobs.clear();
    };
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`deflate worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private maybeIdle(): void {
    if (this.slots.some((s) => s.jobs.size > 0) || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.slots.some((s) => s.jobs.size > 0)) return;
      const old = this.slots;
      this.slots = [];
      for (const s of old) void s.worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }
}

let pool: DeflatePool | null = null;

/**
 * Raw-deflate `data` with pako on a worker thread (one worker per core, at most 4). Returns `null`
 * when worker threads are unavailable, so the caller can compress in-thread.
 */
export function pakoDeflateRawOnWorker(data: Uint8Array, level: number): Promise<Uint8Array> | null {
  pool ??= new DeflatePool(Math.max(1, Math.min(4, availableParallelism())));
  return pool.run(data, level);
}
