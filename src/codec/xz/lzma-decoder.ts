/**
 * LZMA decoder for LZMA2 chunks: the range decoder and the literal/match/rep symbol decoding,
 * writing straight into the caller's output buffer, which doubles as the dictionary (the whole
 * output stays in memory, so there is no circular window).
 *
 * The range coder and symbol coding follow the LZMA algorithm (LZMA SDK lzma.txt; xz's
 * liblzma/rangecoder/range_decoder.h for the "first byte is zero" and "code is zero at the end"
 * rules). The code is ours: one hot function with the coder state in int32 locals; unsigned
 * comparisons as `(a >>> 0) < (b >>> 0)` (≈ 3 % faster than the sign-flip form in V8 11).
 *
 * The eight bits of a literal are decoded without branches: a literal's bits are close to coin
 * flips on poorly compressible data, so a branch per bit is mispredicted about half the time.
 * `m` is all ones when `code < bound` (unsigned; the borrow of `code - bound`, Hacker's Delight
 * §2-12) and selects range, code, the probability update and the bit; the normalisation shifts by
 * `z & 8`. ≈ 25 % less decoding time on ostree's part 0 of the bench tree, ≈ 20 % on mixed text,
 * equal on shared libraries (docs/performance.md, "Session 5: branchless literals"). The other bit
 * trees gained nothing from the same treatment and keep their branches.
 *
 * @module
 */
import { OstreeError } from '../../errors.js';
import {
  LEN_CHOICE, LEN_CHOICE2, LEN_HIGH, LEN_LOW, LEN_MID, P_ALIGN, P_DIST_SLOT, P_DIST_SPECIAL,
  P_IS_MATCH, P_IS_REP, P_IS_REP0_LONG, P_IS_REP_G0, P_IS_REP_G1, P_IS_REP_G2, P_LEN, P_LITERAL,
  P_REP_LEN, PROB_INIT, probCount,
} from './model.js';

/**
 * The model offsets of model.ts as literals: V8 reloads module-level bindings (and keeps locals
 * copied from them in registers or stack slots) in the hot loop, while enum members compile to
 * immediates (~4% faster decoding). Checked against model.ts when this module loads.
 */
const enum K {
  IsMatch = 0,
  IsRep0Long = 240,
  IsRepG0 = 204,
  IsRepG1 = 216,
  IsRepG2 = 228,
  IsRep = 192,
  DistSlot = 432,
  DistSpecial = 688,
  Align = 802,
  Len = 818,
  RepLen = 1332,
  Literal = 1846,
  Choice2 = 1,
  Choice = 0,
  Low = 2,
  Mid = 130,
  High = 258,
}
if (
  K.IsMatch !== P_IS_MATCH || K.IsRep0Long !== P_IS_REP0_LONG || K.IsRepG0 !== P_IS_REP_G0 ||
  K.IsRepG1 !== P_IS_REP_G1 || K.IsRepG2 !== P_IS_REP_G2 || K.IsRep !== P_IS_REP ||
  K.DistSlot !== P_DIST_SLOT || K.DistSpecial !== P_DIST_SPECIAL || K.Align !== P_ALIGN ||
  K.Len !== P_LEN || K.RepLen !== P_REP_LEN || K.Literal !== P_LITERAL || K.Choice2 !== LEN_CHOICE2 ||
  K.Choice !== LEN_CHOICE || K.Low !== LEN_LOW || K.Mid !== LEN_MID || K.High !== LEN_HIGH
) {
  throw new Error('lzma-decoder: probability layout differs from model.ts');
}

function corrupt(msg: string): never {
  throw new OstreeError('XZ_CORRUPT', `xz: ${msg}`);
}

/** LZMA decoder state that persists across LZMA2 chunks. */
export class LzmaDecoder {
  /** Literal context bits. */
  lc = 0;
  /** Literal position bits. */
  lp = 0;
  /** Position bits. */
  pb = 0;
  /** Adaptive probabilities. */
  probs: Uint16Array = new Uint16Array(probCount(4, 0));
  /** LZMA state 0..11. */
  state = 0;
  /** Most recent match distance (0-based). */
  rep0 = 0;
  /** Second most recent distance. */
  rep1 = 0;
  /** Third most recent distance. */
  rep2 = 0;
  /** Fourth most recent distance. */
  rep3 = 0;

