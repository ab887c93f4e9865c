/**
 * Parallel xz compression of static-delta parts on `worker_threads`.
 *
 * Packaging: a worker must load JavaScript, but tests run this module from TypeScript source
 * (vitest) while the package runs bundled `dist/` chunks. The pool therefore starts each worker
 * on *the file this module was loaded from* (`import.meta.url`), and the module, when it finds
 * itself in a worker started by the pool (a `workerData` marker), serves compression requests.
 * That is only safe when loading the file has no other side effects, so the default URL is used
 * only when it is a `.js`/`.mjs` file inside the ostree-ts package itself (its nearest
 * `package.json` is named `ostree-ts`): the `dist/` chunks. Anywhere else — TypeScript source under
 * vitest, the CommonJS build (no `import.meta.url`), or ostree-ts bundled into another program —
 * compression runs in the main thread, unless the caller passes `workerUrl` explicitly (the
 * benchmark bundle does, guarding its own top level with `isMainThread`).
 *
 * Each job transfers its payload to a worker and gets the compressed bytes back (no copies). Jobs
 * complete in any order; callers keep their own order.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { bsdiff } from '../codec/bsdiff.js';
import { ROLLSUM_MIN_COPY, compareRollsums, rollsumSpans, rollsumWorthwhile, type RollsumSpan } from '../codec/rollsum.js';
import {
  abortMatchRing, xzCompress, xzCompressBlock, xzCompressSegment, xzCreateMatchRing, xzJoinBlocks, xzJoinSegments,
  xzProduceMatches, xzSegmentPlan, type XzBlock, type XzCompressOptions, type XzSegment,
} from '../codec/xz/index.js';
import { moduleWorkerExecArgv, packageModuleUrl } from './package-module.js';

/**
 * Compression settings of delta parts. ostree uses xz preset 8 with a CRC64 check
 * (src/libostree/ostree-lzma-compressor.c, `lzma_easy_encoder(…, 8, LZMA_CHECK_CRC64)`): a 32 MiB
 * dictionary, binary-tree match finder, optimal parser, nice length 64. We keep all of it but the
 * match finder: hash chains searched 48 deep (`--lzma2=preset=8,mf=hc4,depth=48` in xz's terms).
 * Measured on the parts of the benchmark's from-empty delta (docs/performance.md, "Static deltas"):
 * about half the CPU of bt4 in our encoder (part 0, 31.8 MB: 4.4 s vs 8.3 s; `xz -8` 4.4 s) for
 * 0.3 % more bytes (8 770 003 vs 8 744 310; `xz -8` 8 743 972) — what makes our generation faster
 * than ostree's within the 2 % size budget.
 */
export const DELTA_XZ_OPTIONS: Readonly<XzCompressOptions> = Object.freeze({
  preset: 8, check: 'crc64', matchFinder: 'hc4', niceLen: 64, depth: 48,
});

const MARKER = 'ostreeTsDeltaXzWorker';

/**
 * Payloads larger than this are compressed as ⌈size / DELTA_SEGMENT_SIZE⌉ segments of one xz block
 * (`xzSegmentPlan`): each segment after the first preloads up to {@link DELTA_SEGMENT_PRELOAD} bytes
 * before it as dictionary, so the segments of one part compress on different workers at about the
 * single-thread ratio. The plan depends only on the payload's size: the same payload gives the same
 * part file with any number of workers (or none). Measured on the benchmark's 31.8 MB part 0
 * (3 segments): 8 767 776 bytes against 8 770 003 in one piece, for ≈ 10–15 % more CPU in total
 * (docs/performance.md, "Static deltas").
 */
export const DELTA_SEGMENT_SIZE = 12 * 1024 * 1024;

/** How much of the payload before a segment its compressor preloads (see {@link DELTA_SEGMENT_SIZE}). */
export const DELTA_SEGMENT_PRELOAD = 8 * 1024 * 1024;

