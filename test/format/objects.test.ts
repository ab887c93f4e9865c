import { describe, it, expect } from 'vitest';
import { encode, Variant } from '../../src/gvariant/index.js';
import {
  encodeCommit,
  decodeCommit,
  encodeDirtree,
  decodeDirtree,
  dirtreeIsSorted,
  dirtreeFind,
  encodeDirmeta,
  decodeDirmeta,
  encodeArchiveHeader,
  encodeContentHeader,
  parseFilez,
  parseContentStream,
  parseContentHeader,
  fileHeaderLength,
  encodeCommitmeta,
  decodeCommitmeta,
  appendSignature,
  encodeTombstone,
  decodeTombstone,
  decodeFilemeta,
  encodeSizesEntry,
  decodeSizesEntry,
  encodeSizesMetadata,
  decodeSizesMetadata,
  canonicalizeXattrs,
  xattrName,
  compareUtf8,
  sortByUtf8,
  ObjectType,
  DIRTREE_TYPE,
  COMMIT_TYPE,
  DIRMETA_TYPE,
  FILE_HEADER_TYPE,
  S_IFREG,
  S_IFDIR,
  S_IFLNK,
  type Commit,
  type FileHeader,
} from '../../src/format/index.js';
import { OstreeError } from '../../src/errors.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = '0123456789abcdef'.repeat(4);
const enc = new TextEncoder();

function err(f: () => unknown): OstreeError {
  try {
    f();
  } catch (e) {
    if (e instanceof OstreeError) return e;
    throw e;
  }
  throw new Error('expected an OstreeError');
}

function utf8Cmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

describe('dirtree ordering', () => {
  it('compareUtf8 agrees with byte order where JS order differs', () => {
    const pairs: Array<[string, string]> = [
      ['\uFFFD', '\u{1F600}'],
      ['\uE000', '\u{10000}'],
      ['é', 'z'],
      ['Z', 'a'],
      ['a', 'ab'],
      ['\u{1F600}a', '\u{1F600}b'],
      ['\u{1F600}', '\u{1F601}'],
    ];
    for (const [x, y] of pairs) {
      expect(Math.sign(compareUtf8(x, y)), `${x} ${y}`).toBe(Math.sign(utf8Cmp(x, y)));
      expect(Math.sign(compareUtf8(y, x))).toBe(Math.sign(utf8Cmp(y, x)));
    }
    expect('\uFFFD' < '\u{1F600}').toBe(false); // JS order differs…
    expect(compareUtf8('\uFFFD', '\u{1F600}')).toBeLessThan(0); // …bytes: EF BF BD < F0 9F 98 80
  });
  it('sortByUtf8 gives byte order on its native path (ASCII, U+0080–U+D7FF) and its exact path', () => {
    const ascii = ['app/b', 'Z', 'app/a', 'a-b', 'a.b', 'a', '', 'app/a/x86_64'];
    const bmp = [...ascii, 'é', '日本', '\u00ff', '\uD7FF'];
    const astral = [...bmp, '\u{1F600}', '\uFFFD', '\uE000', '\u{10000}', 'a\u{1F600}', 'a\uFFFD'];
    for (const names of [ascii, bmp, astral]) {
      const want = [...names].sort(utf8Cmp);
      expect(sortByUtf8(names, (n) => n)).toEqual(want);
      expect(sortByUtf8([...names].reverse(), (n) => n)).toEqual(want);
      expect(sortByUtf8(names.map((name) => ({ name })), (r) => r.name).map((r) => r.name)).toEqual(want);
    }
  });
  it('sorts entries bytewise and round-trips', () => {
    const names = ['\u{1F600}', '\uFFFD', 'z', 'é', 'Z', 'a', 'a.b', 'a-b', '日本', '.hidden'];
    const t = encodeDirtree({ files: names.map((name) => ({ name, checksum: A })), dirs: [{ name: 'é-dir', tree: B, meta: C }, { name: '\u{1F600}d', tree: B, meta: C }, { name: '\uFFFDd', tree: B, meta: C }] });
    const d = decodeDirtree(t);
    expect(d.files.map((f) => f.name)).toEqual([...names].sort(utf8Cmp));
    expect(d.dirs.map((f) => f.name)).toEqual(['é-dir', '\uFFFDd', '\u{1F600}d']);
    expect(dirtreeIsSorted(d)).toBe(true);
    for (const n of names) expect(d.files[dirtreeFind(d.files, n)]!.name).toBe(n);
    expect(dirtreeFind(d.files, 'nope')).toBe(-1);
    expect(dirtreeIsSorted({ files: [{ name: 'b', checksum: A }, { name: 'a', checksum: A }], dirs: [] })).toBe(false);
  });
  it('rejects bad and duplicate names on encode', () => {
    for (const name of ['.', '..', 'a/b', '', 'a\0']) expect(err(() => encodeDirtree({ files: [{ name, checksum: A }], dirs: [] })).code).toBe('INVALID_FILENAME');
    expect(err(() => encodeDirtree({ files: [{ name: 'x', checksum: A }, { name: 'x', checksum: B }], dirs: [] })).code).toBe('INVALID_FILENAME');
    expect(err(() => encodeDirtree({ files: [{ name: 'x', checksum: A }], dirs: [{ name: 'x', tree: A, meta: B }] })).code).toBe('INVALID_FILENAME');
    expect(err(() => encodeDirtree({ files: [{ name: 'x', checksum: 'A'.repeat(64) }], dirs: [] })).code).toBe('INVALID_CHECKSUM');
  });
  it('encodes and decodes a 10,000-entry dirtree', () => {
    const files = Array.from({ length: 10000 }, (_, i) => ({ name: `file-${(i * 7919) % 10000}.txt`, checksum: A }));
    const dirs = Array.from({ length: 500 }, (_, i) => ({ name: `dir${i}`, tree: B, meta: C }));
    const b = encodeDirtree({ files, dirs });
    const d = decodeDirtree(b);
    expect(d.files.length).toBe(10000);
    expect(dirtreeIsSorted(d)).toBe(true);
    expect(Buffer.compare(encodeDirtree(d), b)).toBe(0);
  });
});

