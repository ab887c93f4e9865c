/**
 * Differential tests against GLib's GVariant (python3-gi): serialization, deserialization,
 * normal-form checking, printing and parsing, on a few thousand seeded random values.
 */
import { describe, it, expect } from 'vitest';
import { encode, decode, isNormalForm } from '../../src/gvariant/codec.js';
import { parseType } from '../../src/gvariant/type.js';
import { print, parse } from '../../src/gvariant/text.js';
import { OstreeError } from '../../src/errors.js';
import { Variant, type GVValue } from '../../src/gvariant/value.js';
import { Gen, rng } from './random.js';
import { glibUnavailable, runOracle, toJson, type OracleRequest } from './glib-oracle.js';

const missing = glibUnavailable();
if (missing && process.env.CI) throw new Error(`GLib oracle required under CI: ${missing}`);
if (missing) console.warn(`skipping GLib differential tests: ${missing}`);
const d = missing ? describe.skip : describe;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Case {
  type: string;
  value: GVValue;
}

/** Random cases plus containers whose total size straddles each framing-offset width boundary. */
function cases(): Case[] {
  const g = new Gen(rng(0x5eed));
  const out: Case[] = [];
  for (const b of 'bynqiuxthdsogv') for (let i = 0; i < 12; i++) out.push({ type: b, value: g.value(parseType(b)) });
  const fixedTypes = ['()', '(())', 'a()', 'ay', 'ai', 'at', 'a(yi)', '(ty)', 'ab', 'ad', 'm()', 'my', 'mt', 'ms', 'mas', 'mv', 'av', 'aay', 'a{sv}', 'a{ys}', '(a(say)a(sayay))', '(uuua(ayay))', '(a{sv}aya(say)sstayay)', '(yat)', '(asas)', '(as)'];
  for (const t of fixedTypes) for (let i = 0; i < 20; i++) out.push({ type: t, value: g.value(parseType(t)) });
  for (let i = 0; i < 2500; i++) {
    const t = parseType(g.typeStr(4));
    out.push({ type: t.str, value: g.value(t) });
  }
  const s = (n: number): string => 'x'.repeat(n);
  const templates: Array<[string, (n: number) => GVValue]> = [
    ['as', (n) => [s(n)]],
    ['as', (n) => [s(n), 'ab', '']],
    ['(ss)', (n) => [s(n), 'b']],
    ['(sas)', (n) => [s(n), ['q']]],
    ['a{sv}', (n) => [[s(n), new Variant('s', 'v')], ['k', new Variant('t', 5n)]]],
    ['a(say)', (n) => [[s(n), new Uint8Array(32)]]],
    ['v', (n) => new Variant('as', [s(n)])],
    ['aas', (n) => [[s(n)], []]],
    ['(yvs)', (n) => [1, new Variant('s', s(n)), 'z']],
    ['mas', (n) => ({ just: [s(n)] })],
  ];
  for (const [t, f] of templates) {
    for (let n = 0xf0; n <= 0x102; n++) out.push({ type: t, value: f(n) });
    if (t !== 'v' && t !== 'mas') for (let n = 0xfff4; n <= 0x10002; n++) out.push({ type: t, value: f(n) });
  }
  return out;
}

/** Byte mutations of a normal serialization (for the normal-form agreement check). */
function mutations(b: Uint8Array, g: Gen): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (b.length > 0) {
    const flip = b.slice();
    flip[g.int(b.length)] ^= 1 << g.int(8);
    out.push(flip);
    const set = b.slice();
    set[g.int(b.length)] = g.pick([0, 1, 0xff, 2, 0x80]);
    out.push(set);
    out.push(b.slice(0, g.int(b.length)));
    const last = b.slice();
    last[b.length - 1] = g.int(256);
    out.push(last);
  }
  const ext = new Uint8Array(b.length + 1);
  ext.set(b);
  ext[b.length] = g.int(2);
  out.push(ext);
  return out;
}