/** The segments a part payload of `length` bytes is compressed in (one when it is small). */
export function deltaSegmentPlan(length: number): XzSegment[] {
  return xzSegmentPlan(length, DELTA_SEGMENT_SIZE, DELTA_XZ_OPTIONS, DELTA_SEGMENT_PRELOAD);
}

/**
 * With `splitBlocks` and two or more workers, a payload larger than this is cut into
 * ⌈size / BLOCK_TARGET⌉ equal xz blocks compressed on different workers and joined into one stream
 * (as `xz -T` does). Each block starts with an empty dictionary, so this trades bytes for time:
 * +1.5 % on the benchmark's mostly incompressible tree, but measured with `xz -8` on 30 MB inputs
 * cut into 10 MiB blocks +9.8 % for C headers/Perl text and +10.7 % for shared libraries — above the
 * 2 % budget against ostree, hence off by default.
 */
export const BLOCK_TARGET = 12 * 1024 * 1024;

/**
 * A payload at least this large is compressed by two threads when a helper is free: the xz match
 * finder runs on a helper thread ahead of the parser and range coder (`XzCompressOptions.matchRing`;
 * same output). Below it, the helper's start-up and cold code are not worth it.
 */
export const RING_MIN = 1 << 20;

/** Number of xz blocks a payload of `length` bytes is cut into with `workers` workers and `split`. */
export function deltaBlockCount(length: number, workers: number, split = true): number {
  return split && workers >= 2 && length > BLOCK_TARGET ? Math.ceil(length / BLOCK_TARGET) : 1;
}

interface Job {
  id: number;
  payload: Uint8Array;
  /** Compress as one block of a multi-block stream. */
  block?: boolean;
  /** Instead of compressing: a bsdiff patch from `old` to `payload`. */
  old?: Uint8Array;
  /** With `old`: first the rollsum check; bsdiff only when rollsum is not worthwhile and this is set. */
  similar?: { bsdiff: boolean };
  /** Compress with the matches a helper writes into this ring. */
  matchRing?: SharedArrayBuffer;
  /** Compress one segment: `payload` is the bytes from `seg.prefix` to `seg.end` of a payload of `total` bytes. */
  segment?: { seg: XzSegment; total: number };
  /** Helper job: run the match finder over `payload` into `matchRing`. */
  produce?: boolean;
}

/** What {@link CompressPool.similar} decided for one modified file. */
export interface SimilarResult {
  /** Set when rollsum is worthwhile (`rollsumWorthwhile`): how to write the object (`rollsumSpans`). */
  spans?: RollsumSpan[];
  /** With `spans`: they come from the in-place comparison (a small edit), not from rollsum chunks. */
  edit?: boolean;
  /** Else the bsdiff patch, when bsdiff was allowed. */
  patch?: Uint8Array;
}

/**
 * A modified file whose edits leave at most this fraction of it as new bytes when compared with its
 * old version (`rollsumSpans` without chunk matches) is written as copies and new bytes straight
 * away: no rollsum chunking, no bsdiff (see {@link decideSimilar}).
 */
export const SMALL_EDIT_FRACTION = 1 / 16;

/**
 * The delta compiler's decision for one old/new pair. First (ours, not ostree's) the direct
 * comparison: when the new file is the old one with small edits — substitutions, insertions,
 * deletions, at most {@link SMALL_EDIT_FRACTION} of it left as new bytes — the object is written as
 * copies from the old file and the new bytes: what bsdiff would find, at a fraction of its cost and
 * without its patch (as long as the file, mostly zeros) in the payload. The comparison gives up as
 * soon as the fraction is exceeded. Otherwise ostree's rule: rollsum when worthwhile (its chunk
 * matches, with the stretches between them refined by `rollsumSpans`), else bsdiff when allowed.
 */
