/**
 * LZMA2 encoder over a whole in-memory input: the LZMA symbol coder, price tables, a price-based
 * optimal parser ("normal" mode) and a greedy/lazy parser ("fast" mode), and LZMA2 chunking.
 *
 * Algorithm facts — the LZMA model, the shape of the optimal parse (shortest path over positions
 * with literal, short-rep, rep, match, and "match/rep + literal + rep0" edges, each priced from the
 * current probabilities), the price-table refresh intervals, and the LZMA2 chunk limits (2 MiB
 * uncompressed / 64 KiB compressed) — are those of the LZMA SDK and xz (liblzma/lzma/
 * lzma_encoder_optimum_normal.c, lzma2_encoder.c). The code and data layout are ours.
 *
 * @module
 */
import {
  LEN_CHOICE, LEN_CHOICE2, LEN_HIGH, LEN_LOW, LEN_MID, MATCH_LEN_MAX, P_ALIGN, P_DIST_SLOT,
  P_DIST_SPECIAL, P_IS_MATCH, P_IS_REP, P_IS_REP0_LONG, P_IS_REP_G0, P_IS_REP_G1, P_IS_REP_G2, P_LEN,
  P_LITERAL, P_REP_LEN, PROB_INIT, distSlot, probCount,
} from './model.js';
import { Bt4, Hc4, type MatchFinder } from './match-finder.js';
import { INFINITY_PRICE, PRICES, RangeEncoder, reverseTreePrice, treePrice } from './range-encoder.js';

/** Encoder parameters (one xz preset). */
export interface LzmaParams {
  /** Dictionary size in bytes. */
  dictSize: number;
  /** Literal context bits. */
  lc: number;
  /** Literal position bits. */
  lp: number;
  /** Position bits. */
  pb: number;
  /** "Nice" match length: a match this long is taken at once. */
  niceLen: number;
  /** Match finder search depth. */
  depth: number;
  /** Match finder. */
  mf: 'bt4' | 'hc4';
  /** Parser. */
  mode: 'normal' | 'fast';
}

const OPTS = 4096;
const LEN_STRIDE = MATCH_LEN_MAX + 1;
/** LZMA2 limits (xz liblzma/lzma/lzma2_encoder.h). */
const CHUNK_UNCOMP_MAX = 1 << 21;
const CHUNK_COMP_MAX = 1 << 16;
/** Room kept for the largest single symbol when checking the compressed-size limit. */
const SYMBOL_MARGIN = 64;
const UNCOMP_PIECE = 1 << 16;

function bp(prob: number, bit: number): number {
  return PRICES[(bit ? 2048 - prob : prob) >>> 4];
}

/** Bytes equal at `a` and `b` (b < a), up to `limit`. */
function matchLen(buf: Uint8Array, a: number, b: number, limit: number): number {
  let n = 0;
  while (n < limit && buf[a + n] === buf[b + n]) n++;
  return n;
}

/**
 * Encode `buf` as a raw LZMA2 stream (chunks followed by the 0x00 end marker).
 *
 * `params.dictSize` bounds match distances; the caller declares it in the block header.
 */
export function encodeLzma2(buf: Uint8Array, params: LzmaParams, mf?: MatchFinder): Uint8Array {
  return new Lzma2Encoder(buf, params, mf).run(0, true);
}

/**
 * Encode `buf[start..]` as LZMA2 chunks that continue a stream whose decoder already holds
 * `buf[0..start)` in its dictionary: those bytes are only fed to the match finder, and the first
 * LZMA chunk resets the coder state and restates the properties but keeps the dictionary (control
 * 0xC0; an uncompressed chunk before it has no dictionary reset either, 0x02 — xz-file-format.txt
 * and liblzma/lzma/lzma2_decoder.c for the control byte). The properties are restated because the
 * segments before may hold only uncompressed chunks, which never set them. With `start` 0 the
 * first chunk resets everything, as {@link encodeLzma2}. No end marker follows unless
 * `endMarker`; joining such segments in order (each but the last without its marker) gives one
 * valid LZMA2 stream of the whole input.
 */
export function encodeLzma2Segment(buf: Uint8Array, start: number, params: LzmaParams, endMarker: boolean): Uint8Array {
  if (!Number.isInteger(start) || start < 0 || start >= buf.length) throw new RangeError('encodeLzma2Segment: start out of range');
  return new Lzma2Encoder(buf, params).run(start, endMarker);
}

/**
 * The match finder {@link encodeLzma2} uses for `buf` with `params` (cyclic over
 * min(dictionary, input) + 1 positions): also what a match-ring producer must run to feed it.
 */
export function createMatchFinder(buf: Uint8Array, params: LzmaParams): MatchFinder {
  const nice = Math.min(params.niceLen, MATCH_LEN_MAX);
  const window = Math.min(params.dictSize, buf.length) + 1;
  return params.mf === 'bt4' ? new Bt4(buf, window, nice, params.depth) : new Hc4(buf, window, nice, params.depth);
}

class Lzma2Encoder {
  private readonly n: number;
  private readonly probs: Uint16Array;
  private readonly lc: number;
  private readonly lpMask: number;
  private readonly pbMask: number;
  private readonly nice: number;
  private readonly mf: MatchFinder;
  private readonly rc = new RangeEncoder(CHUNK_COMP_MAX + 2 * SYMBOL_MARGIN);
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;

