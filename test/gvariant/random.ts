/**
 * Test helper: seeded random GVariant types and values (mulberry32; fixed seeds keep runs reproducible).
 */
import { parseType, type GVType } from '../../src/gvariant/type.js';
import { Variant, type GVValue } from '../../src/gvariant/value.js';

/** A seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASIC = 'bynqiuxthdsog';

export class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[] | string): T {
    return xs[this.int(xs.length)] as T;
  }

  typeStr(depth: number): string {
    const k = this.r();
    if (depth <= 0 || k < 0.45) return this.pick<string>(BASIC + 'v');
    if (k < 0.6) return 'a' + this.typeStr(depth - 1);
    if (k < 0.68) return 'm' + this.typeStr(depth - 1);
    if (k < 0.78) return 'a{' + this.pick<string>(BASIC) + this.typeStr(depth - 1) + '}';
    if (k < 0.82) return 'ay';
    const n = this.int(4);
    let s = '(';
    for (let i = 0; i < n; i++) s += this.typeStr(depth - 1);
    return s + ')';
  }

  string(): string {
    const k = this.r();
    const len = this.int(k < 0.8 ? 8 : 40);
    const pools = [
      'abcxyz019 _-./',
      "abc'\"\\\n\t\r\x01\x07\x7f ",
      'éß日本語ü€',
      '😀𝄞',
    ];
    let s = '';
    for (let i = 0; i < len; i++) {
      const pool = pools[this.r() < 0.7 ? 0 : this.int(pools.length)]!;
      const chars = Array.from(pool);
      s += chars[this.int(chars.length)];
    }
    return s;
  }

  objectPath(): string {
    const n = this.int(3);
    if (n === 0) return '/';
    let p = '';
    for (let i = 0; i < n; i++) p += '/' + this.pick(['a', 'org', 'Foo_1', 'x9'] as const);
    return p;
  }

  signature(): string {
    const n = this.int(3);
    let s = '';
    for (let i = 0; i < n; i++) s += this.typeStr(2).replace(/m/g, 'a');
    return s;
  }

  double(): number {
    const k = this.int(10);
    switch (k) {
      case 0:
        return 0;
      case 1:
        return -0;
      case 2:
        return this.pick([NaN, Infinity, -Infinity, 1e300, 2.2250738585072014e-308, 1e21, 1560242064297199.25, 0.5, 2.5e-5, 1e-7, 123456789012345680000]);
      case 3:
        return this.int(1000);
      case 4:
        return this.int(2000) / 8 - 100;
      default:
        return (this.r() - 0.5) * Math.pow(10, this.int(40) - 20);
    }
  }

  bigSigned(): bigint {
    const k = this.int(5);
    if (k === 0) return this.pick([-(1n << 63n), (1n << 63n) - 1n, 0n, -1n]);
    const v = BigInt(Math.floor(this.r() * 2 ** 32)) * BigInt(Math.floor(this.r() * 2 ** 31)) + BigInt(this.int(1000));
    return this.r() < 0.5 ? -v : v;
  }

  value(t: GVType, depth = 0): GVValue {
    switch (t.code) {
      case 'b':
        return this.r() < 0.5;
      case 'y':
        return this.int(256);
      case 'n':
        return this.int(65536) - 32768;
      case 'q':
        return this.int(65536);
      case 'i':
      case 'h':
        return this.pick([-2147483648, 2147483647, 0, this.int(4294967296) - 2147483648, this.int(200) - 100]);
      case 'u':
        return this.pick([0, 4294967295, this.int(4294967296), this.int(100)]);
      case 'x':
        return this.bigSigned();
      case 't':
        return BigInt.asUintN(64, this.bigSigned());
      case 'd':
        return this.double();
      case 's':
        return this.string();
      case 'o':
        return this.objectPath();
      case 'g':
        return this.signature();
      case 'v': {
        const ct = parseType(this.typeStr(depth > 3 ? 0 : 2));
        return new Variant(ct.str, this.value(ct, depth + 1));
      }
      case 'm':
        return this.r() < 0.3 ? null : { just: this.value(t.elem!, depth + 1) };
      case 'a': {
        const n = this.r() < 0.25 ? 0 : this.int(depth > 2 ? 3 : 6);
        if (t.elem!.code === 'y') {
          const k = this.int(4);
          if (k === 0) return new Uint8Array(Buffer.from(this.string().replace(/\x00/g, '') + '\0', 'utf8'));
          if (k === 1) return new Uint8Array(Buffer.from('hello\0'));
          const b = new Uint8Array(this.int(k === 2 ? 5 : 40));
          for (let i = 0; i < b.length; i++) b[i] = this.int(256);
          return b;
        }
        const out: GVValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value(t.elem!, depth + 1));
        return out;
      }
      default:
        return t.members!.map((m) => this.value(m, depth + 1));
    }
  }
}
