/**
 * The GVariant text format: {@link print} (= `g_variant_print`) and {@link parse} (= `g_variant_parse`).
 *
 * Facts from GLib's `glib/gvariant.c` (`g_variant_print_string`) and `glib/gvariant-parser.c`
 * (tokens, escapes, type-pattern inference: untyped integers default to `int32`, decimals to
 * `double`, strings to `s`; dictionaries infer their type from the first entry), checked
 * against GLib 2.74 through python3-gi.
 *
 * @module
 */

import { OstreeError } from '../errors.js';
import { isObjectPath, isSignature } from './codec.js';
import { MAX_DEPTH, parseType, scanType, toType, type GVType } from './type.js';
import { Variant, type GVMaybe, type GVValue } from './value.js';

// ---------------------------------------------------------------------------------------------
// Printing

const NONPRINT = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}]/u;
const CTRL_ESC: Record<number, string> = { 7: 'a', 8: 'b', 12: 'f', 10: 'n', 13: 'r', 9: 't', 11: 'v' };

/** GLib's string quoting in `g_variant_print`: `'…'` unless the string holds `'`, escapes per `g_unichar_isprint`. */
function quoteString(s: string): string {
  const q = s.includes("'") ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\';
    if (!NONPRINT.test(ch)) out += ch;
    else if (c < 0x10000) {
      const e = CTRL_ESC[c];
      out += '\\' + (e ?? 'u' + c.toString(16).padStart(4, '0'));
    } else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + q;
}

/** GLib's `g_strescape` (no exceptions), used for `b'…'` bytestrings. */
function strescape(b: Uint8Array, end: number): string {
  let out = '';
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    switch (c) {
      case 8:
        out += '\\b';
        break;
      case 12:
        out += '\\f';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 11:
        out += '\\v';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      default:
        if (c < 0x20 || c >= 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
        else out += String.fromCharCode(c);
    }
  }
  return out;
}

/** Exact decimal expansion of a finite positive double: value = 0.DIGITS × 10^point. */
function exactDecimal(a: number): { digits: string; point: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, a);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = bexp - 1075;
  }
  let digits: string;
  let frac: number; // number of digits after the decimal point
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    frac = 0;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    frac = -e;
  }
  const intLen = digits.length - frac; // may be ≤ 0
  const stripped = digits.replace(/^0+/, '');
  const point = intLen - (digits.length - stripped.length);
  return { digits: stripped.replace(/0+$/, ''), point };
}

/** `printf("%.17g")` as glibc does it (what `g_ascii_dtostr` produces): exact, round-half-even. */
function formatG17(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  const neg = d < 0 || Object.is(d, -0);
  if (d === 0) return neg ? '-0' : '0';
  const P = 17;
  let { digits, point } = exactDecimal(Math.abs(d));
  if (digits.length > P) {
    const keep = digits.slice(0, P);
    const rest = digits.slice(P);
    let up: boolean;
    if (rest[0]! > '5') up = true;
    else if (rest[0]! < '5') up = false;
    else if (/[1-9]/.test(rest.slice(1))) up = true;
    else up = (Number(keep[P - 1]) & 1) === 1; // tie: to even
    let kd = keep;
    if (up) {
      const n = (BigInt(keep) + 1n).toString();
      if (n.length > P) {
        point++;
        kd = n.slice(0, P);
      } else kd = n;
    }
    digits = kd;
  }
  digits = digits.replace(/0+$/, '');
  if (digits === '') digits = '0';
  const X = point - 1;
  let body: string;
  if (X < -4 || X >= P) {
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    body = mant + 'e' + (X < 0 ? '-' : '+') + String(Math.abs(X)).padStart(2, '0');
  } else if (point <= 0) {
    body = '0.' + '0'.repeat(-point) + digits;
  } else if (digits.length <= point) {
    body = digits + '0'.repeat(point - digits.length);
  } else {
    body = digits.slice(0, point) + '.' + digits.slice(point);
  }
  return (neg ? '-' : '') + body;
}