describe('decoders reject bad dirtrees', () => {
  it('entry named .. or containing / or bad checksum length, non-normal, wrong type', () => {
    for (const name of ['..', '.', 'a/b', '']) {
      const bytes = encode(DIRTREE_TYPE, [[[name, new Uint8Array(32)]], []]);
      const e = err(() => decodeDirtree(bytes));
      expect(e.code).toBe('CORRUPT_OBJECT');
      expect(e.message).toContain('dirtree');
      const bytes2 = encode(DIRTREE_TYPE, [[], [[name, new Uint8Array(32), new Uint8Array(32)]]]);
      expect(err(() => decodeDirtree(bytes2)).code).toBe('CORRUPT_OBJECT');
    }
    expect(err(() => decodeDirtree(encode(DIRTREE_TYPE, [[['x', new Uint8Array(31)]], []]))).code).toBe('CORRUPT_OBJECT');
    expect(err(() => decodeDirtree(encode(DIRTREE_TYPE, [[], [['x', new Uint8Array(32), new Uint8Array(0)]]]))).code).toBe('CORRUPT_OBJECT');
    // trailing garbage → not normal form
    const good = encodeDirtree({ files: [{ name: 'x', checksum: A }], dirs: [] });
    const e = err(() => decodeDirtree(new Uint8Array([...good, 0])));
    expect(e.code).toBe('CORRUPT_OBJECT');
    expect(e.cause).toBeInstanceOf(OstreeError);
    // a dirmeta is not a dirtree
    expect(err(() => decodeDirtree(encodeDirmeta({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] }))).code).toBe('CORRUPT_OBJECT');
    // GLib treats zero bytes as the normal form of ([], []) for this type; so do we.
    expect(decodeDirtree(new Uint8Array(0))).toEqual({ files: [], dirs: [] });
  });
});

describe('commit', () => {
  const base: Commit = {
    metadata: [['version', new Variant('s', '2')]],
    parent: A,
    related: [['x', B]],
    subject: 'sübject',
    body: '',
    timestamp: 0xfedcba9876543210n,
    rootTree: B,
    rootMeta: C,
  };
  it('round-trips with parent, related and a large timestamp', () => {
    const b = encodeCommit(base);
    expect(decodeCommit(b)).toEqual(base);
  });
  it('rejects bad input', () => {
    expect(err(() => encodeCommit({ ...base, metadata: [['', new Variant('s', '')]] })).code).toBe('INVALID_ARGUMENT');
    expect(() => encodeCommit({ ...base, timestamp: -1n })).toThrow(RangeError);
    const raw = (over: Partial<Record<number, unknown>>): Uint8Array => {
      const v: unknown[] = [[], new Uint8Array(0), [], '', '', 0n, new Uint8Array(32), new Uint8Array(32)];
      for (const [k, x] of Object.entries(over)) v[Number(k)] = x;
      return encode(COMMIT_TYPE, v as never);
    };
    expect(decodeCommit(raw({})).parent).toBeNull();
    for (const bad of [{ 1: new Uint8Array(5) }, { 6: new Uint8Array(0) }, { 7: new Uint8Array(33) }, { 0: [['', new Variant('s', '')]] }]) {
      const e = err(() => decodeCommit(raw(bad)));
      expect(e.code).toBe('CORRUPT_OBJECT');
      expect(e.message).toContain('commit');
    }
    expect(err(() => decodeCommit(encodeDirtree({ files: [], dirs: [] }))).code).toBe('CORRUPT_OBJECT');
  });
});