d('GLib differential (python3-gi)', () => {
  const all = cases();
  const small = all.filter((c) => !(typeof c.value === 'object' && JSON.stringify(toJson(c.value)).length > 5000));
  const replies = runOracle(all.map((c): OracleRequest => ({ type: c.type, v: toJson(c.value) })));

  it('has enough cases', () => {
    expect(all.length).toBeGreaterThan(2500);
    expect(small.length).toBeGreaterThan(2000);
    for (const r of replies) expect(r.exc).toBeUndefined();
  });

  it('encode == g_variant_get_data', () => {
    let bad = 0;
    all.forEach((c, i) => {
      const ours = hex(encode(c.type, c.value));
      if (ours !== replies[i]!.hex && bad++ < 5) {
        expect({ type: c.type, ours }).toEqual({ type: c.type, ours: replies[i]!.hex });
      }
    });
    expect(bad).toBe(0);
  });

  it('decode(GLib bytes) == value, and GLib bytes are normal to us', () => {
    all.forEach((c, i) => {
      const bytes = new Uint8Array(Buffer.from(replies[i]!.hex as string, 'hex'));
      expect(decode(c.type, bytes)).toEqual(c.value);
      expect(isNormalForm(c.type, bytes)).toBe(true);
    });
  });

  it('isNormalForm agrees with g_variant_is_normal_form on mutated bytes', () => {
    const g = new Gen(rng(77));
    const reqs: Array<{ type: string; hex: string }> = [];
    for (const c of small) {
      for (const m of mutations(encode(c.type, c.value), g)) reqs.push({ type: c.type, hex: hex(m) });
    }
    const res = runOracle(reqs);
    let disagree = 0;
    let nonNormal = 0;
    reqs.forEach((r, i) => {
      const ours = isNormalForm(r.type, new Uint8Array(Buffer.from(r.hex, 'hex')));
      if (!res[i]!.normal) nonNormal++;
      if (ours !== res[i]!.normal && disagree++ < 10) {
        expect({ ...r, ours }).toEqual({ ...r, ours: res[i]!.normal });
      }
    });
    expect(disagree).toBe(0);
    expect(nonNormal).toBeGreaterThan(1000);
    // allowNonNormal decodes what GLib reads: re-encoding gives GLib's g_variant_get_normal_form().
    let lenient = 0;
    reqs.forEach((r, i) => {
      if (res[i]!.normal) return;
      const bytes = new Uint8Array(Buffer.from(r.hex, 'hex'));
      let v: GVValue;
      try {
        v = decode(r.type, bytes, { allowNonNormal: true });
      } catch (e) {
        expect((e as OstreeError).code).toBe('GVARIANT_INVALID');
        return;
      }
      lenient++;
      expect({ ...r, nf: hex(encode(r.type, v)) }).toEqual({ ...r, nf: res[i]!.nf });
    });
    expect(lenient).toBeGreaterThan(100);
  });
});

const TEXTS = [
  '010', '0x10', '-0x10', '1e3', 'inf', 'nan', '-inf', '[]', 'nothing', '[1, 2.5]', '[just 1, 5]', '[nothing, just 5]',
  "(1, 'a')", "{'a': 1, 'b': 2.5}", "{'a': 1.5, 'b': 2}", 'b"x"', '@mi 5', 'int32 -5', 'uint32 -1', "[<1>, <'a'>]", '{}',
  '@a{sv} {}', '<@mi nothing>', 'byte 0xff', 'byte 256', 'uint64 18446744073709551615', 'int64 -9223372036854775808',
  '1.5e308', '1e400', '5e-324', '  5  ', '5 6', '2147483648', '[1, byte 2]', '(1)', '(1,)', '()', '+5', '.5', '5.', '1e5',
  '0.5e-3', 'true', 'TRUE', "'a' ", '"\\u00e9\\U0001F600"', "'\\u0000'", "'\\q'", "@s 'a'", "[@s 'a', 'b']", "string 'x'",
  'double 5', 'double 0x10', "byte 'a'", "[1, 'a']", "{1: 'a'}", "{<1>: 'a'}", "[{'a': 1}, {}]", '[[], [1]]', '[[], []]',
  'just []', 'just just nothing', "b''", "b'\\001\\377'", "b'\\x01'", "[b'a', [byte 1]]", '<>', '<1', '@i 1.5',
  'int16 -32769', '-0', '-0.0', '1.', '00', '0.0e0', '08', '0x', '1_000', "objectpath '/a/b'", "objectpath 'a'",
  "signature 'a{sv}'", "{'version': <'1.0'>, 'n': <uint64 5>}", "['a', \"b'c\"]", "(@as [], [1], {'x': <(1, 'y')>})",
  "'tab\\there'", '\f5', '\v5', '\u00a05', '\t[1,\n2]\r', "b'tab\\there\\n'", '[true, false]', '@mmi just nothing', '@ay []', "{'k', <1>}", '<<<1>>>',
];

