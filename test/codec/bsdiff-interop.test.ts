/**
 * Interop of our bsdiff/bspatch/rollsum with the real `ostree` (Debian 2022.7):
 *  1. upstream → ours: `ostree static-delta generate` makes bsdiff (`B`) ops; our bspatch applied to
 *     the v1 content must give the v2 content; ostree's verbose rollsum statistics must equal ours.
 *  2. ours → upstream: the `B` patches in the real part are replaced by patches from our bsdiff, the
 *     part and superblock re-encoded, and `ostree static-delta apply-offline` must accept the delta
 *     into a bare-user repository holding v1 (the CLOSE op verifies every object's checksum).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bsdiff } from '../../src/codec/bsdiff.js';
import { bspatch } from '../../src/codec/bspatch.js';
import { compareRollsums, rollsumWorthwhile } from '../../src/codec/rollsum.js';
import { decode, encode } from '../../src/gvariant/index.js';
import type { GVValue } from '../../src/gvariant/index.js';
import { xorshift32 } from '../util/prng.js';
import { splice } from '../util/bytes.js';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
const TOOLS_PRESENT = have('ostree') && have('xz');
const SKIP = !TOOLS_PRESENT && !process.env.CI;
if (SKIP) console.log('bsdiff-interop: skipped (ostree or xz not installed; CI unset)');

function run(argv: string[], input?: Uint8Array): { stdout: Buffer; stderr: string } {
  const r = spawnSync(argv[0], argv.slice(1), { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`);
  return { stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Deterministic xorshift32 generator. */
const rng = xorshift32;

function randomBytes(r: () => number, n: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = r() & 255;
  return d;
}

/** Binary-like data: records with small integer fields, repeated opcodes and pointer-like words. */
function binaryLike(r: () => number, n: number): Uint8Array {
  const d = new Uint8Array(n);
  const ops = [0x48, 0x89, 0xe5, 0x8b, 0x45, 0xfc, 0xc3, 0x0f, 0x1f, 0x44, 0x00];
  for (let i = 0; i < n; i++) {
    const k = r() % 10;
    d[i] = k < 6 ? ops[r() % ops.length] : k < 8 ? 0 : r() & 255;
  }
  return d;
}

function textLike(r: () => number, n: number): Uint8Array {
  const words = ['static', 'delta', 'ostree', 'commit', 'object', ' ', '\n', 'the', 'of', '{', '}', '();', 'return'];
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const w = words[r() % words.length];
    for (let k = 0; k < w.length && i < n; k++) out[i++] = w.charCodeAt(k);
  }
  return out;
}

/** v1/v2 contents of the test tree (same basenames so ostree pairs them). */
function makeFiles(): Record<string, [Uint8Array, Uint8Array]> {
  const r = rng(0xb5d1ff);
  const files: Record<string, [Uint8Array, Uint8Array]> = {};
  // Random data, byte 0 changed (disables rollsum) plus an insert and scattered edits → bsdiff.
  const big = randomBytes(r, 300_000);
  let big2: Uint8Array = new Uint8Array(big);
  big2[0] ^= 0xff;
  for (let k = 0; k < 20; k++) big2[r() % big2.length] = r() & 255;
  big2 = splice(big2, 100_000, 0, randomBytes(r, 500));
  files['big.bin'] = [big, big2];
  // Binary-like data with scattered 4-byte edits and a shift → bsdiff.
  const bin = binaryLike(r, 400_000);
  let bin2: Uint8Array = new Uint8Array(bin);
  for (let k = 0; k < 200; k++) {
    const at = r() % (bin2.length - 4);
    for (let j = 0; j < 4; j++) bin2[at + j] = r() & 255;
  }
  bin2 = splice(bin2, 130_000, 16, randomBytes(r, 64));
  files['lib.so'] = [bin, bin2];
  // Text with an early edit (kills rollsum) and inserted lines → bsdiff.
  const text = textLike(r, 60_000);
  let text2 = splice(text, 5, 3, new TextEncoder().encode('EDIT'));
  text2 = splice(text2, 30_000, 0, new TextEncoder().encode('\ninserted line one\ninserted line two\n'));
  files['notes.txt'] = [text, text2];
  // Small file.
  files['small.txt'] = [new TextEncoder().encode('hello world\nline2\n'), new TextEncoder().encode('hello world\nline2 changed\n')];
  // Rollsum candidate (the §7.9 shape): flips at 50000/150000/250000 keep the prefix intact.
  const roll = randomBytes(r, 300_000);
  const roll2 = new Uint8Array(roll);
  for (const at of [50_000, 150_000, 250_000]) roll2[at] ^= 0xff;
  files['roll.bin'] = [roll, roll2];
  return files;
}

