/**
 * Every checksum and byte layout of ostree-formats.md §10 (Debian ostree 2022.7), reproduced.
 */
import { describe, it, expect } from 'vitest';
import { Variant } from '../../src/gvariant/index.js';
import {
  encodeCommit,
  decodeCommit,
  encodeDirtree,
  decodeDirtree,
  encodeDirmeta,
  decodeDirmeta,
  encodeArchiveHeader,
  encodeContentHeader,
  parseFilez,
  parseContentStream,
  contentChecksum,
  createContentHasher,
  metadataChecksum,
  encodeTombstone,
  decodeTombstone,
  encodeFilemeta,
  decodeFilemeta,
  commitContentChecksum,
  xattrName,
  EMPTY_DIRTREE,
  EMPTY_DIRTREE_CHECKSUM,
  bytesToHex,
  hexToBytes,
  S_IFREG,
  S_IFLNK,
  S_IFDIR,
  type FileHeader,
  type Commit,
} from '../../src/format/index.js';

const enc = new TextEncoder();
const hex = (s: string): Uint8Array => hexToBytes(s.replace(/[\s|]/g, ''));

const CSUM = {
  commit: '39677580cdcc26007bce18424914ea695798261860338a3ad3cfb7bc9f2521c7',
  root: 'bcb7933289f5dabfbd99feb08c38a5d6539241af10a38bc6dec693e3d204e1aa',
  sub: '230db4e51acc220a7118c2f5904c9e45b637e0ef4a6093ba58aab0c6e303ae51',
  dirmeta: '446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488',
  hello: '7cbc49f60ce9da632bc3293d5c52a07aac2e69514214d2fe8677b6c83e52d986',
  empty: 'cc700d46f407c6c5ab2d5dde474366a928b7398277e61162e7f8ec06f469f07e',
  link: 'f66efa496a72379413c44593de510dc344beb045294f1a543da87b2b6118db35',
  run: '89b350d278ff59ba4780bc377b8ebfee8ade6b55c99fab1ec84e133bc6ea52c5',
};

const userTest: [Uint8Array, Uint8Array] = [xattrName('user.test'), enc.encode('val')];
const H = {
  hello: { uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [userTest] } as FileHeader,
  empty: { uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [] } as FileHeader,
  link: { uid: 0, gid: 0, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: 'hello.txt', xattrs: [] } as FileHeader,
  run: { uid: 0, gid: 0, mode: S_IFREG | 0o755, rdev: 0, symlinkTarget: '', xattrs: [] } as FileHeader,
};
const CONTENT = {
  hello: enc.encode('hello world\n'),
  empty: new Uint8Array(0),
  link: new Uint8Array(0),
  run: enc.encode('#!/bin/sh\necho hi\n'),
};

const COMMIT_HEX =
  '76657273696f6e00312e3000007308006f73747265652e7265662d62696e64696e67000000000000746573742f6d61696e000a006173130f3766697273740062' +
  '6f647920746578740000000000000000000000005e0be100bcb7933289f5dabfbd99feb08c38a5d6539241af10a38bc6dec693e3d204e1aa446a0ef11b7cc167' +
  'f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c548878493f393939';