/** How `g_variant_print` renders a double: `%.17g`, plus `.0` when that looks like an integer. */
export function formatDouble(d: number): string {
  const s = formatG17(d);
  return /[.eEnN]/.test(s) ? s : s + '.0';
}

const NUM_ANNOT: Record<string, string> = {
  n: 'int16 ',
  q: 'uint16 ',
  u: 'uint32 ',
  x: 'int64 ',
  t: 'uint64 ',
  h: 'handle ',
};

function pr(t: GVType, v: GVValue, ann: boolean, out: string[]): void {
  switch (t.code) {
    case 'm': {
      if (ann) out.push('@' + t.str + ' ');
      // g_variant_print_string: drop "just" unless a Nothing is nested inside.
      let depth = 0;
      let cur: GVValue = v;
      let ct = t;
      while (ct.code === 'm' && cur !== null) {
        cur = (cur as GVMaybe).just;
        ct = ct.elem!;
        depth++;
      }
      if (cur === null) {
        for (let i = 0; i < depth; i++) out.push('just ');
        out.push('nothing');
      } else pr(ct, cur, false, out);
      return;
    }
    case 'a': {
      const el = t.elem!;
      if (el.code === 'y') {
        const b = v as Uint8Array;
        const z = b.indexOf(0);
        if (b.length > 0 && z === b.length - 1) {
          const hasQuote = b.subarray(0, z).includes(0x27);
          out.push(hasQuote ? 'b"' + strescape(b, z) + '"' : "b'" + strescape(b, z) + "'");
          return;
        }
        if (b.length === 0) {
          out.push(ann ? '@ay []' : '[]');
          return;
        }
        out.push('[');
        for (let i = 0; i < b.length; i++) {
          if (i) out.push(', ');
          out.push((ann && i === 0 ? 'byte ' : '') + '0x' + b[i]!.toString(16).padStart(2, '0'));
        }
        out.push(']');
        return;
      }
      const arr = v as GVValue[];
      const dict = el.code === '{';
      if (arr.length === 0) {
        out.push((ann ? '@' + t.str + ' ' : '') + (dict ? '{}' : '[]'));
        return;
      }
      out.push(dict ? '{' : '[');
      for (let i = 0; i < arr.length; i++) {
        if (i) out.push(', ');
        const a = ann && i === 0;
        if (dict) {
          const e = arr[i] as GVValue[];
          pr(el.members![0]!, e[0]!, a, out);
          out.push(': ');
          pr(el.members![1]!, e[1]!, a, out);
        } else pr(el, arr[i]!, a, out);
      }
      out.push(dict ? '}' : ']');
      return;
    }
    case '(': {
      const ms = t.members!;
      const arr = v as GVValue[];
      out.push('(');
      for (let i = 0; i < ms.length; i++) {
        if (i) out.push(', ');
        pr(ms[i]!, arr[i]!, ann, out);
      }
      out.push(ms.length === 1 ? ',)' : ')');
      return;
    }
    case '{': {
      const arr = v as GVValue[];
      out.push('{');
      pr(t.members![0]!, arr[0]!, ann, out);
      out.push(', ');
      pr(t.members![1]!, arr[1]!, ann, out);
      out.push('}');
      return;
    }
    case 'v': {
      const vv = v as Variant;
      out.push('<');
      pr(parseType(vv.type), vv.value, true, out);
      out.push('>');
      return;
    }
    case 'b':
      out.push(v ? 'true' : 'false');
      return;
    case 'y':
      out.push((ann ? 'byte ' : '') + '0x' + (v as number).toString(16).padStart(2, '0'));
      return;
    case 'd':
      out.push(formatDouble(v as number));
      return;
    case 's':
      out.push(quoteString(v as string));
      return;
    case 'o':
      out.push((ann ? 'objectpath ' : '') + quoteString(v as string));
      return;
    case 'g':
      out.push((ann ? 'signature ' : '') + quoteString(v as string));
      return;
    default:
      out.push((ann ? (NUM_ANNOT[t.code] ?? '') : '') + String(v));
  }
}

