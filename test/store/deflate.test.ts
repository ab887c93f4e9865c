import { describe, it, expect } from 'vitest';
import { inflateRawSync } from 'node:zlib';
import pako from 'pako';
import { deflateRawBytes, createRawDeflater } from '../../src/store/deflate.js';
import { EXACT_DEFLATE_SOURCE, pakoDeflateRawOnWorker, resolvePako } from '../../src/store/deflate-pool.js';
import { Worker } from 'node:worker_threads';
import { Prng } from '../util/prng.js';

function sample(seed: number, size: number): Uint8Array {
  const rng = new Prng(seed);
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += 4096) {
    const end = Math.min(size, off + 4096);
    if (rng.int(2) === 0) rng.fill(out.subarray(off, end));
    else out.fill(rng.int(256), off, end);
  }
  return out;
}

describe('deflateRawBytes', () => {
  it('exact flavour equals in-thread pako (zlib-identical) for small and worker-sized inputs', async () => {
    for (const [seed, size] of [[1, 0], [2, 100], [3, 20_000], [4, 300_000]] as const) {
      const data = sample(seed, size);
      const got = await deflateRawBytes(data, 6, 'exact');
      expect(Buffer.from(got).equals(Buffer.from(pako.deflateRaw(data, { level: 6, memLevel: 8 })))).toBe(true);
      expect(data.byteLength).toBe(size); // the caller's buffer is not transferred away
    }
  });

  it('many concurrent exact jobs come back to the right callers', async () => {
    const inputs = Array.from({ length: 24 }, (_, i) => sample(100 + i, 20_000 + i * 3000));
    const outs = await Promise.all(inputs.map((d) => deflateRawBytes(d, 9, 'exact')));
    outs.forEach((o, i) => expect(Buffer.from(inflateRawSync(o)).equals(Buffer.from(inputs[i]!))).toBe(true));
    outs.forEach((o, i) => expect(Buffer.from(o).equals(Buffer.from(pako.deflateRaw(inputs[i]!, { level: 9, memLevel: 8 })))).toBe(true));
  });

  it('a view into a larger buffer compresses only the view', async () => {
    const big = sample(7, 200_000);
    const view = big.subarray(50_000, 120_000);
    const out = await pakoDeflateRawOnWorker(view, 6);
    expect(out).not.toBeNull();
    expect(Buffer.from(inflateRawSync(out!)).equals(Buffer.from(view))).toBe(true);
    expect(big.byteLength).toBe(200_000);
  });

  it('fast flavour round-trips, including inputs larger than the default chunk', async () => {
    for (const size of [0, 1, 70_000, 1_500_000]) {
      const data = sample(size, size);
      const out = await deflateRawBytes(data, 6, 'fast');
      expect(Buffer.from(inflateRawSync(out)).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('streaming deflaters of both flavours round-trip', async () => {
    const data = sample(9, 500_000);
    for (const flavour of ['fast', 'exact'] as const) {
      const t = createRawDeflater(6, flavour);
      const chunks: Buffer[] = [];
      t.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
      const done = new Promise((r) => t.on('end', r));
      t.end(Buffer.from(data));
      await done;
      expect(Buffer.from(inflateRawSync(Buffer.concat(chunks))).equals(Buffer.from(data))).toBe(true);
    }
  });
});

describe('worker deflate source', () => {
  it('finds pako by name when its path could not be resolved (ostree-ts bundled elsewhere)', async () => {
    expect(resolvePako()).toMatch(/pako/);
    const data = sample(9, 50_000);
    const src = `const { parentPort, workerData } = require('node:worker_threads');
${EXACT_DEFLATE_SOURCE}
parentPort.postMessage([1, 6].map((level) => exactDeflateRaw(workerData.data, level)));`;
    const out = await new Promise<Uint8Array[]>((resolve, reject) => {
      const w = new Worker(src, { eval: true, workerData: { pako: null, data } });
      w.once('message', (m: Uint8Array[]) => void w.terminate().then(() => resolve(m)));
      w.once('error', reject);
    });
    for (const [i, level] of ([1, 6] as const).entries()) {
      expect(Buffer.from(out[i]!).equals(Buffer.from(pako.deflateRaw(data, { level, memLevel: 8 })))).toBe(true);
    }
  });
});