describe('§10 test vectors', () => {
  it('commit 3967… (158 bytes)', () => {
    const c: Commit = {
      metadata: [
        ['version', new Variant('s', '1.0')],
        ['ostree.ref-binding', new Variant('as', ['test/main'])],
      ],
      parent: null,
      related: [],
      subject: 'first',
      body: 'body text',
      timestamp: 1577836800n,
      rootTree: CSUM.root,
      rootMeta: CSUM.dirmeta,
    };
    const b = encodeCommit(c);
    expect(bytesToHex(b)).toBe(COMMIT_HEX);
    expect(b.length).toBe(158);
    expect(metadataChecksum(b)).toBe(CSUM.commit);
    expect(b.subarray(0x50, 0x58)).toEqual(hex('000000005e0be100'));
    const d = decodeCommit(b);
    expect(d).toEqual(c);
    expect(encodeCommit(d)).toEqual(b);
    expect(commitContentChecksum(d)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('dirmeta 446a… (12 bytes)', () => {
    const b = encodeDirmeta({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] });
    expect(bytesToHex(b)).toBe('00000000' + '00000000' + '000041ed');
    expect(metadataChecksum(b)).toBe(CSUM.dirmeta);
    expect(decodeDirmeta(b)).toEqual({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] });
  });

  it('content checksums of the four files', () => {
    for (const k of ['hello', 'empty', 'link', 'run'] as const) {
      expect(contentChecksum(H[k], CONTENT[k]), k).toBe(CSUM[k]);
      const h = createContentHasher(H[k]);
      for (let i = 0; i < CONTENT[k].length; i += 5) h.update(CONTENT[k].subarray(i, i + 5));
      expect(h.digest(), k).toBe(CSUM[k]);
    }
  });

  it('hello.txt checksum input (header form)', () => {
    const b = encodeContentHeader(H.hello);
    expect(bytesToHex(b)).toBe(bytesToHex(hex('00000021 00000000 | 00000000 00000000 000081a4 00000000 00 757365722e7465737400 76616c 0a 0e 11')));
    const stream = new Uint8Array([...b, ...CONTENT.hello]);
    const p = parseContentStream(stream);
    expect(p.header).toEqual(H.hello);
    expect(p.content).toEqual(CONTENT.hello);
    expect(p.headerLength).toBe(b.length);
  });

  it('the four .filez headers', () => {
    const cases = [
      ['hello', 12, '0000002900000000 | 000000000000000c 00000000 00000000 000081a4 00000000 00 757365722e7465737400 76616c 0a 0e 19', 'cb48cdc9c95728cf2fca49e10200'],
      ['link', 0, '0000002300000000 | 0000000000000000 00000000 00000000 0000a1ff 00000000 68656c6c6f2e74787400 22', ''],
      ['empty', 0, '0000001a00000000 | 0000000000000000 00000000 00000000 000081a4 00000000 00 19', '0300'],
      ['run', 18, '0000001a00000000 | 0000000000000012 00000000 00000000 000081ed 00000000 00 19', '5356d44fcaccd32fcee04a4dcec857c8c8e40200'],
    ] as const;
    for (const [k, size, hdr, body] of cases) {
      const b = encodeArchiveHeader(H[k], size);
      expect(bytesToHex(b), k).toBe(bytesToHex(hex(hdr)));
      const file = new Uint8Array([...b, ...hex(body)]);
      const p = parseFilez(file);
      expect(p.header, k).toEqual(H[k]);
      expect(p.size).toBe(BigInt(size));
      expect(p.deflated).toEqual(hex(body));
      expect(encodeArchiveHeader(p.header, p.size)).toEqual(b);
    }
    // .filez sizes from the §10 table
    expect(encodeArchiveHeader(H.hello, 12).length + 14).toBe(63);
    expect(encodeArchiveHeader(H.empty, 0).length + 2).toBe(36);
    expect(encodeArchiveHeader(H.link, 0).length).toBe(43);
    expect(encodeArchiveHeader(H.run, 18).length + 20).toBe(54);
  });

  it('sub and root dirtrees', () => {
    const sub = encodeDirtree({ files: [{ name: 'run.sh', checksum: CSUM.run }], dirs: [] });
    expect(sub.length).toBe(42);
    expect(metadataChecksum(sub)).toBe(CSUM.sub);
    // §0 worked example: "run.sh\0" + csum + 07, array offset 28, tuple offset 29
    expect(bytesToHex(sub.subarray(0, 7))).toBe('72756e2e736800');
    expect([...sub.subarray(39)]).toEqual([0x07, 0x28, 0x29]);
    const root = encodeDirtree({
      // deliberately unsorted input
      files: [
        { name: 'link', checksum: CSUM.link },
        { name: 'hello.txt', checksum: CSUM.hello },
        { name: 'empty', checksum: CSUM.empty },
      ],
      dirs: [{ name: 'sub', tree: CSUM.sub, meta: CSUM.dirmeta }],
    });
    expect(root.length).toBe(195);
    expect(metadataChecksum(root)).toBe(CSUM.root);
    expect([...root.subarray(root.length - 4)]).toEqual([0x24, 0x04, 0x46, 0x7b]);
    const d = decodeDirtree(root);
    expect(d.files.map((f) => f.name)).toEqual(['empty', 'hello.txt', 'link']);
    expect(d.dirs).toEqual([{ name: 'sub', tree: CSUM.sub, meta: CSUM.dirmeta }]);
    expect(encodeDirtree(d)).toEqual(root);
  });

  it('empty dirtree 6e34…', () => {
    const b = encodeDirtree({ files: [], dirs: [] });
    expect(b).toEqual(EMPTY_DIRTREE);
    expect(metadataChecksum(b)).toBe(EMPTY_DIRTREE_CHECKSUM);
    expect(decodeDirtree(b)).toEqual({ files: [], dirs: [] });
  });

  it('tombstone (78 bytes, §1.9)', () => {
    const b = encodeTombstone({ commit: CSUM.commit });
    expect(b.length).toBe(78);
    const expected = new Uint8Array([...enc.encode('commit\0'), 0, ...enc.encode(CSUM.commit + '\0'), 0, ...enc.encode('ay'), 0x07, 0x4d]);
    expect(b).toEqual(expected);
    expect(decodeTombstone(b)).toEqual({ commit: CSUM.commit });
  });

  it('bare-user filemeta (§3.4)', () => {
    const link = encodeFilemeta({ uid: 0, gid: 0, mode: S_IFLNK | 0o777, xattrs: [] });
    expect(bytesToHex(link)).toBe('00000000' + '00000000' + '0000a1ff');
    const f = encodeFilemeta({ uid: 0, gid: 0, mode: S_IFREG | 0o644, xattrs: [userTest] });
    expect(bytesToHex(f)).toBe('00000000' + '00000000' + '000081a4' + '757365722e7465737400' + '76616c' + '0a0e');
    expect(decodeFilemeta(f)).toEqual({ uid: 0, gid: 0, mode: S_IFREG | 0o644, xattrs: [userTest] });
  });
});
