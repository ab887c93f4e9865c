/**
 * The GVariant type grammar as data.
 *
 * A type string (`'a{sv}'`, `'(a(say)a(sayay))'`, …) is parsed once into an immutable {@link GVType}
 * tree whose nodes carry everything the serializer needs: fixed size, alignment, how each tuple
 * member's end is found, and GLib's "type depth". Parsed types are cached by string.
 *
 * Facts from GLib: `glib/gvarianttype.c` (grammar, nesting limit `G_VARIANT_MAX_RECURSION_DEPTH` =
 * 128), `glib/gvarianttypeinfo.c` (alignment, fixed size, tuple member layout, type depth).
 *
 * @module
 */

import { OstreeError } from '../errors.js';

/** GLib's `G_VARIANT_MAX_RECURSION_DEPTH`: the deepest nesting of types and of values. */
export const MAX_DEPTH = 128;

/** How a tuple member's end position is found (GLib's `GVariantMemberEnding`). */
export const MemberEnding = {
  /** Fixed-size member: end = start + fixed size. */
  Fixed: 0,
  /** Last variable-size member: ends where the framing-offset table begins. */
  Last: 1,
  /** Variable-size member that is not last: its end offset is stored in the offset table. */
  Offset: 2,
} as const;
/** One of the {@link MemberEnding} values. */
export type MemberEnding = (typeof MemberEnding)[keyof typeof MemberEnding];

/** One-character codes of the basic (non-container) types. */
export type BasicCode = 'b' | 'y' | 'n' | 'q' | 'i' | 'u' | 'x' | 't' | 'h' | 'd' | 's' | 'o' | 'g';

/** Node code: a basic type code, `v`, or the container codes `a`, `m`, `(` (tuple) and `{` (dict entry). */
export type TypeCode = BasicCode | 'v' | 'a' | 'm' | '(' | '{';

/**
 * A parsed, immutable GVariant type.
 *
 * Obtain instances with {@link parseType}; equal type strings yield the same object while cached.
 */
export interface GVType {
  /** Node code (first character of the type string). */
  readonly code: TypeCode;
  /** The full type string of this node, e.g. `'a{sv}'`. */
  readonly str: string;
  /** Serialized size when fixed, else 0 (GLib's `fixed_size`). */
  readonly fixedSize: number;
  /** Alignment in bytes: 1, 2, 4 or 8. */
  readonly align: number;
  /** GLib's type depth (`g_variant_type_info_query_depth`): basic 1, `()` 0, container 1 + child. */
  readonly depth: number;
  /** Element type of `a` and `m`. */
  readonly elem?: GVType;
  /** Members of tuples and dict entries (`[key, value]` for `{KV}`). */
  readonly members?: readonly GVType[];
  /** Per member: how its end is found ({@link MemberEnding}); tuples and dict entries only. */
  readonly endings?: readonly MemberEnding[];
  /** Number of framing offsets a tuple/dict entry stores (variable-size members that are not last). */
  readonly nOffsets: number;
}

const FIXED: Record<string, [size: number, align: number]> = {
  b: [1, 1],
  y: [1, 1],
  n: [2, 2],
  q: [2, 2],
  i: [4, 4],
  u: [4, 4],
  h: [4, 4],
  x: [8, 8],
  t: [8, 8],
  d: [8, 8],
};

const BASIC = 'bynqiuxthdsog';

function invalid(sig: string, why: string): OstreeError {
  return new OstreeError('GVARIANT_TYPE_INVALID', `invalid GVariant type string ${JSON.stringify(sig)}: ${why}`, {
    data: { type: sig },
  });
}

function makeBasic(code: BasicCode | 'v'): GVType {
  const f = FIXED[code];
  return Object.freeze({
    code,
    str: code,
    fixedSize: f ? f[0] : 0,
    align: f ? f[1] : code === 'v' ? 8 : 1,
    depth: 1,
    nOffsets: 0,
  });
}

const basicNodes = new Map<string, GVType>();
for (const c of BASIC + 'v') basicNodes.set(c, makeBasic(c as BasicCode));

function makeContainer(code: 'a' | 'm', elem: GVType): GVType {
  return Object.freeze({
    code,
    str: code + elem.str,
    fixedSize: 0,
    align: elem.align,
    depth: 1 + elem.depth,
    elem,
    nOffsets: 0,
  });
}

