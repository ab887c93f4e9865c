/**
 * GVariant serialization: {@link encode} to normal form (byte-identical to GLib) and a bounded,
 * strict-by-default {@link decode}.
 *
 * Format facts come from the GVariant specification and GLib's `glib/gvariant-serialiser.c`
 * (framing-offset widths in `gvs_get_offset_size`/`gvs_calculate_total_size`, normal-form rules in
 * the `gvs_*_is_normal` functions, variant child lookup in `gvs_variant_get_child`).
 *
 * Encoding is a single pass into one growable buffer: every value is aligned at its own start
 * (equivalent to GLib's container-relative alignment because every container starts aligned to its
 * own alignment), and a container writes its framing offsets after its children, when its body size
 * is known. Offsets being collected live on one shared stack, so no per-container arrays are built.
 *
 * Decoding follows GLib's normal-form checker step by step. Bytes that cannot be framed throw
 * `GVARIANT_INVALID`; bytes that frame but are not in normal form throw `GVARIANT_NOT_NORMAL` unless
 * `allowNonNormal` is set. Recursion is bounded by the type depth (≤ 128) and variant nesting
 * (GLib's `G_VARIANT_MAX_RECURSION_DEPTH` = 128); memory is linear in the input size.
 *
 * Decoded `ay` values are zero-copy `subarray` views into the input bytes.
 *
 * @module
 */

import { OstreeError } from '../errors.js';
import { MAX_DEPTH, MemberEnding, parseType, scanType, toType, type GVType } from './type.js';
import { Variant, type GVValue } from './value.js';

/** Options for {@link decode}. */
export interface DecodeOptions {
  /**
   * Accept data that frames correctly but is not in normal form (non-zero padding, booleans other
   * than 0/1, unused bytes before an offset table, …) and decode it as GLib would. Data that cannot be
   * framed at all still throws `GVARIANT_INVALID`. Default false.
   */
  allowNonNormal?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Encoding

const SCRATCH_KEEP = 1 << 20;

/** Writer state (module-level scratch: encode is synchronous and never calls user code). */
let buf = new Uint8Array(4096);
let view = new DataView(buf.buffer);
let pos = 0;
const offStack: number[] = [];

function grow(need: number): void {
  let n = buf.length * 2;
  while (n < pos + need) n *= 2;
  const nb = new Uint8Array(n);
  nb.set(buf.subarray(0, pos));
  buf = nb;
  view = new DataView(nb.buffer);
}

function ensure(n: number): void {
  if (pos + n > buf.length) grow(n);
}

function pad(align: number): void {
  const m = align - 1;
  if (pos & m) {
    ensure(align);
    while (pos & m) buf[pos++] = 0;
  }
}

/**
 * Width of framing offsets for a container with `body` bytes and `n` offsets (GLib's rule,
 * `gvs_get_offset_size()` / `gvs_calculate_total_size()`).
 */
export function offsetWidth(body: number, n: number): number {
  if (n === 0) return 0;
  if (body + n <= 0xff) return 1;
  if (body + 2 * n <= 0xffff) return 2;
  if (body + 4 * n <= 0xffffffff) return 4;
  return 8;
}

/**
 * Store `value` as a little-endian framing offset of `width` bytes (1, 2, 4 or 8, see
 * {@link offsetWidth}) at `out[at]`.
 */
export function putFramingOffset(out: Uint8Array, at: number, value: number, width: number): void {
  if (width === 8) {
    putFramingOffset(out, at, value % 0x100000000, 4);
    putFramingOffset(out, at + 4, Math.floor(value / 0x100000000), 4);
    return;
  }
  for (let k = 0; k < width; k++) out[at + k] = (value >>> (8 * k)) & 0xff;
}

function writeOffset(v: number, w: number): void {
  putFramingOffset(buf, pos, v, w);
  pos += w;
}

function bad(t: GVType, v: unknown, what: string): TypeError {
  let shown: string;
  try {
    shown = typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v).slice(0, 60) : String(v);
  } catch {
    shown = typeof v;
  }
  return new TypeError(`GVariant encode: expected ${what} for type '${t.str}', got ${shown}`);
}