  // Price tables.
  private readonly lenPrices: Int32Array;
  private readonly repLenPrices: Int32Array;
  private readonly lenCounters = new Int32Array(16);
  private readonly repLenCounters = new Int32Array(16);
  private readonly slotPrices = new Int32Array(4 * 64);
  private readonly distPrices = new Int32Array(4 * 128);
  private readonly alignPrices = new Int32Array(16);
  private matchCount = 0;
  private alignCount = 0;
  private readonly distSlots: number;

  // Matches at the position the parser is looking at.
  private readonly matches = new Int32Array(2 * (MATCH_LEN_MAX + 8));
  private readonly matches2 = new Int32Array(2 * (MATCH_LEN_MAX + 8));
  private numPairs = 0;
  /** True when {@link matches} already holds the matches of the next position to parse. */
  private haveMatches = false;

  // Queue of parsed operations: len (1 = literal or short rep), dist (−1 literal), kind (0 = rep
  // or short rep, 1 = new match, −1 literal).
  private readonly qKind = new Int8Array(OPTS + 8);
  private readonly qLen = new Int32Array(OPTS + 8);
  private readonly qDist = new Int32Array(OPTS + 8);
  private qHead = 0;
  private qTail = 0;

  // Optimal parser nodes.
  private readonly oPrice = new Int32Array(OPTS + 8);
  private readonly oPosPrev = new Int32Array(OPTS + 8);
  private readonly oBackPrev = new Int32Array(OPTS + 8);
  private readonly oPrev1IsChar = new Uint8Array(OPTS + 8);
  private readonly oPrev2 = new Uint8Array(OPTS + 8);
  private readonly oPosPrev2 = new Int32Array(OPTS + 8);
  private readonly oBackPrev2 = new Int32Array(OPTS + 8);
  private readonly oState = new Uint8Array(OPTS + 8);
  private readonly oReps = new Int32Array(4 * (OPTS + 8));
  private readonly repLens = new Int32Array(4);
  private readonly stack = new Int32Array(2 * (OPTS + 8));

  constructor(private readonly buf: Uint8Array, private readonly p: LzmaParams, mf?: MatchFinder) {
    this.n = buf.length;
    this.lc = p.lc;
    this.lpMask = (1 << p.lp) - 1;
    this.pbMask = (1 << p.pb) - 1;
    this.nice = Math.min(p.niceLen, MATCH_LEN_MAX);
    this.probs = new Uint16Array(probCount(p.lc, p.lp));
    const window = Math.min(p.dictSize, this.n) + 1;
    this.mf = mf ?? createMatchFinder(buf, p);
    this.lenPrices = new Int32Array(16 * LEN_STRIDE);
    this.repLenPrices = new Int32Array(16 * LEN_STRIDE);
    let slots = 1;
    while (slots < 64 && (slots < 4 ? slots : (2 | (slots & 1)) << ((slots >>> 1) - 1)) < window) slots++;
    this.distSlots = Math.max(slots, 14);
    this.resetState();
  }

  private resetState(): void {
    this.probs.fill(PROB_INIT);
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    this.lenCounters.fill(0);
    this.repLenCounters.fill(0);
    this.matchCount = 1 << 30;
    this.alignCount = 1 << 30;
    this.refreshPrices();
  }

  // ---------------------------------------------------------------- LZMA2 framing

  run(from: number, endMarker: boolean): Uint8Array {
    const n = this.n;
    for (let i = 0; i < from; i++) this.mf.skip(i);
    // Start at a quarter of the input (typical ratios are better) and grow by doubling.
    const m = n - from;
    let out = new Uint8Array(Math.max(64, Math.min(m + (m >>> 10) + 64, (m >>> 2) + 65536)));
    let o = 0;
    const ensure = (k: number): void => {
      if (o + k <= out.length) return;
      const nb = new Uint8Array(Math.max(out.length * 2, o + k));
      nb.set(out.subarray(0, o));
      out = nb;
    };
    let pos = from;
    let first = from === 0;
    // a later segment sends the properties again: the segments before it may hold no LZMA chunk
    let needProps = true;
    let needStateReset = from > 0;
    const rc = this.rc;
    const props = (this.p.pb * 5 + this.p.lp) * 9 + this.p.lc;
    while (pos < n) {
      const start = pos;
      rc.reset();
      if (needStateReset) this.resetState();
      while (pos < n) {
        if (this.qHead === this.qTail) this.parse(pos);
        const len = this.qLen[this.qHead];
        if (pos - start + len > CHUNK_UNCOMP_MAX || rc.pending() + SYMBOL_MARGIN > CHUNK_COMP_MAX) break;
        this.encodeOp(pos, len, this.qDist[this.qHead], this.qKind[this.qHead]);
        this.qHead++;
        pos += len;
      }
      rc.flush();
      const usize = pos - start;
      const csize = rc.outPos;
      const pieces = Math.ceil(usize / UNCOMP_PIECE);
      if (csize + 6 >= usize + 3 * pieces) {
        // LZMA did not help: store the bytes as uncompressed chunks.
        ensure(usize + 3 * pieces);
        for (let s = start; s < pos; s += UNCOMP_PIECE) {
          const k = Math.min(UNCOMP_PIECE, pos - s);
          out[o++] = first ? 1 : 2;
          out[o++] = (k - 1) >>> 8;
          out[o++] = (k - 1) & 0xff;
          out.set(this.buf.subarray(s, s + k), o);
          o += k;
          first = false;
        }
        needStateReset = true;
      } else {
        ensure(csize + 6);
        let control: number;
        if (first) control = 0xe0;
        else if (needProps) control = 0xc0;
        else if (needStateReset) control = 0xa0;
        else control = 0x80;
        out[o++] = control | ((usize - 1) >>> 16);
        out[o++] = ((usize - 1) >>> 8) & 0xff;
        out[o++] = (usize - 1) & 0xff;
        out[o++] = (csize - 1) >>> 8;
        out[o++] = (csize - 1) & 0xff;
        if (control >= 0xc0) out[o++] = props;
        out.set(rc.out.subarray(0, csize), o);
        o += csize;
        first = false;
        needProps = false;
        needStateReset = false;
      }
    }
    if (endMarker) {
      ensure(1);
      out[o++] = 0;
    }
    return out.subarray(0, o);
  }

