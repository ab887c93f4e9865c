/**
 * Shared fixtures of the static-delta interop tests: two versions of a small tree that make
 * `ostree static-delta generate` emit every op kind, and a real-ostree archive repo holding both.
 */
import { join } from 'node:path';
import { ostree, tmpdir } from './harness.js';
import { writeTree, type TreeSpec } from '../util/trees.js';
import { Prng } from '../util/prng.js';

/** Binary-like bytes: opcodes, zeros and random words, so bsdiff/xz behave as on real binaries. */
export function binaryLike(rng: Prng, n: number): Uint8Array {
  const d = new Uint8Array(n);
  const ops = [0x48, 0x89, 0xe5, 0x8b, 0x45, 0xfc, 0xc3, 0x0f, 0x1f, 0x44, 0x00];
  for (let i = 0; i < n; i++) {
    const k = rng.int(10);
    d[i] = k < 6 ? ops[rng.int(ops.length)]! : k < 8 ? 0 : rng.int(256);
  }
  return d;
}

function patched(src: Uint8Array, at: number[]): Uint8Array {
  const d = src.slice();
  for (const i of at) d[i] = (d[i]! + 1) & 255;
  return d;
}

function replaced(rng: Prng, src: Uint8Array, at: number[], n: number): Uint8Array {
  const d = src.slice();
  for (const i of at) d.set(binaryLike(rng, n), i);
  return d;
}

function inserted(src: Uint8Array, at: number[], bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const i of at) {
    parts.push(src.subarray(prev, i), bytes);
    prev = i;
  }
  parts.push(src.subarray(prev));
  return Buffer.concat(parts);
}

/**
 * Two versions of a small tree exercising every op kind ostree emits, and each way our compiler
 * writes a modified file: rollsum chunks, a small in-place edit, bsdiff.
 */
export function deltaTrees(): { v1: TreeSpec; v2: TreeSpec } {
  const rng = new Prng(42);
  const big = binaryLike(rng, 300000);
  const lib = binaryLike(rng, 40000);
  const table = binaryLike(rng, 20000);
  const common: TreeSpec = {
    'hello.txt': 'hello world\n',
    empty: '',
    'bin/run.sh': { type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
    'share/doc/README': 'read me\n'.repeat(100),
  };
  const v1: TreeSpec = {
    ...common,
    'big.bin': { type: 'file', content: big },
    'lib/libfoo.so.1': { type: 'file', content: lib, mode: 0o755 },
    'data/table.bin': { type: 'file', content: table },
    'etc/small.conf': 'a=1\n',
    'data/gone.txt': 'bye\n',
    link: { type: 'symlink', target: 'hello.txt' },
  };
  const v2: TreeSpec = {
    ...common,
    // rollsum: blocks replaced far from the start keep most chunks (ostree-formats §7.9), but leave
    // too many new bytes (> 1/16) for an edit
    'big.bin': { type: 'file', content: replaced(rng, big, [40000, 70000, 100000, 130000, 160000, 190000, 220000, 250000], 4000) },
    // bsdiff: a change at byte 0 defeats rollsum's prefix CRCs, and the replaced blocks an edit
    'lib/libfoo.so.1': { type: 'file', content: replaced(rng, patched(lib, [0]), [5000, 15000, 25000, 35000], 1000), mode: 0o755 },
    // an edit: an insertion and a substituted byte
    'data/table.bin': { type: 'file', content: inserted(patched(table, [15000]), [3000], new Uint8Array([1, 2, 3, 4, 5])) },
    'etc/small.conf': 'a=2\n',
    'data/new.txt': 'hello\n',
    link: { type: 'symlink', target: 'lib/libfoo.so.1' },
  };
  return { v1, v2 };
}

export interface Source {
  dir: string;
  repo: string;
  c1: string;
  c2: string;
  v2tree: string;
}

export async function makeSource(): Promise<Source> {
  const dir = tmpdir();
  const { v1, v2 } = deltaTrees();
  writeTree(join(dir, 'v1'), v1);
  writeTree(join(dir, 'v2'), v2);
  const repo = join(dir, 'src');
  await ostree(repo, 'init', '--mode=archive');
  const ts = ['--timestamp=2021-01-01 00:00:00 +0000', '--owner-uid=0', '--owner-gid=0'];
  const c1 = (await ostree(repo, 'commit', '-b', 'main', '-s', 'one', ...ts, join(dir, 'v1'))).stdout.trim();
  const c2 = (await ostree(repo, 'commit', '-b', 'main', '-s', 'two', ...ts, join(dir, 'v2'))).stdout.trim();
  return { dir, repo, c1, c2, v2tree: join(dir, 'v2') };
}

