/**
 * The static-delta part decoder on its worker (src/ops/delta-part-worker.ts), started on a bundle
 * of its module as the package build does: payloads equal the in-thread decoding, bad parts give
 * the same errors as without a worker (the caller re-opens them in its thread), a worker that
 * cannot start changes nothing, and a delta pull over HTTP with parts, fallbacks and a decoder
 * yields the same objects as without one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { Repo } from '../../src/store/repo.js';
import { commit, type MemDir } from '../../src/ops/commit.js';
import { generateStaticDelta } from '../../src/ops/delta-generate.js';
import { applyStaticDelta, maxPartPayloadSize } from '../../src/ops/delta-apply.js';
import { createPartDecoder, decodeDeltaPartRaw, type PartDecoder } from '../../src/ops/delta-part-worker.js';
import { pull } from '../../src/ops/pull.js';
import { serveRepo } from '../../src/ops/serve.js';
import { remoteAdd } from '../../src/ops/remote.js';
import { decodeDeltaSuperblock, deltaDirPath, type DeltaSuperblock } from '../../src/format/delta.js';
import { OstreeError } from '../../src/errors.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-partdec-'));
  dirs.push(d);
  return d;
}

/** Compressible bytes (a random kilobyte repeated with a counter): quick to xz, ≈ `n` bytes. */
function compressible(n: number, seed: number): Uint8Array {
  const block = new Uint8Array(1024);
  let x = seed;
  for (let i = 0; i < block.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    block[i] = x >>> 24;
  }
  const out = new Uint8Array(n);
  for (let at = 0, k = 0; at < n; at += block.length, k++) {
    block[0] = k & 0xff;
    out.set(block.subarray(0, Math.min(block.length, n - at)), at);
  }
  return out;
}

function random(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// six 1.2 MB compressible files (two parts with --max-chunk-size=5, the first over 4 MiB, so a
// pull starts its decoder) and a 4.5 MB random one (a fallback: over the default 4 MB)
const TREE: MemDir = {
  type: 'dir',
  entries: {
    ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`f${i}.bin`, { type: 'file' as const, content: compressible(1_200_000, i) }])),
    'noise.bin': { type: 'file', content: random(4_500_000, 7) },
    sub: { type: 'dir', entries: { 'small.txt': { type: 'file', content: 'small\n' } } },
  },
};

let workerUrl: URL;
let src: Repo;
let to: string;
let sbBytes: Uint8Array;
let sb: DeltaSuperblock;
let parts: Uint8Array[];

beforeAll(async () => {
  const d = tmp();
  const outfile = join(d, 'delta-part-worker.mjs');
  await build({
    entryPoints: [join(__dirname, '../../src/ops/delta-part-worker.ts')], outfile, bundle: true, platform: 'node',
    format: 'esm', target: 'node20', packages: 'external', logLevel: 'error',
  });
  workerUrl = pathToFileURL(outfile);
  src = await Repo.init(join(d, 'src'), { mode: 'archive' });
  to = (await commit(src, { branch: 'main', timestamp: '2021-01-01 00:00:00 +0000', trees: [{ kind: 'memory', tree: TREE }] })).checksum;
  await generateStaticDelta(src, { from: null, to, workers: 0, maxChunkSize: 5 });
  const read = async (p: string) => (await src.storage.read(p))!;
  sbBytes = await read(`${deltaDirPath(null, to)}/superblock`);
  sb = decodeDeltaSuperblock(sbBytes);
  parts = await Promise.all(sb.parts.map((_, i) => read(`${deltaDirPath(null, to)}/${i}`)));
  expect(sb.parts.length).toBe(2);
  expect(sb.fallbacks.length).toBe(1);
  expect(sb.parts[0]!.usize).toBeGreaterThanOrEqual(4 << 20);
}, 60_000);

async function objects(repo: Repo): Promise<string[]> {
  const out: string[] = [];
  for await (const o of repo.listObjects()) out.push(`${o.checksum}.${o.type}`);
  return out.sort();
}