  /** Set lc/lp/pb from the properties byte; returns false when invalid for LZMA2 (lc+lp > 4). */
  setProps(b: number): boolean {
    if (b >= 9 * 5 * 5) return false;
    const lc = b % 9;
    b = (b / 9) | 0;
    const lp = b % 5;
    const pb = (b / 5) | 0;
    if (lc + lp > 4) return false;
    this.lc = lc;
    this.lp = lp;
    this.pb = pb;
    const need = probCount(lc, lp);
    if (this.probs.length < need) this.probs = new Uint16Array(probCount(4, 0));
    return true;
  }

  /** Reset probabilities, state and reps (an LZMA2 "state reset"). */
  resetState(): void {
    this.probs.fill(PROB_INIT, 0, probCount(this.lc, this.lp));
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  /**
   * Decode one LZMA chunk: compressed bytes `inp[inPos..inEnd)` must produce exactly
   * `out[outPos..outEnd)`. `dictStart` is the output position of the last dictionary reset and
   * `dictSize` the declared dictionary size (distances beyond either are corrupt).
   */
  decodeChunk(inp: Uint8Array, inPos: number, inEnd: number, out: Uint8Array, outPos: number, outEnd: number,
    dictStart: number, dictSize: number): void {
    if (inEnd - inPos < 5 || inp[inPos] !== 0) corrupt('bad range coder start');
    const probs = this.probs;
    let code = (inp[inPos + 1] << 24) | (inp[inPos + 2] << 16) | (inp[inPos + 3] << 8) | inp[inPos + 4];
    inPos += 5;
    let range = -1; // 0xFFFFFFFF as int32
    let state = this.state;
    let rep0 = this.rep0;
    let rep1 = this.rep1;
    let rep2 = this.rep2;
    let rep3 = this.rep3;
    const lc = this.lc;
    const lcShift = 8 - lc;
    const lpMask = (1 << this.lp) - 1;
    const pbMask = (1 << this.pb) - 1;
    let bound = 0;
    let p = 0;
    let bit = 0;

    while (outPos < outEnd) {
      if (inPos > inEnd) corrupt('LZMA chunk overruns its compressed size');
      const upos = outPos - dictStart;
      const posState = upos & pbMask;
      // isMatch
      let pi = K.IsMatch + (state << 4) + posState;
      p = probs[pi];
      bound = Math.imul(range >>> 11, p);
      if ((code >>> 0) < (bound >>> 0)) {
        range = bound;
        probs[pi] = p + ((2048 - p) >>> 5);
        if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
        // ---- literal
        const prev = upos > 0 ? out[outPos - 1] : 0;
        const base = K.Literal + 0x300 * (((upos & lpMask) << lc) + (prev >>> lcShift));
        let sym = 1;
        if (state < 7) {
          do {
            // Branchless bit (see the module comment); `m` = -1 for a 0 bit, 0 for a 1 bit.
            pi = base + sym;
            p = probs[pi];
            bound = Math.imul(range >>> 11, p);
            {
              const d = (code - bound) | 0;
              const m = ((~code & bound) | (~(code ^ bound) & d)) >> 31;
              range = (bound & m) | (((range - bound) | 0) & ~m);
              code = (d & ~m) | (code & m);
              probs[pi] = p + ((((2048 - p) >> 5) & m) - ((p >> 5) & ~m));
              sym = (sym << 1) + 1 + m;
            }
            {
              const z = ((range >>> 24) - 1) >> 31;
              const sh = z & 8;
              range <<= sh; code = (code << sh) | (inp[inPos] & z); inPos -= z;
            }
          } while (sym < 0x100);
          state = state < 4 ? 0 : state - 3;
        } else {
          if (rep0 >= upos) corrupt('literal match byte before dictionary start');
          let matchByte = out[outPos - rep0 - 1];
          let offs = 0x100;
          do {
            matchByte <<= 1;
            const matchBit = matchByte & offs;
            pi = base + offs + matchBit + sym;
            p = probs[pi];
            bound = Math.imul(range >>> 11, p);
            {
              const d = (code - bound) | 0;
              const m = ((~code & bound) | (~(code ^ bound) & d)) >> 31;
              range = (bound & m) | (((range - bound) | 0) & ~m);
              code = (d & ~m) | (code & m);
              probs[pi] = p + ((((2048 - p) >> 5) & m) - ((p >> 5) & ~m));
              sym = (sym << 1) + 1 + m;
              offs &= matchBit ^ m;
            }
            {
              const z = ((range >>> 24) - 1) >> 31;
              const sh = z & 8;
              range <<= sh; code = (code << sh) | (inp[inPos] & z); inPos -= z;
            }
          } while (sym < 0x100);
          state = state < 10 ? state - 3 : state - 6;
        }
        out[outPos++] = sym;
        continue;
      }
      range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
      if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }

      // isRep
      pi = K.IsRep + state;
      p = probs[pi];
      bound = Math.imul(range >>> 11, p);
      let lenBase: number;
      if ((code >>> 0) < (bound >>> 0)) {
        range = bound; probs[pi] = p + ((2048 - p) >>> 5);
        if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
        // ---- match: length first, then distance
        state = state < 7 ? 7 : 10;
        lenBase = K.Len;
        bit = -1; // marker: distance still to decode
      } else {
        range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
        if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
        if (upos === 0) corrupt('rep match at dictionary start');
        // isRepG0
        pi = K.IsRepG0 + state;
        p = probs[pi];
        bound = Math.imul(range >>> 11, p);
        if ((code >>> 0) < (bound >>> 0)) {
          range = bound; probs[pi] = p + ((2048 - p) >>> 5);
          if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
          // isRep0Long
          pi = K.IsRep0Long + (state << 4) + posState;
          p = probs[pi];
          bound = Math.imul(range >>> 11, p);
          if ((code >>> 0) < (bound >>> 0)) {
            range = bound; probs[pi] = p + ((2048 - p) >>> 5);
            if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
            // short rep
            state = state < 7 ? 9 : 11;
            if (rep0 >= upos || rep0 >= dictSize) corrupt('distance beyond dictionary');
            out[outPos] = out[outPos - rep0 - 1];
            outPos++;
            continue;
          }
          range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
          if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
        } else {
          range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
          if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
          let dist: number;
          pi = K.IsRepG1 + state;
          p = probs[pi];
          bound = Math.imul(range >>> 11, p);
          if ((code >>> 0) < (bound >>> 0)) {
            range = bound; probs[pi] = p + ((2048 - p) >>> 5);
            if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
            dist = rep1;
          } else {
            range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
            if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
            pi = K.IsRepG2 + state;
            p = probs[pi];
            bound = Math.imul(range >>> 11, p);
            if ((code >>> 0) < (bound >>> 0)) {
              range = bound; probs[pi] = p + ((2048 - p) >>> 5);
              if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
              dist = rep2;
            } else {
              range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
              if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
              dist = rep3;
              rep3 = rep2;
            }
            rep2 = rep1;
          }
          rep1 = rep0;
          rep0 = dist;
        }
        state = state < 7 ? 8 : 11;
        lenBase = K.RepLen;
        bit = 0;
      }

      // ---- length
      let len: number;
      let treeBase: number;
      let treeBits: number;
      pi = lenBase + K.Choice;
      p = probs[pi];
      bound = Math.imul(range >>> 11, p);
      if ((code >>> 0) < (bound >>> 0)) {
        range = bound; probs[pi] = p + ((2048 - p) >>> 5);
        treeBase = lenBase + K.Low + (posState << 3); treeBits = 3; len = 2;
      } else {
        range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
        if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
        pi = lenBase + K.Choice2;
        p = probs[pi];
        bound = Math.imul(range >>> 11, p);
        if ((code >>> 0) < (bound >>> 0)) {
          range = bound; probs[pi] = p + ((2048 - p) >>> 5);
          treeBase = lenBase + K.Mid + (posState << 3); treeBits = 3; len = 10;
        } else {
          range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5);
          treeBase = lenBase + K.High; treeBits = 8; len = 18;
        }
      }
      if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
      {
        let sym = 1;
        const lim = 1 << treeBits;
        do {
          pi = treeBase + sym;
          p = probs[pi];
          bound = Math.imul(range >>> 11, p);
          if ((code >>> 0) < (bound >>> 0)) {
            range = bound; probs[pi] = p + ((2048 - p) >>> 5); sym <<= 1;
          } else {
            range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5); sym = (sym << 1) | 1;
          }
          if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
        } while (sym < lim);
        len += sym - lim;
      }

