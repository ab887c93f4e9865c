/**
 * A small seeded pseudo-random generator for deterministic test and benchmark data. Not
 * cryptographic; chosen for speed and for identical output on every platform (pure 32-bit integer
 * arithmetic via `Math.imul`).
 */

/** Deterministic PRNG (xoshiro128** seeded with splitmix32). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seed with any 32-bit integer (other numbers are truncated) or a string (hashed with FNV-1a). */
  constructor(seed: number | string) {
    let s = typeof seed === 'string' ? fnv1a(seed) : seed >>> 0;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    return r;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n) for 0 < n ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /**
   * Fill `buf` with pseudo-random bytes, 4 bytes per step (fast enough for hundreds of MB). The byte
   * stream depends only on the seed and the call sequence, not on the buffer's alignment.
   */
  fill(buf: Uint8Array): Uint8Array {
    const n = buf.length;
    const words = n >>> 2;
    let i = 0;
    for (let w = 0; w < words; w++) {
      const v = this.u32();
      buf[i++] = v & 0xff;
      buf[i++] = (v >>> 8) & 0xff;
      buf[i++] = (v >>> 16) & 0xff;
      buf[i++] = v >>> 24;
    }
    if (i < n) {
      let v = this.u32();
      while (i < n) {
        buf[i++] = v & 0xff;
        v >>>= 8;
      }
    }
    return buf;
  }

  /** `n` pseudo-random bytes. */
  bytes(n: number): Uint8Array {
    return this.fill(new Uint8Array(n));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units (only used to turn string seeds into numbers). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Marsaglia xorshift32 as a closure returning successive 32-bit values — the small generator the
 * codec tests and benches use for their data (keep it bit-exact: tests pin counts derived from it).
 */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