  // ---------------------------------------------------------------- symbol coding

  /**
   * Encode one operation. A rep (`kind` 0) whose distance is no longer among the reps (after a
   * state reset) falls back to a new match; a short rep to a literal.
   */
  private encodeOp(pos: number, len: number, dist: number, kind: number): void {
    const rc = this.rc;
    const probs = this.probs;
    const buf = this.buf;
    const state = this.state;
    const posState = pos & this.pbMask;
    if (dist < 0 || (len === 1 && dist !== this.rep0)) {
      rc.bit(probs, P_IS_MATCH + (state << 4) + posState, 0);
      const prev = pos > 0 ? buf[pos - 1] : 0;
      const base = P_LITERAL + 0x300 * (((pos & this.lpMask) << this.lc) + (prev >>> (8 - this.lc)));
      const cur = buf[pos];
      if (state < 7) rc.literal(probs, base, cur);
      else rc.matchedLiteral(probs, base, cur, buf[pos - this.rep0 - 1]);
      this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      return;
    }
    rc.bit(probs, P_IS_MATCH + (state << 4) + posState, 1);
    if (len === 1) {
      // short rep
      rc.bit(probs, P_IS_REP + state, 1);
      rc.bit(probs, P_IS_REP_G0 + state, 0);
      rc.bit(probs, P_IS_REP0_LONG + (state << 4) + posState, 0);
      this.state = state < 7 ? 9 : 11;
      return;
    }
    if (kind === 0 && (dist === this.rep0 || dist === this.rep1 || dist === this.rep2 || dist === this.rep3)) {
      rc.bit(probs, P_IS_REP + state, 1);
      if (dist === this.rep0) {
        rc.bit(probs, P_IS_REP_G0 + state, 0);
        rc.bit(probs, P_IS_REP0_LONG + (state << 4) + posState, 1);
      } else {
        rc.bit(probs, P_IS_REP_G0 + state, 1);
        if (dist === this.rep1) {
          rc.bit(probs, P_IS_REP_G1 + state, 0);
        } else {
          rc.bit(probs, P_IS_REP_G1 + state, 1);
          if (dist === this.rep2) {
            rc.bit(probs, P_IS_REP_G2 + state, 0);
          } else {
            rc.bit(probs, P_IS_REP_G2 + state, 1);
            this.rep3 = this.rep2;
          }
          this.rep2 = this.rep1;
        }
        this.rep1 = this.rep0;
        this.rep0 = dist;
      }
      this.encodeLen(P_REP_LEN, len, posState);
      if (--this.repLenCounters[posState] <= 0) this.refreshLen(this.repLenPrices, P_REP_LEN, posState, this.repLenCounters);
      this.state = state < 7 ? 8 : 11;
      return;
    }
    rc.bit(probs, P_IS_REP + state, 0);
    this.encodeLen(P_LEN, len, posState);
    if (--this.lenCounters[posState] <= 0) this.refreshLen(this.lenPrices, P_LEN, posState, this.lenCounters);
    const lenState = len < 6 ? len - 2 : 3;
    const slot = distSlot(dist);
    rc.tree(probs, P_DIST_SLOT + (lenState << 6), 6, slot);
    if (slot >= 4) {
      const footerBits = (slot >>> 1) - 1;
      const base = (2 | (slot & 1)) << footerBits;
      const reduced = dist - base;
      if (slot < 14) {
        rc.reverseTree(probs, P_DIST_SPECIAL + base - slot - 1, footerBits, reduced);
      } else {
        rc.direct(reduced >>> 4, footerBits - 4);
        rc.reverseTree(probs, P_ALIGN, 4, reduced & 15);
        this.alignCount++;
      }
    }
    this.rep3 = this.rep2;
    this.rep2 = this.rep1;
    this.rep1 = this.rep0;
    this.rep0 = dist;
    this.matchCount++;
    this.state = state < 7 ? 7 : 10;
  }

  private encodeLen(base: number, len: number, posState: number): void {
    const rc = this.rc;
    const probs = this.probs;
    len -= 2;
    if (len < 8) {
      rc.bit(probs, base + LEN_CHOICE, 0);
      rc.tree(probs, base + LEN_LOW + (posState << 3), 3, len);
    } else if (len < 16) {
      rc.bit(probs, base + LEN_CHOICE, 1);
      rc.bit(probs, base + LEN_CHOICE2, 0);
      rc.tree(probs, base + LEN_MID + (posState << 3), 3, len - 8);
    } else {
      rc.bit(probs, base + LEN_CHOICE, 1);
      rc.bit(probs, base + LEN_CHOICE2, 1);
      rc.tree(probs, base + LEN_HIGH, 8, len - 16);
    }
  }