/**
 * Renders a value in the GVariant text format, exactly as `g_variant_print(value, annotate)`.
 *
 * @param type - the value's type
 * @param value - a value of that type (not validated; encode first if unsure)
 * @param opts - `annotate`: add type annotations where GLib does (`uint32 5`, `@as []`)
 */
export function print(type: string | GVType, value: GVValue, opts: { annotate?: boolean } = {}): string {
  const out: string[] = [];
  pr(toType(type), value, opts.annotate === true, out);
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Ast =
  | { k: 'num'; text: string; float: boolean; at: number }
  | { k: 'bool'; v: boolean; at: number }
  | { k: 'str'; v: string; at: number }
  | { k: 'bytes'; v: Uint8Array; at: number }
  | { k: 'arr'; items: Ast[]; at: number }
  | { k: 'tuple'; items: Ast[]; at: number }
  | { k: 'dict'; keys: Ast[]; vals: Ast[]; at: number }
  | { k: 'entry'; key: Ast; val: Ast; at: number }
  | { k: 'var'; inner: Ast; at: number }
  | { k: 'just'; inner: Ast; at: number }
  | { k: 'nothing'; at: number }
  | { k: 'typed'; type: GVType; inner: Ast; at: number };

function fail(msg: string, at: number): OstreeError {
  return new OstreeError('GVARIANT_TEXT_INVALID', `GVariant text: ${at}: ${msg}`, { data: { offset: at } });
}

const KEYWORD_TYPES: Record<string, string> = {
  boolean: 'b',
  byte: 'y',
  int16: 'n',
  uint16: 'q',
  int32: 'i',
  uint32: 'u',
  int64: 'x',
  uint64: 't',
  handle: 'h',
  double: 'd',
  string: 's',
  objectpath: 'o',
  signature: 'g',
};

const INT_RE = /^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
const FLOAT_RE = /^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|nan)$/;

