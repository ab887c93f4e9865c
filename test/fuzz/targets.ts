/**
 * Every parser under fuzz, with its seeds and its structure-aware mutators.
 *
 * Not (yet) here because the parsers do not exist in the tree: `summary.idx` / subsummary
 * `.delta` files and `.flatpakref` (Flatpak layer). Add a target when they land.
 */
import * as types from '../../src/format/types.js';
import { decode, isNormalForm, encode, parse as parseText, print as printText } from '../../src/gvariant/index.js';
import { parseType } from '../../src/gvariant/type.js';
import type { GVValue } from '../../src/gvariant/value.js';
import {
  decodeCommit,
  decodeDirtree,
  decodeDirmeta,
  decodeFilemeta,
  decodeCommitmeta,
  decodeTombstone,
  decodeSizesMetadata,
  parseFilez,
  parseContentStream,
  encodeArchiveHeader,
  encodeContentHeader,
  encodeCommitmeta,
  encodeTombstone,
  KeyFile,
  S_IFREG,
  S_IFLNK,
  xattrName,
} from '../../src/format/index.js';
import { decodeSummary, decodeSummarySig, decodeDeltaIndex, encodeSummarySig } from '../../src/format/summary.js';
import {
  decodeDeltaSuperblock,
  decodeSignedDeltaSuperblock,
  isSignedDeltaSuperblock,
  unwrapDeltaSuperblock,
  decodeDeltaPartFile,
  decodeDeltaPartPayload,
  encodeDeltaPartPayload,
  decodeDeltaOps,
  encodeSignedDeltaSuperblock,
  DeltaCompression,
  type DeltaPartHeader,
} from '../../src/format/delta.js';
import { openDeltaPart, executeDeltaPart } from '../../src/ops/delta-apply.js';
import { fsck } from '../../src/ops/fsck.js';
import { Repo } from '../../src/store/repo.js';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sharedTempDir } from '../util/scratch.js';
import { join } from 'node:path';
import { xzCompress, xzDecompress } from '../../src/codec/xz/index.js';
import { crc32 } from '../../src/codec/xz/crc.js';
import { bsdiff } from '../../src/codec/bsdiff.js';
import { bspatch } from '../../src/codec/bspatch.js';
import { TarReader } from '../../src/codec/tar.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync, linkSync, rmSync } from 'node:fs';
import { Variant } from '../../src/gvariant/value.js';
import { Gen, rng as mulberry } from '../gvariant/random.js';
import { Prng } from '../util/prng.js';
import { OstreeError } from '../../src/errors.js';
import { seedFiles } from './seeds.js';
import { mutate, type Mutator } from './mutate.js';
import { valueMutator } from './mutate-value.js';
import { decodeSummaryIndex, encodeSummaryIndex, summaryDiff, applySummaryDiff, SUMMARY_INDEX_TYPE } from '../../src/format/flatpak-summary.js';
import { parseFlatpakref, parseFlatpakrepo, writeFlatpakref, writeFlatpakrepo } from '../../src/flatpak/flatpakref.js';
import type { FuzzTarget } from './runner.js';

const enc = new TextEncoder();
const XZ_OUTPUT_LIMIT = 1 << 22;
const BSPATCH_OLD = new Prng('bspatch-old').bytes(4096);

// ---------------------------------------------------------------------------------------------
// GVariant of every ostree type string

/** Unique ostree type strings from the registry, named after their first constant. */
function ostreeTypeStrings(): Array<[string, string]> {
  const seen = new Map<string, string>();
  for (const [k, v] of Object.entries(types)) {
    if (typeof v !== 'string' || !k.endsWith('_TYPE')) continue;
    if (!seen.has(v)) seen.set(v, k.slice(0, -5).toLowerCase().replace(/_/g, '-'));
  }
  return [...seen].map(([t, n]) => [n, t]);
}