/** Unsigned LEB128 (ostree-varint.c). */
function readVarint(b: Uint8Array, p: { i: number }): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (p.i >= b.length) throw new Error('truncated varint');
    const x = b[p.i++];
    v += (x & 0x7f) * 2 ** shift;
    if (!(x & 0x80)) return v;
    shift += 7;
  }
}
function writeVarint(out: number[], v: number): void {
  do {
    let x = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) x |= 0x80;
    out.push(x);
  } while (v > 0);
}

const SUPERBLOCK_TYPE = '(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))';
const PAYLOAD_TYPE = '(a(uuu)aa(ayay)ayay)';
const OBJTYPE_FILE = 1; // OSTREE_OBJECT_TYPE_FILE

interface BOp {
  /** Index of the op byte in the ops stream, and of its operands. */
  opStart: number;
  opEnd: number;
  patchOffset: number;
  patchSize: number;
  sourceCsum: string;
  targetCsum: string;
  targetSize: number;
}

/** Walk a part's ops (§7.6) and collect the bspatch operations with their source/target objects. */
function findBspatchOps(ops: Uint8Array, blob: Uint8Array, objects: Uint8Array): BOp[] {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const nobj = objects.length / 33;
  let obj = 0;
  let source = '';
  let openSize = 0;
  const found: BOp[] = [];
  const p = { i: 0 };
  while (p.i < ops.length) {
    const opStart = p.i;
    const op = String.fromCharCode(ops[p.i++]);
    switch (op) {
      case 'S':
        if (objects[obj * 33] === OBJTYPE_FILE) readVarint(ops, p), readVarint(ops, p);
        readVarint(ops, p), readVarint(ops, p);
        obj++;
        break;
      case 'o':
        readVarint(ops, p), readVarint(ops, p);
        openSize = readVarint(ops, p);
        break;
      case 'w':
        readVarint(ops, p), readVarint(ops, p);
        break;
      case 'r': {
        const ofs = readVarint(ops, p);
        source = hex(blob.subarray(ofs, ofs + 32));
        break;
      }
      case 'R':
        source = '';
        break;
      case 'c':
        obj++;
        source = '';
        break;
      case 'B': {
        const patchOffset = readVarint(ops, p);
        const patchSize = readVarint(ops, p);
        found.push({
          opStart,
          opEnd: p.i,
          patchOffset,
          patchSize,
          sourceCsum: source,
          targetCsum: hex(objects.subarray(obj * 33 + 1, obj * 33 + 33)),
          targetSize: openSize,
        });
        break;
      }
      default:
        throw new Error(`unknown opcode ${op}`);
    }
  }
  expect(obj).toBe(nobj);
  return found;
}

