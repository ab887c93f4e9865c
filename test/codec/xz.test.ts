/**
 * Checks and the xz decoder (src/codec/xz) against the real `xz` CLI's output.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { xzDecompress, crc32, crc64, sha256 } from '../../src/codec/xz/index.js';

import { itXz, xz, genText, genBinary, genRandom, concat, same } from './xz-util.js';
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

