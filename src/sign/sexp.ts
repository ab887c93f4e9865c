/**
 * Libgcrypt S-expressions, as GnuPG stores secret keys in `private-keys-v1.d/*.key`: the canonical
 * form (`(11:private-key(3:rsa(1:n…)))`) and the "advanced" text form
 * (`(private-key (rsa (n #00AA…#)))`) — grammar from libgcrypt's `src/sexp.c` and gnupg's
 * `agent/keyformat.txt`. Pure functions over bytes.
 *
 * @module
 */
import { OstreeError } from '../errors.js';

/** An S-expression: an atom (octet string) or a list. */
export type Sexp = Uint8Array | Sexp[];

const MAX_DEPTH = 64;

function fail(msg: string, offset: number): never {
  throw new OstreeError('KEY_INVALID', `Invalid S-expression: ${msg} at offset ${offset}`, { data: { offset } });
}

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
// Token characters of libgcrypt's advanced format (`sexp.c`: alphanumerics and "-./_:*+=").
const isTokenChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
  c === 0x2d || c === 0x2e || c === 0x2f || c === 0x5f || c === 0x3a || c === 0x2a || c === 0x2b || c === 0x3d;
const hexVal = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1);

/**
 * Parse one S-expression (canonical or advanced form) starting at `start`, skipping leading
 * whitespace. Returns the expression and the offset just after it; trailing bytes are left alone
 * (decrypted key material carries random padding).
 * @throws OstreeError `KEY_INVALID`.
 */
export function parseSexp(bytes: Uint8Array, start = 0): { value: Sexp; end: number } {
  let i = start;
  const stack: Sexp[][] = [];
  let result: Sexp | undefined;
  const push = (v: Sexp) => {
    if (stack.length === 0) {
      if (result !== undefined) fail('more than one expression', i);
      result = v;
    } else {
      stack[stack.length - 1].push(v);
    }
  };
  while (i < bytes.length) {
    const c = bytes[i];
    if (isWs(c)) { i++; continue; }
    if (c === 0x28 /* ( */) {
      if (result !== undefined && stack.length === 0) break;
      if (stack.length >= MAX_DEPTH) fail('nesting too deep', i);
      stack.push([]);
      i++;
      continue;
    }
    if (c === 0x29 /* ) */) {
      if (stack.length === 0) fail('unbalanced ")"', i);
      const list = stack.pop()!;
      i++;
      push(list);
      if (stack.length === 0) return { value: result!, end: i };
      continue;
    }
    if (stack.length === 0) fail('expected "("', i);
    if (c === 0x5b /* [ display hint: parsed and dropped */) {
      const close = bytes.indexOf(0x5d, i);
      if (close < 0) fail('unterminated display hint', i);
      const inner = parseAtom(bytes, i + 1, close);
      if (inner.end !== close) fail('bad display hint', i);
      i = close + 1;
      continue;
    }
    const a = parseAtom(bytes, i, bytes.length);
    push(a.value);
    i = a.end;
  }
  fail(stack.length ? 'unterminated list' : 'no expression', i);
}