  // ---------------------------------------------------------------- prices

  private refreshLen(table: Int32Array, base: number, posState: number, counters: Int32Array): void {
    const probs = this.probs;
    const c = probs[base + LEN_CHOICE];
    const c2 = probs[base + LEN_CHOICE2];
    const a0 = bp(c, 0);
    const a1 = bp(c, 1) + bp(c2, 0);
    const a2 = bp(c, 1) + bp(c2, 1);
    const row = posState * LEN_STRIDE;
    const max = this.nice;
    for (let len = 2; len <= max; len++) {
      const l = len - 2;
      let price: number;
      if (l < 8) price = a0 + treePrice(probs, base + LEN_LOW + (posState << 3), 3, l);
      else if (l < 16) price = a1 + treePrice(probs, base + LEN_MID + (posState << 3), 3, l - 8);
      else price = a2 + treePrice(probs, base + LEN_HIGH, 8, l - 16);
      table[row + len] = price;
    }
    counters[posState] = max - 1;
  }

  private refreshDist(): void {
    const probs = this.probs;
    for (let ls = 0; ls < 4; ls++) {
      const tb = P_DIST_SLOT + (ls << 6);
      for (let s = 0; s < this.distSlots; s++) {
        let price = treePrice(probs, tb, 6, s);
        if (s >= 14) price += ((s >>> 1) - 1 - 4) << 4;
        this.slotPrices[(ls << 6) + s] = price;
      }
      for (let d = 0; d < 4; d++) this.distPrices[(ls << 7) + d] = this.slotPrices[(ls << 6) + d];
    }
    for (let d = 4; d < 128; d++) {
      const slot = distSlot(d);
      const footerBits = (slot >>> 1) - 1;
      const base = (2 | (slot & 1)) << footerBits;
      const extra = reverseTreePrice(probs, P_DIST_SPECIAL + base - slot - 1, footerBits, d - base);
      for (let ls = 0; ls < 4; ls++) this.distPrices[(ls << 7) + d] = this.slotPrices[(ls << 6) + slot] + extra;
    }
    this.matchCount = 0;
  }

  private refreshAlign(): void {
    for (let i = 0; i < 16; i++) this.alignPrices[i] = reverseTreePrice(this.probs, P_ALIGN, 4, i);
    this.alignCount = 0;
  }

  private refreshPrices(): void {
    for (let ps = 0; ps <= this.pbMask; ps++) {
      this.refreshLen(this.lenPrices, P_LEN, ps, this.lenCounters);
      this.refreshLen(this.repLenPrices, P_REP_LEN, ps, this.repLenCounters);
    }
    this.refreshDist();
    this.refreshAlign();
  }

  private literalPrice(pos: number, state: number, rep0: number): number {
    const buf = this.buf;
    const probs = this.probs;
    const prev = pos > 0 ? buf[pos - 1] : 0;
    const base = P_LITERAL + 0x300 * (((pos & this.lpMask) << this.lc) + (prev >>> (8 - this.lc)));
    const cur = buf[pos];
    let price = 0;
    if (state < 7) {
      let m = 1;
      for (let i = 7; i >= 0; i--) {
        const b = (cur >>> i) & 1;
        const pr = probs[base + m];
        price += PRICES[(b ? 2048 - pr : pr) >>> 4];
        m = (m << 1) | b;
      }
    } else {
      let mb = buf[pos - rep0 - 1];
      let offs = 0x100;
      let sym = 1;
      for (let i = 7; i >= 0; i--) {
        mb <<= 1;
        const matchBit = mb & offs;
        const b = (cur >>> i) & 1;
        const pr = probs[base + offs + matchBit + sym];
        price += PRICES[(b ? 2048 - pr : pr) >>> 4];
        sym = (sym << 1) | b;
        offs &= b ? matchBit : ~matchBit;
      }
    }
    return price;
  }

  /** Price of a rep match's "which rep" bits (not the isMatch/isRep bits, not the length). */
  private pureRepPrice(rep: number, state: number, posState: number): number {
    const probs = this.probs;
    if (rep === 0) {
      return bp(probs[P_IS_REP_G0 + state], 0) + bp(probs[P_IS_REP0_LONG + (state << 4) + posState], 1);
    }
    let price = bp(probs[P_IS_REP_G0 + state], 1);
    if (rep === 1) return price + bp(probs[P_IS_REP_G1 + state], 0);
    price += bp(probs[P_IS_REP_G1 + state], 1);
    return price + bp(probs[P_IS_REP_G2 + state], rep - 2);
  }

  private shortRepPrice(state: number, posState: number): number {
    const probs = this.probs;
    return bp(probs[P_IS_REP_G0 + state], 0) + bp(probs[P_IS_REP0_LONG + (state << 4) + posState], 0);
  }

  private matchDistLenPrice(dist: number, len: number, posState: number): number {
    const lenState = len < 6 ? len - 2 : 3;
    let price = this.lenPrices[posState * LEN_STRIDE + len];
    if (dist < 128) price += this.distPrices[(lenState << 7) + dist];
    else price += this.slotPrices[(lenState << 6) + distSlot(dist)] + this.alignPrices[dist & 15];
    return price;
  }

  // ---------------------------------------------------------------- parsing

  private push(len: number, dist: number, kind = 0): void {
    this.qKind[this.qTail] = dist < 0 ? -1 : kind;
    this.qLen[this.qTail] = len;
    this.qDist[this.qTail] = dist;
    this.qTail++;
  }