function int(t: GVType, v: GVValue, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(t, v, 'an integer number');
  if (v < lo || v > hi) throw new RangeError(`GVariant encode: ${v} out of range for type '${t.str}'`);
  return v;
}

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function big(t: GVType, v: GVValue, lo: bigint, hi: bigint): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw bad(t, v, 'a bigint');
  if (b < lo || b > hi) throw new RangeError(`GVariant encode: ${b} out of range for type '${t.str}'`);
  return b;
}

/** Writes `s` as UTF-8 plus a terminating NUL. */
function writeString(t: GVType, s: GVValue): void {
  if (typeof s !== 'string') throw bad(t, s, 'a string');
  const n = s.length;
  ensure(n * 3 + 1);
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw new RangeError(`GVariant encode: string for type '${t.str}' contains NUL`);
      b[p++] = c;
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) {
        throw new RangeError(`GVariant encode: string for type '${t.str}' has a lone surrogate`);
      }
      i++;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      b[p++] = 0xf0 | (c >> 18);
      b[p++] = 0x80 | ((c >> 12) & 0x3f);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    } else {
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
  }
  b[p++] = 0;
  pos = p;
}

/** D-Bus object path rule (`g_variant_serialiser_is_object_path`). */
export function isObjectPath(s: string): boolean {
  if (s.length === 0 || s[0] !== '/') return false;
  if (s.length === 1) return true;
  if (s[s.length - 1] === '/') return false;
  let prevSlash = true;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2f) {
      if (prevSlash) return false;
      prevSlash = true;
    } else if (
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x5f
    ) {
      prevSlash = false;
    } else return false;
  }
  return true;
}

/** D-Bus signature rule (`g_variant_serialiser_is_signature`): zero or more complete types, no `m`. */
export function isSignature(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!'ybnqiuxthdvasog(){}'.includes(s[i]!)) return false;
  let p = 0;
  while (p < s.length) {
    const r = scanType(s, p);
    if (!r) return false;
    p = r.end;
  }
  return true;
}

function write(t: GVType, v: GVValue): void {
  if (t.align > 1) pad(t.align);
  switch (t.code) {
    case 'b':
      if (typeof v !== 'boolean') throw bad(t, v, 'a boolean');
      ensure(1);
      buf[pos++] = v ? 1 : 0;
      return;
    case 'y':
      ensure(1);
      buf[pos++] = int(t, v, 0, 0xff);
      return;
    case 'n':
      ensure(2);
      view.setInt16(pos, int(t, v, -0x8000, 0x7fff), true);
      pos += 2;
      return;
    case 'q':
      ensure(2);
      view.setUint16(pos, int(t, v, 0, 0xffff), true);
      pos += 2;
      return;
    case 'i':
    case 'h':
      ensure(4);
      view.setInt32(pos, int(t, v, -0x80000000, 0x7fffffff), true);
      pos += 4;
      return;
    case 'u':
      ensure(4);
      view.setUint32(pos, int(t, v, 0, 0xffffffff), true);
      pos += 4;
      return;
    case 'x':
      ensure(8);
      view.setBigInt64(pos, big(t, v, I64_MIN, I64_MAX), true);
      pos += 8;
      return;
    case 't':
      ensure(8);
      view.setBigUint64(pos, big(t, v, 0n, U64_MAX), true);
      pos += 8;
      return;
    case 'd':
      if (typeof v !== 'number') throw bad(t, v, 'a number');
      ensure(8);
      view.setFloat64(pos, v, true);
      pos += 8;
      return;
    case 's':
      writeString(t, v);
      return;
    case 'o':
      if (typeof v !== 'string' || !isObjectPath(v)) throw bad(t, v, 'a D-Bus object path');
      writeString(t, v);
      return;
    case 'g':
      if (typeof v !== 'string' || !isSignature(v)) throw bad(t, v, 'a D-Bus signature');
      writeString(t, v);
      return;
    case 'v': {
      if (!(v instanceof Variant)) throw bad(t, v, 'a Variant');
      const ct = parseType(v.type);
      write(ct, v.value);
      const s = ct.str;
      ensure(s.length + 1);
      buf[pos++] = 0;
      for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
      return;
    }
    case 'm': {
      if (v === null) return;
      if (typeof v !== 'object' || !('just' in v)) throw bad(t, v, 'null or { just: value }');
      const e = t.elem!;
      write(e, (v as { just: GVValue }).just);
      if (e.fixedSize === 0) {
        ensure(1);
        buf[pos++] = 0;
      }
      return;
    }
    case 'a':
      writeArray(t, v);
      return;
    default:
      writeTuple(t, v);
  }
}

