/**
 * Checks and the xz decoder (src/codec/xz) against the real `xz` CLI's output.
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

const text = genText(300_000, 1);
const bin = genBinary(300_000, 2);
const rnd = genRandom(200_000, 3);
const nodeBin = existsSync(process.execPath) ? new Uint8Array(readFileSync(process.execPath).subarray(0, 400_000)) : bin;
const datasets: [string, Uint8Array][] = [
  ['text', text], ['binary', bin], ['node-binary', nodeBin], ['random', rnd],
  ['empty', new Uint8Array(0)], ['one byte', new Uint8Array([0x42])], ['zeros', new Uint8Array(300_000)],
];

describe('checks', () => {
  const nine = new TextEncoder().encode('123456789');
  it('CRC32 and CRC64 of the standard test vector', () => {
    expect(crc32(nine)).toBe(0xcbf43926);
    expect(Buffer.from(crc64(nine)).toString('hex')).toBe('fa3919dfbbc95d99'); // 0x995DC9BBDF1939FA LE
    expect(Buffer.from(crc64(new Uint8Array(0))).toString('hex')).toBe('0000000000000000');
  });
  it('CRC32 incremental and long inputs agree', () => {
    const a = text.subarray(0, 1000);
    expect(crc32(a.subarray(500), crc32(a.subarray(0, 500)))).toBe(crc32(a));
  });
  it('SHA-256', () => {
    expect(Buffer.from(sha256(nine)).toString('hex')).toBe('15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225');
  });
});

describe('xzDecompress vs xz CLI output', () => {
  const configs: string[][] = [['-0'], ['-6'], ['-8', '-C', 'crc64'], ['--check=crc32', '-3'], ['--check=none', '-1'],
    ['--check=sha256', '-6'], ['-6', '--block-size=100000']];
  for (const [name, data] of datasets) {
    itXz(`decodes ${name} from ${configs.length} xz configurations`, () => {
      for (const cfg of configs) {
        const c = xz(['-z', '-c', ...cfg], data);
        expect(same(xzDecompress(c), data), `${name} ${cfg.join(' ')}`).toBe(true);
      }
    });
  }
  itXz('decodes -9e', () => {
    const data = concat(text.subarray(0, 200_000), bin.subarray(0, 100_000));
    expect(same(xzDecompress(xz(['-9e', '-c'], data)), data)).toBe(true);
  });
  itXz('decodes concatenated streams with stream padding', () => {
    const a = xz(['-c', '-6'], text.subarray(0, 50_000));
    const b = xz(['-c', '-1', '--check=crc32'], bin.subarray(0, 70_000));
    const e = xz(['-c'], new Uint8Array(0));
    const joined = concat(a, new Uint8Array(8), b, e, new Uint8Array(4));
    expect(same(xzDecompress(joined), concat(text.subarray(0, 50_000), bin.subarray(0, 70_000)))).toBe(true);
    // padding that is not a multiple of four is corrupt
    expect(() => xzDecompress(concat(a, new Uint8Array(3), b))).toThrow(expect.objectContaining({ code: 'XZ_CORRUPT' }));
  });
  itXz('decodes the delta filter and rejects BCJ as unsupported', () => {
    const data = bin.subarray(0, 100_000);
    const d = xz(['-c', '--delta=dist=4', '--lzma2=preset=6'], data);
    expect(same(xzDecompress(d), data)).toBe(true);
    const x86 = xz(['-c', '--x86', '--lzma2=preset=6'], data);
    expect(() => xzDecompress(x86)).toThrow(expect.objectContaining({ code: 'XZ_UNSUPPORTED' }));
  });
  itXz('decodes xz output with non-default lc/lp/pb', () => {
    const data = bin.subarray(0, 150_000);
    const c = xz(['-c', '--lzma2=preset=6,lc=0,lp=2,pb=0'], data);
    expect(same(xzDecompress(c), data)).toBe(true);
    const c2 = xz(['-c', '--lzma2=preset=6,lc=4,lp=0,pb=4'], data);
    expect(same(xzDecompress(c2), data)).toBe(true);
  });
  itXz('honours maxOutput and memlimit', () => {
    const c = xz(['-c', '-6'], text.subarray(0, 100_000));
    expect(xzDecompress(c, { maxOutput: 100_000 }).length).toBe(100_000);
    expect(() => xzDecompress(c, { maxOutput: 99_999 })).toThrow(expect.objectContaining({ code: 'XZ_LIMIT' }));
    expect(() => xzDecompress(c, { memlimit: 1 << 20 })).toThrow(expect.objectContaining({ code: 'XZ_LIMIT' }));
    expect(xzDecompress(c, { memlimit: 8 << 20 }).length).toBe(100_000);
  });
});