  /** Fill the op queue starting at `pos` (the queue is empty; encoder state is current). */
  private parse(pos: number): void {
    this.qHead = this.qTail = 0;
    if (this.matchCount >= 128) this.refreshDist();
    if (this.alignCount >= 16) this.refreshAlign();
    if (this.p.mode === 'fast') this.parseFast(pos);
    else this.parseOptimal(pos);
  }

  private readMatches(pos: number): number {
    this.numPairs = this.mf.find(pos, this.matches);
    return this.numPairs > 0 ? this.matches[2 * this.numPairs - 2] : 0;
  }

  private skip(from: number, count: number): void {
    for (let i = 0; i < count; i++) this.mf.skip(from + i);
  }

  /** Greedy parse with one step of lazy evaluation (xz's "fast" mode idea). */
  private parseFast(pos: number): void {
    const buf = this.buf;
    const n = this.n;
    const nice = this.nice;
    let mainLen: number;
    if (this.haveMatches) {
      this.haveMatches = false;
      mainLen = this.numPairs > 0 ? this.matches[2 * this.numPairs - 2] : 0;
    } else {
      mainLen = this.readMatches(pos);
    }
    const avail = Math.min(n - pos, MATCH_LEN_MAX);
    if (avail < 2) {
      this.push(1, -1);
      return;
    }
    // Best rep match.
    let repLen = 0;
    let repDist = 0;
    for (let i = 0; i < 4; i++) {
      const d = i === 0 ? this.rep0 : i === 1 ? this.rep1 : i === 2 ? this.rep2 : this.rep3;
      if (d >= pos) continue;
      const b = pos - d - 1;
      if (buf[pos] !== buf[b] || buf[pos + 1] !== buf[b + 1]) continue;
      const l = matchLen(buf, pos, b, avail);
      if (l > repLen) {
        repLen = l;
        repDist = d;
        if (l >= nice) break;
      }
    }
    if (repLen >= nice) {
      this.push(repLen, repDist);
      this.skip(pos + 1, repLen - 1);
      return;
    }
    let mainDist = 0;
    if (mainLen > 0) {
      mainDist = this.matches[2 * this.numPairs - 1];
      if (mainLen >= nice) {
        this.push(mainLen, mainDist);
        this.skip(pos + 1, mainLen - 1);
        return;
      }
      // Prefer a much closer match that is one byte shorter.
      let i = this.numPairs - 1;
      while (i > 0 && this.matches[2 * i - 2] + 1 === mainLen && (this.matches[2 * i - 1] >>> 7) < mainDist) {
        mainLen = this.matches[2 * i - 2];
        mainDist = this.matches[2 * i - 1];
        i--;
      }
      if (mainLen === 2 && mainDist >= 0x80) mainLen = 1;
    }
    if (repLen >= 2 && (repLen + 1 >= mainLen || (repLen + 2 >= mainLen && mainDist >= 1 << 9) ||
        (repLen + 3 >= mainLen && mainDist >= 1 << 15))) {
      this.push(repLen, repDist);
      this.skip(pos + 1, repLen - 1);
      return;
    }
    if (mainLen < 2) {
      const b = pos - this.rep0 - 1;
      if (pos > this.rep0 && buf[pos] === buf[b] && this.state >= 7) this.push(1, this.rep0);
      else this.push(1, -1);
      return;
    }
    // Lazy step: look at the next position.
    const np = this.mf.find(pos + 1, this.matches2);
    if (np > 0) {
      const nLen = this.matches2[2 * np - 2];
      const nDist = this.matches2[2 * np - 1];
      if ((nLen >= mainLen && nDist < mainDist) || (nLen === mainLen + 1 && (nDist >>> 7) <= mainDist) ||
          nLen > mainLen + 1 || (nLen + 1 >= mainLen && mainLen >= 3 && (mainDist >>> 7) > nDist)) {
        // Emit a literal now; the next call uses the matches already found at pos + 1.
        this.matches.set(this.matches2.subarray(0, 2 * np));
        this.numPairs = np;
        this.haveMatches = true;
        this.push(1, -1);
        return;
      }
    }
    this.push(mainLen, mainDist);
    this.skip(pos + 2, mainLen - 2);
  }