describe('dirmeta and xattrs', () => {
  it('sorts xattrs canonically (strcmp of names) and rejects duplicates', () => {
    const x = canonicalizeXattrs([
      [xattrName('user.b'), enc.encode('2')],
      [xattrName('security.selinux'), enc.encode('ctx\0')],
      [xattrName('user.a'), enc.encode('1')],
    ]);
    expect(x.map((e) => new TextDecoder().decode(e[0]))).toEqual(['security.selinux\0', 'user.a\0', 'user.b\0']);
    const b = encodeDirmeta({ uid: 1000, gid: 100, mode: S_IFDIR | 0o2775, xattrs: x.slice().reverse() });
    expect(decodeDirmeta(b)).toEqual({ uid: 1000, gid: 100, mode: S_IFDIR | 0o2775, xattrs: x });
    expect(err(() => canonicalizeXattrs([[xattrName('a'), new Uint8Array()], [xattrName('a'), new Uint8Array(1)]])).code).toBe('INVALID_ARGUMENT');
    expect(err(() => canonicalizeXattrs([[enc.encode('nonul'), new Uint8Array()]])).code).toBe('INVALID_ARGUMENT');
  });
  it('rejects bad dirmeta', () => {
    expect(err(() => encodeDirmeta({ uid: 0, gid: 0, mode: S_IFREG | 0o755, xattrs: [] })).code).toBe('INVALID_MODE');
    const raw = (mode: number, xattrs: Array<[Uint8Array, Uint8Array]> = []): Uint8Array => encode(DIRMETA_TYPE, [0, 0, Buffer.from([mode >>> 24, (mode >> 16) & 255, (mode >> 8) & 255, mode & 255]).readUInt32LE(0), xattrs]);
    expect(decodeDirmeta(raw(S_IFDIR | 0o755)).mode).toBe(S_IFDIR | 0o755);
    for (const bytes of [
      raw(S_IFREG | 0o755),
      raw(S_IFDIR | 0o10000 | 0o755),
      raw(S_IFDIR | 0o755, [[xattrName('b'), new Uint8Array()], [xattrName('a'), new Uint8Array()]]),
      raw(S_IFDIR | 0o755, [[xattrName('a'), new Uint8Array()], [xattrName('a'), new Uint8Array()]]),
      raw(S_IFDIR | 0o755, [[new Uint8Array([0]), new Uint8Array()]]),
      new Uint8Array(11),
    ]) {
      const e = err(() => decodeDirmeta(bytes));
      expect(e.code).toBe('CORRUPT_OBJECT');
      expect(e.message).toContain('dirmeta');
    }
    expect(err(() => decodeFilemeta(raw(S_IFDIR | 0o755))).code).toBe('CORRUPT_OBJECT');
  });
});