function gvariantTarget(name: string, typeStr: string, extra: () => Promise<Uint8Array[]>): FuzzTarget {
  const t = parseType(typeStr);
  return {
    name: `gvariant-${name}`,
    seeds: async () => {
      const g = new Gen(mulberry(typeStr.length * 7919 + name.length));
      const out: Uint8Array[] = [];
      for (let i = 0; i < 6; i++) out.push(encode(t, g.value(t)));
      return [...out, ...(await extra())];
    },
    mutators: [[valueMutator(typeStr), 6]],
    run: (b) => {
      const strict = isNormalForm(t, b);
      let strictOk = true;
      try {
        decode(t, b);
      } catch (e) {
        if (!(e instanceof OstreeError)) throw e;
        strictOk = false;
      }
      if (strict !== strictOk) throw new Error(`isNormalForm says ${strict} but strict decode ${strictOk ? 'accepted' : 'rejected'}`);
      const v = decode(t, b, { allowNonNormal: true });
      // A lenient decode re-encodes to normal form, which decodes strictly.
      const again = encode(t, v);
      if (!isNormalForm(t, again)) throw new Error('re-encoding a leniently decoded value is not in normal form');
    },
  };
}

/** Call `f`, ignoring an OstreeError (a getter rejecting one value is not a parse failure). */
function soft(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof OstreeError)) throw e;
  }
}

/** Run both parsers; throw only when both reject (the first parser's error). */
function eitherOf(a: (b: Uint8Array) => unknown, b: (b: Uint8Array) => unknown): (x: Uint8Array) => void {
  return (x) => {
    let first: unknown;
    for (const f of [a, b]) {
      try {
        f(x);
        return;
      } catch (e) {
        if (!(e instanceof OstreeError)) throw e;
        first ??= e;
      }
    }
    throw first;
  };
}

// ---------------------------------------------------------------------------------------------
// Structure-aware mutators

/** `.filez`: rewrite the declared size (first field of the archive header, stored BE). */
const filezSize: Mutator = (input, rng) => {
  if (input.length < 16) return input;
  const out = new Uint8Array(input);
  const sizes = [0n, 1n, 10_000_000_000n, (1n << 63n) - 1n, (1n << 64n) - 1n, BigInt(rng.int(1 << 20))];
  new DataView(out.buffer).setBigUint64(8, rng.pick(sizes), false);
  return out;
};

/** xz: recompute the stream-header, first block-header and footer CRC32s after a mutation. */
function xzFixCrcs(b: Uint8Array): Uint8Array {
  if (b.length < 24) return b;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(8, crc32(b.subarray(6, 8)), true);
  const hs = (b[12]! + 1) * 4;
  if (b[12] !== 0 && 12 + hs <= b.length) dv.setUint32(12 + hs - 4, crc32(b.subarray(12, 12 + hs - 4)), true);
  const f = b.length - 12;
  dv.setUint32(f, crc32(b.subarray(f + 4, f + 10)), true);
  return b;
}

/** xz: mutate inside the headers, then fix their CRCs so the decoder gets past them. */
const xzHeaderMutate: Mutator = (input, rng) => {
  if (input.length < 24) return input;
  const out = new Uint8Array(input);
  const hs = (out[12]! + 1) * 4;
  const region = rng.int(3);
  const at = region === 0 ? rng.range(6, 7) : region === 1 ? 12 + rng.int(Math.max(1, hs - 4)) : out.length - 8 + rng.int(6);
  if (at < out.length) out[at] = rng.chance(0.5) ? out[at]! ^ (1 << rng.int(8)) : rng.int(256);
  return xzFixCrcs(out);
};

/** xz: mutate only the compressed block data (keeps headers valid). */
const xzBodyMutate: Mutator = (input, rng, pool) => {
  if (input.length < 40) return input;
  const hs = (input[12]! + 1) * 4;
  const start = 12 + hs;
  const end = input.length - 24;
  if (end <= start) return input;
  const body = mutate(input.subarray(start, end), rng, pool);
  const out = new Uint8Array(start + body.length + (input.length - end));
  out.set(input.subarray(0, start));
  out.set(body, start);
  out.set(input.subarray(end), start + body.length);
  return out;
};

/** Delta part (`index ‖ compression ‖ xz`): mutate inside the xz stream with CRC fix-ups. */
const partXz: Mutator = (input, rng, pool) => {
  if (input.length < 3 || input[1] !== DeltaCompression.XZ) return input;
  const inner = (rng.chance(0.6) ? xzBodyMutate : xzHeaderMutate)(input.subarray(2), rng, pool);
  const out = new Uint8Array(inner.length + 2);
  out.set(input.subarray(0, 2));
  out.set(inner, 2);
  return out;
};

