import { describe, it, expect } from 'vitest';
import { encode, decode, isNormalForm } from '../../src/gvariant/codec.js';
import { parseType, typeString } from '../../src/gvariant/type.js';
import { Variant, type GVValue } from '../../src/gvariant/value.js';
import { codeOf } from '../util/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const csum = (h: string): Uint8Array => unhex(h);

const code = codeOf;

describe('parseType', () => {
  it('computes fixed size and alignment', () => {
    const cases: Array<[string, number, number]> = [
      ['y', 1, 1], ['b', 1, 1], ['n', 2, 2], ['i', 4, 4], ['t', 8, 8], ['d', 8, 8], ['s', 0, 1], ['v', 0, 8],
      ['()', 1, 1], ['(())', 1, 1], ['(yi)', 8, 4], ['(iy)', 8, 4], ['(ty)', 16, 8], ['(yy)', 2, 1],
      ['{yi}', 8, 4], ['ai', 0, 4], ['mt', 0, 8], ['(uuua(ayay))', 0, 4], ['(a(say)a(sayay))', 0, 1],
    ];
    for (const [s, size, align] of cases) {
      const t = parseType(s);
      expect([s, t.fixedSize, t.align]).toEqual([s, size, align]);
      expect(typeString(t)).toBe(s);
    }
    expect(parseType('a{sv}')).toBe(parseType('a{sv}'));
  });
  it('rejects bad type strings', () => {
    for (const s of ['', 'a', '(', '(s', 'z', '{vs}', '{s}', '{sss}', 'ss', 'r', '*', '?', 'a'.repeat(129) + 'y', ')']) {
      expect(code(() => parseType(s)), s).toBe('GVARIANT_TYPE_INVALID');
    }
    expect(parseType('a'.repeat(128) + 'y').str.length).toBe(129);
  });
});

describe('encode/decode', () => {
  it('encodes the 42-byte dirtree of ostree-formats.md §0', () => {
    const c = new Uint8Array(32).fill(0xab);
    const v: GVValue = [[['run.sh', c]], []];
    const b = encode('(a(say)a(sayay))', v);
    expect(b.length).toBe(42);
    expect(hex(b)).toBe('72756e2e736800' + 'ab'.repeat(32) + '07' + '28' + '29');
    expect(decode('(a(say)a(sayay))', b)).toEqual(v);
  });

  it('encodes the commit of ostree-formats.md §10 byte for byte', () => {
    const full =
      '76657273696f6e00312e3000007308006f73747265652e7265662d62696e64696e67000000000000746573742f6d61696e000a006173130f3766697273740062' +
      '6f647920746578740000000000000000000000005e0be100bcb7933289f5dabfbd99feb08c38a5d6539241af10a38bc6dec693e3d204e1aa446a0ef11b7cc167' +
      'f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c548878493f393939';
    const ts = new DataView(new ArrayBuffer(8));
    ts.setBigUint64(0, 1577836800n, false); // BE timestamp, written LE by the codec
    const value: GVValue = [
      [
        ['version', new Variant('s', '1.0')],
        ['ostree.ref-binding', new Variant('as', ['test/main'])],
      ],
      new Uint8Array(0),
      [],
      'first',
      'body text',
      ts.getBigUint64(0, true),
      csum('bcb7933289f5dabfbd99feb08c38a5d6539241af10a38bc6dec693e3d204e1aa'),
      csum('446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488'),
    ];
    const b = encode('(a{sv}aya(say)sstayay)', value);
    expect(hex(b)).toBe(full);
    expect(decode('(a{sv}aya(say)sstayay)', b)).toEqual(value);
    expect(isNormalForm('(a{sv}aya(say)sstayay)', b)).toBe(true);
  });

  it('handles basics, unit, maybes, variants and empty containers', () => {
    const cases: Array<[string, GVValue, string]> = [
      ['()', [], '00'],
      ['(())', [[]], '00'],
      ['b', true, '01'],
      ['n', -2, 'feff'],
      ['x', -1n, 'ffffffffffffffff'],
      ['d', 1.5, '000000000000f83f'],
      ['s', '', '00'],
      ['as', [], ''],
      ['(as)', [[]], ''],
      ['(asas)', [[], []], '00'],
      ['(yat)', [1, []], '0100000000000000'],
      ['ms', null, ''],
      ['ms', { just: '' }, '0000'],
      ['mi', { just: 7 }, '07000000'],
      ['mas', { just: [] }, '00'],
      ['v', new Variant('()', []), '000028 29'.replace(' ', '')],
      ['v', new Variant('as', []), '006173'],
      ['(yv)', [3, new Variant('y', 9)], '0300000000000000090079'],
      ['a{yv}', [[1, new Variant('b', true)]], '0100000000000000010062' + '0b'],
      ['(si)', ['ab', 1], '61620000010000000' + '3'],
    ];
    for (const [t, v, h] of cases) {
      expect([t, hex(encode(t, v))]).toEqual([t, h]);
      expect(decode(t, unhex(h))).toEqual(v);
    }
  });

  it('picks framing offset widths at the boundaries', () => {
    for (const len of [250, 251, 252, 253, 254, 255, 256, 65530, 65531, 65532, 65533, 65534, 65535]) {
      const v = ['x'.repeat(len)];
      const b = encode('as', v);
      const body = len + 1;
      const w = body + 1 <= 0xff ? 1 : body + 2 <= 0xffff ? 2 : 4;
      expect(b.length).toBe(body + w);
      expect(decode('as', b)).toEqual(v);
    }
  });

  it('rejects bad input with OstreeError only', () => {
    expect(code(() => decode('s', unhex('6162')))).toBe('GVARIANT_INVALID');
    expect(code(() => decode('s', unhex('610062 00')))).toBe('GVARIANT_INVALID');
    expect(code(() => decode('s', unhex('ff00')))).toBe('GVARIANT_INVALID');
    expect(code(() => decode('i', unhex('0100')))).toBe('GVARIANT_INVALID');
    expect(code(() => decode('b', unhex('02')))).toBe('GVARIANT_NOT_NORMAL');
    expect(decode('b', unhex('02'), { allowNonNormal: true })).toBe(true);
    expect(code(() => decode('as', unhex('61620005')))).toBe('GVARIANT_INVALID');
    expect(code(() => decode('v', unhex('00007a')))).toBe('GVARIANT_INVALID');
    expect(code(() => decode('(yi)', unhex('0107000001000000')))).toBe('GVARIANT_NOT_NORMAL');
    expect(decode('(yi)', unhex('0107000001000000'), { allowNonNormal: true })).toEqual([1, 1]);
  });
});