class Parser {
  pos = 0;
  depth = 0;
  constructor(readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.pos < s.length && /[ \t\n\r\f]/.test(s[this.pos]!)) this.pos++;
  }

  peek(): string | undefined {
    this.ws();
    return this.s[this.pos];
  }

  expect(c: string, what: string): void {
    if (this.peek() !== c) throw fail(`expected ${what}`, this.pos);
    this.pos++;
  }

  word(): string {
    const s = this.s;
    const start = this.pos;
    while (this.pos < s.length && /[A-Za-z0-9_]/.test(s[this.pos]!)) this.pos++;
    return s.slice(start, this.pos);
  }

  value(): Ast {
    if (++this.depth > MAX_DEPTH) throw fail('nesting too deep', this.pos);
    try {
      return this.value1();
    } finally {
      this.depth--;
    }
  }

  value1(): Ast {
    const c = this.peek();
    const at = this.pos;
    const s = this.s;
    if (c === undefined) throw fail('expected value', at);
    if (c === '@') {
      this.pos++;
      const r = scanType(s, this.pos);
      if (!r) throw fail('invalid type declaration', this.pos);
      this.pos = r.end;
      return { k: 'typed', type: r.type, inner: this.value(), at };
    }
    if (c === '[') {
      this.pos++;
      const items: Ast[] = [];
      if (this.peek() !== ']') {
        for (;;) {
          items.push(this.value());
          if (this.peek() === ',') {
            this.pos++;
            continue;
          }
          break;
        }
      }
      this.expect(']', "']' or ',' in array");
      return { k: 'arr', items, at };
    }
    if (c === '(') {
      this.pos++;
      const items: Ast[] = [];
      if (this.peek() === ')') {
        this.pos++;
        return { k: 'tuple', items, at };
      }
      items.push(this.value());
      if (this.peek() !== ',') throw fail("expected ',' after first tuple element", this.pos);
      this.pos++;
      while (this.peek() !== ')') {
        items.push(this.value());
        if (this.peek() === ',') this.pos++;
        else break;
      }
      this.expect(')', "')' to end tuple");
      return { k: 'tuple', items, at };
    }
    if (c === '{') {
      this.pos++;
      if (this.peek() === '}') {
        this.pos++;
        return { k: 'dict', keys: [], vals: [], at };
      }
      const first = this.value();
      if (this.peek() === ',') {
        this.pos++;
        const val = this.value();
        this.expect('}', "'}' to end dictionary entry");
        return { k: 'entry', key: first, val, at };
      }
      this.expect(':', "':' or ',' after dictionary key");
      const keys = [first];
      const vals = [this.value()];
      while (this.peek() === ',') {
        this.pos++;
        keys.push(this.value());
        this.expect(':', "':' after dictionary key");
        vals.push(this.value());
      }
      this.expect('}', "'}' to end dictionary");
      return { k: 'dict', keys, vals, at };
    }
    if (c === '<') {
      this.pos++;
      const inner = this.value();
      this.expect('>', "'>' to follow variant value");
      return { k: 'var', inner, at };
    }
    if (c === "'" || c === '"') return { k: 'str', v: this.string(), at };
    if (c === 'b' && (s[this.pos + 1] === "'" || s[this.pos + 1] === '"')) {
      this.pos++;
      return { k: 'bytes', v: this.bytestring(), at };
    }
    if (/[0-9+\-.]/.test(c)) {
      const start = this.pos;
      while (this.pos < s.length && /[A-Za-z0-9+\-.]/.test(s[this.pos]!)) this.pos++;
      return this.number(s.slice(start, this.pos), at);
    }
    if (/[A-Za-z_]/.test(c)) {
      const w = this.word();
      switch (w) {
        case 'true':
        case 'false':
          return { k: 'bool', v: w === 'true', at };
        case 'nothing':
          return { k: 'nothing', at };
        case 'just':
          return { k: 'just', inner: this.value(), at };
        case 'inf':
        case 'nan':
          return { k: 'num', text: w, float: true, at };
      }
      const kt = KEYWORD_TYPES[w];
      if (kt) return { k: 'typed', type: parseType(kt), inner: this.value(), at };
      throw fail(`unknown keyword '${w}'`, at);
    }
    throw fail('expected value', at);
  }

  number(text: string, at: number): Ast {
    if (INT_RE.test(text)) return { k: 'num', text, float: false, at };
    if (FLOAT_RE.test(text) && /[.eE]|inf|nan/.test(text)) {
      const d = parseFloatText(text);
      const digits = text.replace(/[eE].*$/, '');
      if (!Number.isFinite(d) && !/inf|nan/.test(text)) throw fail('number too big for any type', at);
      if (Number.isFinite(d) && Math.abs(d) < 2.2250738585072014e-308 && /[1-9]/.test(digits)) {
        throw fail('number too big for any type', at);
      }
      return { k: 'num', text, float: true, at };
    }
    throw fail('invalid character in number', at);
  }

  string(): string {
    const s = this.s;
    const q = s[this.pos]!;
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= s.length) throw fail('unterminated string constant', start);
      const c = s[this.pos++]!;
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      if (this.pos >= s.length) throw fail('unterminated string constant', start);
      const e = s[this.pos++]!;
      if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = s.slice(this.pos, this.pos + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n || parseInt(hex, 16) === 0) {
          throw fail(`invalid ${n}-character unicode escape`, this.pos - 2);
        }
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw fail('invalid unicode escape', this.pos - 2);
        out += String.fromCodePoint(cp);
        this.pos += n;
        continue;
      }
      const m = CTRL_UNESC[e];
      out += m ?? e;
    }
  }

  bytestring(): Uint8Array {
    const s = this.s;
    const q = s[this.pos]!;
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    const enc = new TextEncoder();
    for (;;) {
      if (this.pos >= s.length) throw fail('unterminated string constant', start);
      const c = s[this.pos++]!;
      if (c === q) break;
      if (c !== '\\') {
        const cp = c.charCodeAt(0);
        if (cp < 0x80) out.push(cp);
        else {
          let ch = c;
          if (cp >= 0xd800 && cp <= 0xdbff && this.pos < s.length) ch += s[this.pos++];
          for (const b of enc.encode(ch)) out.push(b);
        }
        continue;
      }
      if (this.pos >= s.length) throw fail('unterminated string constant', start);
      const e = s[this.pos++]!;
      if (/[0-7]/.test(e)) {
        let v = Number(e);
        for (let k = 0; k < 2 && /[0-7]/.test(s[this.pos] ?? ''); k++) v = v * 8 + Number(s[this.pos++]);
        out.push(v & 0xff);
        continue;
      }
      const m = CTRL_UNESC[e];
      const ch = m ?? e;
      for (const b of enc.encode(ch)) out.push(b);
    }
    out.push(0);
    return Uint8Array.from(out);
  }
}