function writeArray(t: GVType, v: GVValue): void {
  const e = t.elem!;
  if (e.code === 'y') {
    if (!(v instanceof Uint8Array)) throw bad(t, v, 'a Uint8Array');
    ensure(v.length);
    buf.set(v, pos);
    pos += v.length;
    return;
  }
  if (!Array.isArray(v)) throw bad(t, v, 'an array');
  const n = v.length;
  if (e.fixedSize !== 0) {
    for (let i = 0; i < n; i++) write(e, v[i]!);
    return;
  }
  if (n === 0) return;
  const start = pos;
  const base = offStack.length;
  for (let i = 0; i < n; i++) {
    write(e, v[i]!);
    offStack.push(pos - start);
  }
  const w = offsetWidth(pos - start, n);
  ensure(n * w);
  for (let i = 0; i < n; i++) writeOffset(offStack[base + i]!, w);
  offStack.length = base;
}

function writeTuple(t: GVType, v: GVValue): void {
  const members = t.members!;
  const n = members.length;
  if (!Array.isArray(v) || v.length !== n) {
    throw bad(t, v, `an array of ${n} member${n === 1 ? '' : 's'}`);
  }
  const start = pos;
  if (t.fixedSize !== 0) {
    for (let i = 0; i < n; i++) write(members[i]!, v[i]!);
    const end = start + t.fixedSize;
    ensure(end - pos);
    while (pos < end) buf[pos++] = 0;
    return;
  }
  const endings = t.endings!;
  const base = offStack.length;
  for (let i = 0; i < n; i++) {
    write(members[i]!, v[i]!);
    if (endings[i] === MemberEnding.Offset) offStack.push(pos - start);
  }
  const k = offStack.length - base;
  if (k === 0) return;
  const w = offsetWidth(pos - start, k);
  ensure(k * w);
  for (let i = k - 1; i >= 0; i--) writeOffset(offStack[base + i]!, w);
  offStack.length = base;
}

/**
 * Serializes `value` as GVariant `type` in normal form — byte-identical to GLib's
 * `g_variant_get_data()` of the same value (numbers little-endian).
 *
 * @param type - a type string or parsed type
 * @param value - a value in the {@link GVValue} representation of `type`
 * @returns a fresh buffer holding exactly the serialization
 * @throws OstreeError `GVARIANT_TYPE_INVALID` for a bad type string (also a `Variant`'s type);
 *   TypeError/RangeError when the value does not fit the type
 */
