/**
 * Static-delta generation + application round trips and bad input, without external tools: every
 * corruption is an OstreeError with a stable code, and a failed apply leaves the target unchanged.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Repo } from '../../src/store/repo.js';
import { commit, type MemDir } from '../../src/ops/commit.js';
import { generateStaticDelta } from '../../src/ops/delta-generate.js';
import { applyStaticDelta, openDeltaPart } from '../../src/ops/delta-apply.js';
import { describeStaticDelta } from '../../src/ops/delta-info.js';
import { compressDeltaPayload } from '../../src/ops/delta-compress.js';
import {
  DeltaCompression,
  DeltaOpsWriter,
  decodeDeltaSuperblock,
  deltaDirPath,
  encodeDeltaPartFile,
  encodeDeltaPartPayload,
  encodeDeltaSuperblock,
  type DeltaPartPayload,
} from '../../src/format/delta.js';
import { OstreeError } from '../../src/errors.js';
import { createHash } from 'node:crypto';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-delta-'));
  dirs.push(d);
  return d;
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = (x >>> 16) % 7 === 0 ? 0 : x >>> 24;
  }
  return b;
}

function tree(version: number): MemDir {
  const big = bytes(120000, 1);
  if (version === 2) for (const i of [40000, 90000]) big[i] ^= 1;
  const lib = bytes(20000, 2);
  if (version === 2) lib[0] ^= 1;
  return {
    type: 'dir',
    entries: {
      'big.bin': { type: 'file', content: big },
      'libx.so': { type: 'file', content: lib, mode: 0o755 },
      'a.txt': { type: 'file', content: `version ${version}\n` },
      link: { type: 'symlink', target: version === 1 ? 'a.txt' : 'big.bin' },
      sub: { type: 'dir', entries: { 'x.conf': { type: 'file', content: 'x'.repeat(version * 100) } } },
    },
  };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let src: Repo;
let c1: string;
let c2: string;
let scratch: Uint8Array;
let scratchPart: Uint8Array;
let fromTo: Uint8Array;
let fromToPart: Uint8Array;

async function objectCount(repo: Repo): Promise<number> {
  let n = 0;
  for await (const _ of repo.listObjects()) n++;
  return n;
}

beforeAll(async () => {
  src = await Repo.init(join(tmp(), 'src'), { mode: 'archive' });
  c1 = (await commit(src, { branch: 'main', timestamp: '2021-01-01 00:00:00 +0000', trees: [{ kind: 'memory', tree: tree(1) }] })).checksum;
  c2 = (await commit(src, { branch: 'main', timestamp: '2021-01-02 00:00:00 +0000', trees: [{ kind: 'memory', tree: tree(2) }] })).checksum;
  await generateStaticDelta(src, { from: null, to: c1, workers: 0 });
  const r = await generateStaticDelta(src, { from: c1, to: c2, workers: 0 });
  expect(r.edits).toBeGreaterThan(0); // copies from the old object: exercised by every apply below
  expect(r.rollsum + r.edits + r.bsdiff).toBeGreaterThan(1);
  const read = async (p: string) => (await src.storage.read(p))!;
  scratch = await read(`${deltaDirPath(null, c1)}/superblock`);
  scratchPart = await read(`${deltaDirPath(null, c1)}/0`);
  fromTo = await read(`${deltaDirPath(c1, c2)}/superblock`);
  fromToPart = await read(`${deltaDirPath(c1, c2)}/0`);
});

async function target(mode: 'archive' | 'bare-user-only' = 'bare-user-only'): Promise<Repo> {
  return Repo.init(join(tmp(), 't'), { mode });
}

/** Replace part 0 with an uncompressed, re-checksummed version of `mutate(payload)`. */
function rebuild(sbBytes: Uint8Array, part: Uint8Array, mutate: (p: DeltaPartPayload) => DeltaPartPayload, usize?: number): { sb: Uint8Array; part: Uint8Array } {
  const sb = decodeDeltaSuperblock(sbBytes);
  const payload = mutate(openDeltaPart(part, sb.parts[0]!, null));
  const file = encodeDeltaPartFile(DeltaCompression.NONE, encodeDeltaPartPayload(payload));
  const parts = [{ ...sb.parts[0]!, checksum: sha(file), size: file.length, usize: usize ?? sb.parts[0]!.usize }];
  return { sb: encodeDeltaSuperblock({ ...sb, parts }), part: file };
}

async function expectRejected(repo: Repo, sb: Uint8Array, part: Uint8Array, code: string, opts: Record<string, unknown> = {}): Promise<OstreeError> {
  const before = await objectCount(repo);
  const err = await applyStaticDelta(repo, sb, { readPart: async () => part, ...opts }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OstreeError);
  expect((err as OstreeError).code).toBe(code);
  expect(await objectCount(repo)).toBe(before);
  expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('staging'))).toEqual([]);
  return err as OstreeError;
}

describe('round trip', () => {
  for (const mode of ['bare-user-only', 'archive'] as const) {
    it(`scratch then from→to into ${mode}`, async () => {
      const t = await target(mode);
      await applyStaticDelta(t, scratch, { readPart: async () => scratchPart });
      const r = await applyStaticDelta(t, fromTo, { readPart: async () => fromToPart });
      expect(r.partsApplied).toBe(1);
      for await (const o of src.listObjects()) expect(await t.hasObject(o.checksum, o.type)).toBe(true);
    });
  }

  it('inline parts, parallel-free compression, splitting and fallbacks', async () => {
    const r = await generateStaticDelta(src, { from: null, to: c2, inline: true, maxChunkSize: 0, workers: 0, filename: join(tmp(), 'superblock') });
    expect(r.parts.length).toBeGreaterThan(3); // max-chunk-size 0: one object per part
    const t = await target();
    const sbBytes = new Uint8Array(readFileSync(r.superblockPath));
    expect((await applyStaticDelta(t, sbBytes)).partsApplied).toBe(r.parts.length);
    const info = await describeStaticDelta(src, r.superblockPath);
    expect(info.parts.every((p) => p.inline)).toBe(true);
  });
});