const CTRL_UNESC: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function parseFloatText(text: string): number {
  const t = text.replace(/^\+/, '');
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return Number(t.endsWith('.') ? t + '0' : t.startsWith('.') || t.startsWith('-.') ? t.replace('.', '0.') : t);
}

// --- type patterns (GLib's gvariant-parser.c "patterns": N integer literal, D decimal literal,
//     S string literal, * anything) -------------------------------------------------------------

function patEnd(p: string, i: number): number {
  const c = p[i];
  if (c === 'a' || c === 'm' || c === 'M') return patEnd(p, i + 1);
  if (c === '(' || c === '{') {
    let j = i + 1;
    while (p[j] !== ')' && p[j] !== '}') {
      if (j >= p.length) return p.length;
      j = patEnd(p, j);
    }
    return j + 1;
  }
  return i + 1;
}

const NUMERIC = 'ynqiuxthd';

function coalesce(a: string, b: string, at: number): string {
  const r = co(a, 0, b, 0);
  if (!r) throw fail('unable to find a common type', at);
  return r[0];
}

function co(a: string, i: number, b: string, j: number): [string, number, number] | undefined {
  const x = a[i]!;
  const y = b[j]!;
  if (x === '*') {
    const e = patEnd(b, j);
    return [b.slice(j, e), i + 1, e];
  }
  if (y === '*') {
    const e = patEnd(a, i);
    return [a.slice(i, e), e, j + 1];
  }
  // 'M': "may be wrapped in an implicit Just" (untyped literals only, as GLib's patterns)
  if (x === 'M' && y === 'M') {
    const r = co(a, i + 1, b, j + 1);
    return r && ['M' + r[0], r[1], r[2]];
  }
  if (x === 'M' && y === 'm') {
    const r = co(a, i, b, j + 1); // M absorbs any number of maybes
    return r && ['m' + r[0], r[1], r[2]];
  }
  if (y === 'M' && x === 'm') {
    const r = co(a, i + 1, b, j);
    return r && ['m' + r[0], r[1], r[2]];
  }
  if (x === 'M') return co(a, i + 1, b, j);
  if (y === 'M') return co(a, i, b, j + 1);
  if (x === 'm' && y === 'm') {
    const r = co(a, i + 1, b, j + 1);
    return r && ['m' + r[0], r[1], r[2]];
  }
  if (x === 'a' && y === 'a') {
    const r = co(a, i + 1, b, j + 1);
    return r && ['a' + r[0], r[1], r[2]];
  }
  if ((x === '(' && y === '(') || (x === '{' && y === '{')) {
    let out = x;
    let p = i + 1;
    let q = j + 1;
    for (;;) {
      const ea = a[p] === ')' || a[p] === '}';
      const eb = b[q] === ')' || b[q] === '}';
      if (ea && eb) return [out + a[p], p + 1, q + 1];
      if (ea || eb) return undefined;
      const r = co(a, p, b, q);
      if (!r) return undefined;
      out += r[0];
      p = r[1];
      q = r[2];
    }
  }
  if (x === y) return [x, i + 1, j + 1];
  if (x === 'N' && (NUMERIC.includes(y) || y === 'D')) return [y, i + 1, j + 1];
  if (y === 'N' && (NUMERIC.includes(x) || x === 'D')) return [x, i + 1, j + 1];
  if (x === 'D' && y === 'd') return ['d', i + 1, j + 1];
  if (y === 'D' && x === 'd') return ['d', i + 1, j + 1];
  if (x === 'S' && 'sog'.includes(y)) return [y, i + 1, j + 1];
  if (y === 'S' && 'sog'.includes(x)) return [x, i + 1, j + 1];
  return undefined;
}