export function decideSimilar(oldData: Uint8Array, newData: Uint8Array, allowBsdiff: boolean): SimilarResult {
  const inPlace = rollsumSpans(oldData, newData, [], ROLLSUM_MIN_COPY, newData.length * SMALL_EDIT_FRACTION);
  if (inPlace !== null) return { spans: inPlace, edit: true };
  const matches = compareRollsums(oldData, newData);
  if (rollsumWorthwhile(matches)) return { spans: rollsumSpans(oldData, newData, matches.matches) };
  return allowBsdiff ? { patch: bsdiff(oldData, newData) } : {};
}

interface Reply {
  id: number;
  out?: Uint8Array;
  similar?: SimilarResult;
  block?: XzBlock;
  error?: string;
}

/**
 * Compress a part payload in the current thread ({@link DELTA_XZ_OPTIONS}, one block; in segments as
 * {@link deltaSegmentPlan} says, one after the other, so that the bytes equal a pool's).
 */
export function compressDeltaPayload(payload: Uint8Array, matchRing?: SharedArrayBuffer): Uint8Array {
  const plan = deltaSegmentPlan(payload.length);
  if (plan.length <= 1) return xzCompress(payload, { ...DELTA_XZ_OPTIONS, matchRing });
  const segments = plan.map((seg) => xzCompressSegment(payload.subarray(seg.prefix, seg.end), seg, payload.length, DELTA_XZ_OPTIONS));
  return xzJoinSegments(payload, segments, DELTA_XZ_OPTIONS);
}

/**
 * A small mixed sample (sparse bytes in zeros like bsdiff output, text, noise) compressed once when
 * the first worker starts, while the caller is still scanning commits: the encoder's hot loops are
 * then optimised before the first real part arrives (a cold first part takes about twice as long).
 */
function warmUp(): void {
  const n = 96 * 1024;
  const b = new Uint8Array(n);
  let s = 0x2545f491;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const seg = (i >>> 12) % 3;
    b[i] = seg === 0 ? (s >>> 28 === 0 ? s >>> 24 : 0) : seg === 1 ? s >>> 24 : 97 + ((i * 7 + (s >>> 30)) % 23);
  }
  compressDeltaPayload(b);
}

function serve(port: MessagePort, warm: boolean): void {
  if (warm) warmUp();
  port.on('message', (job: Job) => {
    try {
      if (job.produce && job.matchRing) {
        xzProduceMatches(job.payload, job.matchRing, DELTA_XZ_OPTIONS);
        port.postMessage({ id: job.id } satisfies Reply);
      } else if (job.old !== undefined && job.similar) {
        const similar = decideSimilar(job.old, job.payload, job.similar.bsdiff);
        port.postMessage({ id: job.id, similar } satisfies Reply, similar.patch ? [similar.patch.buffer as ArrayBuffer] : []);
      } else if (job.old !== undefined) {
        const out = bsdiff(job.old, job.payload);
        port.postMessage({ id: job.id, out } satisfies Reply, [out.buffer as ArrayBuffer]);
      } else if (job.segment) {
        const out = xzCompressSegment(job.payload, job.segment.seg, job.segment.total, DELTA_XZ_OPTIONS);
        port.postMessage({ id: job.id, out } satisfies Reply, [out.buffer as ArrayBuffer]);
      } else if (job.block) {
        const block = xzCompressBlock(job.payload, DELTA_XZ_OPTIONS);
        port.postMessage({ id: job.id, block } satisfies Reply, [block.bytes.buffer as ArrayBuffer]);
      } else {
        const out = compressDeltaPayload(job.payload, job.matchRing);
        port.postMessage({ id: job.id, out } satisfies Reply, [out.buffer as ArrayBuffer]);
      }
    } catch (e) {
      if (job.matchRing) abortMatchRing(job.matchRing);
      port.postMessage({ id: job.id, error: (e as Error)?.message ?? String(e) } satisfies Reply);
    }
  });
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[MARKER] === true) {
  serve(parentPort, (workerData as Record<string, unknown>).warm === true);
}

