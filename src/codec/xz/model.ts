/**
 * The LZMA probability model shared by the decoder and the encoder: the layout of all adaptive bit
 * probabilities in one `Uint16Array`, the state machine, and small helpers.
 *
 * Facts (numbers of states, tree sizes, slot/length coding) are those of the LZMA algorithm as
 * described in the LZMA SDK documentation (lzma.txt) and the xz sources (liblzma/lzma/lzma_common.h);
 * the layout of the array is our own.
 *
 * @module
 */

/** Number of LZMA states (literal/match/rep/shortrep history). */
export const NUM_STATES = 12;
/** States below this follow a literal. */
export const LIT_STATES = 7;
/** Smallest match length. */
export const MATCH_LEN_MIN = 2;
/** Largest match length. */
export const MATCH_LEN_MAX = 273;
/** Number of distance slots. */
export const DIST_SLOTS = 64;
/** First slot whose distance is coded with direct bits + align bits. */
export const DIST_MODEL_END = 14;
/** Distances below this are priced individually. */
export const FULL_DISTANCES = 128;
/** Align bits. */
export const ALIGN_BITS = 4;
/** Number of length-to-distance states. */
export const LEN_TO_DIST_STATES = 4;

/** Probability initial value (half of 1 << 11). */
export const PROB_INIT = 1024;

// Offsets into the probability array.
/** isMatch[state][posState] (16 posStates max). */
export const P_IS_MATCH = 0;
/** isRep[state]. */
export const P_IS_REP = P_IS_MATCH + NUM_STATES * 16;
/** isRepG0[state]. */
export const P_IS_REP_G0 = P_IS_REP + NUM_STATES;
/** isRepG1[state]. */
export const P_IS_REP_G1 = P_IS_REP_G0 + NUM_STATES;
/** isRepG2[state]. */
export const P_IS_REP_G2 = P_IS_REP_G1 + NUM_STATES;
/** isRep0Long[state][posState]. */
export const P_IS_REP0_LONG = P_IS_REP_G2 + NUM_STATES;
/** distSlot[lenState][64] bit trees. */
export const P_DIST_SLOT = P_IS_REP0_LONG + NUM_STATES * 16;
/** Reverse bit trees of slots 4..13 (114 probabilities). */
export const P_DIST_SPECIAL = P_DIST_SLOT + LEN_TO_DIST_STATES * DIST_SLOTS;
/** Align reverse bit tree (16). */
export const P_ALIGN = P_DIST_SPECIAL + (FULL_DISTANCES - DIST_MODEL_END);
/** Match length coder. */
export const P_LEN = P_ALIGN + (1 << ALIGN_BITS);
/** Size of one length coder: choice, choice2, low[16][8], mid[16][8], high[256]. */
export const LEN_CODER_SIZE = 2 + 16 * 8 + 16 * 8 + 256;
/** Offset of the first choice bit inside a length coder (0: length 2–9). */
export const LEN_CHOICE = 0;
/** Offset of the second choice bit (0: length 10–17, 1: 18–273). */
export const LEN_CHOICE2 = 1;
/** Offset of the low trees, 8 probabilities per posState. */
export const LEN_LOW = 2;
/** Offset of the mid trees, 8 probabilities per posState. */
export const LEN_MID = 2 + 16 * 8;
/** Offset of the high tree (256 probabilities). */
export const LEN_HIGH = 2 + 16 * 8 * 2;
/** Rep length coder. */
export const P_REP_LEN = P_LEN + LEN_CODER_SIZE;
/** Literal coders: 0x300 per (lc+lp) context. */
export const P_LITERAL = P_REP_LEN + LEN_CODER_SIZE;

/** Total number of probabilities for given lc+lp. */
export function probCount(lc: number, lp: number): number {
  return P_LITERAL + (0x300 << (lc + lp));
}

/** Next state after a literal. */
export function stateAfterLiteral(s: number): number {
  return s < 4 ? 0 : s < 10 ? s - 3 : s - 6;
}
/** Next state after a match. */
export function stateAfterMatch(s: number): number {
  return s < LIT_STATES ? 7 : 10;
}
/** Next state after a rep match. */
export function stateAfterRep(s: number): number {
  return s < LIT_STATES ? 8 : 11;
}
/** Next state after a short rep. */
export function stateAfterShortRep(s: number): number {
  return s < LIT_STATES ? 9 : 11;
}

/** Distance slot of a 0-based distance. */
export function distSlot(dist: number): number {
  if (dist < 4) return dist;
  const n = 31 - Math.clz32(dist);
  return (n << 1) | ((dist >>> (n - 1)) & 1);
}

/** Decode the LZMA2 dictionary-size property byte (xz-file-format.txt §5.3.1); -1 if invalid. */
export function lzma2DictSize(b: number): number {
  if (b > 40) return -1;
  if (b === 40) return 0xffffffff;
  return (2 | (b & 1)) * 2 ** ((b >>> 1) + 11);
}

/** Smallest LZMA2 dictionary-size property byte whose size is ≥ `size`. */
export function lzma2DictByte(size: number): number {
  for (let b = 0; b < 40; b++) if (lzma2DictSize(b) >= size) return b;
  return 40;
}
