/**
 * Differential tests of the xz encoder (src/codec/xz) against the real `xz -d`, and size parity with `xz -8`.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { xzCompress, xzDecompress, crc32, crc64, sha256 } from '../../src/codec/xz/index.js';
import { isOstreeError } from '../../src/errors.js';

const XZ = ['/usr/bin/xz', '/bin/xz'].find((p) => existsSync(p));
if (!XZ && process.env.CI) throw new Error('xz CLI is required under CI');
if (!XZ) console.warn('skipping xz interop tests: xz CLI not found');
const itXz = XZ ? it : it.skip;

function xz(args: string[], input: Uint8Array): Buffer {
  const r = spawnSync(XZ!, ['-T1', ...args], { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`xz ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Small deterministic PRNG (xorshift32). */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function genText(size: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const words: string[] = [];
  for (let i = 0; i < 2000; i++) {
    let w = '';
    const len = 2 + Math.floor(rnd() * rnd() * 12);
    for (let k = 0; k < len; k++) w += String.fromCharCode(97 + Math.floor(rnd() * rnd() * 26));
    words.push(w);
  }
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    // Zipf-like word choice makes realistic repetition.
    const w = words[Math.floor(2000 * rnd() ** 3)];
    const sep = rnd() < 0.08 ? '.\n' : rnd() < 0.1 ? ', ' : ' ';
    parts.push(w, sep);
    n += w.length + sep.length;
  }
  return new TextEncoder().encode(parts.join('')).subarray(0, size);
}

/** Pseudo machine code / structured binary: records with small integers, repeated opcodes, tables. */
function genBinary(size: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(size);
  const ops = Array.from({ length: 64 }, () => Array.from({ length: 1 + Math.floor(rnd() * 7) }, () => Math.floor(rnd() * 256)));
  let i = 0;
  while (i < size) {
    const r = rnd();
    if (r < 0.6) {
      const op = ops[Math.floor(64 * rnd() ** 2)];
      for (const b of op) if (i < size) out[i++] = b;
      if (rnd() < 0.5 && i + 4 <= size) {
        const v = Math.floor(rnd() * 4096);
        out[i++] = v & 0xff; out[i++] = v >> 8; out[i++] = 0; out[i++] = 0;
      }
    } else if (r < 0.8) {
      const back = 1 + Math.floor(rnd() * Math.min(i, 30000));
      const len = 4 + Math.floor(rnd() * 40);
      for (let k = 0; k < len && i < size && i - back >= 0; k++) { out[i] = out[i - back]; i++; }
    } else {
      out[i++] = Math.floor(rnd() * 256);
    }
  }
  return out;
}

function genRandom(size: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

function concat(...a: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(a.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of a) { out.set(x, o); o += x.length; }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

const text = genText(400_000, 1);
const bin = genBinary(400_000, 2);
const rnd = genRandom(200_000, 3);
const nodeBin = existsSync(process.execPath) ? new Uint8Array(readFileSync(process.execPath).subarray(0, 600_000)) : bin;
const datasets: [string, Uint8Array][] = [
  ['text', text], ['binary', bin], ['node-binary', nodeBin], ['random', rnd],
  ['empty', new Uint8Array(0)], ['one byte', new Uint8Array([0x42])], ['zeros', new Uint8Array(300_000)],
];

describe('xzCompress → xz -d', () => {
  const presets: [number, boolean][] = [[0, false], [1, false], [3, false], [6, false], [8, false]];
  for (const [name, data] of datasets) {
    itXz(`round-trips ${name} at presets 0/1/3/6/8`, () => {
      const src = data.length > 200_000 ? data.subarray(0, 200_000) : data;
      for (const [preset, extreme] of presets) {
        const c = xzCompress(src, { preset, extreme });
        expect(same(xz(['-d', '-c'], c), src), `${name} preset ${preset}`).toBe(true);
        expect(same(xzDecompress(c), src), `${name} preset ${preset} (ours)`).toBe(true);
      }
    });
  }
  itXz('writes crc32, none and sha256 checks that xz verifies', () => {
    const src = text.subarray(0, 100_000);
    for (const check of ['crc32', 'none', 'sha256', 'crc64'] as const) {
      const c = xzCompress(src, { preset: 2, check });
      expect(same(xz(['-d', '-c'], c), src)).toBe(true);
      expect(c[7]).toBe({ crc32: 1, none: 0, sha256: 10, crc64: 4 }[check]); // stream flags: check ID
    }
  });
  itXz('extreme preset (-9e) output is valid', () => {
    const src = concat(text.subarray(0, 120_000), bin.subarray(0, 60_000));
    const c = xzCompress(src, { preset: 9, extreme: true });
    expect(same(xz(['-d', '-c'], c), src)).toBe(true);
  });
  itXz('mixed compressible/incompressible data uses uncompressed chunks and state resets correctly', () => {
    const src = concat(rnd.subarray(0, 150_000), text.subarray(0, 100_000), rnd.subarray(50_000, 200_000),
      bin.subarray(0, 80_000), text.subarray(0, 100_000));
    for (const preset of [1, 6]) {
      const c = xzCompress(src, { preset });
      expect(same(xz(['-d', '-c'], c), src)).toBe(true);
      expect(same(xzDecompress(c), src)).toBe(true);
    }
  });
  itXz('multi-megabyte input (2.5 MB) at preset 6', () => {
    const t = genText(500_000, 9);
    const src = concat(t, genBinary(300_000, 10), new Uint8Array(1_000_000), t, bin.subarray(0, 200_000));
    const c = xzCompress(src);
    expect(same(xz(['-d', '-c'], c), src)).toBe(true);
    expect(same(xzDecompress(c), src)).toBe(true);
  });
  itXz('preset 8 size is within 2% of xz -8', () => {
    for (const [name, data] of [['text', text], ['binary', bin], ['node-binary', nodeBin]] as const) {
      const ours = xzCompress(data, { preset: 8 }).length;
      const theirs = xz(['-8', '-C', 'crc64', '-c'], data).length;
      expect(ours / theirs, `${name}: ours ${ours} xz ${theirs}`).toBeLessThan(1.02);
    }
  });
  itXz('declares a dictionary no larger than the input (small decoder memory)', () => {
    const src = text.subarray(0, 100_000);
    const c = xzCompress(src, { preset: 9 });
    // xz -9 output would need ~65 MiB to decode; ours declares a 128 KiB dictionary.
    expect(same(xz(['-d', '-c', '--memlimit=2MiB'], c), src)).toBe(true);
  });
  it('rejects bad arguments with TypeError/RangeError', () => {
    expect(() => xzCompress(new Uint8Array(1), { preset: 10 })).toThrow(RangeError);
    expect(() => xzCompress('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => xzDecompress([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
  it('empty input makes a stream with no blocks that we decode', () => {
    const c = xzCompress(new Uint8Array(0));
    expect(c.length).toBe(32);
    expect(xzDecompress(c).length).toBe(0);
    expect(isOstreeError((() => { try { xzDecompress(c.subarray(0, 31)); } catch (e) { return e; } })(), 'XZ_CORRUPT')).toBe(true);
  });
});