/** Delta payload: mutate the op stream or the blob and re-encode the payload. */
const payloadInner: Mutator = (input, rng, pool) => {
  let p;
  try {
    p = decodeDeltaPartPayload(input.subarray(1));
  } catch {
    return input;
  }
  const which = rng.int(3);
  if (which === 0) p.ops = mutate(p.ops, rng, []);
  else if (which === 1) p.blob = mutate(p.blob, rng, []);
  else if (p.modes.length) p.modes[rng.int(p.modes.length)]!.mode = rng.pick([0, 0o40755, 0o120777, 0o100644 | 0o4000, 0xffffffff, rng.u32()]);
  void pool;
  return prefixed(input[0] ?? 0, encodeDeltaPartPayload(p));
};

/** Delta ops target: varint-aware tweaks (a huge varint, an opcode swap). */
const opsTweak: Mutator = (input, rng) => {
  let p;
  try {
    p = decodeDeltaPartPayload(input.subarray(1));
  } catch {
    return input;
  }
  const ops = Array.from(p.ops);
  const at = rng.int(ops.length + 1);
  const k = rng.int(3);
  if (k === 0) ops.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  else if (k === 1 && ops.length) ops[rng.int(ops.length)] = rng.pick([0x53, 0x6f, 0x77, 0x72, 0x52, 0x63, 0x42, 0x00]);
  else ops.splice(at, 0, rng.pick([0x53, 0x6f, 0x77, 0x72, 0x52, 0x63, 0x42]), rng.int(256), rng.int(128), rng.int(128));
  p.ops = Uint8Array.from(ops);
  return prefixed(input[0] ?? 0, encodeDeltaPartPayload(p));
};

// ---------------------------------------------------------------------------------------------
// Helpers for delta seeds

async function partSeeds(): Promise<Array<{ file: Uint8Array; header: DeltaPartHeader }>> {
  const f = await seedFiles();
  return f.parts.map((p) => ({ file: p.bytes, header: decodeDeltaSuperblock(unwrapDeltaSuperblock(p.superblock).superblock).parts[p.index]! }));
}

/** Payloads (decompressed) paired with the objects their header lists. */
let payloadCache: Promise<Array<{ payload: Uint8Array; header: DeltaPartHeader }>> | undefined;
function payloadSeeds(): Promise<Array<{ payload: Uint8Array; header: DeltaPartHeader }>> {
  payloadCache ??= (async () => {
    const out: Array<{ payload: Uint8Array; header: DeltaPartHeader }> = [];
    for (const { file, header } of await partSeeds()) {
      const { compression, payload } = decodeDeltaPartFile(file);
      out.push({ payload: compression === DeltaCompression.XZ ? xzDecompress(payload) : payload, header });
    }
    const f = await seedFiles();
    // Inline parts live in the superblock metadata.
    for (const sb of f.superblocks) {
      const d = decodeDeltaSuperblock(unwrapDeltaSuperblock(sb).superblock);
      d.parts.forEach((header, i) => {
        for (const [k, v] of d.metadata) {
          if (v.type === 'ay' && /\/\d+$/.test(k) && Number(k.slice(k.lastIndexOf('/') + 1)) === i) {
            const pf = decodeDeltaPartFile(v.value as Uint8Array);
            out.push({ payload: pf.compression === DeltaCompression.XZ ? xzDecompress(pf.payload) : pf.payload, header });
          }
        }
      });
    }
    return out;
  })();
  return payloadCache;
}

/**
 * Part and payload inputs are `index byte ‖ bytes`: the first byte picks which seed part header
 * (object list, usize) the bytes are checked against, so a saved input replays deterministically.
 */
function headerFor(list: Array<{ header: DeltaPartHeader }>, b: Uint8Array): DeltaPartHeader {
  return list[(b[0] ?? 0) % list.length]!.header;
}

function prefixed(i: number, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 1);
  out[0] = i;
  out.set(b, 1);
  return out;
}

let summaryDiffOld: Uint8Array = new Uint8Array(0);
let payloadList: Array<{ payload: Uint8Array; header: DeltaPartHeader }> = [];
let partList: Array<{ file: Uint8Array; header: DeltaPartHeader }> = [];