  private parseOptimal(pos: number): void {
    const buf = this.buf;
    const n = this.n;
    const nice = this.nice;
    const probs = this.probs;
    const pbMask = this.pbMask;
    const oPrice = this.oPrice;
    const oPosPrev = this.oPosPrev;
    const oBackPrev = this.oBackPrev;
    const oPrev1IsChar = this.oPrev1IsChar;
    const oPrev2 = this.oPrev2;
    const oPosPrev2 = this.oPosPrev2;
    const oBackPrev2 = this.oBackPrev2;
    const oState = this.oState;
    const oReps = this.oReps;
    const matches = this.matches;
    const repLens = this.repLens;

    let mainLen: number;
    if (this.haveMatches) {
      this.haveMatches = false;
      mainLen = this.numPairs > 0 ? matches[2 * this.numPairs - 2] : 0;
    } else {
      mainLen = this.readMatches(pos);
    }
    let numPairs = this.numPairs;
    const avail0 = Math.min(n - pos, MATCH_LEN_MAX);
    if (avail0 < 2) {
      this.push(1, -1);
      return;
    }
    const state = this.state;
    oReps[0] = this.rep0;
    oReps[1] = this.rep1;
    oReps[2] = this.rep2;
    oReps[3] = this.rep3;
    let repMax = 0;
    for (let i = 0; i < 4; i++) {
      const d = oReps[i];
      repLens[i] = 0;
      if (d >= pos) continue;
      const b = pos - d - 1;
      if (buf[pos] !== buf[b] || buf[pos + 1] !== buf[b + 1]) continue;
      repLens[i] = matchLen(buf, pos, b, avail0);
      if (repLens[i] > repLens[repMax]) repMax = i;
    }
    if (repLens[repMax] >= nice) {
      const l = repLens[repMax];
      this.push(l, oReps[repMax]);
      this.skip(pos + 1, l - 1);
      return;
    }
    if (mainLen >= nice) {
      this.push(mainLen, matches[2 * numPairs - 1]);
      this.skip(pos + 1, mainLen - 1);
      return;
    }
    const curByte = buf[pos];
    const rep0Pos = pos - oReps[0] - 1;
    const matchByte = rep0Pos >= 0 ? buf[rep0Pos] : -1;
    if (mainLen < 2 && curByte !== matchByte && repLens[repMax] < 2) {
      this.push(1, -1);
      return;
    }
    let posState = pos & pbMask;
    oState[0] = state;
    oPrice[1] = bp(probs[P_IS_MATCH + (state << 4) + posState], 0) + this.literalPrice(pos, state, oReps[0]);
    oBackPrev[1] = -1;
    oPosPrev[1] = 0;
    oPrev1IsChar[1] = 0;
    const matchPrice0 = bp(probs[P_IS_MATCH + (state << 4) + posState], 1);
    const repMatchPrice0 = matchPrice0 + bp(probs[P_IS_REP + state], 1);
    if (matchByte === curByte) {
      const sr = repMatchPrice0 + this.shortRepPrice(state, posState);
      if (sr < oPrice[1]) {
        oPrice[1] = sr;
        oBackPrev[1] = 0;
      }
    }
    let lenEnd = mainLen >= repLens[repMax] ? mainLen : repLens[repMax];
    if (lenEnd < 2) {
      this.push(1, oBackPrev[1] === 0 ? oReps[0] : -1);
      return;
    }
    for (let l = 2; l <= lenEnd; l++) oPrice[l] = INFINITY_PRICE;
    for (let i = 0; i < 4; i++) {
      const rl = repLens[i];
      if (rl < 2) continue;
      const price = repMatchPrice0 + this.pureRepPrice(i, state, posState);
      for (let l = rl; l >= 2; l--) {
        const c = price + this.repLenPrices[posState * LEN_STRIDE + l];
        if (c < oPrice[l]) {
          oPrice[l] = c;
          oPosPrev[l] = 0;
          oBackPrev[l] = i;
          oPrev1IsChar[l] = 0;
        }
      }
    }
    const normalMatchPrice0 = matchPrice0 + bp(probs[P_IS_REP + state], 0);
    {
      let l = repLens[0] >= 2 ? repLens[0] + 1 : 2;
      if (l <= mainLen) {
        let offs = 0;
        while (l > matches[offs]) offs += 2;
        for (;; l++) {
          const dist = matches[offs + 1];
          const c = normalMatchPrice0 + this.matchDistLenPrice(dist, l, posState);
          if (c < oPrice[l]) {
            oPrice[l] = c;
            oPosPrev[l] = 0;
            oBackPrev[l] = dist + 4;
            oPrev1IsChar[l] = 0;
          }
          if (l === matches[offs]) {
            offs += 2;
            if (offs === numPairs * 2) break;
          }
        }
      }
    }

    let cur = 0;
    while (true) {
      cur++;
      if (cur === lenEnd) break;
      const p = pos + cur;
      let newLen = this.readMatches(p);
      numPairs = this.numPairs;
      if (newLen >= nice) {
        this.haveMatches = true;
        break;
      }
      // State and reps at cur.
      let posPrev = oPosPrev[cur];
      let st: number;
      if (oPrev1IsChar[cur]) {
        posPrev--;
        if (oPrev2[cur]) {
          st = oState[oPosPrev2[cur]];
          st = oBackPrev2[cur] < 4 ? (st < 7 ? 8 : 11) : (st < 7 ? 7 : 10);
        } else {
          st = oState[posPrev];
        }
        st = st < 4 ? 0 : st < 10 ? st - 3 : st - 6;
      } else {
        st = oState[posPrev];
      }
      const r = cur << 2;
      if (posPrev === cur - 1) {
        st = oBackPrev[cur] === 0 ? (st < 7 ? 9 : 11) : (st < 4 ? 0 : st < 10 ? st - 3 : st - 6);
        const q = posPrev << 2;
        oReps[r] = oReps[q];
        oReps[r + 1] = oReps[q + 1];
        oReps[r + 2] = oReps[q + 2];
        oReps[r + 3] = oReps[q + 3];
      } else {
        let back: number;
        if (oPrev1IsChar[cur] && oPrev2[cur]) {
          posPrev = oPosPrev2[cur];
          back = oBackPrev2[cur];
          st = st < 7 ? 8 : 11;
        } else {
          back = oBackPrev[cur];
          st = back < 4 ? (st < 7 ? 8 : 11) : (st < 7 ? 7 : 10);
        }
        const q = posPrev << 2;
        if (back < 4) {
          oReps[r] = oReps[q + back];
          let k = 1;
          for (let i = 0; i < 4; i++) if (i !== back) oReps[r + k++] = oReps[q + i];
        } else {
          oReps[r] = back - 4;
          oReps[r + 1] = oReps[q];
          oReps[r + 2] = oReps[q + 1];
          oReps[r + 3] = oReps[q + 2];
        }
      }
      oState[cur] = st;
      const curRep0 = oReps[r];
      const curPrice = oPrice[cur];
      const cb = buf[p];
      const mb = buf[p - curRep0 - 1];
      posState = p & pbMask;
      const isMatchProb = probs[P_IS_MATCH + (st << 4) + posState];
      const curAnd1Price = curPrice + bp(isMatchProb, 0) + this.literalPrice(p, st, curRep0);
      let nextIsChar = false;
      if (curAnd1Price < oPrice[cur + 1]) {
        oPrice[cur + 1] = curAnd1Price;
        oPosPrev[cur + 1] = cur;
        oBackPrev[cur + 1] = -1;
        oPrev1IsChar[cur + 1] = 0;
        nextIsChar = true;
      }
      const matchPrice = curPrice + bp(isMatchProb, 1);
      const repMatchPrice = matchPrice + bp(probs[P_IS_REP + st], 1);
      if (mb === cb && !(oPosPrev[cur + 1] < cur && oBackPrev[cur + 1] === 0)) {
        const sr = repMatchPrice + this.shortRepPrice(st, posState);
        if (sr <= oPrice[cur + 1]) {
          oPrice[cur + 1] = sr;
          oPosPrev[cur + 1] = cur;
          oBackPrev[cur + 1] = 0;
          oPrev1IsChar[cur + 1] = 0;
          nextIsChar = true;
        }
      }
      let availFull = n - p;
      if (availFull > OPTS - 1 - cur) availFull = OPTS - 1 - cur;
      if (availFull < 2) continue;
      const avail = availFull < nice ? availFull : nice;

      // literal + rep0
      if (!nextIsChar && mb !== cb) {
        const lim = availFull - 1 < nice ? availFull - 1 : nice;
        const l2 = matchLen(buf, p + 1, p - curRep0, lim);
        if (l2 >= 2) {
          const st2 = st < 4 ? 0 : st < 10 ? st - 3 : st - 6;
          const ps2 = (p + 1) & pbMask;
          const nextRepMatchPrice = curAnd1Price + bp(probs[P_IS_MATCH + (st2 << 4) + ps2], 1) +
            bp(probs[P_IS_REP + st2], 1);
          const offset = cur + 1 + l2;
          while (lenEnd < offset) oPrice[++lenEnd] = INFINITY_PRICE;
          const c = nextRepMatchPrice + this.pureRepPrice(0, st2, ps2) + this.repLenPrices[ps2 * LEN_STRIDE + l2];
          if (c < oPrice[offset]) {
            oPrice[offset] = c;
            oPosPrev[offset] = cur + 1;
            oBackPrev[offset] = 0;
            oPrev1IsChar[offset] = 1;
            oPrev2[offset] = 0;
          }
        }
      }

      let startLen = 2;
      for (let ri = 0; ri < 4; ri++) {
        const rd = oReps[r + ri];
        const b = p - rd - 1;
        if (buf[p] !== buf[b] || buf[p + 1] !== buf[b + 1]) continue;
        const lenTest = matchLen(buf, p + 2, b + 2, avail - 2) + 2;
        while (lenEnd < cur + lenTest) oPrice[++lenEnd] = INFINITY_PRICE;
        const base = repMatchPrice + this.pureRepPrice(ri, st, posState);
        for (let l = lenTest; l >= 2; l--) {
          const c = base + this.repLenPrices[posState * LEN_STRIDE + l];
          if (c < oPrice[cur + l]) {
            oPrice[cur + l] = c;
            oPosPrev[cur + l] = cur;
            oBackPrev[cur + l] = ri;
            oPrev1IsChar[cur + l] = 0;
          }
        }
        if (ri === 0) startLen = lenTest + 1;
        // rep + literal + rep0
        const lim = availFull < lenTest + 1 + nice ? availFull : lenTest + 1 + nice;
        if (lenTest + 1 < lim) {
          const l2 = matchLen(buf, p + lenTest + 1, b + lenTest + 1, lim - lenTest - 1);
          if (l2 >= 2) {
            let st2 = st < 7 ? 8 : 11;
            let ps2 = (p + lenTest) & pbMask;
            let c = base + this.repLenPrices[posState * LEN_STRIDE + lenTest] +
              bp(probs[P_IS_MATCH + (st2 << 4) + ps2], 0) + this.literalPriceAt(p + lenTest, buf[b + lenTest]);
            st2 = st2 < 10 ? st2 - 3 : st2 - 6;
            ps2 = (p + lenTest + 1) & pbMask;
            c += bp(probs[P_IS_MATCH + (st2 << 4) + ps2], 1) + bp(probs[P_IS_REP + st2], 1);
            const offset = cur + lenTest + 1 + l2;
            while (lenEnd < offset) oPrice[++lenEnd] = INFINITY_PRICE;
            c += this.pureRepPrice(0, st2, ps2) + this.repLenPrices[ps2 * LEN_STRIDE + l2];
            if (c < oPrice[offset]) {
              oPrice[offset] = c;
              oPosPrev[offset] = cur + lenTest + 1;
              oBackPrev[offset] = 0;
              oPrev1IsChar[offset] = 1;
              oPrev2[offset] = 1;
              oPosPrev2[offset] = cur;
              oBackPrev2[offset] = ri;
            }
          }
        }
      }

      if (newLen > avail) {
        newLen = avail;
        let k = 0;
        while (matches[2 * k] < newLen) k++;
        matches[2 * k] = newLen;
        numPairs = k + 1;
      }
      if (newLen >= startLen) {
        const normalMatchPrice = matchPrice + bp(probs[P_IS_REP + st], 0);
        while (lenEnd < cur + newLen) oPrice[++lenEnd] = INFINITY_PRICE;
        let offs = 0;
        while (startLen > matches[offs]) offs += 2;
        let dist = matches[offs + 1];
        for (let l = startLen; ; l++) {
          const c = normalMatchPrice + this.matchDistLenPrice(dist, l, posState);
          if (c < oPrice[cur + l]) {
            oPrice[cur + l] = c;
            oPosPrev[cur + l] = cur;
            oBackPrev[cur + l] = dist + 4;
            oPrev1IsChar[cur + l] = 0;
          }
          if (l === matches[offs]) {
            // match + literal + rep0
            const b = p - dist - 1;
            const lim = availFull < l + 1 + nice ? availFull : l + 1 + nice;
            if (l + 1 < lim) {
              const l2 = matchLen(buf, p + l + 1, b + l + 1, lim - l - 1);
              if (l2 >= 2) {
                let st2 = st < 7 ? 7 : 10;
                let ps2 = (p + l) & pbMask;
                let c2 = c + bp(probs[P_IS_MATCH + (st2 << 4) + ps2], 0) + this.literalPriceAt(p + l, buf[b + l]);
                st2 = st2 - 3;
                ps2 = (p + l + 1) & pbMask;
                c2 += bp(probs[P_IS_MATCH + (st2 << 4) + ps2], 1) + bp(probs[P_IS_REP + st2], 1);
                const offset = cur + l + 1 + l2;
                while (lenEnd < offset) oPrice[++lenEnd] = INFINITY_PRICE;
                c2 += this.pureRepPrice(0, st2, ps2) + this.repLenPrices[ps2 * LEN_STRIDE + l2];
                if (c2 < oPrice[offset]) {
                  oPrice[offset] = c2;
                  oPosPrev[offset] = cur + l + 1;
                  oBackPrev[offset] = 0;
                  oPrev1IsChar[offset] = 1;
                  oPrev2[offset] = 1;
                  oPosPrev2[offset] = cur;
                  oBackPrev2[offset] = dist + 4;
                }
              }
            }
            offs += 2;
            if (offs === numPairs * 2) break;
            dist = matches[offs + 1];
          }
        }
      }
    }
    this.backward(cur);
  }

