/**
 * Value-level (structure-aware) GVariant mutation: decode the input with its type, replace one
 * node of the value tree with a hostile value of the same type (path-like names `..`, `a/b`, empty
 * strings; 31/33-byte "checksums"; extreme integers and byte-swapped modes; duplicated, dropped or
 * reordered array elements; a `v` of an unexpected type; toggled maybes) and re-encode in normal
 * form. The result frames correctly, so it gets past the GVariant layer and exercises the ostree
 * validators behind it.
 */
import { decode, encode } from '../../src/gvariant/codec.js';
import { parseType, type GVType } from '../../src/gvariant/type.js';
import { Variant, type GVValue } from '../../src/gvariant/value.js';
import type { Prng } from '../util/prng.js';
import type { Mutator } from './mutate.js';

const STRINGS = ['', '.', '..', 'a/b', '/abs', '../../etc/passwd', 'x'.repeat(300), 'é', '\x01', ' ', 'a\nb', 'ostree.sizes', 'ostree.ref-binding', 'ostree.static-deltas', 'ostree.summary.last-modified', 'ostree.commit.timestamp', 'ostree.endianness', 'xa.cache', 'main', 'deltas/aa/bb/0'];
const U32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xa4810000 /* 0o100644 BE */, 0xed410000 /* 0o40755 BE */, 0xff410000, 0xffa10000 /* 0o120777 BE */, 0x00001000, 0o100644, 0o40755, 0o120777, 0o20644];
const U64 = [0n, 1n, (1n << 63n) - 1n, (1n << 64n) - 1n, 0x00e40b5402000000n /* 10 GB BE */, 10_000_000_000n, 1n << 53n];
const DOUBLES = [NaN, Infinity, -Infinity, -0, 1e308];

interface Slot {
  type: GVType;
  get: () => GVValue;
  set: (v: GVValue) => void;
}

function collect(type: GVType, get: () => GVValue, set: (v: GVValue) => void, out: Slot[]): void {
  if (out.length > 4000) return;
  out.push({ type, get, set });
  const v = get();
  switch (type.code) {
    case 'a':
      if (type.elem!.code === 'y') return;
      (v as GVValue[]).forEach((_, i) => collect(type.elem!, () => (get() as GVValue[])[i]!, (x) => ((get() as GVValue[])[i] = x), out));
      return;
    case '(':
    case '{':
      type.members!.forEach((m, i) => collect(m, () => (get() as GVValue[])[i]!, (x) => ((get() as GVValue[])[i] = x), out));
      return;
    case 'm':
      if (v !== null) {
        const inner = (v as { just: GVValue }).just;
        collect(type.elem!, () => inner, (x) => set({ just: x }), out);
      }
      return;
    case 'v': {
      const variant = v as Variant;
      let t: GVType;
      try {
        t = parseType(variant.type);
      } catch {
        return;
      }
      collect(t, () => (get() as Variant).value, (x) => set(new Variant((get() as Variant).type, x)), out);
      return;
    }
    default:
      return;
  }
}

function hostile(type: GVType, current: GVValue, rng: Prng): GVValue | undefined {
  switch (type.code) {
    case 'b':
      return !(current as boolean);
    case 'y':
      return rng.pick([0, 1, 0x78, 0xff, rng.int(256)]);
    case 'n':
    case 'q':
      return type.code === 'q' ? rng.pick([0, 0xffff, rng.int(0x10000)]) : rng.pick([0, -1, 0x7fff, -0x8000]);
    case 'i':
    case 'h':
      return rng.pick([0, -1, 0x7fffffff, -0x80000000]);
    case 'u':
      return rng.chance(0.2) ? rng.u32() : rng.pick(U32);
    case 'x':
      return BigInt.asIntN(64, rng.pick(U64));
    case 't':
      return rng.pick(U64);
    case 'd':
      return rng.pick(DOUBLES);
    case 's':
      return rng.chance(0.15) ? `${current as string}${current as string}` : rng.pick(STRINGS);
    case 'o':
      return rng.pick(['/', '/a/b', '/a_1']);
    case 'g':
      return rng.pick(['', 's', 'a{sv}', '(a{sv}aya(say)sstayay)']);
    case 'v':
      return rng.pick([new Variant('s', '..'), new Variant('aay', []), new Variant('t', (1n << 64n) - 1n), new Variant('a{sv}', []), new Variant('ay', new Uint8Array(33)), new Variant('b', true)]);
    case 'm':
      return current === null ? undefined : null;
    case 'a': {
      if (type.elem!.code === 'y') {
        const k = rng.int(6);
        const cur = current as Uint8Array;
        if (k === 0) return new Uint8Array(0);
        if (k === 1) return cur.length > 0 ? cur.slice(0, cur.length - 1) : new Uint8Array(31);
        if (k === 2) return new Uint8Array([...cur, 0]);
        if (k === 3) return rng.bytes(32);
        if (k === 4) return new Uint8Array(rng.range(1, 5000)).fill(rng.int(256));
        return new Uint8Array(33);
      }
      const arr = [...(current as GVValue[])];
      const k = rng.int(4);
      if (arr.length === 0) return undefined;
      const i = rng.int(arr.length);
      if (k === 0) arr.splice(i, 0, structuredCloneValue(arr[i]!)); // duplicate (duplicate names / keys)
      else if (k === 1) arr.splice(i, 1);
      else if (k === 2) {
        const j = rng.int(arr.length);
        [arr[i], arr[j]] = [arr[j]!, arr[i]!]; // break sort order
      } else arr.reverse();
      return arr;
    }
    default:
      return undefined;
  }
}

function structuredCloneValue(v: GVValue): GVValue {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(structuredCloneValue);
  return v;
}

/** A mutator that replaces one node of the decoded `typeStr` value with a hostile value. */
export function valueMutator(typeStr: string, opts: { prefix?: number } = {}): Mutator {
  const type = parseType(typeStr);
  const prefix = opts.prefix ?? 0;
  return (input, rng) => {
    let root: GVValue;
    try {
      root = decode(type, input.subarray(prefix), { allowNonNormal: true });
    } catch {
      return input;
    }
    const box: GVValue[] = [root];
    const slots: Slot[] = [];
    collect(type, () => box[0]!, (x) => (box[0] = x), slots);
    const n = rng.chance(0.7) ? 1 : rng.range(2, 3);
    for (let k = 0; k < n; k++) {
      const slot = rng.pick(slots);
      try {
        const v = hostile(slot.type, slot.get(), rng);
        if (v !== undefined) slot.set(v);
      } catch {
        // the slot's parent was replaced by an earlier step in this round; skip it
      }
    }
    let out: Uint8Array;
    try {
      out = encode(type, box[0]!);
    } catch {
      return input;
    }
    if (prefix === 0) return out;
    const withPrefix = new Uint8Array(out.length + prefix);
    withPrefix.set(input.subarray(0, prefix));
    withPrefix.set(out, prefix);
    return withPrefix;
  };
}
