/**
 * Seeded mutation loop: mutated valid objects fed to every format decoder; only OstreeError may
 * escape (never a RangeError/TypeError from deep inside), and its cause chain holds only
 * OstreeErrors too.
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
  encodeFilemeta,
  decodeFilemeta,
  encodeContentHeader,
  encodeArchiveHeader,
  parseContentStream,
  parseFilez,
  encodeCommitmeta,
  decodeCommitmeta,
  encodeTombstone,
  decodeTombstone,
  encodeSizesEntry,
  decodeSizesEntry,
  xattrName,
  ObjectType,
  S_IFREG,
  S_IFDIR,
  S_IFLNK,
} from '../../src/format/index.js';
import { OstreeError } from '../../src/errors.js';
import { Prng } from '../util/prng.js';

const A = 'a'.repeat(64);
const B = '0123456789abcdef'.repeat(4);
const enc = new TextEncoder();
const x: [Uint8Array, Uint8Array] = [xattrName('user.test'), enc.encode('val')];

const seeds: Array<[string, Uint8Array[], (b: Uint8Array) => unknown]> = [
  [
    'commit',
    [
      encodeCommit({ metadata: [['version', new Variant('s', '1.0')], ['ostree.ref-binding', new Variant('as', ['a/b'])]], parent: A, related: [], subject: 's', body: 'b', timestamp: 1577836800n, rootTree: A, rootMeta: B }),
      encodeCommit({ metadata: [], parent: null, related: [['r', A]], subject: '', body: '', timestamp: 0n, rootTree: B, rootMeta: A }),
    ],
    decodeCommit,
  ],
  [
    'dirtree',
    [
      encodeDirtree({ files: [{ name: 'a', checksum: A }, { name: 'é', checksum: B }], dirs: [{ name: 'sub', tree: A, meta: B }] }),
      encodeDirtree({ files: Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, checksum: A })), dirs: [] }),
    ],
    decodeDirtree,
  ],
  ['dirmeta', [encodeDirmeta({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] }), encodeDirmeta({ uid: 1, gid: 2, mode: S_IFDIR | 0o700, xattrs: [x] })], decodeDirmeta],
  ['filemeta', [encodeFilemeta({ uid: 0, gid: 0, mode: S_IFREG | 0o644, xattrs: [x] })], decodeFilemeta],
  [
    'content stream',
    [
      new Uint8Array([...encodeContentHeader({ uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [x] }), 1, 2, 3]),
      encodeContentHeader({ uid: 0, gid: 0, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: 'target', xattrs: [] }),
    ],
    parseContentStream,
  ],
  [
    'filez',
    [
      new Uint8Array([...encodeArchiveHeader({ uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [x] }, 12), 0xcb, 0x48, 3, 0]),
      encodeArchiveHeader({ uid: 0, gid: 0, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: 'hello.txt', xattrs: [] }, 0),
    ],
    parseFilez,
  ],
  ['commitmeta', [encodeCommitmeta([['ostree.gpgsigs', new Variant('aay', [new Uint8Array(20), new Uint8Array(3)])], ['x', new Variant('s', 'y')]])], decodeCommitmeta],
  ['tombstone', [encodeTombstone({ commit: A })], decodeTombstone],
  ['sizes entry', [encodeSizesEntry({ checksum: A, objectType: ObjectType.FILE, archived: 300000, unpacked: 12 })], decodeSizesEntry],
];

function mutate(r: Prng, src: Uint8Array): Uint8Array {
  const b = Array.from(src);
  const n = 1 + r.int(3);
  for (let k = 0; k < n; k++) {
    const op = r.int(7);
    const i = b.length ? r.int(b.length) : 0;
    if (op === 0 && b.length) b[i] = r.int(256);
    else if (op === 1 && b.length) b[i]! ^= 1 << r.int(8);
    else if (op === 2) b.length = r.int(b.length + 1);
    else if (op === 3) b.splice(i, 0, r.int(256));
    else if (op === 4 && b.length) b.splice(i, 1);
    else if (op === 5 && b.length) b[i] = [0, 0xff, 0x7f, 0x80][r.int(4)]!;
    else if (b.length) b[b.length - 1 - r.int(Math.min(4, b.length))] = r.int(256); // framing offsets live at the end
  }
  return Uint8Array.from(b);
}

function onlyOstreeErrors(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 10; depth++) {
    if (!(cur instanceof OstreeError)) return false;
    cur = cur.cause;
  }
  return true;
}

describe('mutation loop over every decoder', () => {
  for (const [kind, inputs, decoder] of seeds) {
    it(`${kind}: 3000 mutations, only OstreeError escapes`, () => {
      for (const s of inputs) decoder(s); // seeds are valid
      const r = new Prng(`format-mutation-${kind}`);
      let rejected = 0;
      for (let i = 0; i < 3000; i++) {
        const m = mutate(r, inputs[i % inputs.length]!);
        try {
          decoder(m);
        } catch (e) {
          if (!onlyOstreeErrors(e)) {
            throw new Error(`${kind}: non-OstreeError for input ${Buffer.from(m).toString('hex')}: ${String(e)}`, { cause: e });
          }
          if (kind !== 'sizes entry') expect((e as OstreeError).code).toBe('CORRUPT_OBJECT');
          rejected++;
        }
      }
      expect(rejected).toBeGreaterThan(100);
    });
  }
});