function pattern(n: Ast): string {
  switch (n.k) {
    case 'typed':
      return n.type.str;
    case 'just':
      return 'm' + pattern(n.inner);
    case 'nothing':
      return 'm*';
    default:
      return 'M' + basePattern(n);
  }
}

function basePattern(n: Ast): string {
  switch (n.k) {
    case 'num':
      return n.float ? 'D' : 'N';
    case 'bool':
      return 'b';
    case 'str':
      return 'S';
    case 'bytes':
      return 'ay';
    case 'arr': {
      if (n.items.length === 0) return 'a*';
      let p = pattern(n.items[0]!);
      for (let i = 1; i < n.items.length; i++) p = coalesce(p, pattern(n.items[i]!), n.at);
      return 'a' + p;
    }
    case 'tuple':
      return '(' + n.items.map(pattern).join('') + ')';
    case 'dict': {
      // GLib: keys are coalesced over all entries, the value type comes from the first entry only.
      if (n.keys.length === 0) return 'a{**}';
      let k = pattern(n.keys[0]!);
      for (let i = 1; i < n.keys.length; i++) k = coalesce(k, pattern(n.keys[i]!), n.at);
      if (!isBasicPattern(k)) throw fail('dictionary keys must have basic types', n.at);
      return 'a{' + k + pattern(n.vals[0]!) + '}';
    }
    case 'entry': {
      const k = pattern(n.key);
      if (!isBasicPattern(k)) throw fail('dictionary keys must have basic types', n.at);
      return '{' + k + pattern(n.val) + '}';
    }
    case 'var':
      return 'v';
    default:
      return pattern(n);
  }
}

function isBasicPattern(p: string): boolean {
  const q = p.replace(/M/g, '');
  return q.length === 1 && 'bynqiuxthdsogNDS*'.includes(q);
}

function resolve(p: string, at: number): GVType {
  if (p.includes('*')) throw fail('unable to infer type', at);
  const s = p.replace(/M/g, '').replace(/N/g, 'i').replace(/D/g, 'd').replace(/S/g, 's');
  try {
    return parseType(s);
  } catch {
    throw fail(`invalid type '${s}'`, at);
  }
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  y: [0n, 255n],
  n: [-32768n, 32767n],
  q: [0n, 65535n],
  i: [-2147483648n, 2147483647n],
  h: [-2147483648n, 2147483647n],
  u: [0n, 4294967295n],
  x: [-(1n << 63n), (1n << 63n) - 1n],
  t: [0n, (1n << 64n) - 1n],
};

function parseIntText(text: string): bigint {
  let t = text;
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let v: bigint;
  if (/^0[xX]/.test(t)) v = BigInt('0x' + t.slice(2));
  else if (t.length > 1 && t[0] === '0') v = BigInt('0o' + t.slice(1));
  else v = BigInt(t);
  return neg ? -v : v;
}