describe('PartDecoder', () => {
  it('decodes on the worker what the caller would, in order; bad parts come back null', async () => {
    const dec = createPartDecoder({ workerUrl })!;
    try {
      const want = parts.map((p, i) => decodeDeltaPartRaw(p, sb.parts[i]!.checksum, maxPartPayloadSize(sb.parts[i]!))!);
      const got = await Promise.all(parts.map((p, i) => dec.decode(p, sb.parts[i]!.checksum, maxPartPayloadSize(sb.parts[i]!))));
      got.forEach((g, i) => expect(Buffer.compare(Buffer.from(g!), Buffer.from(want[i]!))).toBe(0));
      const bad = parts[0]!.slice();
      bad[bad.length >> 1] ^= 1;
      expect(await dec.decode(bad, sb.parts[0]!.checksum, maxPartPayloadSize(sb.parts[0]!))).toBeNull();
      expect(await dec.decode(bad, null, maxPartPayloadSize(sb.parts[0]!))).toBeNull(); // xz check fails
      expect(await dec.decode(parts[0]!, sb.parts[0]!.checksum, 1000)).toBeNull(); // over maxOutput
      // the caller's copy is untouched (files are copied to the worker)
      expect(createHash('sha256').update(parts[0]!).digest('hex')).toBe(sb.parts[0]!.checksum);
    } finally {
      await dec.close();
    }
    expect(await dec.decode(parts[0]!, null, maxPartPayloadSize(sb.parts[0]!))).toBeNull(); // closed
  });

  it('a worker that cannot start decodes nothing and fails nothing', async () => {
    const dec = createPartDecoder({ workerUrl: pathToFileURL(join(tmp(), 'missing.mjs')) })!;
    expect(await dec.decode(parts[0]!, null, maxPartPayloadSize(sb.parts[0]!))).toBeNull();
    await dec.close();
  });

  it('applyStaticDelta with a decoder: same objects; bad parts raise the usual errors and write nothing', async () => {
    const dec = createPartDecoder({ workerUrl })!;
    const read = (i: number) => Promise.resolve(parts[i]!);
    try {
      const plain = await Repo.init(join(tmp(), 'a'), { mode: 'bare-user-only' });
      await applyStaticDelta(plain, sbBytes, { allowFallbacks: true, readPart: read });
      const withDec = await Repo.init(join(tmp(), 'b'), { mode: 'bare-user-only' });
      const r = await applyStaticDelta(withDec, sbBytes, { allowFallbacks: true, readPart: read, partDecoder: dec });
      expect(r.partsApplied).toBe(2);
      expect(await objects(withDec)).toEqual(await objects(plain));

      for (const [part, opts, code] of [
        [(() => { const b = parts[1]!.slice(); b[b.length - 20] ^= 1; return b; })(), {}, 'DELTA_MISMATCH'],
        [parts[1]!.subarray(0, parts[1]!.length - 9), { verifyParts: false }, 'DELTA_CORRUPT'],
      ] as const) {
        const t = await Repo.init(join(tmp(), 'c'), { mode: 'bare-user-only' });
        const err = await applyStaticDelta(t, sbBytes, {
          allowFallbacks: true, partDecoder: dec, ...opts, readPart: (i) => Promise.resolve(i === 1 ? part : parts[i]!),
        }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OstreeError);
        expect((err as OstreeError).code).toBe(code);
        expect(await objects(t)).toEqual([]);
      }
    } finally {
      await dec.close();
    }
  }, 30_000);
});

describe('delta pull with a part decoder', () => {
  it('parts on the worker, the fallback beside them: the same objects as in-thread, content intact', async () => {
    const s = await serveRepo(src.path);
    try {
      const results: string[][] = [];
      for (const partDecoderUrl of [workerUrl, false, pathToFileURL(join(tmp(), 'missing.mjs'))] as Array<URL | false>) {
        const c = await Repo.init(join(tmp(), 'client'), { mode: 'bare-user-only' });
        await remoteAdd(c, 'origin', s.url, { noGpgVerify: true });
        const r = await pull(c, { remote: 'origin', refs: ['main'], requireStaticDeltas: true, partDecoderUrl });
        expect(r.deltasUsed).toEqual([to]);
        expect(r.fetchedContent).toBe(1); // the fallback
        results.push(await objects(c));
        const f = await c.readContent(await findFile(c, to, 'noise.bin'));
        expect(Buffer.compare(Buffer.from(f.content), Buffer.from(random(4_500_000, 7)))).toBe(0);
      }
      expect(results[0]).toEqual(results[1]);
      expect(results[2]).toEqual(results[1]);
    } finally {
      await s.close();
    }
  }, 60_000);
});

/** Checksum of the content object of `name` in the commit's root directory. */
async function findFile(repo: Repo, commitChecksum: string, name: string): Promise<string> {
  const c = await repo.loadCommit(commitChecksum);
  const root = await repo.loadDirtree(c.rootTree);
  const f = root.files.find((e) => e.name === name);
  if (!f) throw new Error(`no ${name}`);
  return f.checksum;
}