/** Map content checksum → file name for a commit (`ostree ls -R -C`). */
function checksums(repo: string, rev: string): Map<string, string> {
  const out = run(['ostree', `--repo=${repo}`, 'ls', '-R', '-C', rev, '/']).stdout.toString();
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    // mode uid gid size checksum path
    if (f.length >= 6 && f[0].startsWith('-')) m.set(f[4], f[5].replace(/^\//, ''));
  }
  return m;
}

describe.skipIf(SKIP)('bsdiff interop with ostree static deltas', () => {
  let dir = '';
  let repo = '';
  let v1 = '';
  let v2 = '';
  let genLog = '';
  let deltaDir = '';
  const files = makeFiles();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ostree-ts-bsdiff-'));
    repo = join(dir, 'repo');
    run(['ostree', `--repo=${repo}`, 'init', '--mode=archive']);
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    for (const [name, [a]] of Object.entries(files)) writeFileSync(join(tree, name), a, { mode: 0o644 });
    v1 = run(['ostree', `--repo=${repo}`, 'commit', '-b', 'main', `--tree=dir=${tree}`, '-s', 'v1', '--timestamp=2020-01-01T00:00:00Z']).stdout.toString().trim();
    for (const [name, [, b]] of Object.entries(files)) writeFileSync(join(tree, name), b, { mode: 0o644 });
    v2 = run(['ostree', `--repo=${repo}`, 'commit', '-b', 'main', `--tree=dir=${tree}`, '-s', 'v2', '--timestamp=2020-01-02T00:00:00Z']).stdout.toString().trim();
    const g = run(['ostree', `--repo=${repo}`, 'static-delta', 'generate', `--from=${v1}`, `--to=${v2}`]);
    genLog = g.stdout.toString() + g.stderr;
    const top = join(repo, 'deltas');
    const sub = readdirSync(top)[0];
    const leaf = readdirSync(join(top, sub))[0];
    deltaDir = join(top, sub, leaf);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('makes the same rollsum decisions and statistics as ostree', () => {
    const c1 = checksums(repo, v1);
    const c2 = checksums(repo, v2);
    const lines = [...genLog.matchAll(/rollsum for (\w+) -> (\w+); crcs=(\d+) bufs=(\d+) total=(\d+) matchsize=(\d+)/g)];
    let ours = 0;
    for (const [name, [a, b]] of Object.entries(files)) {
      const m = compareRollsums(a, b);
      if (rollsumWorthwhile(m)) ours++;
      const line = lines.find((l) => c2.get(l[2]) === name);
      if (rollsumWorthwhile(m)) {
        expect(line, `ostree did not use rollsum for ${name}`).toBeDefined();
        expect(c1.get(line![1])).toBe(name);
        expect([m.keyMatches, m.matchedChunks, m.totalToChunks, m.matchedBytes]).toEqual(line!.slice(3, 7).map(Number));
      } else {
        expect(line, `ostree used rollsum for ${name}`).toBeUndefined();
      }
    }
    expect(ours).toBe(1); // roll.bin
    expect(genLog).toContain(`rollsum for ${ours}/${Object.keys(files).length} modified`);
  });

  it('applies the bsdiff patches ostree generated (upstream → ours), and ostree applies ours', () => {
    const sbBytes = new Uint8Array(readFileSync(join(deltaDir, 'superblock')));
    const sb = decode(SUPERBLOCK_TYPE, sbBytes) as GVValue[];
    const headers = sb[6] as GVValue[][];
    expect(headers.length).toBe(1);
    const objects = headers[0][4] as Uint8Array;
    const partFile = new Uint8Array(readFileSync(join(deltaDir, '0')));
    expect(partFile[0]).toBe(0x78); // 'x'
    const payloadBytes = new Uint8Array(run(['xz', '-d', '-c'], partFile.subarray(1)).stdout);
    const payload = decode(PAYLOAD_TYPE, payloadBytes) as GVValue[];
    const blob = payload[2] as Uint8Array;
    const ops = payload[3] as Uint8Array;
    const bops = findBspatchOps(ops, blob, objects);

    const c1 = checksums(repo, v1);
    const c2 = checksums(repo, v2);
    // Files ostree handed to bsdiff: all except the rollsum one.
    expect(bops.map((b) => c2.get(b.targetCsum)).sort()).toEqual(['big.bin', 'lib.so', 'notes.txt', 'small.txt']);
    const newBlobParts: Uint8Array[] = [blob];
    let blobLen = blob.length;
    const replaced = new Map<number, [number, number]>();
    for (const b of bops) {
      const name = c2.get(b.targetCsum)!;
      expect(c1.get(b.sourceCsum)).toBe(name);
      const [a, want] = files[name];
      expect(b.targetSize).toBe(want.length);
      // upstream → ours
      const got = bspatch(a, blob.subarray(b.patchOffset, b.patchOffset + b.patchSize), b.targetSize);
      expect(Buffer.from(got).equals(Buffer.from(want)), `bspatch of ${name}`).toBe(true);
      // ours, appended to the blob for the reverse check
      const mine = bsdiff(a, want);
      expect(Buffer.from(bspatch(a, mine, want.length)).equals(Buffer.from(want))).toBe(true);
      replaced.set(b.opStart, [blobLen, mine.length]);
      newBlobParts.push(mine);
      blobLen += mine.length;
    }

    // ours → upstream: rewrite the B operands to point at our patches, re-encode, re-compress.
    const writeDelta = (name: string, blobBytes: Uint8Array): string => {
      const newOps: number[] = [];
      let last = 0;
      for (const b of bops) {
        newOps.push(...ops.subarray(last, b.opStart), 0x42);
        const [ofs, size] = replaced.get(b.opStart)!;
        writeVarint(newOps, ofs);
        writeVarint(newOps, size);
        last = b.opEnd;
      }
      newOps.push(...ops.subarray(last));
      const newPayload = encode(PAYLOAD_TYPE, [payload[0], payload[1], blobBytes, Uint8Array.from(newOps)]);
      const xz = new Uint8Array(run(['xz', '-z', '-c', '-8', '--format=xz', '--check=crc64'], newPayload).stdout);
      const newPart = new Uint8Array(1 + xz.length);
      newPart[0] = 0x78;
      newPart.set(xz, 1);
      const h = headers[0];
      const newHeader = [h[0], new Uint8Array(createHash('sha256').update(newPart).digest()), BigInt(newPart.length), h[3], h[4]];
      const newSb = encode(SUPERBLOCK_TYPE, [...sb.slice(0, 6), [newHeader], sb[7]] as GVValue[]);
      const d = join(dir, name);
      mkdirSync(d);
      writeFileSync(join(d, 'superblock'), newSb);
      writeFileSync(join(d, '0'), newPart);
      return join(d, 'superblock');
    };
    const newBlob = new Uint8Array(blobLen);
    let at = 0;
    for (const part of newBlobParts) {
      newBlob.set(part, at);
      at += part.length;
    }
    const freshBareRepo = (name: string): string => {
      const bare = join(dir, name);
      run(['ostree', `--repo=${bare}`, 'init', '--mode=bare-user']);
      run(['ostree', `--repo=${bare}`, 'pull-local', repo, v1]);
      return bare;
    };

    // Negative control: a one-byte change in the last of our patches must make ostree fail, which
    // proves the apply below really executes our streams.
    const broken = new Uint8Array(newBlob);
    broken[broken.length - 1] ^= 1;
    const badRepo = freshBareRepo('bare-bad');
    expect(() => run(['ostree', `--repo=${badRepo}`, 'static-delta', 'apply-offline', writeDelta('bad-delta', broken)])).toThrow();

    const bare = freshBareRepo('bare');
    run(['ostree', `--repo=${bare}`, 'static-delta', 'apply-offline', writeDelta('our-delta', newBlob)]);
    const out = join(dir, 'checkout');
    run(['ostree', `--repo=${bare}`, 'checkout', '-U', v2, out]);
    for (const [name, [, b]] of Object.entries(files)) {
      expect(Buffer.from(readFileSync(join(out, name))).equals(Buffer.from(b)), `ostree-applied ${name}`).toBe(true);
    }
    run(['ostree', `--repo=${bare}`, 'fsck']);
  }, 120_000);
});
