/**
 * A match ring: the match finder of one LZMA2 encode running on a second thread, ahead of the
 * parser and range coder, over a `SharedArrayBuffer`. The producer calls `find` at *every*
 * position, in order, and stores each position's `(len, dist)` pairs in a slot of the ring; the
 * consumer ({@link MatchRingReader}, a {@link MatchFinder}) hands them to the parser, and a `skip`
 * just drops a slot. A binary-tree or hash-chain finder leaves the same structure after `find` as
 * after `skip` at a position, so the encoder's output is byte-for-byte the one of a single thread.
 *
 * Synchronisation: positions produced and consumed are published with `Atomics.store` every
 * {@link BATCH} positions (plain slot writes before them become visible with them). A side that
 * has to wait sleeps with `Atomics.wait` until the other is a good stretch ahead (not one batch),
 * so the threads wake each other rarely. Waits time out periodically to notice an abort.
 *
 * @module
 */
import type { MatchFinder } from './match-finder.js';

/** Ints in the ring (power of two): ~2 M, room for several hundred thousand positions. */
const CAP = 1 << 21;
const CAP_MASK = CAP - 1;
/** Positions between publications of progress. */
const BATCH = 64;
/** A sleeping consumer is woken once this many more positions are ready (or the input ends). */
const WAKE_POSITIONS = 16384;
/** A sleeping producer is woken once this many ints are free. */
const WAKE_INTS = CAP >>> 3;
// Control words, each on its own 64-byte line: producer's, consumer's, shared state.
/** Positions produced. */
const PROD = 0;
/** Sleeping consumer's wake-up position (0: not sleeping). */
const CWANT = 1;
/** Ints consumed (total, mod 2^32). */
const CONS = 16;
/** Sleeping producer's wake-up value of CONS (valid while PSLEEP is 1). */
const PWANT = 17;
const PSLEEP = 18;
const STATE = 32;
const DATA = 48;
/** STATE values. */
const RUNNING = 0;
const CONSUMER_DONE = 1;
const FAILED = 2;
const WAIT_MS = 250;

/**
 * Largest record for a finder with these limits: a count, then at most min(nice − 1, depth + 2)
 * pairs (lengths strictly increase from 2 to nice; one per tree/chain step plus the 2- and 3-byte
 * hash candidates).
 */
export function matchRingRecordMax(nice: number, depth: number): number {
  return 1 + 2 * Math.max(1, Math.min(nice - 1, depth + 2));
}

/** A ring (8 MiB) for one encode. */
export function createMatchRing(): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (DATA + CAP));
}

/** Mark the ring failed (either side gave up): the other side throws instead of waiting. */
export function abortMatchRing(ring: SharedArrayBuffer): void {
  const a = new Int32Array(ring);
  Atomics.store(a, STATE, FAILED);
  Atomics.notify(a, PROD);
  Atomics.notify(a, CONS);
}

/**
 * Producer side: run `mf.find` at positions `0 … n − 1` in order into `ring`. Returns early (false)
 * when the consumer finished or the ring was aborted.
 *
 * Records (`count`, then `count` pairs) are packed one after another; a record that would cross the
 * end of the ring starts at 0 instead (both sides apply the same rule, so no marker is needed).
 * Totals of ints written/read are int32 counters that wrap (differences stay exact).
 */
export function fillMatchRing(mf: MatchFinder, n: number, ring: SharedArrayBuffer, nice: number, depth: number): boolean {
  const a = new Int32Array(ring);
  if (a.length < DATA + CAP) throw new RangeError('fillMatchRing: ring too small');
  const maxRec = matchRingRecordMax(nice, depth);
  const out = new Int32Array(maxRec + 8);
  let w = 0;
  let consumed = Atomics.load(a, CONS);
  try {
    for (let pos = 0; pos < n; pos++) {
      let i = w & CAP_MASK;
      const need = (i + maxRec > CAP ? CAP - i : 0) + maxRec;
      if (((w - consumed) | 0) + need > CAP) {
        publish(a, pos);
        consumed = Atomics.load(a, CONS);
        if (((w - consumed) | 0) + need > CAP) {
          consumed = waitConsumer(a, (w + need - CAP) | 0);
          if (Atomics.load(a, STATE) !== RUNNING) return false;
        }
      }
      if (i + maxRec > CAP) {
        w = (w + CAP - i) | 0;
        i = 0;
      }
      const k = mf.find(pos, out);
      const s = DATA + i;
      a[s] = k;
      for (let j = 0, e = 2 * k; j < e; j++) a[s + 1 + j] = out[j];
      w = (w + 1 + 2 * k) | 0;
      if ((pos & (BATCH - 1)) === BATCH - 1) publish(a, pos + 1);
    }
    Atomics.store(a, PROD, n);
    Atomics.notify(a, PROD);
    return true;
  } catch (e) {
    abortMatchRing(ring);
    throw e;
  }
}