// ---------------------------------------------------------------------------------------------
// Keyfile seeds

const KEYFILE_SEEDS = [
  '[core]\nrepo_version=1\nmode=archive-z2\n',
  '# comment\n[remote "origin"]\nurl=https://example.com/repo\ngpg-verify=false\nbranches=a;b;c;\n\n[core]\nmin-free-space-percent=3\n',
  '[Flatpak Ref]\nName=org.example.App\nBranch=stable\nUrl=https://dl.example.com/repo/\nIsRuntime=false\nGPGKey=mQENBFq\\n\\s\\t\\\\x\nTitle=Example\nTitle[de]=Beispiel\nTitle[de_DE@euro]=B2\n',
  '[Flatpak Repo]\nTitle=Repo\nUrl=https://dl.example.com/repo/\nHomepage=https://example.com\nComment[fr]=Dépôt\nDefaultBranch=stable\nNoEnumerate=true\n',
  '[a]\nk = v\nint=-42\nu64=18446744073709551615\nd=1.5e3\nlist=x\\;y;z;\n',
];

// ---------------------------------------------------------------------------------------------
// The targets

const objects = async (ext: string) => (await seedFiles()).objects.get(ext) ?? [];

/** All fuzz targets. */
export const TARGETS: FuzzTarget[] = [
  ...ostreeTypeStrings().map(([name, t]) =>
    gvariantTarget(name, t, async () => {
      const f = await seedFiles();
      if (t === types.COMMIT_TYPE) return f.objects.get('commit') ?? [];
      if (t === types.DIRTREE_TYPE) return f.objects.get('dirtree') ?? [];
      if (t === types.DIRMETA_TYPE) return f.objects.get('dirmeta') ?? [];
      if (t === types.SUMMARY_TYPE) return f.summary;
      if (t === types.DELTA_SUPERBLOCK_TYPE) return f.superblocks;
      if (t === types.COMMITMETA_TYPE) return [...(f.objects.get('commitmeta') ?? []), ...f.indexes];
      if (t === types.DELTA_PART_PAYLOAD_TYPE) return (await payloadSeeds()).map((p) => p.payload);
      return [];
    }),
  ),
  { name: 'commit', seeds: () => objects('commit'), run: (b) => decodeCommit(b), mutators: [[valueMutator(types.COMMIT_TYPE), 6]] },
  {
    name: 'commit-sizes',
    seeds: async () => (await objects('commit')).filter((c) => decodeCommit(c).metadata.some(([k]) => k === 'ostree.sizes')),
    run: (b) => {
      const c = decodeCommit(b);
      for (const [k, v] of c.metadata) if (k === 'ostree.sizes' && v.type === 'aay') decodeSizesMetadata(v.value as Uint8Array[]);
    },
    mutators: [[valueMutator(types.COMMIT_TYPE), 6]],
  },
  { name: 'dirtree', seeds: () => objects('dirtree'), run: (b) => decodeDirtree(b), mutators: [[valueMutator(types.DIRTREE_TYPE), 6]] },
  { name: 'dirmeta', seeds: () => objects('dirmeta'), run: eitherOf(decodeDirmeta, decodeFilemeta), mutators: [[valueMutator(types.DIRMETA_TYPE), 6]] },
  {
    name: 'commitmeta',
    seeds: async () => [...(await objects('commitmeta')), encodeCommitmeta([['ostree.gpgsigs', new Variant('aay', [new Uint8Array(40)])], ['ostree.sign.ed25519', new Variant('aay', [new Uint8Array(64)])]])],
    run: (b) => decodeCommitmeta(b),
    mutators: [[valueMutator(types.COMMITMETA_TYPE), 6]],
  },
  { name: 'tombstone', seeds: () => [encodeTombstone({ commit: 'ab'.repeat(32) })], run: (b) => decodeTombstone(b), mutators: [[valueMutator(types.TOMBSTONE_TYPE), 6]] },
  {
    name: 'filez',
    seeds: async () => [
      ...(await objects('filez')),
      encodeArchiveHeader({ uid: 0, gid: 0, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: '../x', xattrs: [] }, 0),
      new Uint8Array([...encodeArchiveHeader({ uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [[xattrName('user.a'), enc.encode('b')]] }, 3), 0x4b, 0x4c, 0x4a, 0x06, 0]),
    ],
    run: (b) => parseFilez(b),
    mutators: [[filezSize, 2]],
  },
  {
    name: 'content-stream',
    seeds: () => [
      new Uint8Array([...encodeContentHeader({ uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [[xattrName('user.a'), enc.encode('b')]] }), 1, 2, 3]),
      encodeContentHeader({ uid: 1000, gid: 1000, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: 'target/x', xattrs: [] }),
      encodeContentHeader({ uid: 0, gid: 0, mode: S_IFREG | 0o755, rdev: 0, symlinkTarget: '', xattrs: [] }),
    ],
    run: (b) => parseContentStream(b),
  },
  { name: 'summary', seeds: async () => (await seedFiles()).summary, run: (b) => decodeSummary(b), mutators: [[valueMutator(types.SUMMARY_TYPE), 6]] },
  {
    name: 'summary-sig',
    seeds: () => [encodeSummarySig([['ostree.gpgsigs', new Variant('aay', [new Uint8Array(30)])], ['ostree.sign.ed25519', new Variant('aay', [new Uint8Array(64)])]])],
    run: (b) => decodeSummarySig(b),
    mutators: [[valueMutator(types.SUMMARY_SIG_TYPE), 6]],
  },
  { name: 'delta-index', seeds: async () => (await seedFiles()).indexes, run: (b) => decodeDeltaIndex(b), mutators: [[valueMutator(types.DELTA_INDEX_TYPE), 6]] },
  {
    name: 'delta-superblock',
    seeds: async () => {
      const sbs = (await seedFiles()).superblocks;
      return [...sbs, encodeSignedDeltaSuperblock({ superblock: sbs[0]!, signatures: [['ostree.sign.ed25519', new Variant('aay', [new Uint8Array(64)])]] })];
    },
    run: (b) => {
      if (isSignedDeltaSuperblock(b)) decodeSignedDeltaSuperblock(b);
      decodeDeltaSuperblock(unwrapDeltaSuperblock(b).superblock);
    },
    mutators: [[valueMutator(types.DELTA_SUPERBLOCK_TYPE), 6]],
  },
  {
    name: 'delta-part',
    seeds: async () => {
      partList = await partSeeds();
      return partList.map((p, i) => prefixed(i, p.file));
    },
    run: (b) => {
      if (b.length === 0) return;
      const header = headerFor(partList, b);
      const payload = openDeltaPart(b.subarray(1), header, null);
      decodeDeltaOps(payload, header.objects);
    },
    mutators: [[partXz, 12]],
  },
  {
    name: 'delta-payload',
    seeds: async () => {
      payloadList = await payloadSeeds();
      return payloadList.map((p, i) => prefixed(i, p.payload));
    },
    run: (b) => {
      if (b.length === 0) return;
      const header = headerFor(payloadList, b);
      decodeDeltaOps(decodeDeltaPartPayload(b.subarray(1)), header.objects);
    },
    mutators: [
      [payloadInner, 6],
      [opsTweak, 4],
      [valueMutator(types.DELTA_PART_PAYLOAD_TYPE, { prefix: 1 }), 4],
    ],
  },
  deltaExecuteTarget(),
  {
    name: 'xz',
    seeds: () => {
      const r = new Prng('xz-seeds');
      const text = enc.encode('ostree static delta part payload '.repeat(200));
      return [
        xzCompress(text, { preset: 1 }),
        xzCompress(r.bytes(3000), { preset: 0, check: 'crc32' }),
        xzCompress(text.subarray(0, 500), { preset: 6, check: 'sha256' }),
        xzCompress(new Uint8Array(0), { check: 'none' }),
        xzCompress(new Uint8Array(20000), { preset: 2 }),
      ];
    },
    run: (b) => {
      const out = xzDecompress(b, { maxOutput: XZ_OUTPUT_LIMIT, memlimit: 1 << 26 });
      if (out.length > XZ_OUTPUT_LIMIT) throw new Error(`xz output ${out.length} beyond maxOutput`);
    },
    mutators: [
      [xzHeaderMutate, 4],
      [xzBodyMutate, 6],
    ],
  },
  {
    name: 'bspatch',
    // Input: u32 LE newSize ‖ patch; the old file is fixed.
    seeds: () => {
      const r = new Prng('bspatch-seeds');
      const out: Uint8Array[] = [];
      for (const n of [0, 100, 4096, 6000]) {
        const nw = new Uint8Array(n);
        nw.set(BSPATCH_OLD.subarray(0, Math.min(n, 4096)));
        if (n > 50) nw.set(r.bytes(40), 10);
        const patch = bsdiff(BSPATCH_OLD, nw);
        const framed = new Uint8Array(4 + patch.length);
        new DataView(framed.buffer).setUint32(0, n, true);
        framed.set(patch, 4);
        out.push(framed);
      }
      return out;
    },
    run: (b) => {
      if (b.length < 4) return;
      const newSize = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
      bspatch(BSPATCH_OLD, b.subarray(4), newSize, { maxNewSize: 1 << 22 });
    },
  },
  {
    name: 'tar',
    // Archives made by GNU tar (gnu and pax formats: long names, symlink, hard link, dirs).
    seeds: () => {
      const d = mkdtempSync(join(tmpdir(), 'ostree-ts-fuzz-tar-'));
      const long = 'l'.repeat(120);
      mkdirSync(join(d, 'dir', long), { recursive: true });
      writeFileSync(join(d, 'dir', 'f.txt'), 'hello\n');
      writeFileSync(join(d, 'dir', long, 'x'), new Prng('tar').bytes(700));
      symlinkSync('f.txt', join(d, 'dir', 'link'));
      linkSync(join(d, 'dir', 'f.txt'), join(d, 'dir', 'hard'));
      const out: Uint8Array[] = [];
      for (const format of ['gnu', 'pax', 'ustar']) {
        const r = spawnSync('tar', ['-c', `--format=${format}`, '--sort=name', '--mtime=@0', '-C', d, 'dir'], { maxBuffer: 1 << 24 });
        if (r.status === 0) out.push(new Uint8Array(r.stdout));
      }
      rmSync(d, { recursive: true, force: true });
      return out;
    },
    run: (b) => {
      const r = new TarReader();
      const half = b.length >> 1;
      r.push(b.subarray(0, half));
      r.push(b.subarray(half));
      r.end();
    },
  },
  {
    name: 'summary-idx',
    seeds: () => [
      encodeSummaryIndex({
        subsummaries: [
          ['x86_64', { digest: 'ab'.repeat(32), history: ['cd'.repeat(32), 'ef'.repeat(32)], metadata: [] }],
          ['appstream-aarch64', { digest: '01'.repeat(32), history: [], metadata: [['x', new Variant('s', 'y')]] }],
        ],
        metadata: [['xa.cache-version', new Variant('u', 2)]],
      }),
      encodeSummaryIndex({ subsummaries: [], metadata: [] }),
    ],
    run: (b) => decodeSummaryIndex(b),
    mutators: [[valueMutator(SUMMARY_INDEX_TYPE), 6]],
  },
  {
    // Input: an `xadf` diff applied to a fixed old summary (the seed repository's).
    name: 'subsummary-delta',
    seeds: async () => {
      const f = await seedFiles();
      const names = (b: Uint8Array) => decodeSummary(b).refs.map((r) => r.name);
      const [oldS, otherS] = [f.summary[f.summary.length - 1]!, f.summary[0]!];
      summaryDiffOld = oldS;
      return [summaryDiff(oldS, names(oldS), otherS, names(otherS)), summaryDiff(oldS, names(oldS), oldS, names(oldS))];
    },
    run: (b) => {
      const out = applySummaryDiff(summaryDiffOld, b);
      if (out.length > summaryDiffOld.length + b.length) throw new Error(`diff output ${out.length} beyond old + diff sizes`);
    },
  },
  {
    name: 'flatpakref',
    seeds: () => [
      enc.encode(writeFlatpakref({ name: 'org.example.App', branch: 'stable', url: 'https://dl.example.com/repo/', title: 'Example', isRuntime: false, gpgKey: new Prng('k').bytes(90), runtimeRepo: 'https://dl.example.com/x.flatpakrepo', suggestRemoteName: 'example' })),
      enc.encode(writeFlatpakref({ name: 'org.example.Platform', url: 'https://x/', isRuntime: true, deployCollectionId: 'org.example.Repo', gpgKey: new Prng('k3').bytes(40), version: 1 })),
    ],
    run: (b) => parseFlatpakref(b),
  },
  {
    name: 'flatpakrepo',
    seeds: () => [
      enc.encode(writeFlatpakrepo({ url: 'https://dl.example.com/repo/', title: 'Repo', comment: 'c', homepage: 'https://e/', gpgKey: new Prng('k2').bytes(64), defaultBranch: 'stable', noDeps: true })),
      enc.encode(writeFlatpakrepo({ url: 'oci+https://r/', subset: 'verified', authenticatorName: 'org.a.B' })),
    ],
    run: (b) => parseFlatpakrepo(b),
  },
  {
    name: 'keyfile',
    seeds: async () => [...KEYFILE_SEEDS.map((s) => enc.encode(s)), ...(await seedFiles()).configs],
    run: (b) => {
      const kf = KeyFile.parse(b);
      for (const g of kf.groups()) {
        for (const k of kf.keys(g) ?? []) {
          soft(() => kf.getString(g, k));
          soft(() => kf.getStringList(g, k));
          soft(() => kf.getLocaleString(g, k, 'de_DE'));
          soft(() => kf.getBoolean(g, k));
          soft(() => kf.getUint64(g, k));
        }
      }
      KeyFile.parse(kf.toString());
    },
  },
  {
    name: 'gvariant-text',
    seeds: () => {
      const g = new Gen(mulberry(77));
      const out: Uint8Array[] = [];
      for (const t of [types.COMMIT_TYPE, types.SUMMARY_TYPE, 'a{sv}', 'mmas', '(ybnqiuxthdsogv)']) {
        const ty = parseType(t);
        out.push(enc.encode(printText(ty, g.value(ty) as GVValue, { annotate: true })));
      }
      out.push(enc.encode("{'a': <[byte 0x01, 2]>, 'b': <@mi nothing>, 'c': <(1.5, \"x\\u00e9\", b'ab')>}"));
      return out;
    },
    run: (b) => parseText(new TextDecoder().decode(b)),
  },
];