/** A pool compressing delta payloads; `parallel` is the number of workers (0 = main thread). */
export interface CompressPool {
  readonly parallel: number;
  /** Compress `payload` (its buffer may be transferred: do not use it afterwards). */
  compress(payload: Uint8Array): Promise<Uint8Array>;
  /**
   * A bsdiff patch from `oldData` to `newData` (`codec/bsdiff.ts`), computed on a worker while the
   * caller goes on (the inputs are copied, the caller may keep using them).
   */
  bsdiff(oldData: Uint8Array, newData: Uint8Array): Promise<Uint8Array>;
  /** {@link decideSimilar} on a worker (inputs copied). */
  similar(oldData: Uint8Array, newData: Uint8Array, allowBsdiff: boolean): Promise<SimilarResult>;
  /** Stop the workers. */
  close(): Promise<void>;
}

/** Options of {@link createCompressPool}. */
export interface CompressPoolOptions {
  /** Worker count; default `availableParallelism()`; 0 forces the main thread. */
  workers?: number;
  /** Module to start workers from (must evaluate this module without other side effects). */
  workerUrl?: URL | string;
  /** Cut payloads over {@link BLOCK_TARGET} into parallel xz blocks (faster, larger). Default false. */
  splitBlocks?: boolean;
  /**
   * Match-finder helper threads (see {@link RING_MIN}); default one per worker, 0 turns them off.
   * Only used with workers. (`generateStaticDelta` passes 0 unless `matchHelpers` is set.)
   */
  helpers?: number;
}

function ownModuleUrl(): URL | null {
  let url: string | undefined;
  try {
    url = import.meta.url;
  } catch {
    return null;
  }
  return packageModuleUrl(url);
}

/** The main-thread pool (also used as the fallback). */
function mainThreadPool(): CompressPool {
  return {
    parallel: 0,
    compress: async (payload) => compressDeltaPayload(payload),
    bsdiff: async (oldData, newData) => bsdiff(oldData, newData),
    similar: async (oldData, newData, allowBsdiff) => decideSimilar(oldData, newData, allowBsdiff),
    close: async () => undefined,
  };
}

/**
 * Create a compression pool: workers when a loadable module URL is known (see the module notes),
 * else the main thread.
 */
