/**
 * Match finders over a whole in-memory input: binary trees with 2/3/4-byte hashing ("bt4") and hash
 * chains with 4-byte hashing ("hc4"), the two families xz uses (liblzma/lz/lz_encoder_mf.c describes
 * the idea; the hashing and code here are ours). Positions are absolute indices into the input; the
 * trees/chains are cyclic over `window` = dictionary size + 1 entries.
 *
 * Each position must be visited exactly once, in order, by {@link MatchFinder.find} or
 * {@link MatchFinder.skip}.
 *
 * @module
 */

/** Match finder interface used by the LZMA encoder. */
export interface MatchFinder {
  /**
   * Matches at `pos`: writes `(len, dist)` pairs with strictly increasing `len` (dist is 0-based:
   * distance − 1) into `out` and returns the number of pairs.
   */
  find(pos: number, out: Int32Array): number;
  /** Insert `pos` without reporting matches. */
  skip(pos: number): void;
}

const HASH_MUL = 0x9e3779b1 | 0;

function hash4Bits(window: number): number {
  // About one hash slot per two window bytes, between 2^16 and 2^24, as liblzma sizes its hash; a
  // smaller table would collide more, a larger one costs cache misses.
  let bits = 16;
  while (bits < 24 && 1 << (bits + 1) < window) bits++;
  return bits;
}

/** Binary-tree match finder ("bt4"). */
export class Bt4 implements MatchFinder {
  private readonly son: Int32Array;
  private readonly h2 = new Int32Array(1 << 16).fill(-1);
  private readonly h3 = new Int32Array(1 << 16).fill(-1);
  private readonly h4: Int32Array;
  private readonly shift4: number;
  private cyclicPos = -1;

  constructor(private readonly buf: Uint8Array, private readonly window: number, private readonly nice: number,
    private readonly depth: number) {
    this.son = new Int32Array(2 * window);
    const bits = hash4Bits(window);
    this.h4 = new Int32Array(1 << bits).fill(-1);
    this.shift4 = 32 - bits;
  }

  find(pos: number, out: Int32Array): number {
    const buf = this.buf;
    const window = this.window;
    if (++this.cyclicPos === window) this.cyclicPos = 0;
    const avail = buf.length - pos;
    if (avail < 4) return 0;
    const lenLimit = avail < this.nice ? avail : this.nice;
    const b0 = buf[pos];
    const b1 = buf[pos + 1];
    const v3 = b0 | (b1 << 8) | (buf[pos + 2] << 16);
    const k2 = b0 | (b1 << 8);
    const k3 = Math.imul(v3, HASH_MUL) >>> 16;
    const k4 = Math.imul(v3 | (buf[pos + 3] << 24), HASH_MUL) >>> this.shift4;
    const c2 = this.h2[k2];
    const c3 = this.h3[k3];
    let cur = this.h4[k4];
    this.h2[k2] = pos;
    this.h3[k3] = pos;
    this.h4[k4] = pos;

    let n = 0;
    let best = 1;
    let bestCand = -1;
    if (c2 >= 0 && pos - c2 < window) {
      best = 2;
      bestCand = c2;
      out[0] = 2;
      out[1] = pos - c2 - 1;
      n = 1;
    }
    if (c3 >= 0 && c3 !== c2 && pos - c3 < window && buf[c3] === b0 && buf[c3 + 1] === b1 && buf[c3 + 2] === buf[pos + 2]) {
      best = 3;
      bestCand = c3;
      out[2 * n] = 3;
      out[2 * n + 1] = pos - c3 - 1;
      n++;
    }
    if (n > 0) {
      let len = best;
      while (len < lenLimit && buf[bestCand + len] === buf[pos + len]) len++;
      out[2 * n - 2] = len;
      best = len;
      if (len >= lenLimit) {
        this.insert(pos, cur, lenLimit);
        return n;
      }
    }
    if (best < 3) best = 3;

    // Walk the tree rooted at the 4-byte hash head, re-linking it around `pos`.
    const son = this.son;
    const cp = this.cyclicPos;
    let ptr0 = (cp << 1) + 1;
    let ptr1 = cp << 1;
    let len0 = 0;
    let len1 = 0;
    let depth = this.depth;
    while (true) {
      const delta = pos - cur;
      if (depth-- === 0 || cur < 0 || delta >= window) {
        son[ptr0] = -1;
        son[ptr1] = -1;
        return n;
      }
      const pair = (cp - delta + (delta > cp ? window : 0)) << 1;
      let len = len0 < len1 ? len0 : len1;
      if (buf[cur + len] === buf[pos + len]) {
        while (++len < lenLimit && buf[cur + len] === buf[pos + len]);
        if (len > best) {
          best = len;
          out[2 * n] = len;
          out[2 * n + 1] = delta - 1;
          n++;
          if (len >= lenLimit) {
            son[ptr1] = son[pair];
            son[ptr0] = son[pair + 1];
            return n;
          }
        }
      }
      if (buf[cur + len] < buf[pos + len]) {
        son[ptr1] = cur;
        ptr1 = pair + 1;
        cur = son[ptr1];
        len1 = len;
      } else {
        son[ptr0] = cur;
        ptr0 = pair;
        cur = son[ptr0];
        len0 = len;
      }
    }
  }

  skip(pos: number): void {
    const buf = this.buf;
    if (++this.cyclicPos === this.window) this.cyclicPos = 0;
    const avail = buf.length - pos;
    if (avail < 4) return;
    const lenLimit = avail < this.nice ? avail : this.nice;
    const b0 = buf[pos];
    const b1 = buf[pos + 1];
    const v3 = b0 | (b1 << 8) | (buf[pos + 2] << 16);
    const k4 = Math.imul(v3 | (buf[pos + 3] << 24), HASH_MUL) >>> this.shift4;
    this.h2[b0 | (b1 << 8)] = pos;
    this.h3[Math.imul(v3, HASH_MUL) >>> 16] = pos;
    const cur = this.h4[k4];
    this.h4[k4] = pos;
    this.insert(pos, cur, lenLimit);
  }