/**
 * Delta execution: a (mutated) uncompressed part payload is executed by `executeDeltaPart` into a
 * scratch copy of the seed repository (which holds every delta source), inside a lock-free,
 * fsync-free transaction. Afterwards the scratch directory must hold only the repository, and the
 * repository must pass fsck: whatever an accepted input wrote was verified.
 */
function deltaExecuteTarget(): FuzzTarget {
  let repo: Repo | undefined;
  let root = '';
  return {
    name: 'delta-execute',
    seeds: async () => {
      payloadList = await payloadSeeds();
      if (!repo) {
        root = sharedTempDir('fuzz-exec');
        cpSync((await seedFiles()).repoPath!, join(root, 'repo'), { recursive: true });
        repo = await Repo.open(join(root, 'repo'));
        repo.config.setString('core', 'fsync', 'false');
      }
      return payloadList.map((p, i) => prefixed(i, p.payload));
    },
    run: async (b) => {
      if (b.length === 0) return;
      const header = headerFor(payloadList, b);
      const file = new Uint8Array(b.length);
      file[0] = DeltaCompression.NONE;
      file.set(b.subarray(1), 1);
      await repo!.transaction(() => executeDeltaPart(repo!, header, file, { expectedChecksum: null, maxObjectSize: 1 << 22 }), { lock: false });
    },
    mutators: [
      [payloadInner, 6],
      [opsTweak, 4],
      [valueMutator(types.DELTA_PART_PAYLOAD_TYPE, { prefix: 1 }), 4],
    ],
    after: async () => {
      const extra = readdirSync(root).filter((e) => e !== 'repo');
      if (extra.length) throw new Error(`delta execution wrote outside the repository: ${extra.join(', ')}`);
      const r = await fsck(repo!);
      if (r.problems.length) throw new Error(`scratch repository fails fsck: ${r.problems.map((p) => p.message).join('; ')}`);
    },
  };
}

/** Look a target up by name. */
export function target(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target ${name}`);
  return t;
}