export function encode(type: string | GVType, value: GVValue): Uint8Array {
  const t = toType(type);
  pos = 0;
  offStack.length = 0;
  try {
    write(t, value);
    return buf.slice(0, pos);
  } finally {
    if (buf.length > SCRATCH_KEEP) {
      buf = new Uint8Array(4096);
      view = new DataView(buf.buffer);
    }
    offStack.length = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface Ctx {
  readonly b: Uint8Array;
  readonly dv: DataView;
  readonly lenient: boolean;
  /** False for {@link isNormalForm}: validate only, build no values. */
  readonly build: boolean;
}

function invalid(msg: string, at: number): OstreeError {
  return new OstreeError('GVARIANT_INVALID', `invalid GVariant data: ${msg} (at byte ${at})`, { data: { offset: at } });
}

function notNormal(ctx: Ctx, msg: string, at: number): void {
  if (!ctx.lenient) {
    throw new OstreeError('GVARIANT_NOT_NORMAL', `GVariant data not in normal form: ${msg} (at byte ${at})`, {
      data: { offset: at },
    });
  }
}

/** Reader-side offset width, derived from the container's total size (`gvs_get_offset_size`). */
function readWidth(size: number): number {
  if (size > 0xffffffff) return 8;
  if (size > 0xffff) return 4;
  if (size > 0xff) return 2;
  return size > 0 ? 1 : 0;
}

function readOffset(ctx: Ctx, p: number, w: number): number {
  const b = ctx.b;
  switch (w) {
    case 0:
      return 0;
    case 1:
      return b[p]!;
    case 2:
      return b[p]! | (b[p + 1]! << 8);
    case 4:
      return ctx.dv.getUint32(p, true);
    default:
      return ctx.dv.getUint32(p, true) + ctx.dv.getUint32(p + 4, true) * 0x100000000;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function readString(ctx: Ctx, s: number, e: number, build = ctx.build): string {
  const b = ctx.b;
  if (e <= s) throw invalid('empty string data (no NUL terminator)', s);
  if (b[e - 1] !== 0) throw invalid('string is not NUL-terminated', e - 1);
  const n = e - 1 - s;
  if (n <= 64) {
    let ascii = true;
    for (let i = s; i < e - 1; i++) {
      const c = b[i]!;
      if (c === 0) throw invalid('string contains an embedded NUL', i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return build ? String.fromCharCode.apply(null, b.subarray(s, e - 1) as unknown as number[]) : '';
  }
  const sub = b.subarray(s, e - 1);
  const z = sub.indexOf(0);
  if (z >= 0) throw invalid('string contains an embedded NUL', s + z);
  try {
    return utf8.decode(sub);
  } catch {
    throw invalid('string is not valid UTF-8', s);
  }
}

function dec(ctx: Ctx, t: GVType, s: number, e: number, depth: number): GVValue {
  const fs = t.fixedSize;
  if (fs !== 0 && e - s !== fs) throw invalid(`${e - s} bytes for fixed-size type '${t.str}' (needs ${fs})`, s);
  const dv = ctx.dv;
  switch (t.code) {
    case 'b': {
      if (depth >= MAX_DEPTH) notNormal(ctx, 'nesting too deep', s);
      const c = ctx.b[s]!;
      if (c > 1) notNormal(ctx, `boolean byte ${c}`, s);
      return c !== 0;
    }
    case 'y':
    case 'n':
    case 'q':
    case 'i':
    case 'h':
    case 'u':
    case 'x':
    case 't':
    case 'd':
      if (depth >= MAX_DEPTH) notNormal(ctx, 'nesting too deep', s);
      if (!ctx.build) return 0;
      switch (t.code) {
        case 'y':
          return ctx.b[s]!;
        case 'n':
          return dv.getInt16(s, true);
        case 'q':
          return dv.getUint16(s, true);
        case 'i':
        case 'h':
          return dv.getInt32(s, true);
        case 'u':
          return dv.getUint32(s, true);
        case 'x':
          return dv.getBigInt64(s, true);
        case 't':
          return dv.getBigUint64(s, true);
        default:
          return dv.getFloat64(s, true);
      }
    case 's': {
      const str = readString(ctx, s, e);
      if (depth >= MAX_DEPTH) notNormal(ctx, 'nesting too deep', s);
      return str;
    }
    case 'o': {
      const str = readString(ctx, s, e, true);
      if (!isObjectPath(str)) throw invalid('not a valid object path', s);
      if (depth >= MAX_DEPTH) notNormal(ctx, 'nesting too deep', s);
      return str;
    }
    case 'g': {
      const str = readString(ctx, s, e, true);
      if (!isSignature(str)) throw invalid('not a valid signature', s);
      if (depth >= MAX_DEPTH) notNormal(ctx, 'nesting too deep', s);
      return str;
    }
    case 'v':
      return decVariant(ctx, s, e, depth);
    case 'm': {
      if (s === e) return null;
      const el = t.elem!;
      if (el.fixedSize !== 0) {
        if (e - s !== el.fixedSize) throw invalid(`maybe of '${el.str}' has ${e - s} bytes`, s);
        const v = dec(ctx, el, s, e, depth + 1);
        return ctx.build ? { just: v } : null;
      }
      if (ctx.b[e - 1] !== 0) notNormal(ctx, 'maybe lacks its trailing zero byte', e - 1);
      const v = dec(ctx, el, s, e - 1, depth + 1);
      return ctx.build ? { just: v } : null;
    }
    case 'a':
      return decArray(ctx, t, s, e, depth);
    default:
      return decTuple(ctx, t, s, e, depth);
  }
}

function decVariant(ctx: Ctx, s: number, e: number, depth: number): Variant | null {
  const b = ctx.b;
  if (s === e) throw invalid('empty variant', s);
  let z = e - 1;
  while (z > s && b[z] !== 0) z--;
  if (b[z] !== 0) throw invalid('variant has no type separator', s);
  if (e - z - 1 > 0x10000) throw invalid('variant type string too long', z);
  const sig = String.fromCharCode.apply(null, b.subarray(z + 1, e) as unknown as number[]);
  let ct: GVType;
  try {
    ct = parseType(sig); // cached; validates a single complete definite type
  } catch {
    throw invalid(`bad variant type string ${JSON.stringify(sig.slice(0, 40))}`, z + 1);
  }
  if (ct.fixedSize !== 0 && z - s !== ct.fixedSize) {
    throw invalid(`variant child of type '${sig}' has ${z - s} bytes`, s);
  }
  // gvs_variant_get_child: depth < MAX - child depth (unsigned arithmetic in GLib)
  if (ct.depth <= MAX_DEPTH && depth >= MAX_DEPTH - ct.depth) throw invalid('variants nested too deeply', s);
  const child = dec(ctx, ct, s, z, depth + 1);
  return ctx.build ? new Variant(sig, child) : null;
}

function decArray(ctx: Ctx, t: GVType, s: number, e: number, depth: number): GVValue {
  const el = t.elem!;
  const size = e - s;
  const efs = el.fixedSize;
  if (efs !== 0) {
    if (size % efs !== 0) throw invalid(`array of '${el.str}' has ${size} bytes, not a multiple of ${efs}`, s);
    if (el.code === 'y') {
      if (size > 0 && depth + 1 >= MAX_DEPTH) notNormal(ctx, 'nesting too deep', s);
      return ctx.build ? ctx.b.subarray(s, e) : null;
    }
    const n = size / efs;
    const out: GVValue[] | null = ctx.build ? new Array(n) : null;
    for (let i = 0; i < n; i++) {
      const v = dec(ctx, el, s + i * efs, s + (i + 1) * efs, depth + 1);
      if (out) out[i] = v;
    }
    return out;
  }
  if (size === 0) return [];
  const w = readWidth(size);
  const lastEnd = readOffset(ctx, e - w, w);
  if (lastEnd > size) throw invalid('array offset table starts past the end', e - w);
  const tableSize = size - lastEnd;
  if (tableSize % w !== 0) throw invalid('array offset table size is not a multiple of the offset width', s + lastEnd);
  const n = tableSize / w;
  if (n === 0) throw invalid('non-empty array has no elements', s);
  // GLib ≥ 2.74.x (CVE-2023-32665 hardening): the offset width must be the minimal one.
  if (lastEnd + n * offsetWidth(lastEnd, n) !== size) notNormal(ctx, 'framing offsets wider than needed', e - w);
  const out: GVValue[] | null = ctx.build ? new Array(n) : null;
  const mask = el.align - 1;
  const b = ctx.b;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const end = readOffset(ctx, s + lastEnd + i * w, w);
    if (end < off || end > lastEnd) throw invalid('array element offset out of order or out of bounds', s + lastEnd + i * w);
    while (off & mask) {
      if (off >= end) throw invalid('array element padding runs past its end', s + off);
      if (b[s + off] !== 0) notNormal(ctx, 'non-zero padding', s + off);
      off++;
    }
    const v = dec(ctx, el, s + off, s + end, depth + 1);
    if (out) out[i] = v;
    off = end;
  }
  return out;
}

function decTuple(ctx: Ctx, t: GVType, s: number, e: number, depth: number): GVValue[] | null {
  const members = t.members!;
  const endings = t.endings!;
  const n = members.length;
  const size = e - s;
  const b = ctx.b;
  const w = readWidth(size);
  const out: GVValue[] | null = ctx.build ? new Array(n) : null;
  let ptr = size;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const m = members[i]!;
    const mask = m.align - 1;
    while (off & mask) {
      if (off >= size) throw invalid('tuple member padding runs past the end', s + off);
      if (b[s + off] !== 0) notNormal(ctx, 'non-zero padding', s + off);
      off++;
    }
    let end: number;
    const ending = endings[i];
    if (ending === MemberEnding.Fixed) end = off + m.fixedSize;
    else if (ending === MemberEnding.Last) end = ptr;
    else {
      if (ptr < w) throw invalid('tuple offset table runs past the start', s);
      ptr -= w;
      if (ptr < off) throw invalid('tuple offset table overlaps its members', s + ptr);
      end = readOffset(ctx, s + ptr, w);
    }
    if (end < off || end > ptr) throw invalid('tuple member offset out of order or out of bounds', s + off);
    const v = dec(ctx, m, s + off, s + end, depth + 1);
    if (out) out[i] = v;
    off = end;
  }
  if (t.fixedSize !== 0) {
    if (n === 0) {
      if (b[s] !== 0) notNormal(ctx, 'unit tuple byte is not zero', s);
    } else {
      const mask = t.align - 1;
      while (off & mask) {
        if (b[s + off] !== 0) notNormal(ctx, 'non-zero padding', s + off);
        off++;
      }
    }
    return out;
  }
  if (ptr !== off) notNormal(ctx, 'unused bytes before the tuple offset table', s + off);
  const k = t.nOffsets;
  if (k > 0 && w > 0 && ptr + k * offsetWidth(ptr, k) !== size) {
    notNormal(ctx, 'framing offsets wider than needed', s + ptr);
  }
  return out;
}

/**
 * Deserializes GVariant `type` from `bytes`.
 *
 * Strict by default: only the normal form GLib would produce is accepted (see the module notes
 * for the two error codes). `ay` results are zero-copy views into `bytes`.
 *
 * @throws OstreeError `GVARIANT_INVALID` (cannot be framed), `GVARIANT_NOT_NORMAL` (frames but not
 *   normal; suppressed by `allowNonNormal`), `GVARIANT_TYPE_INVALID` (bad type string)
 */
export function decode(type: string | GVType, bytes: Uint8Array, opts: DecodeOptions = {}): GVValue {
  return run(type, bytes, opts.allowNonNormal === true, true);
}

function run(type: string | GVType, bytes: Uint8Array, lenient: boolean, build: boolean): GVValue {
  const t = toType(type);
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decode: bytes must be a Uint8Array');
  const ctx: Ctx = {
    b: bytes,
    dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    lenient,
    build,
  };
  return dec(ctx, t, 0, bytes.length, 0);
}

/**
 * True when `bytes` is the normal-form serialization of some value of `type`
 * (`g_variant_is_normal_form` on `g_variant_new_from_bytes(type, bytes, FALSE)`).
 */
export function isNormalForm(type: string | GVType, bytes: Uint8Array): boolean {
  try {
    run(type, bytes, false, false); // validate only: no values are built
    return true;
  } catch (e) {
    if (e instanceof OstreeError && (e.code === 'GVARIANT_INVALID' || e.code === 'GVARIANT_NOT_NORMAL')) return false;
    throw e;
  }
}