describe('bad input', () => {
  it('truncated part: checksum mismatch, or xz error when unverified', async () => {
    const t = await target();
    await expectRejected(t, scratch, scratchPart.subarray(0, scratchPart.length - 10), 'DELTA_MISMATCH');
    await expectRejected(t, scratch, scratchPart.subarray(0, scratchPart.length - 10), 'DELTA_CORRUPT', { verifyParts: false });
  });

  it('wrong part checksum', async () => {
    const bad = scratchPart.slice();
    bad[bad.length >> 1] ^= 0x40;
    await expectRejected(await target(), scratch, bad, 'DELTA_MISMATCH');
  });

  it('invalid compression byte and empty part', async () => {
    const bad = scratchPart.slice();
    bad[0] = 0x67; // 'g'
    await expectRejected(await target(), scratch, bad, 'DELTA_CORRUPT', { verifyParts: false });
    await expectRejected(await target(), scratch, new Uint8Array(0), 'DELTA_CORRUPT', { verifyParts: false });
  });

  it('out-of-range offset, mode index and xattr index; unknown opcode; truncated varint', async () => {
    const cases: Array<(p: DeltaPartPayload) => Uint8Array> = [
      (p) => new DeltaOpsWriter().spliceMetadata(10, p.blob.length).bytes(),
      (p) => new DeltaOpsWriter().spliceMetadata(p.blob.length + 1, 0).bytes(),
      () => Uint8Array.from([0x53, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      () => Uint8Array.from([0x53, 0x80]),
      () => Uint8Array.from([0x7a]),
      () => new Uint8Array(0),
    ];
    for (const ops of cases) {
      const { sb, part } = rebuild(scratch, scratchPart, (p) => ({ ...p, ops: ops(p) }));
      await expectRejected(await target(), sb, part, 'DELTA_CORRUPT');
    }
    // content ops with bad table indices: find the first content S and point it past the tables
    const sbd = decodeDeltaSuperblock(scratch);
    const firstFile = sbd.parts[0]!.objects.findIndex((o) => o.type === 1);
    for (const [m, x] of [[99, 0], [0, 99]]) {
      const { sb, part } = rebuild(scratch, scratchPart, (p) => {
        const w = new DeltaOpsWriter();
        for (let i = 0; i < firstFile; i++) w.spliceMetadata(1, 0);
        w.spliceContent(m!, x!, 0, 0);
        return { ...p, ops: w.bytes() };
      });
      await expectRejected(await target(), sb, part, 'DELTA_CORRUPT');
    }
  });

  it('a metadata object whose bytes do not match its checksum', async () => {
    const { sb, part } = rebuild(scratch, scratchPart, (p) => {
      const blob = p.blob.slice();
      blob[3] ^= 1;
      return { ...p, blob };
    });
    await expectRejected(await target(), sb, part, 'DELTA_MISMATCH');
  });

  it('an object larger than the part declares (oversized bspatch/open)', async () => {
    const t = await target();
    await applyStaticDelta(t, scratch, { readPart: async () => scratchPart });
    const { sb, part } = rebuild(fromTo, fromToPart, (p) => p, 1000);
    await expectRejected(t, sb, part, 'DELTA_CORRUPT');
    await expectRejected(t, fromTo, fromToPart, 'DELTA_CORRUPT', { maxObjectSize: 100 });
  });

  it('an xz stream that decompresses past the declared size', async () => {
    // pad the blob with 4 MB of zeros (tiny once compressed); the header keeps the honest usize
    const sb = decodeDeltaSuperblock(scratch);
    const payload = openDeltaPart(scratchPart, sb.parts[0]!, null);
    const blob = new Uint8Array(payload.blob.length + 4_000_000);
    blob.set(payload.blob);
    const file = encodeDeltaPartFile(DeltaCompression.XZ, compressDeltaPayload(encodeDeltaPartPayload({ ...payload, blob })));
    const sb2 = encodeDeltaSuperblock({ ...sb, parts: [{ ...sb.parts[0]!, checksum: sha(file), size: file.length }] });
    const err = await expectRejected(await target(), sb2, file, 'DELTA_CORRUPT');
    expect((err.cause as OstreeError).code).toBe('XZ_LIMIT');
  });

  it('a superblock whose embedded commit is not the target, and garbage superblocks', async () => {
    const sb = decodeDeltaSuperblock(fromTo);
    const wrong = encodeDeltaSuperblock({ ...sb, to: c1 });
    await expect(applyStaticDelta(await target(), wrong, { readPart: async () => fromToPart })).rejects.toMatchObject({ code: expect.stringMatching(/DELTA_MISMATCH|OBJECT_NOT_FOUND/) });
    for (const n of [0, 10, 100, scratch.length - 1]) {
      await expect(applyStaticDelta(await target(), scratch.subarray(0, n))).rejects.toMatchObject({ code: 'DELTA_CORRUPT' });
    }
  });
});