d('GLib text format differential (python3-gi)', () => {
  const all = cases();
  const replies = runOracle(all.map((c): OracleRequest => ({ type: c.type, v: toJson(c.value) })));

  it('print == g_variant_print (annotate false/true)', () => {
    let bad = 0;
    all.forEach((c, i) => {
      for (const [ann, key] of [[false, 'p0'], [true, 'p1']] as const) {
        const ours = print(c.type, c.value, { annotate: ann });
        if (ours !== replies[i]![key] && bad++ < 8) {
          expect({ type: c.type, ann, ours }).toEqual({ type: c.type, ann, ours: replies[i]![key] });
        }
      }
    });
    expect(bad).toBe(0);
  });

  it('parse(GLib print) == value', () => {
    all.forEach((c, i) => {
      const p1 = replies[i]!.p1 as string;
      const p0 = replies[i]!.p0 as string;
      if (p1.length > 5000) return;
      const r = parse(p1);
      expect({ t: c.type, p1, type: r.type }).toEqual({ t: c.type, p1, type: c.type });
      expect(r.value).toEqual(c.value);
      expect(parse(p0, c.type).value).toEqual(c.value);
    });
  });

  it('parse agrees with g_variant_parse on hand-written texts', () => {
    const res = runOracle(TEXTS.map((text) => ({ text })));
    TEXTS.forEach((text, i) => {
      const g = res[i]!;
      let ours: Record<string, unknown>;
      try {
        const r = parse(text);
        ours = { type: r.type, hex: hex(encode(r.type, r.value)) };
      } catch (e) {
        if (!(e instanceof OstreeError) || e.code !== 'GVARIANT_TEXT_INVALID') throw e;
        ours = { error: true };
      }
      expect({ text, ...ours }).toEqual({ text, ...(g.error ? { error: true } : { type: g.type, hex: g.hex }) });
    });
  });

  it('parse agrees with g_variant_parse on 4000 random texts', () => {
    const g = new Gen(rng(5));
    const atoms = ['1', '-2', '2.5', '0x10', "'a'", '"b\'c"', 'true', 'nothing', "b'x'", '@as []', 'uint32 7', 'byte 3', '[]', '{}', 'inf', "objectpath '/a'", 'just 1', '@mi nothing', "<'v'>", '<1>', 'int64 -1', 'double 1', "@ms 'q'", '010', 'uint64 5', "signature 'as'"];
    const gen = (depth: number): string => {
      switch (g.int(depth > 3 ? 1 : 7)) {
        case 0:
          return g.pick(atoms);
        case 1:
          return '[' + Array.from({ length: g.int(4) }, () => gen(depth + 1)).join(', ') + ']';
        case 2: {
          const n = g.int(4);
          return '(' + Array.from({ length: n }, () => gen(depth + 1)).join(', ') + (n === 1 ? ',)' : ')');
        }
        case 3:
          return '{' + Array.from({ length: g.int(3) }, () => g.pick(atoms.slice(0, 7)) + ': ' + gen(depth + 1)).join(', ') + '}';
        case 4:
          return '<' + gen(depth + 1) + '>';
        case 5:
          return 'just ' + gen(depth + 1);
        default:
          return '{' + g.pick(atoms.slice(0, 7)) + ', ' + gen(depth + 1) + '}';
      }
    };
    const texts = Array.from({ length: 4000 }, () => gen(0));
    const res = runOracle(texts.map((text) => ({ text })));
    let accepted = 0;
    texts.forEach((text, i) => {
      let ours: string;
      try {
        const r = parse(text);
        ours = r.type + ' ' + hex(encode(r.type, r.value));
        accepted++;
      } catch (e) {
        if (!(e instanceof OstreeError) || e.code !== 'GVARIANT_TEXT_INVALID') throw e;
        ours = 'error';
      }
      const gg = res[i]!;
      expect({ text, r: ours }).toEqual({ text, r: gg.error ? 'error' : `${gg.type as string} ${gg.hex as string}` });
    });
    expect(accepted).toBeGreaterThan(1000);
  });
});