  /** Matched-literal price at `pos` against `matchByte` (state is a post-match state). */
  private literalPriceAt(pos: number, matchByte: number): number {
    const buf = this.buf;
    const probs = this.probs;
    const prev = buf[pos - 1];
    const base = P_LITERAL + 0x300 * (((pos & this.lpMask) << this.lc) + (prev >>> (8 - this.lc)));
    const cur = buf[pos];
    let price = 0;
    let mb = matchByte;
    let offs = 0x100;
    let sym = 1;
    for (let i = 7; i >= 0; i--) {
      mb <<= 1;
      const matchBit = mb & offs;
      const b = (cur >>> i) & 1;
      const pr = probs[base + offs + matchBit + sym];
      price += PRICES[(b ? 2048 - pr : pr) >>> 4];
      sym = (sym << 1) | b;
      offs &= b ? matchBit : ~matchBit;
    }
    return price;
  }

  /** Walk the chosen path back from `cur` and queue its operations in order. */
  private backward(cur: number): void {
    const stack = this.stack;
    const oPosPrev = this.oPosPrev;
    const oBackPrev = this.oBackPrev;
    let sp = 0;
    let c = cur;
    while (c > 0) {
      const pp = oPosPrev[c];
      if (this.oPrev1IsChar[c]) {
        stack[sp++] = c - pp; stack[sp++] = oBackPrev[c];
        stack[sp++] = 1; stack[sp++] = -1;
        if (this.oPrev2[c]) {
          const pp2 = this.oPosPrev2[c];
          stack[sp++] = pp - 1 - pp2; stack[sp++] = this.oBackPrev2[c];
          c = pp2;
        } else {
          c = pp - 1;
        }
      } else {
        stack[sp++] = c - pp; stack[sp++] = oBackPrev[c];
        c = pp;
      }
    }
    // Replay forward, turning rep indices into distances.
    let r0 = this.rep0, r1 = this.rep1, r2 = this.rep2, r3 = this.rep3;
    while (sp > 0) {
      const back = stack[--sp];
      const len = stack[--sp];
      let dist: number;
      if (back < 0) {
        dist = -1;
      } else if (len === 1) {
        dist = r0; // short rep
      } else if (back >= 4) {
        // A new match: mirror the parser's rep history (the encoder may still code it as a rep).
        dist = back - 4;
        r3 = r2; r2 = r1; r1 = r0; r0 = dist;
        this.push(len, dist, 1);
        continue;
      } else {
        if (back === 0) dist = r0;
        else if (back === 1) { dist = r1; r1 = r0; r0 = dist; }
        else if (back === 2) { dist = r2; r2 = r1; r1 = r0; r0 = dist; }
        else { dist = r3; r3 = r2; r2 = r1; r1 = r0; r0 = dist; }
      }
      this.push(len, dist);
    }
  }
}