function convert(n: Ast, t: GVType): GVValue {
  // GLib's typedecl_get_value: the declaration only steers inference; the value gets the
  // expected type (a later dict entry's declaration is never checked).
  if (n.k === 'typed') return convert(n.inner, t);
  if (t.code === 'm') {
    if (n.k === 'nothing') return null;
    if (n.k === 'just') return { just: convert(n.inner, t.elem!) };
    return { just: convert(n, t.elem!) };
  }
  const bad = (): OstreeError => fail(`can not parse as value of type '${t.str}'`, n.at);
  switch (n.k) {
    case 'num': {
      const range = INT_RANGE[t.code];
      if (range) {
        if (n.float) throw fail('invalid character in number', n.at);
        const v = parseIntText(n.text);
        if (v < range[0] || v > range[1]) throw fail(`number out of range for type '${t.code}'`, n.at);
        return t.code === 'x' || t.code === 't' ? v : Number(v);
      }
      if (t.code === 'd') return n.float ? parseFloatText(n.text) : Number(parseIntText(n.text));
      throw bad();
    }
    case 'bool':
      if (t.code !== 'b') throw bad();
      return n.v;
    case 'str':
      if (t.code === 's') return n.v;
      if (t.code === 'o') {
        if (!isObjectPath(n.v)) throw fail(`'${n.v}' is not a valid D-Bus object path`, n.at);
        return n.v;
      }
      if (t.code === 'g') {
        if (!isSignature(n.v)) throw fail(`'${n.v}' is not a valid D-Bus type signature`, n.at);
        return n.v;
      }
      throw bad();
    case 'bytes':
      if (t.str !== 'ay') throw bad();
      return n.v;
    case 'arr': {
      if (t.code !== 'a') throw bad();
      const el = t.elem!;
      if (el.code === 'y') return Uint8Array.from(n.items.map((x) => convert(x, el) as number));
      return n.items.map((x) => convert(x, el));
    }
    case 'tuple':
      if (t.code !== '(' || t.members!.length !== n.items.length) throw bad();
      return n.items.map((x, i) => convert(x, t.members![i]!));
    case 'dict': {
      if (t.code !== 'a' || t.elem!.code !== '{') throw bad();
      const [kt, vt] = t.elem!.members!;
      return n.keys.map((k, i) => [convert(k, kt!), convert(n.vals[i]!, vt!)]);
    }
    case 'entry':
      if (t.code !== '{') throw bad();
      return [convert(n.key, t.members![0]!), convert(n.val, t.members![1]!)];
    case 'var': {
      if (t.code !== 'v') throw bad();
      const it = resolve(pattern(n.inner), n.inner.at);
      return new Variant(it.str, convert(n.inner, it));
    }
    case 'just':
    case 'nothing':
      throw bad();
  }
}

/**
 * Parses the GVariant text format, as `g_variant_parse(type, text)`.
 *
 * Without `type`, the type is inferred the way GLib does (untyped integers → `int32`, decimals →
 * `double`, strings → `s`, dictionaries from their first entry; `[]`/`nothing` need `@type`).
 *
 * @returns the (given or inferred) type string and the value
 * @throws OstreeError `GVARIANT_TEXT_INVALID` on any syntax or type error
 */
export function parse(text: string, type?: string | GVType): { type: string; value: GVValue } {
  if (typeof text !== 'string') throw new TypeError('parse: text must be a string');
  let t: GVType | undefined;
  if (type !== undefined) {
    try {
      t = toType(type);
    } catch (e) {
      if (e instanceof OstreeError) throw fail(e.message, 0);
      throw e;
    }
  }
  const p = new Parser(text);
  const ast = p.value();
  if (p.peek() !== undefined) throw fail('expected end of input', p.pos);
  if (!t) t = resolve(pattern(ast), 0);
  else coalesce(t.str, pattern(ast), 0);
  return { type: t.str, value: convert(ast, t) };
}