  /** Insert `pos` into the tree whose root candidate is `cur`, without recording matches. */
  private insert(pos: number, cur: number, lenLimit: number): void {
    const buf = this.buf;
    const son = this.son;
    const window = this.window;
    const cp = this.cyclicPos;
    let ptr0 = (cp << 1) + 1;
    let ptr1 = cp << 1;
    let len0 = 0;
    let len1 = 0;
    let depth = this.depth;
    while (true) {
      const delta = pos - cur;
      if (depth-- === 0 || cur < 0 || delta >= window) {
        son[ptr0] = -1;
        son[ptr1] = -1;
        return;
      }
      const pair = (cp - delta + (delta > cp ? window : 0)) << 1;
      let len = len0 < len1 ? len0 : len1;
      if (buf[cur + len] === buf[pos + len]) {
        while (++len < lenLimit && buf[cur + len] === buf[pos + len]);
        if (len >= lenLimit) {
          son[ptr1] = son[pair];
          son[ptr0] = son[pair + 1];
          return;
        }
      }
      if (buf[cur + len] < buf[pos + len]) {
        son[ptr1] = cur;
        ptr1 = pair + 1;
        cur = son[ptr1];
        len1 = len;
      } else {
        son[ptr0] = cur;
        ptr0 = pair;
        cur = son[ptr0];
        len0 = len;
      }
    }
  }
}

/** Hash-chain match finder ("hc4"). */
export class Hc4 implements MatchFinder {
  private readonly chain: Int32Array;
  private readonly h2 = new Int32Array(1 << 16).fill(-1);
  private readonly h3 = new Int32Array(1 << 16).fill(-1);
  private readonly h4: Int32Array;
  private readonly shift4: number;
  private cyclicPos = -1;

  constructor(private readonly buf: Uint8Array, private readonly window: number, private readonly nice: number,
    private readonly depth: number) {
    this.chain = new Int32Array(window);
    const bits = hash4Bits(window);
    this.h4 = new Int32Array(1 << bits).fill(-1);
    this.shift4 = 32 - bits;
  }

  find(pos: number, out: Int32Array): number {
    const buf = this.buf;
    const window = this.window;
    if (++this.cyclicPos === window) this.cyclicPos = 0;
    const avail = buf.length - pos;
    if (avail < 4) return 0;
    const lenLimit = avail < this.nice ? avail : this.nice;
    const b0 = buf[pos];
    const b1 = buf[pos + 1];
    const v3 = b0 | (b1 << 8) | (buf[pos + 2] << 16);
    const k2 = b0 | (b1 << 8);
    const k3 = Math.imul(v3, HASH_MUL) >>> 16;
    const k4 = Math.imul(v3 | (buf[pos + 3] << 24), HASH_MUL) >>> this.shift4;
    const c2 = this.h2[k2];
    const c3 = this.h3[k3];
    let cur = this.h4[k4];
    this.h2[k2] = pos;
    this.h3[k3] = pos;
    this.h4[k4] = pos;
    const chain = this.chain;
    const cp = this.cyclicPos;
    chain[cp] = cur;

    let n = 0;
    let best = 1;
    let bestCand = -1;
    if (c2 >= 0 && pos - c2 < window) {
      best = 2;
      bestCand = c2;
      out[0] = 2;
      out[1] = pos - c2 - 1;
      n = 1;
    }
    if (c3 >= 0 && c3 !== c2 && pos - c3 < window && buf[c3] === b0 && buf[c3 + 1] === b1 && buf[c3 + 2] === buf[pos + 2]) {
      best = 3;
      bestCand = c3;
      out[2 * n] = 3;
      out[2 * n + 1] = pos - c3 - 1;
      n++;
    }
    if (n > 0) {
      let len = best;
      while (len < lenLimit && buf[bestCand + len] === buf[pos + len]) len++;
      out[2 * n - 2] = len;
      best = len;
      if (len >= lenLimit) return n;
    }
    if (best < 3) best = 3;
    let depth = this.depth;
    while (depth-- > 0 && cur >= 0) {
      const delta = pos - cur;
      if (delta >= window) break;
      if (buf[cur + best] === buf[pos + best] && buf[cur] === b0) {
        let len = 1;
        while (len < lenLimit && buf[cur + len] === buf[pos + len]) len++;
        if (len > best) {
          best = len;
          out[2 * n] = len;
          out[2 * n + 1] = delta - 1;
          n++;
          if (len >= lenLimit) return n;
        }
      }
      cur = chain[cp - delta + (delta > cp ? window : 0)];
    }
    return n;
  }

  skip(pos: number): void {
    const buf = this.buf;
    if (++this.cyclicPos === this.window) this.cyclicPos = 0;
    const avail = buf.length - pos;
    if (avail < 4) return;
    const b0 = buf[pos];
    const b1 = buf[pos + 1];
    const v3 = b0 | (b1 << 8) | (buf[pos + 2] << 16);
    const k4 = Math.imul(v3 | (buf[pos + 3] << 24), HASH_MUL) >>> this.shift4;
    this.h2[b0 | (b1 << 8)] = pos;
    this.h3[Math.imul(v3, HASH_MUL) >>> 16] = pos;
    this.chain[this.cyclicPos] = this.h4[k4];
    this.h4[k4] = pos;
  }
}
