/**
 * A small pool of `worker_threads` running an inline CommonJS source (`eval: true`), shared by the
 * store's CPU-heavy helpers (pako deflate in `deflate-pool.ts`, whole content objects in
 * `content-pool.ts`).
 *
 * An inline source needs no extra file to ship: the same code works from the TypeScript sources
 * (vitest) and from the bundled `dist/` (ESM and CJS). A worker may `require` packages by absolute
 * paths passed in `workerData`. Workers are started lazily, `unref()`ed while idle (an idle pool
 * never keeps the process alive) and terminated after `idleMs` without work. If a worker cannot be
 * started or crashes with jobs in flight the pool marks itself broken and {@link WorkerPool.run}
 * returns `null`, so callers fall back to doing the work in-thread.
 *
 * Protocol: the pool posts `{ id, job }`; the worker answers `{ id, result }` or
 * `{ id, error: { message, code } }`. A worker may also post `{ ready: true }` once, when its
 * set-up (the modules it requires) is done; {@link WorkerPool.onReady} listens for it.
 *
 * @module
 */
import { Worker, type Transferable } from 'node:worker_threads';

/** Construction options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** CommonJS source of the worker (see the module comment for the message protocol). */
  source: string;
  /** `workerData` for each worker (computed when the first worker starts). */
  workerData?: () => unknown;
  /** Maximum number of workers. */
  size: number;
  /** Idle time after which the workers are terminated. */
  idleMs?: number;
  /** Name used in error messages. */
  name: string;
}

interface Job {
  resolve: (out: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

/** An error reported by a worker, with the `code` of the original error (e.g. `ENOENT`). */
export class WorkerJobError extends Error {
  /** The original error's `code`, if it had one. */
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'WorkerJobError';
    this.code = code;
  }
}

/** Pool of inline workers; jobs go to the least busy worker. */
export class WorkerPool<Req, Res> {
  private slots: Slot[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private broken = false;
  private data: unknown;
  /** Workers that have posted `{ ready: true }`. */
  private readyCount = 0;
  private readyListeners: Array<() => void> = [];

  constructor(private readonly opts: WorkerPoolOptions) {}

  /** Number of workers the pool may start. */
  get size(): number {
    return this.opts.size;
  }

  /** Run one job; `null` when workers are unavailable (the caller does the work in-thread). */
  run(job: Req, transfer: Transferable[] = []): Promise<Res> | null {
    if (this.broken) return null;
    const slot = this.pick();
    if (!slot) return null;
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(id, { resolve: resolve as (out: unknown) => void, reject });
      slot.worker.postMessage({ id, job }, transfer);
    });
  }

  /** Start every worker now (their start-up then overlaps the caller's work); no-op when broken. */
  warm(): void {
    if (this.broken) return;
    try {
      while (this.slots.length < this.opts.size) this.spawn();
    } catch {
      this.broken = true;
    }
    this.maybeIdle();
  }

  /**
   * Call `fn` once every worker the pool may start has started and said it is ready (see the
   * protocol above); at once if they have. Never called when the workers do not start, or do not
   * say so. Only the pool's first workers count: ones started after idle workers were terminated
   * are not waited for.
   */
  onReady(fn: () => void): void {
    if (this.readyCount >= this.opts.size) fn();
    else this.readyListeners.push(fn);
  }

  private pick(): Slot | null {
    let best: Slot | null = null;
    for (const s of this.slots) if (!best || s.jobs.size < best.jobs.size) best = s;
    if (best && (best.jobs.size === 0 || this.slots.length >= this.opts.size)) return best;
    try {
      return this.spawn();
    } catch {
      this.broken = true;
      return best;
    }
  }

  private spawn(): Slot {
    if (this.slots.length === 0 && this.data === undefined) this.data = this.opts.workerData?.() ?? null;
    const worker = new Worker(this.opts.source, {
      eval: true,
      workerData: this.data,
      // The source is CommonJS: do not inherit flags such as --input-type=module or loaders.
      execArgv: [],
    });
    worker.unref();
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (m: { id: number; result?: unknown; error?: { message: string; code?: string }; ready?: true }) => {
      if (m.ready) {
        if (++this.readyCount === this.opts.size) for (const fn of this.readyListeners.splice(0)) fn();
        return;
      }
      const job = slot.jobs.get(m.id);
      if (!job) return;
      slot.jobs.delete(m.id);
      if (slot.jobs.size === 0) {
        worker.unref();
        this.maybeIdle();
      }
      if (m.error !== undefined) job.reject(new WorkerJobError(`${this.opts.name} worker: ${m.error.message}`, m.error.code));
      else job.resolve(m.result);
    });
    const fail = (e: Error) => {
      if (slot.jobs.size > 0) this.broken = true; // a crashed worker: work in-thread from now on
      this.slots = this.slots.filter((s) => s !== slot);
      for (const job of slot.jobs.values()) job.reject(e);
      slot.jobs.clear();
    };
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`${this.opts.name} worker exited with code ${code}`)));
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
    }, this.opts.idleMs ?? 2000);
    this.idleTimer.unref();
  }
}
