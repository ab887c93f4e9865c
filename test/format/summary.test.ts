import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OstreeError } from '../../src/errors.js';
import { Variant } from '../../src/gvariant/value.js';
import { encode } from '../../src/gvariant/codec.js';
import { bswap64 } from '../../src/format/bytes.js';
import {
  buildSummaryMetadata,
  decodeDeltaIndex,
  decodeSummary,
  decodeSummarySig,
  deltaDirPath,
  deltaIndexPath,
  deltaIndexTargetFromPath,
  deltaNameFromDirs,
  encodeDeltaIndex,
  encodeSummary,
  encodeSummarySig,
  parseDeltaName,
  readSummaryRefMetadata,
  summaryInfo,
  summaryRefMetadata,
  type SummaryRef,
} from '../../src/format/summary.js';
import { Prng } from '../util/prng.js';

const root = join(import.meta.dirname, '../..');
const fixture = new Uint8Array(readFileSync(join(root, 'fixtures/repos/archive/summary')));
const expected = JSON.parse(readFileSync(join(root, 'fixtures/expected.json'), 'utf8'));

const C1 = '4da85ad8009f6c8df7e4c298b60bd2f3838c3a66dc5b83408642f1d4d63bf09f';
const C2 = '07262180f2dead3a2f5c2a4d9a6e0ff3751de4e3e5a9b1f06d2a3e7b8ea0e3e0';

function ref(name: string, csum = C1, size = 174n, ts = 1577836800n, version?: string): SummaryRef {
  return { name, commitSize: size, checksum: csum, metadata: summaryRefMetadata({ timestamp: ts, version }) };
}

