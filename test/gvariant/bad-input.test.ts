/**
 * Hostile input: every failure is an OstreeError with a stable code, quickly, with bounded memory.
 */
import { describe, it, expect } from 'vitest';
import { encode, decode, isNormalForm } from '../../src/gvariant/codec.js';
import { parseType } from '../../src/gvariant/type.js';
import { parse, print } from '../../src/gvariant/text.js';
import { Variant } from '../../src/gvariant/value.js';
import { OstreeError } from '../../src/errors.js';
import { Gen, rng } from './random.js';

const DECODE_CODES = new Set(['GVARIANT_INVALID', 'GVARIANT_NOT_NORMAL', 'GVARIANT_TYPE_INVALID']);

function tryDecode(type: string, b: Uint8Array, allowNonNormal = false): string | undefined {
  try {
    decode(type, b, { allowNonNormal });
    return undefined;
  } catch (e) {
    if (!(e instanceof OstreeError)) throw e;
    expect(DECODE_CODES.has(e.code)).toBe(true);
    return e.code;
  }
}

const TYPES = ['(a{sv}aya(say)sstayay)', '(a(say)a(sayay))', '(uuua(ayay))', '(a(s(taya{sv}))a{sv})', 'v', 'av', 'a{sv}', 'mv', 'aas', '(yvs)', 'a(yi)', 'mmi', '(asas)'];

describe('decode of hostile bytes', () => {
  it('random garbage and every truncation only throw OstreeError', () => {
    const g = new Gen(rng(4242));
    for (const t of TYPES) {
      const tt = parseType(t);
      for (let n = 0; n < 30; n++) {
        const good = encode(tt, g.value(tt));
        for (let cut = 0; cut < good.length; cut++) {
          tryDecode(t, good.subarray(0, cut));
          tryDecode(t, good.subarray(0, cut), true);
        }
        for (let k = 0; k < 20; k++) {
          const bad = good.slice();
          for (let j = 0; j < 1 + g.int(4) && bad.length; j++) bad[g.int(bad.length)] = g.int(256);
          tryDecode(t, bad);
          tryDecode(t, bad, true);
        }
      }
      for (let k = 0; k < 300; k++) {
        const junk = new Uint8Array(g.int(300));
        for (let j = 0; j < junk.length; j++) junk[j] = g.pick([0, 1, 0xff, 0x61, 0x73, 0x76, 0x28, g.int(256)]);
        tryDecode(t, junk, true);
        expect(typeof isNormalForm(t, junk)).toBe('boolean');
      }
    }
  });

  it('nested variants are bounded at GLib depth 128', () => {
    const nest = (k: number): Uint8Array => {
      const parts: number[] = [1, 0, 0x79]; // <byte 1>
      for (let i = 1; i < k; i++) parts.push(0, 0x76);
      return Uint8Array.from(parts);
    };
    expect(tryDecode('v', nest(127))).toBeUndefined();
    expect(tryDecode('v', nest(128))).toBe('GVARIANT_INVALID');
    const t0 = Date.now();
    expect(tryDecode('v', nest(100_000), true)).toBe('GVARIANT_INVALID');
    expect(Date.now() - t0).toBeLessThan(10_000); // generous: it's O(depth²) only up to 128 levels
    const deepType = Uint8Array.from([1, 0, ...Buffer.from('a'.repeat(200_000) + 'y')]);
    expect(tryDecode('v', deepType)).toBe('GVARIANT_INVALID');
  });

  it('huge declared offsets and sizes are rejected without allocating', () => {
    const big = new Uint8Array(70_000);
    big.fill(0xff, big.length - 4);
    expect(tryDecode('as', big)).toBe('GVARIANT_INVALID');
    expect(tryDecode('(sas)', big)).toBe('GVARIANT_INVALID');
    const small = Uint8Array.from([0x61, 0, 0xff]);
    expect(tryDecode('as', small)).toBe('GVARIANT_INVALID');
    expect(tryDecode('a{sv}', small)).toBe('GVARIANT_INVALID');
    // a large but honest array of empty elements: linear work and memory
    const n = 200_000;
    const many = encode('aas', Array.from({ length: n }, () => []));
    expect((decode('aas', many) as unknown[]).length).toBe(n);
  });

  it('bad type strings throw GVARIANT_TYPE_INVALID', () => {
    for (const s of ['a'.repeat(1_000_000), '('.repeat(200) + ')'.repeat(200), '{vs}', 'x)', '']) {
      expect(() => parseType(s)).toThrowError(OstreeError);
    }
  });
});

describe('encode argument errors', () => {
  it('are TypeError/RangeError', () => {
    expect(() => encode('i', 2 ** 31)).toThrow(RangeError);
    expect(() => encode('y', -1)).toThrow(RangeError);
    expect(() => encode('t', -1n)).toThrow(RangeError);
    expect(() => encode('s', 'a\0b')).toThrow(RangeError);
    expect(() => encode('s', '\ud800')).toThrow(RangeError);
    expect(() => encode('s', 5)).toThrow(TypeError);
    expect(() => encode('o', 'no/slash')).toThrow(TypeError);
    expect(() => encode('(ss)', ['a'])).toThrow(TypeError);
    expect(() => encode('ay', [1, 2])).toThrow(TypeError);
    expect(() => encode('v', 5)).toThrow(TypeError);
    expect(() => encode('v', new Variant('zz', 5))).toThrowError(OstreeError);
  });
});

describe('text format bad input', () => {
  it('only throws GVARIANT_TEXT_INVALID, quickly', () => {
    const texts = ['['.repeat(100_000), '<'.repeat(100_000), '('.repeat(50_000), "'unterminated", 'b"x', '@', '@zz 1', '{1:', 'just', '[1,', '0x', '<1 2>', '{1, 2, 3}', "'\\u12'", "'\\U00110000'"];
    for (const t of texts) {
      let code: string | undefined;
      try {
        parse(t);
      } catch (e) {
        code = e instanceof OstreeError ? e.code : `non-OstreeError ${String(e)}`;
      }
      expect([t.slice(0, 20), code]).toEqual([t.slice(0, 20), 'GVARIANT_TEXT_INVALID']);
    }
    const g = new Gen(rng(99));
    const alphabet = "[](){}<>@,:'\"b 0123456789.exjustnothingtruefalseuint32as{sv}\\";
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const len = g.int(30);
      for (let j = 0; j < len; j++) s += alphabet[g.int(alphabet.length)];
      try {
        const r = parse(s);
        expect(print(r.type, r.value).length).toBeGreaterThan(0);
        expect(decode(r.type, encode(r.type, r.value))).toEqual(r.value);
      } catch (e) {
        expect(e instanceof OstreeError && e.code === 'GVARIANT_TEXT_INVALID', `${s}: ${String(e)}`).toBe(true);
      }
    }
  });
});