function publish(a: Int32Array, produced: number): void {
  Atomics.store(a, PROD, produced);
  const want = Atomics.load(a, CWANT);
  if (want !== 0 && produced >= want) Atomics.notify(a, PROD);
}

/** Sleep until CONS has reached `need` (wrapping compare) or a bit more; returns CONS. */
function waitConsumer(a: Int32Array, need: number): number {
  Atomics.store(a, PWANT, (need + WAKE_INTS) | 0);
  Atomics.store(a, PSLEEP, 1);
  try {
    for (;;) {
      const c = Atomics.load(a, CONS);
      if (((c - need) | 0) >= 0) return c;
      if (Atomics.load(a, STATE) !== RUNNING) return c;
      Atomics.wait(a, CONS, c, WAIT_MS);
    }
  } finally {
    Atomics.store(a, PSLEEP, 0);
  }
}

/** Consumer side: a {@link MatchFinder} reading what {@link fillMatchRing} produced. */
export class MatchRingReader implements MatchFinder {
  private readonly a: Int32Array;
  private readonly maxRec: number;
  /** Positions known to be produced. */
  private avail = 0;
  /** Next position expected. */
  private next = 0;
  /** Ints read (total, wrapping). */
  private r = 0;

  constructor(ring: SharedArrayBuffer, private readonly n: number, nice: number, depth: number) {
    this.a = new Int32Array(ring);
    this.maxRec = matchRingRecordMax(nice, depth);
    if (this.a.length < DATA + CAP) throw new RangeError('MatchRingReader: ring too small');
  }

  find(pos: number, out: Int32Array): number {
    if (pos !== this.next) throw new Error('MatchRingReader: positions must be read in order');
    if (pos >= this.avail) this.waitProducer(pos);
    const a = this.a;
    let i = this.r & CAP_MASK;
    if (i + this.maxRec > CAP) {
      this.r = (this.r + CAP - i) | 0;
      i = 0;
    }
    const s = DATA + i;
    const k = a[s];
    for (let j = 0, e = 2 * k; j < e; j++) out[j] = a[s + 1 + j];
    this.r = (this.r + 1 + 2 * k) | 0;
    this.next = pos + 1;
    if ((pos & (BATCH - 1)) === BATCH - 1) this.release();
    return k;
  }

  skip(pos: number): void {
    if (pos !== this.next) throw new Error('MatchRingReader: positions must be read in order');
    if (pos >= this.avail) this.waitProducer(pos);
    let i = this.r & CAP_MASK;
    if (i + this.maxRec > CAP) {
      this.r = (this.r + CAP - i) | 0;
      i = 0;
    }
    this.r = (this.r + 1 + 2 * this.a[DATA + i]) | 0;
    this.next = pos + 1;
    if ((pos & (BATCH - 1)) === BATCH - 1) this.release();
  }

  /** The encoder is done with the ring: stop the producer if it is still running. */
  finish(): void {
    const a = this.a;
    Atomics.compareExchange(a, STATE, RUNNING, CONSUMER_DONE);
    Atomics.notify(a, CONS);
  }

  private release(): void {
    const a = this.a;
    const r = this.r;
    Atomics.store(a, CONS, r);
    if (Atomics.load(a, PSLEEP) !== 0 && ((r - Atomics.load(a, PWANT)) | 0) >= 0) Atomics.notify(a, CONS);
  }

  private waitProducer(pos: number): void {
    const a = this.a;
    this.release();
    let p = Atomics.load(a, PROD);
    if (p <= pos) {
      const want = Math.min(pos + WAKE_POSITIONS, this.n);
      Atomics.store(a, CWANT, want);
      try {
        for (;;) {
          p = Atomics.load(a, PROD);
          if (p >= want) break;
          if (Atomics.load(a, STATE) === FAILED) throw new Error('match ring: the match finder thread failed');
          Atomics.wait(a, PROD, p, WAIT_MS);
        }
      } finally {
        Atomics.store(a, CWANT, 0);
      }
    }
    this.avail = p;
  }
}
