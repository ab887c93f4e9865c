/**
 * Differential tests against GLib's GVariant (python3-gi): serialization, deserialization,
 * normal-form checking, printing and parsing, on a few thousand seeded random values.
 */
import { describe, it, expect } from 'vitest';
import { encode, decode, isNormalForm } from '../../src/gvariant/codec.js';
import { parseType } from '../../src/gvariant/type.js';
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
  });
});