describe('file headers', () => {
  const h: FileHeader = { uid: 5, gid: 6, mode: S_IFREG | 0o600, rdev: 0, symlinkTarget: '', xattrs: [[xattrName('user.z'), enc.encode('1')], [xattrName('user.a'), enc.encode('2')]] };
  it('round-trips and sorts xattrs', () => {
    const s = new Uint8Array([...encodeContentHeader(h), 1, 2, 3]);
    const p = parseContentStream(s);
    expect(p.header.xattrs.map((x) => x[0][5])).toEqual([0x61, 0x7a]);
    expect(p.content).toEqual(new Uint8Array([1, 2, 3]));
    expect(parseContentHeader(s).uid).toBe(5);
    expect(fileHeaderLength(s)).toBe(p.headerLength);
    const z = parseFilez(new Uint8Array([...encodeArchiveHeader(h, 2n ** 40n), 9, 9]));
    expect(z.size).toBe(2n ** 40n);
    expect(z.deflated).toEqual(new Uint8Array([9, 9]));
    // header only (store reads exactly the header)
    const ho = encodeArchiveHeader(h, 7);
    expect(parseFilez(ho).deflated.length).toBe(0);
  });
  it('rejects invalid headers on encode', () => {
    expect(err(() => encodeContentHeader({ ...h, mode: S_IFDIR | 0o755 })).code).toBe('INVALID_MODE');
    expect(err(() => encodeContentHeader({ ...h, rdev: 1 as 0 })).code).toBe('INVALID_ARGUMENT');
    expect(err(() => encodeContentHeader({ ...h, symlinkTarget: 'x' })).code).toBe('INVALID_ARGUMENT');
    expect(() => encodeArchiveHeader(h, -1)).toThrow(RangeError);
  });
  it('rejects corrupt streams', () => {
    const good = encodeContentHeader(h);
    const lenpre = (v: Uint8Array, pad = 0): Uint8Array => {
      const o = new Uint8Array(8 + v.length);
      new DataView(o.buffer).setUint32(0, v.length);
      o[4] = pad;
      o.set(v, 8);
      return o;
    };
    const hv = (mode: number, rdev: number, target = ''): Uint8Array =>
      encode(FILE_HEADER_TYPE, [0, 0, Buffer.from(new Uint32Array([mode]).buffer).readUInt32BE(0), rdev, target, []]);
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, 7),
      good.subarray(0, good.length - 1), // declared length past the end
      lenpre(hv(S_IFREG | 0o644, 0), 1), // non-zero padding
      lenpre(new Uint8Array(0)), // zero length
      lenpre(hv(S_IFREG | 0o644, 0x01000000)), // rdev ≠ 0
      lenpre(hv(S_IFDIR | 0o755, 0)), // not a file
      lenpre(hv(0o200000 | S_IFREG | 0o644, 0)), // bad bits
      new Uint8Array([...lenpre(hv(S_IFLNK | 0o777, 0, 'x')), 1]), // symlink with content
    ];
    expect(parseContentStream(lenpre(hv(S_IFLNK | 0o777, 0, 'x'))).header.symlinkTarget).toBe('x');
    for (const c of cases) {
      const e = err(() => parseContentStream(c));
      expect(e.code).toBe('CORRUPT_OBJECT');
      expect(err(() => parseFilez(c)).code).toBe('CORRUPT_OBJECT');
    }
    const big = new Uint8Array(16);
    new DataView(big.buffer).setUint32(0, 0xffffffff);
    expect(err(() => parseFilez(big)).code).toBe('CORRUPT_OBJECT');
  });
});

describe('commitmeta, tombstone, sizes', () => {
  it('commitmeta round-trip and signature append in GHashTable order', () => {
    const m = appendSignature([], 'ostree.gpgsigs', new Uint8Array([1]));
    expect(m).toEqual([['ostree.gpgsigs', new Variant('aay', [new Uint8Array([1])])]]);
    const m2 = appendSignature(m, 'ostree.gpgsigs', new Uint8Array([2]));
    expect((m2[0]![1].value as Uint8Array[]).length).toBe(2);
    const m3 = appendSignature(m2, 'ostree.sign.ed25519', new Uint8Array(64));
    expect(m3.map((e) => e[0]).sort()).toEqual(['ostree.gpgsigs', 'ostree.sign.ed25519']);
    expect(decodeCommitmeta(encodeCommitmeta(m3))).toEqual(m3);
    expect(decodeCommitmeta(new Uint8Array(0))).toEqual([]);
    expect(err(() => decodeCommitmeta(new Uint8Array([1, 2, 3]))).code).toBe('CORRUPT_OBJECT');
  });
  it('tombstone rejects bad content', () => {
    const t = (v: Variant): Uint8Array => encode('a{sv}', [['commit', v]]);
    for (const bad of [
      encode('a{sv}', []),
      t(new Variant('s', A)),
      t(new Variant('ay', enc.encode(A))),
      t(new Variant('ay', enc.encode('G'.repeat(64) + '\0'))),
    ]) {
      expect(err(() => decodeTombstone(bad)).code).toBe('CORRUPT_OBJECT');
    }
    expect(err(() => encodeTombstone({ commit: 'x' })).code).toBe('INVALID_CHECKSUM');
  });
  it('ostree.sizes entries', () => {
    const e = { checksum: C, objectType: ObjectType.DIR_META, archived: 300, unpacked: 2 ** 40 };
    const b = encodeSizesEntry(e);
    expect(b.length).toBe(32 + 2 + 6 + 1);
    expect(decodeSizesEntry(b)).toEqual(e);
    // old entries without the objtype byte are files
    expect(decodeSizesEntry(b.subarray(0, b.length - 1)).objectType).toBe(ObjectType.FILE);
    expect(err(() => decodeSizesEntry(b.subarray(0, 33))).code).toBe('CORRUPT_OBJECT');
    expect(err(() => decodeSizesEntry(new Uint8Array([...b.subarray(0, b.length - 1), 10]))).code).toBe('CORRUPT_OBJECT');
    expect(err(() => decodeSizesEntry(new Uint8Array([...b, 0]))).code).toBe('CORRUPT_OBJECT');
    const md = encodeSizesMetadata([{ ...e, checksum: B }, e, { ...e, checksum: A }]);
    expect(decodeSizesMetadata(md).map((x) => x.checksum)).toEqual([C, A, B]);
  });
});