function parseAtom(bytes: Uint8Array, i: number, limit: number): { value: Uint8Array; end: number } {
  const c = bytes[i];
  if (isDigit(c)) {
    // Verbatim "len:bytes" (canonical), or a decimal length before "#hex#"/"\"str\""/"|b64|".
    let j = i;
    let n = 0;
    while (j < limit && isDigit(bytes[j])) {
      n = n * 10 + (bytes[j] - 0x30);
      if (n > 0x7fffffff) fail('length too large', i);
      j++;
    }
    if (j < limit && bytes[j] === 0x3a /* : */) {
      if (j + 1 + n > limit) fail('verbatim string runs past the end', i);
      return { value: bytes.slice(j + 1, j + 1 + n), end: j + 1 + n };
    }
    if (j < limit && (bytes[j] === 0x23 || bytes[j] === 0x22 || bytes[j] === 0x7c)) {
      const a = parseAtom(bytes, j, limit);
      if (a.value.length !== n) fail('length prefix does not match', i);
      return a;
    }
    // A token starting with a digit.
  }
  if (c === 0x23 /* #hex# */) {
    const out: number[] = [];
    let j = i + 1;
    let hi = -1;
    for (; j < limit && bytes[j] !== 0x23; j++) {
      if (isWs(bytes[j])) continue;
      const v = hexVal(bytes[j]);
      if (v < 0) fail('bad hex digit', j);
      if (hi < 0) hi = v;
      else { out.push((hi << 4) | v); hi = -1; }
    }
    if (j >= limit) fail('unterminated hex string', i);
    if (hi >= 0) fail('odd number of hex digits', i);
    return { value: Uint8Array.from(out), end: j + 1 };
  }
  if (c === 0x7c /* |base64| */) {
    const close = bytes.indexOf(0x7c, i + 1);
    if (close < 0 || close >= limit) fail('unterminated base64 string', i);
    const text = Buffer.from(bytes.subarray(i + 1, close)).toString('latin1').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) fail('bad base64', i);
    return { value: new Uint8Array(Buffer.from(text, 'base64')), end: close + 1 };
  }
  if (c === 0x22 /* "quoted" */) {
    const out: number[] = [];
    let j = i + 1;
    while (j < limit && bytes[j] !== 0x22) {
      let b = bytes[j++];
      if (b === 0x5c /* \ */) {
        if (j >= limit) break;
        const e = bytes[j++];
        const simple: Record<number, number> = { 0x62: 8, 0x74: 9, 0x76: 11, 0x6e: 10, 0x66: 12, 0x72: 13, 0x22: 0x22, 0x27: 0x27, 0x5c: 0x5c };
        if (e in simple) b = simple[e];
        else if (e === 0x78 /* x */) {
          const h1 = hexVal(bytes[j] ?? 0), h2 = hexVal(bytes[j + 1] ?? 0);
          if (h1 < 0 || h2 < 0) fail('bad \\x escape', j);
          b = (h1 << 4) | h2;
          j += 2;
        } else if (e >= 0x30 && e <= 0x37) {
          const d1 = (bytes[j] ?? 0) - 0x30, d2 = (bytes[j + 1] ?? 0) - 0x30;
          if (d1 < 0 || d1 > 7 || d2 < 0 || d2 > 7) fail('bad octal escape', j);
          b = ((e - 0x30) << 6) | (d1 << 3) | d2;
          j += 2;
        } else if (e === 0x0a || e === 0x0d) {
          if ((bytes[j] === 0x0a || bytes[j] === 0x0d) && bytes[j] !== e) j++;
          continue; // line continuation
        } else fail('bad escape', j);
      }
      out.push(b);
    }
    if (j >= limit) fail('unterminated quoted string', i);
    return { value: Uint8Array.from(out), end: j + 1 };
  }
  if (isTokenChar(c)) {
    let j = i;
    while (j < limit && isTokenChar(bytes[j])) j++;
    return { value: bytes.slice(i, j), end: j };
  }
  fail(`unexpected byte 0x${c.toString(16)}`, i);
}

/** Serialize to canonical form (`(3:abc(1:x…))`), byte-exact with libgcrypt's `GCRYSEXP_FMT_CANON`. */
export function canonicalSexp(s: Sexp): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const walk = (x: Sexp) => {
    if (x instanceof Uint8Array) {
      parts.push(enc.encode(`${x.length}:`), x);
    } else {
      parts.push(enc.encode('('));
      x.forEach(walk);
      parts.push(enc.encode(')'));
    }
  };
  walk(s);
  return new Uint8Array(Buffer.concat(parts));
}

/** The atom as a latin1 string (for tokens like `rsa`). */
export function atomText(s: Sexp | undefined): string | undefined {
  return s instanceof Uint8Array ? Buffer.from(s).toString('latin1') : undefined;
}

/** Find the first sub-list of `list` whose first element is the token `name`. */
export function findList(list: Sexp, name: string): Sexp[] | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const e of list) if (Array.isArray(e) && atomText(e[0]) === name) return e;
  return undefined;
}