/** Layout of a tuple or dict entry, following `tuple_allocate_members`/`tuple_set_base_info` in gvarianttypeinfo.c. */
function makeTuple(code: '(' | '{', members: GVType[]): GVType {
  let align = 1;
  let offset = 0;
  let fixed = true;
  let depth = 0;
  for (const m of members) {
    if (m.align > align) align = m.align;
    if (m.depth > depth) depth = m.depth;
    if (fixed) {
      if (m.fixedSize === 0) fixed = false;
      else offset = ((offset + m.align - 1) & ~(m.align - 1)) + m.fixedSize;
    }
  }
  let fixedSize = 0;
  if (fixed) {
    fixedSize = (offset + align - 1) & ~(align - 1);
    if (fixedSize === 0) fixedSize = 1; // the unit tuple `()` is one zero byte
  }
  const endings: MemberEnding[] = [];
  let nOffsets = 0;
  members.forEach((m, i) => {
    if (m.fixedSize !== 0) endings.push(MemberEnding.Fixed);
    else if (i === members.length - 1) endings.push(MemberEnding.Last);
    else {
      endings.push(MemberEnding.Offset);
      nOffsets++;
    }
  });
  const str = code + members.map((m) => m.str).join('') + (code === '(' ? ')' : '}');
  return Object.freeze({
    code,
    str,
    fixedSize,
    align,
    depth: members.length === 0 ? 0 : 1 + depth,
    members: Object.freeze(members),
    endings: Object.freeze(endings),
    nOffsets,
  });
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, GVType>(basicNodes);

/**
 * Scans one complete type starting at `pos`; returns the node and the position after it, or null.
 * `level` is the nesting level (0 at the top); GLib accepts nodes down to level 128.
 */
function scan(sig: string, pos: number, level: number): [GVType, number] | string {
  if (level > MAX_DEPTH) return 'nesting deeper than 128';
  if (pos >= sig.length) return 'unexpected end';
  const c = sig[pos]!;
  const basic = basicNodes.get(c);
  if (basic) return [basic, pos + 1];
  if (c === 'a' || c === 'm') {
    const r = scan(sig, pos + 1, level + 1);
    if (typeof r === 'string') return r;
    const str = sig.slice(pos, r[1]);
    return [cache.get(str) ?? makeContainer(c, r[0]), r[1]];
  }
  if (c === '(') {
    const members: GVType[] = [];
    let p = pos + 1;
    while (true) {
      if (p >= sig.length) return 'unterminated tuple';
      if (sig[p] === ')') break;
      const r = scan(sig, p, level + 1);
      if (typeof r === 'string') return r;
      members.push(r[0]);
      p = r[1];
    }
    return [makeTuple('(', members), p + 1];
  }
  if (c === '{') {
    const k = sig[pos + 1];
    if (k === undefined || !BASIC.includes(k)) return 'dict entry key must be a basic type';
    const key = basicNodes.get(k)!;
    if (level + 1 > MAX_DEPTH) return 'nesting deeper than 128';
    const r = scan(sig, pos + 2, level + 1);
    if (typeof r === 'string') return r;
    if (sig[r[1]] !== '}') return 'dict entry must have exactly two members';
    return [makeTuple('{', [key, r[0]]), r[1] + 1];
  }
  if (c === 'r' || c === '*' || c === '?') return `indefinite type '${c}' has no values`;
  return `unexpected character ${JSON.stringify(c)}`;
}

/**
 * Parses a single complete, definite GVariant type string (cached).
 *
 * Mirrors `g_variant_type_string_is_valid` + `g_variant_type_is_definite`.
 *
 * @throws OstreeError `GVARIANT_TYPE_INVALID` on a malformed or indefinite type string
 */
export function parseType(sig: string): GVType {
  const hit = cache.get(sig);
  if (hit) return hit;
  if (typeof sig !== 'string') throw new TypeError('parseType: sig must be a string');
  const r = scan(sig, 0, 0);
  if (typeof r === 'string') throw invalid(sig, r);
  if (r[1] !== sig.length) throw invalid(sig, 'trailing characters after a complete type');
  if (cache.size >= CACHE_LIMIT) {
    cache.clear();
    for (const [k, v] of basicNodes) cache.set(k, v);
  }
  cache.set(sig, r[0]);
  return r[0];
}

/**
 * Scans one complete type at `pos` of `sig` (for the text parser and variant type strings).
 * Returns the type and the end position, or undefined when no complete valid type starts there.
 */
export function scanType(sig: string, pos: number): { type: GVType; end: number } | undefined {
  const r = scan(sig, pos, 0);
  if (typeof r === 'string') return undefined;
  return { type: r[0], end: r[1] };
}

/** The type string of a parsed type. */
export function typeString(t: GVType): string {
  return t.str;
}

/** Accepts either form used by the public API. */
export function toType(type: string | GVType): GVType {
  return typeof type === 'string' ? parseType(type) : type;
}

/** True for the basic types (those allowed as dict-entry keys). */
export function isBasic(t: GVType): boolean {
  return t.str.length === 1 && t.code !== 'v';
}
