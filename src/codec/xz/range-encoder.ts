/**
 * LZMA range encoder (carry-propagating, with the "cache + run of 0xFF" scheme) and bit prices.
 *
 * The scheme is the LZMA algorithm's (LZMA SDK lzma.txt; xz liblzma/rangecoder/range_encoder.h and
 * price.h for the idea of a price table in 1/16-bit units). The code is ours.
 *
 * @module
 */

/** Price of one bit in price units: prices are in 1/16 bit. */
export const PRICE_SHIFT = 4;
/** A price larger than any real one. */
export const INFINITY_PRICE = 1 << 30;

/** PRICES[prob >> 4] = -log2(prob / 2048) in 1/16 bits. */
export const PRICES = /* @__PURE__ */ (() => {
  const t = new Uint32Array(128);
  for (let i = 0; i < 128; i++) {
    const p = ((i << 4) + 8) / 2048;
    t[i] = Math.round(-Math.log2(p) * (1 << PRICE_SHIFT));
  }
  return t;
})();

/** Price of coding `bit` with probability `prob` (of a zero). */
export function bitPrice(prob: number, bit: number): number {
  return PRICES[(bit ? 2048 - prob : prob) >>> 4];
}

/** Range encoder writing into a fixed buffer (sized by the caller for one LZMA2 chunk). */
export class RangeEncoder {
  /** Low end of the interval (up to 2^32 + carry; kept as a double). */
  low = 0;
  /** Interval width (unsigned 32-bit value). */
  range = 0xffffffff;
  /** Byte held back until it is known whether a carry reaches it. */
  cache = 0;
  /** Number of held-back bytes (the cache byte plus pending 0xFF bytes). */
  cacheSize = 1;
  /** Output buffer. */
  out: Uint8Array;
  /** Bytes written to {@link out}. */
  outPos = 0;

  constructor(capacity: number) {
    this.out = new Uint8Array(capacity);
  }

  /** Start a new range-coded run (one LZMA chunk). */
  reset(): void {
    this.low = 0;
    this.range = 0xffffffff;
    this.cache = 0;
    this.cacheSize = 1;
    this.outPos = 0;
  }

  /** Upper bound of the bytes this run will have written after {@link flush}. */
  pending(): number {
    return this.outPos + this.cacheSize + 5;
  }

  /** Move the top byte of {@link low} out (through the cache, resolving carries). */
  shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= 0x100000000) {
      const carry = low >= 0x100000000 ? 1 : 0;
      let c = this.cache;
      const out = this.out;
      let o = this.outPos;
      do {
        out[o++] = c + carry;
        c = 0xff;
      } while (--this.cacheSize !== 0);
      this.outPos = o;
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0x00ffffff) * 256;
  }

  /** Encode `bit` with the adaptive probability `probs[i]`. */
  bit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i];
    const bound = (this.range >>> 11) * p;
    if (bit === 0) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[i] = p - (p >>> 5);
    }
    while (this.range < 0x1000000) {
      this.range = this.range * 256;
      this.shiftLow();
    }
  }

  /** Encode a plain literal: the 8 bits of `sym` through the bit tree at `base` (hot path, all locals). */
  literal(probs: Uint16Array, base: number, sym: number): void {
    let range = this.range;
    let low = this.low;
    let m = 1;
    for (let i = 7; i >= 0; i--) {
      const b = (sym >>> i) & 1;
      const idx = base + m;
      const p = probs[idx];
      const bound = (range >>> 11) * p;
      if (b === 0) {
        range = bound;
        probs[idx] = p + ((2048 - p) >>> 5);
      } else {
        low += bound;
        range -= bound;
        probs[idx] = p - (p >>> 5);
      }
      // One shift always suffices: after a bit, range ≥ 2^24 · 31/2048 > 2^16.
      if (range < 0x1000000) {
        range *= 256;
        this.low = low;
        this.shiftLow();
        low = this.low;
      }
      m = (m << 1) | b;
    }
    this.range = range;
    this.low = low;
  }

  /** Encode a literal after a match: bits of `sym` with the context of `matchByte`. */
  matchedLiteral(probs: Uint16Array, base: number, sym: number, matchByte: number): void {
    let range = this.range;
    let low = this.low;
    let offs = 0x100;
    let m = 1;
    let mb = matchByte;
    for (let i = 7; i >= 0; i--) {
      mb <<= 1;
      const matchBit = mb & offs;
      const b = (sym >>> i) & 1;
      const idx = base + offs + matchBit + m;
      const p = probs[idx];
      const bound = (range >>> 11) * p;
      if (b === 0) {
        range = bound;
        probs[idx] = p + ((2048 - p) >>> 5);
        offs &= ~matchBit;
      } else {
        low += bound;
        range -= bound;
        probs[idx] = p - (p >>> 5);
        offs &= matchBit;
      }
      if (range < 0x1000000) {
        range *= 256;
        this.low = low;
        this.shiftLow();
        low = this.low;
      }
      m = (m << 1) | b;
    }
    this.range = range;
    this.low = low;
  }

  /** Encode the low `n` bits of `v`, most significant first, with fixed probability 1/2. */
  direct(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.range = this.range >>> 1;
      if ((v >>> i) & 1) this.low += this.range;
      while (this.range < 0x1000000) {
        this.range = this.range * 256;
        this.shiftLow();
      }
    }
  }

  /** Bit tree of `bits` bits at `base`, most significant bit first. */
  tree(probs: Uint16Array, base: number, bits: number, v: number): void {
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const b = (v >>> i) & 1;
      this.bit(probs, base + m, b);
      m = (m << 1) | b;
    }
  }

  /** Reverse bit tree (least significant bit first). */
  reverseTree(probs: Uint16Array, base: number, bits: number, v: number): void {
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const b = (v >>> i) & 1;
      this.bit(probs, base + m, b);
      m = (m << 1) | b;
    }
  }

  /** Finish the run: after this, `out[0..outPos)` is the complete range-coded data. */
  flush(): void {
    for (let i = 0; i < 5; i++) this.shiftLow();
  }
}

/** Price of a bit tree symbol. */
export function treePrice(probs: Uint16Array, base: number, bits: number, v: number): number {
  let price = 0;
  let m = 1;
  for (let i = bits - 1; i >= 0; i--) {
    const b = (v >>> i) & 1;
    price += PRICES[(b ? 2048 - probs[base + m] : probs[base + m]) >>> 4];
    m = (m << 1) | b;
  }
  return price;
}

/** Price of a reverse bit tree symbol. */
export function reverseTreePrice(probs: Uint16Array, base: number, bits: number, v: number): number {
  let price = 0;
  let m = 1;
  for (let i = 0; i < bits; i++) {
    const b = (v >>> i) & 1;
    price += PRICES[(b ? 2048 - probs[base + m] : probs[base + m]) >>> 4];
    m = (m << 1) | b;
  }
  return price;
}
