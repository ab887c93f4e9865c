import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import {
  DeltaOpsWriter,
  buildDeltaSuperblockMetadata,
  decodeDeltaObjectList,
  decodeDeltaOps,
  decodeDeltaPartFile,
  decodeDeltaPartPayload,
  decodeDeltaSuperblock,
  decodeSignedDeltaSuperblock,
  deltaCommitmetaKey,
  deltaPartPath,
  encodeDeltaPartFile,
  encodeDeltaPartPayload,
  encodeDeltaSuperblock,
  encodeSignedDeltaSuperblock,
  isSignedDeltaSuperblock,
  unwrapDeltaSuperblock,
  type DeltaObject,
  type DeltaPartPayload,
} from '../../src/format/delta.js';
import { encodeCommit } from '../../src/format/commit.js';
import { ObjectType } from '../../src/format/object-type.js';
import { Variant } from '../../src/gvariant/index.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const commitBytes = encodeCommit({ metadata: [], parent: null, related: [], subject: 's', body: '', timestamp: 1n, rootTree: A, rootMeta: B });
const TO = createHash('sha256').update(commitBytes).digest('hex');

describe('superblock', () => {
  for (const endianness of ['little', 'big'] as const) {
    it(`round-trips with ${endianness}-endian headers`, () => {
      const parts = [{ version: 0, checksum: A, size: 1234, usize: 0x1_0000_0001, objects: [{ type: ObjectType.DIR_TREE, checksum: B }] }];
      const fallbacks = [{ type: ObjectType.FILE, checksum: A, size: 5, usize: 7 }];
      const metadata = buildDeltaSuperblockMetadata({ endianness, from: B, to: TO, commitmeta: [['k', new Variant('s', 'v')]] });
      const bytes = encodeDeltaSuperblock({ metadata, timestamp: 1700000000n, from: B, to: TO, commit: commitBytes, parts, fallbacks, endianness });
      const sb = decodeDeltaSuperblock(bytes);
      expect(sb).toMatchObject({ from: B, to: TO, timestamp: 1700000000n, parts, fallbacks, endianness, endiannessGuessed: false });
      expect(sb.commit).toEqual(commitBytes);
      expect(sb.metadata.map(([k]) => k)).toEqual(['ostree.endianness', deltaCommitmetaKey(B, TO)]);
    });
  }

  it('guesses endianness without the marker (size/usize heuristic)', () => {
    const parts = [{ version: 0, checksum: A, size: 1000, usize: 100, objects: [] as DeltaObject[] }];
    const bytes = encodeDeltaSuperblock({ metadata: [], timestamp: 0n, from: null, to: TO, commit: commitBytes, parts, fallbacks: [], endianness: 'big' });
    expect(decodeDeltaSuperblock(bytes)).toMatchObject({ endianness: 'big', endiannessGuessed: true, parts: [{ size: 1000, usize: 100 }] });
  });

  it('signed wrapper', () => {
    const inner = encodeDeltaSuperblock({ metadata: [], timestamp: 0n, from: null, to: TO, commit: commitBytes, parts: [], fallbacks: [] });
    const signed = encodeSignedDeltaSuperblock({ superblock: inner, signatures: [['ostree.sign.ed25519', new Variant('aay', [new Uint8Array(64)])]] });
    expect(Buffer.from(signed.subarray(0, 8)).toString('latin1')).toBe('OSTSGNDT');
    expect(isSignedDeltaSuperblock(signed)).toBe(true);
    expect(isSignedDeltaSuperblock(inner)).toBe(false);
    expect(decodeSignedDeltaSuperblock(signed).superblock).toEqual(inner);
    expect(unwrapDeltaSuperblock(signed)).toMatchObject({ signed: true });
  });

  it('rejects garbage, bad checksums and non-file fallbacks as DELTA_CORRUPT', () => {
    expect(() => decodeDeltaSuperblock(new Uint8Array(5))).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
    const bad = encodeDeltaSuperblock({ metadata: [], timestamp: 0n, from: null, to: TO, commit: commitBytes, parts: [], fallbacks: [{ type: ObjectType.DIR_TREE, checksum: A, size: 1, usize: 1 }] });
    expect(() => decodeDeltaSuperblock(bad)).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
    expect(() => decodeDeltaObjectList(new Uint8Array(34))).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
    expect(() => decodeDeltaObjectList(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
  });

  it('paths', () => {
    expect(deltaPartPath(null, TO, 3)).toMatch(/^deltas\/..\/[A-Za-z0-9+_]{41}\/3$/);
  });
});

describe('parts and ops', () => {
  const objects: DeltaObject[] = [
    { type: ObjectType.DIR_META, checksum: A },
    { type: ObjectType.FILE, checksum: B },
    { type: ObjectType.FILE, checksum: A },
  ];
  const payload = (ops: Uint8Array): DeltaPartPayload => ({ modes: [{ uid: 0, gid: 0, mode: 0o100644 }], xattrs: [[]], blob: new Uint8Array(100), ops });

  it('part file and payload round trip (mode table BE)', () => {
    const p = payload(new DeltaOpsWriter().spliceMetadata(10, 0).bytes());
    const enc = encodeDeltaPartPayload(p);
    expect(decodeDeltaPartPayload(enc)).toEqual(p);
    expect(decodeDeltaPartFile(encodeDeltaPartFile(0, enc))).toEqual({ compression: 0, payload: enc });
    expect(() => decodeDeltaPartFile(Uint8Array.of(0x67))).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
  });

  it('decodes every op kind', () => {
    const w = new DeltaOpsWriter().spliceMetadata(10, 0).spliceContent(0, 0, 5, 10).setReadSource(20).open(0, 0, 8).write(4, 0).unsetReadSource().write(4, 60).close();
    expect(decodeDeltaOps(payload(w.bytes()), objects).map((o) => o.op).join('')).toBe('SSroRwwc'.replace('roRww', 'rowRw'));
    const b = new DeltaOpsWriter().spliceMetadata(10, 0).spliceContent(0, 0, 5, 10).setReadSource(20).open(0, 0, 1000).bspatch(52, 24).close().unsetReadSource();
    expect(decodeDeltaOps(payload(b.bytes()), objects).map((o) => o.op).join('')).toBe('SSroBcR');
  });

  it('rejects malformed streams', () => {
    const bad: Array<(w: DeltaOpsWriter) => DeltaOpsWriter> = [
      (w) => w.write(1, 0), // w without open
      (w) => w.spliceMetadata(10, 0).open(0, 0, 5).bspatch(0, 1), // B without source
      (w) => w.spliceMetadata(10, 0).open(0, 0, 5).write(4, 0).close(), // short object
      (w) => w.spliceMetadata(10, 0).open(0, 0, 5).write(6, 0), // write past size
      (w) => w.open(0, 0, 5), // o for a dirmeta
      (w) => w.spliceMetadata(10, 0), // too few objects
      (w) => w.spliceMetadata(10, 0).spliceContent(0, 0, 1, 0).spliceContent(0, 0, 1, 0).spliceContent(0, 0, 1, 0), // too many
      (w) => w.spliceMetadata(101, 0), // past the blob
      (w) => w.setReadSource(69), // csum past the blob
      (w) => w.spliceMetadata(10, 0).spliceContent(1, 0, 1, 0), // mode index
      (w) => w.spliceMetadata(10, 0).spliceContent(0, 1, 1, 0), // xattr index
    ];
    for (const f of bad) {
      expect(() => decodeDeltaOps(payload(f(new DeltaOpsWriter()).bytes()), objects)).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
    }
    expect(() => decodeDeltaOps(payload(Uint8Array.of(0x53, 0x80)), objects)).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
    expect(() => decodeDeltaOps(payload(Uint8Array.of(0x01)), objects)).toThrow(expect.objectContaining({ code: 'DELTA_CORRUPT' }));
  });
});