      if (bit === -1) {
        // ---- distance of a new match
        const lenState = len < 6 ? len - 2 : 3;
        treeBase = K.DistSlot + (lenState << 6);
        let slot = 1;
        do {
          pi = treeBase + slot;
          p = probs[pi];
          bound = Math.imul(range >>> 11, p);
          if ((code >>> 0) < (bound >>> 0)) {
            range = bound; probs[pi] = p + ((2048 - p) >>> 5); slot <<= 1;
          } else {
            range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5); slot = (slot << 1) | 1;
          }
          if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
        } while (slot < 64);
        slot -= 64;
        let dist: number;
        if (slot < 4) {
          dist = slot;
        } else {
          const footerBits = (slot >>> 1) - 1;
          dist = (2 | (slot & 1)) << footerBits;
          if (slot < 14) {
            const b2 = K.DistSpecial + dist - slot - 1;
            let m = 1;
            for (let i = 0; i < footerBits; i++) {
              pi = b2 + m;
              p = probs[pi];
              bound = Math.imul(range >>> 11, p);
              if ((code >>> 0) < (bound >>> 0)) {
                range = bound; probs[pi] = p + ((2048 - p) >>> 5); m <<= 1;
              } else {
                range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5); m = (m << 1) | 1;
                dist |= 1 << i;
              }
              if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
            }
          } else {
            // direct bits
            let direct = 0;
            for (let i = footerBits - 4; i > 0; i--) {
              range >>>= 1;
              // t = all ones when code >= range (unsigned), else 0
              const t = ((code ^ -0x80000000) >= (range ^ -0x80000000)) ? -1 : 0;
              code = (code - (range & t)) | 0;
              direct = (direct << 1) | (t & 1);
              if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
            }
            dist = (dist + (direct << 4)) | 0;
            let m = 1;
            for (let i = 0; i < 4; i++) {
              pi = K.Align + m;
              p = probs[pi];
              bound = Math.imul(range >>> 11, p);
              if ((code >>> 0) < (bound >>> 0)) {
                range = bound; probs[pi] = p + ((2048 - p) >>> 5); m <<= 1;
              } else {
                range = (range - bound) | 0; code = (code - bound) | 0; probs[pi] = p - (p >>> 5); m = (m << 1) | 1;
                dist |= 1 << i;
              }
              if (range >>> 24 === 0) { range <<= 8; code = (code << 8) | inp[inPos++]; }
            }
            if (dist === -1) corrupt('end-of-payload marker inside an LZMA2 chunk');
            dist >>>= 0;
          }
        }
        rep3 = rep2;
        rep2 = rep1;
        rep1 = rep0;
        rep0 = dist;
      }

      // ---- copy
      if (rep0 >= upos || rep0 >= dictSize) corrupt('distance beyond dictionary');
      if (outPos + len > outEnd) corrupt('match crosses the LZMA2 chunk end');
      let src = outPos - rep0 - 1;
      const end = outPos + len;
      if (len < 48) {
        // Short: a byte loop beats the call overhead of copyWithin/fill (and handles overlap).
        do out[outPos++] = out[src++]; while (outPos < end);
      } else if (rep0 === 0) {
        // A run of one byte.
        out.fill(out[src], outPos, end);
        outPos = end;
      } else {
        // Copy in pieces of at most the distance, so each piece's source is already written.
        const d = rep0 + 1;
        while (outPos < end) {
          const n = end - outPos < d ? end - outPos : d;
          out.copyWithin(outPos, src, src + n);
          outPos += n;
          src += n;
        }
      }
    }
    if (inPos !== inEnd) corrupt('LZMA chunk compressed size mismatch');
    if (code !== 0) corrupt('LZMA chunk did not end cleanly');
    this.state = state;
    this.rep0 = rep0;
    this.rep1 = rep1;
    this.rep2 = rep2;
    this.rep3 = rep3;
  }
}
