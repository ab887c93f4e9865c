/**
 * Shared helpers for the xz tests: the real `xz` CLI and deterministic input generators.
 */
import { it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { xorshift32 } from '../util/prng.js';
export const XZ = ['/usr/bin/xz', '/bin/xz'].find((p) => existsSync(p));
if (!XZ && process.env.CI) throw new Error('xz CLI is required under CI');
if (!XZ) console.warn('skipping xz interop tests: xz CLI not found');
// Under CI the tools are installed by .ci/run; never skip there.
export const itXz = (XZ || process.env.CI ? it : it.skip) as typeof it;

export function xz(args: string[], input: Uint8Array): Buffer {
  const r = spawnSync(XZ!, ['-T1', ...args], { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`xz ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Small deterministic PRNG: test/util/prng.ts's xorshift32 scaled to [0, 1). */
export function prng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}

export function genText(size: number, seed: number): Uint8Array {
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
export function genBinary(size: number, seed: number): Uint8Array {
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

export function genRandom(size: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

export function concat(...a: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(a.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of a) { out.set(x, o); o += x.length; }
  return out;
}

export function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