export function createCompressPool(opts: CompressPoolOptions = {}): CompressPool {
  const n = opts.workers ?? availableParallelism();
  if (!Number.isInteger(n) || n < 0) throw new RangeError('createCompressPool: workers must be a non-negative integer');
  const url = opts.workerUrl !== undefined ? new URL(String(opts.workerUrl)) : ownModuleUrl();
  if (n === 0 || url === null) return mainThreadPool();
  const nHelpers = opts.helpers ?? n;
  if (!Number.isInteger(nHelpers) || nHelpers < 0) throw new RangeError('createCompressPool: helpers must be a non-negative integer');
  // workers[0 … n) compress; workers[n …) are match-finder helpers
  const workers: Array<{ w: Worker; busy: boolean; ring?: SharedArrayBuffer }> = [];
  type Settle = { resolve: (r: Reply) => void; reject: (e: unknown) => void };
  const pending = new Map<number, Settle & { worker: number }>();
  const queue: Array<{ job: Job } & Settle> = [];
  let nextId = 0;
  let failed: unknown = null;
  const post = (i: number, job: Job, settle: Settle): void => {
    const slot = workers[i]!;
    slot.busy = true;
    slot.ring = job.matchRing;
    pending.set(job.id, { ...settle, worker: i });
    const buf = job.payload.buffer;
    const whole = buf instanceof ArrayBuffer && job.payload.byteOffset === 0 && job.payload.byteLength === buf.byteLength;
    slot.w.postMessage(job, whole && job.old === undefined ? [buf] : []);
  };
  const dispatch = (): void => {
    for (let i = 0; i < n && queue.length > 0; i++) {
      if (workers[i]!.busy) continue;
      const q = queue.shift()!;
      const job = q.job;
      const plain = job.old === undefined && !job.block && !job.segment;
      const h = plain && job.payload.length >= RING_MIN ? workers.findIndex((s, k) => k >= n && !s.busy) : -1;
      if (h >= 0) {
        // both threads read the payload from shared memory
        const shared = new Uint8Array(new SharedArrayBuffer(job.payload.length));
        shared.set(job.payload);
        const ring = xzCreateMatchRing();
        post(h, { id: nextId++, payload: shared, matchRing: ring, produce: true }, { resolve: () => undefined, reject: () => undefined });
        post(i, { ...job, payload: shared, matchRing: ring }, q);
      } else {
        post(i, job, q);
      }
    }
  };
  for (let i = 0; i < n + nHelpers; i++) {
    const w = new Worker(url, {
      workerData: { [MARKER]: true, warm: i === 0 || i === n },
      execArgv: moduleWorkerExecArgv(),
    });
    w.on('message', (r: Reply) => {
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      workers[p.worker]!.busy = false;
      workers[p.worker]!.ring = undefined;
      if (r.error !== undefined) p.reject(new Error(`delta part compression failed: ${r.error}`));
      else p.resolve(r);
      dispatch();
    });
    w.on('error', (e) => {
      const ring = workers[i]!.ring;
      if (i >= n) {
        // a helper died: its consumer fails through the ring; the pool carries on without it
        if (ring) abortMatchRing(ring);
        for (const [id, p] of pending) if (p.worker === i) pending.delete(id);
        return;
      }
      failed = e;
      if (ring) abortMatchRing(ring);
      for (const [id, p] of pending) if (p.worker === i) {
        pending.delete(id);
        p.reject(e);
      }
    });
    workers.push({ w, busy: false });
  }
  return {
    parallel: n,
    compress(payload) {
      if (failed) return Promise.reject(failed);
      const submit = (job: Omit<Job, 'id'>): Promise<Reply> =>
        new Promise((resolve, reject) => {
          queue.push({ job: { id: nextId++, ...job }, resolve, reject });
          dispatch();
        });
      const count = deltaBlockCount(payload.length, n, opts.splitBlocks === true);
      if (count === 1) {
        const plan = deltaSegmentPlan(payload.length);
        if (plan.length <= 1) return submit({ payload }).then((r) => r.out!);
        // the segments read their windows of one shared copy of the payload
        const shared = new Uint8Array(new SharedArrayBuffer(payload.length));
        shared.set(payload);
        const total = payload.length;
        const segs = plan.map((seg) => submit({ payload: shared.subarray(seg.prefix, seg.end), segment: { seg, total } }));
        return Promise.all(segs).then((rs) => xzJoinSegments(shared, rs.map((r) => r.out!), DELTA_XZ_OPTIONS));
      }
      // equal blocks, each copied into its own buffer so that it can be transferred
      const size = Math.ceil(payload.length / count);
      const blocks: Array<Promise<Reply>> = [];
      for (let at = 0; at < payload.length; at += size) blocks.push(submit({ payload: payload.slice(at, at + size), block: true }));
      return Promise.all(blocks).then((rs) => xzJoinBlocks(rs.map((r) => r.block!), 'crc64'));
    },
    bsdiff(oldData, newData) {
      if (failed) return Promise.reject(failed);
      return new Promise<Reply>((resolve, reject) => {
        queue.push({ job: { id: nextId++, payload: newData, old: oldData }, resolve, reject });
        dispatch();
      }).then((r) => r.out!);
    },
    similar(oldData, newData, allowBsdiff) {
      if (failed) return Promise.reject(failed);
      return new Promise<Reply>((resolve, reject) => {
        queue.push({ job: { id: nextId++, payload: newData, old: oldData, similar: { bsdiff: allowBsdiff } }, resolve, reject });
        dispatch();
      }).then((r) => r.similar!);
    },
    async close() {
      await Promise.all(workers.map((s) => s.w.terminate()));
    },
  };
}