describe('summary codec', () => {
  it('decodes the real ostree fixture summary and re-encodes it byte for byte', () => {
    const s = decodeSummary(fixture);
    const info = summaryInfo(s);
    expect(info.lastModified).toBe(BigInt(expected.summaryLastModified));
    expect(info.mode).toBe('archive-z2');
    expect(info.indexedDeltas).toBe(true);
    const heads = Object.entries(expected.repos.archive.refs as Record<string, string>).filter(([k]) => !k.includes(':'));
    expect(s.refs.map((r) => [r.name, r.checksum])).toEqual(heads.sort());
    expect(Buffer.from(encodeSummary(s)).equals(Buffer.from(fixture))).toBe(true);
    // rebuilt from typed facts it is the same too
    const rebuilt = encodeSummary({
      refs: s.refs.map((r) => ({ ...r, metadata: summaryRefMetadata(readSummaryRefMetadata(r.metadata)) })),
      metadata: buildSummaryMetadata({
        lastModified: info.lastModified!,
        mode: info.mode!,
        tombstoneCommits: info.tombstoneCommits!,
        staticDeltas: info.staticDeltas,
      }),
    });
    expect(Buffer.from(rebuilt).equals(Buffer.from(fixture))).toBe(true);
  });

  it('stores the commit size little-endian and timestamps big-endian', () => {
    const bytes = encodeSummary({ refs: [ref('a', C1, 0xaen)], metadata: [] });
    const i = Buffer.from(bytes).indexOf(Buffer.from([0xae, 0, 0, 0, 0, 0, 0, 0]));
    expect(i).toBeGreaterThanOrEqual(0);
    const md = summaryRefMetadata({ timestamp: 1n });
    expect(md[0]![1].value).toBe(bswap64(1n));
    expect(readSummaryRefMetadata(md).timestamp).toBe(1n);
    // timestamps GDateTime cannot represent are left out
    expect(summaryRefMetadata({ timestamp: 253402300800n })).toEqual([]);
  });

  it('sorts refs bytewise (UTF-8 order, not UTF-16) and rejects unsorted input on decode', () => {
    const names = ['z', 'a', '日本', 'ｚ', '\u{10428}x', 'A'];
    const s = decodeSummary(encodeSummary({ refs: names.map((n) => ref(n)), metadata: [] }));
    expect(s.refs.map((r) => r.name)).toEqual(['A', 'a', 'z', '日本', 'ｚ', '\u{10428}x']);
    const raw = encode('(a(s(taya{sv}))a{sv})', [[['b', [1n, new Uint8Array(32), []]], ['a', [1n, new Uint8Array(32), []]]], []]);
    expect(() => decodeSummary(raw)).toThrow(expect.objectContaining({ code: 'SUMMARY_INVALID' }));
    const dup = encode('(a(s(taya{sv}))a{sv})', [[['a', [1n, new Uint8Array(32), []]], ['a', [1n, new Uint8Array(32), []]]], []]);
    expect(() => decodeSummary(dup)).toThrow(expect.objectContaining({ code: 'SUMMARY_INVALID' }));
    const badName = encode('(a(s(taya{sv}))a{sv})', [[['-x', [1n, new Uint8Array(32), []]]], []]);
    expect(() => decodeSummary(badName)).toThrow(expect.objectContaining({ code: 'SUMMARY_INVALID' }));
    const shortCsum = encode('(a(s(taya{sv}))a{sv})', [[['a', [1n, new Uint8Array(31), []]]], []]);
    expect(() => decodeSummary(shortCsum)).toThrow(expect.objectContaining({ code: 'SUMMARY_INVALID' }));
    const badType = encode('(a(s(taya{sv}))a{sv})', [[], [['ostree.summary.mode', new Variant('b', true)]]]);
    expect(() => decodeSummary(badType)).toThrow(expect.objectContaining({ code: 'SUMMARY_INVALID' }));
  });

  it('builds the additional metadata in ostree order with collection map and deltas', () => {
    const md = buildSummaryMetadata({
      additional: [['x.y', new Variant('s', 'v')], ['ostree.summary.mode', new Variant('s', 'overridden')]],
      staticDeltas: [[C1, C2], [`${C2}-${C1}`, C1]],
      lastModified: 1580601600n,
      mode: 'archive-z2',
      tombstoneCommits: true,
      collectionId: 'org.example.Main',
      collectionMap: [['org.b.B', [ref('z'), ref('a')]], ['org.a.A', [ref('m')]], ['org.empty.E', []]],
    });
    const s = { refs: [], metadata: md };
    const info = summaryInfo(decodeSummary(encodeSummary(s)));
    expect(info.mode).toBe('archive-z2'); // ostree's insert replaces the user's value in place
    expect(info.tombstoneCommits).toBe(true);
    expect(info.collectionId).toBe('org.example.Main');
    expect(info.collectionMap.map(([c, r]) => [c, r.map((x) => x.name)])).toEqual([['org.a.A', ['m']], ['org.b.B', ['a', 'z']]]);
    expect(new Map(info.staticDeltas)).toEqual(new Map([[C1, C2], [`${C2}-${C1}`, C1]]));
  });

  it('encodes and decodes summary.sig and delta indexes', () => {
    const sig = encodeSummarySig([['ostree.gpgsigs', new Variant('aay', [Uint8Array.of(1, 2)])], ['ostree.sign.ed25519', new Variant('aay', [new Uint8Array(64)])]]);
    const d = decodeSummarySig(sig);
    expect(d.gpg).toEqual([Uint8Array.of(1, 2)]);
    expect(d.ed25519[0]!.length).toBe(64);
    expect(() => decodeSummarySig(encodeSummarySig([['ostree.gpgsigs', new Variant('s', 'x')]]))).toThrow(expect.objectContaining({ code: 'SUMMARY_INVALID' }));
    const idx = encodeDeltaIndex(C1, [[C2, C2], [null, C1]]);
    expect(new Map(decodeDeltaIndex(idx))).toEqual(new Map([[C1, C1], [`${C2}-${C1}`, C2]]));
    expect(() => decodeDeltaIndex(Uint8Array.of(1, 2, 3))).toThrow(expect.objectContaining({ code: 'DELTA_INDEX_INVALID' }));
  });

  it('derives delta paths and names as §4.5 shows', () => {
    const to = '4da85ad8009f6c8df7e4c298b60bd2f3838c3a66dc5b83408642f1d4d63b1fef';
    expect(deltaIndexPath(to).startsWith('delta-indexes/')).toBe(true);
    const dir = deltaDirPath(null, to);
    const [, p, sub] = dir.split('/');
    expect(deltaNameFromDirs(p!, sub!)).toBe(to);
    const dir2 = deltaDirPath(C2, to).split('/');
    expect(deltaNameFromDirs(dir2[1]!, dir2[2]!)).toBe(`${C2}-${to}`);
    const ip = deltaIndexPath(to).split('/');
    expect(deltaIndexTargetFromPath(ip[1]!, ip[2]!)).toBe(to);
    expect(deltaNameFromDirs('ab', 'nonsense')).toBeNull();
    expect(parseDeltaName(`${C1}-${C2}`)).toEqual({ from: C1, to: C2 });
    expect(() => parseDeltaName('xyz')).toThrow(OstreeError);
  });

  it('only OstreeError escapes decoding of mutated summaries, sigs and indexes (seeded)', () => {
    const rng = new Prng('summary-mutations');
    const big = encodeSummary({
      refs: Array.from({ length: 40 }, (_, i) => ref(`r/${i}`, i % 2 ? C1 : C2, BigInt(100 + i), BigInt(1577836800 + i), i % 3 ? `v${i}` : undefined)),
      metadata: buildSummaryMetadata({ lastModified: 1n, mode: 'bare', tombstoneCommits: false, collectionId: 'a.b', staticDeltas: [[C1, C2]], collectionMap: [['c.d', [ref('x')]]] }),
    });
    const inputs: Array<[Uint8Array, (b: Uint8Array) => unknown]> = [
      [fixture, decodeSummary],
      [big, decodeSummary],
      [encodeDeltaIndex(C1, [[null, C2], [C2, C1]]), decodeDeltaIndex],
      [encodeSummarySig([['ostree.gpgsigs', new Variant('aay', [Uint8Array.of(1, 2, 3)])]]), decodeSummarySig],
    ];
    let errors = 0;
    for (const [orig, fn] of inputs) {
      for (let n = 0; n < 1500; n++) {
        const b = new Uint8Array(orig);
        const kind = rng.int(3);
        let m: Uint8Array = b;
        if (kind === 0) for (let k = 0, c = 1 + rng.int(4); k < c; k++) b[rng.int(b.length)] = rng.int(256);
        else if (kind === 1) m = b.subarray(0, rng.int(b.length));
        else {
          const at = rng.int(b.length);
          m = new Uint8Array([...b.subarray(0, at), ...rng.bytes(1 + rng.int(8)), ...b.subarray(at)]);
        }
        try {
          fn(m);
        } catch (e) {
          if (!(e instanceof OstreeError)) throw e;
          errors++;
        }
      }
    }
    expect(errors).toBeGreaterThan(1000);
  });
});
