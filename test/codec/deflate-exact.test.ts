/**
 * deflateRawExact must be byte-identical to zlib 1.2.13 (raw, memLevel 8, default strategy, one
 * Z_FINISH) for levels 4–9: checked against pako (a faithful zlib port) on many inputs, and against
 * the real zlib through Python's `zlib` module (the library ostree links) on a subset.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import pako from 'pako';
import { deflateRawExact } from '../../src/codec/deflate-exact.js';
import { Prng } from '../util/prng.js';

const LEVELS = [4, 5, 6, 7, 8, 9];

function text(rng: Prng, n: number): Uint8Array {
  const words = ['ostree', 'commit', 'the', 'object', 'dirtree', 'meta', 'checksum', 'a', 'of', 'flatpak', 'ref', '\n', 'summary', 'delta'];
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const w = rng.pick(words) + (rng.chance(0.1) ? String(rng.int(1000)) : '') + ' ';
    parts.push(w);
    len += w.length;
  }
  return new TextEncoder().encode(parts.join('')).subarray(0, n);
}

/** Binary with repeats at many distances (near and beyond 32 KiB), runs and noise. */
function repetitive(rng: Prng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const kind = rng.int(4);
    const len = Math.min(n - i, 1 + rng.int(kind === 0 ? 300 : 40));
    if (kind === 0 && i > 0) {
      const dist = 1 + rng.int(Math.min(i, rng.chance(0.2) ? 40000 : 5000));
      for (let k = 0; k < len; k++, i++) out[i] = out[i - dist]!;
    } else if (kind === 1) {
      out.fill(rng.int(4), i, i + len);
      i += len;
    } else {
      for (let k = 0; k < len; k++, i++) out[i] = rng.int(kind === 2 ? 8 : 256);
    }
  }
  return out;
}

function inputs(): { name: string; data: Uint8Array }[] {
  const rng = new Prng('deflate-exact');
  const list: { name: string; data: Uint8Array }[] = [
    { name: 'empty', data: new Uint8Array(0) },
    { name: '1 byte', data: Uint8Array.of(0x41) },
    { name: '2 bytes', data: Uint8Array.of(1, 2) },
    { name: '3 bytes', data: Uint8Array.of(7, 7, 7) },
    { name: 'zeros 100', data: new Uint8Array(100) },
    { name: 'zeros 300000', data: new Uint8Array(300000) },
    { name: 'random 1000', data: rng.bytes(1000) },
    { name: 'random 100000', data: rng.bytes(100000) },
    { name: 'text 50000', data: text(rng, 50000) },
    { name: 'text 200000', data: text(rng, 200000) },
    { name: 'repetitive 150000', data: repetitive(rng, 150000) },
  ];
  // window and block boundaries: 32/64 KiB windows, 16383-symbol blocks (incompressible data)
  for (const n of [16382, 16383, 16384, 16385, 32767, 32768, 32769, 65273, 65274, 65535, 65536, 65537, 98304 + 1]) {
    list.push({ name: `random ${n}`, data: rng.bytes(n) });
    list.push({ name: `repetitive ${n}`, data: repetitive(rng, n) });
  }
  // half random, half copies: a stored block followed by compressed ones
  const mixed = new Uint8Array(3_000_000);
  for (let off = 0; off < mixed.length; off += 100_000) {
    const chunk = rng.int(3) === 0 ? rng.bytes(100_000) : rng.int(2) === 0 ? text(rng, 100_000) : repetitive(rng, 100_000);
    mixed.set(chunk.subarray(0, Math.min(100_000, mixed.length - off)), off);
  }
  list.push({ name: 'mixed 3 MB', data: mixed });
  // a file whose tail repeats an earlier window (matches run into the end of the input)
  const tail = repetitive(rng, 70000);
  tail.copyWithin(69000, 69000 - 32768 - 100);
  list.push({ name: 'tail copy', data: tail });
  return list;
}

const CASES = inputs();

describe('deflateRawExact', () => {
  it('rejects levels outside 4..9', () => {
    for (const level of [-1, 0, 1, 3, 10, 6.5]) expect(() => deflateRawExact(new Uint8Array(10), level)).toThrow(RangeError);
  });

  it('equals pako byte for byte on every input at levels 4-9 and inflates back', () => {
    for (const { name, data } of CASES) {
      for (const level of LEVELS) {
        if (data.length > 1_000_000 && level !== 6 && level !== 9) continue;
        const ours = deflateRawExact(data, level);
        const ref = pako.deflateRaw(data, { level: level as 6, memLevel: 8 });
        expect(Buffer.from(ours).equals(Buffer.from(ref)), `${name} level ${level}`).toBe(true);
      }
      expect(Buffer.from(inflateRawSync(deflateRawExact(data, 6))).equals(Buffer.from(data)), name).toBe(true);
    }
  });

  it('returns independent buffers across calls', () => {
    const a = deflateRawExact(new Uint8Array(5000).fill(1), 6);
    const copy = a.slice();
    deflateRawExact(new Uint8Array(5000).fill(2), 6);
    expect(a).toEqual(copy);
  });
});

const PY = '/usr/bin/python3';
const haveZlib = existsSync(PY) && spawnSync(PY, ['-c', 'import zlib'], { encoding: 'utf8' }).status === 0;
if (!haveZlib && !process.env.CI) console.log('deflate-exact: skipping the zlib comparison: /usr/bin/python3 with zlib not available');

const ORACLE = `
import sys, zlib
d = sys.argv[1]
for name in sys.argv[2:]:
    idx, level = name.split('.')
    data = open(f"{d}/{idx}.bin", "rb").read()
    c = zlib.compressobj(int(level), zlib.DEFLATED, -15, 8)
    open(f"{d}/{idx}.{level}.z", "wb").write(c.compress(data) + c.flush())
`;

describe.skipIf(!haveZlib)('deflateRawExact against the system zlib (Python)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deflate-exact-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is byte-identical to zlib on a subset', () => {
    const picked = CASES.filter((_, i) => i % 3 === 0 || CASES[i]!.name === 'mixed 3 MB' || CASES[i]!.name === 'tail copy');
    const jobs: string[] = [];
    picked.forEach(({ data }, i) => {
      writeFileSync(join(dir, `${i}.bin`), data);
      for (const level of LEVELS) jobs.push(`${i}.${level}`);
    });
    const r = spawnSync(PY, ['-c', ORACLE, dir, ...jobs], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    picked.forEach(({ name, data }, i) => {
      for (const level of LEVELS) {
        const ref = readFileSync(join(dir, `${i}.${level}.z`));
        expect(Buffer.from(deflateRawExact(data, level)).equals(ref), `${name} level ${level}`).toBe(true);
      }
    });
  });
});
