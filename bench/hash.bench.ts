/**
 * Hashing benchmark: SHA-256 throughput of our content-object checksum path vs raw `node:crypto`
 * over the same bytes (the files of the commit benchmark's tree, held in memory):
 *
 * - `raw`: `createHash('sha256').update(content).digest('hex')` per file;
 * - `contentChecksum`: `contentChecksum(header, content)` (header GVariant + content) per file;
 * - `commit path`: `createContentChecksummer()` from src/ops/commit.ts, which `CommitWriter.content`
 *   calls for every file it commits (same checksums; encoded headers cached per uid/gid/mode);
 * - `createContentHasher`: the streaming hasher fed 1 MiB chunks (the >8 MiB-file path hashes the
 *   same way, chunk by chunk) vs raw `createHash` fed the same chunks.
 *
 * Each variant runs `--runs=N` times (default 5), alternating, and the best (max MB/s) is reported
 * since other jobs on the shared machine only ever slow a run down. Usage:
 * `node bench/run.mjs hash [-- --runs=5 --mb=100]`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, cpus } from 'node:os';
import { ensureBenchTree } from './trees.js';
import { contentChecksum, createContentHasher, type FileHeader } from '../src/format/file-header.js';
import { createContentChecksummer } from '../src/ops/commit.js';

function listFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Wall time of one call in ms. */
function time(fn: () => number): number {
  const t = performance.now();
  if (fn() === 0) throw new Error('unreachable'); // keep the result alive
  return performance.now() - t;
}

const args = process.argv.slice(2);
const runs = Number(/^--runs=(\d+)$/.exec(args.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 5);
const totalMb = Number(/^--mb=(\d+)$/.exec(args.find((a) => a.startsWith('--mb=')) ?? '')?.[1] ?? 100);
const treeDir = join(tmpdir(), `ostree-ts-bench-tree-${totalMb}m`);
ensureBenchTree(treeDir, { totalBytes: totalMb * 1024 * 1024 });
const files = listFiles(treeDir).map((p) => readFileSync(p));
const bytes = files.reduce((n, b) => n + b.byteLength, 0);
const header: FileHeader = { uid: 0, gid: 0, mode: 0o100644, rdev: 0, symlinkTarget: '', xattrs: [] };
console.log(`${files.length} files, ${(bytes / 1e6).toFixed(1)} MB in memory; ${cpus()[0]?.model ?? '?'}; best of ${runs}`);

// Per-file: raw vs our content-object checksum (check they differ only by the header prefix).
const rawPerFile = () => {
  let n = 0;
  for (const f of files) n += createHash('sha256').update(f).digest('hex').length;
  return n;
};
const oursPerFile = () => {
  let n = 0;
  for (const f of files) n += contentChecksum(header, f).length;
  return n;
};
const commitPerFile = () => {
  const hash = createContentChecksummer(); // fresh per run, as per commit
  let n = 0;
  for (const f of files) n += hash(header, f).length;
  return n;
};
if (commitPerFile() !== oursPerFile()) throw new Error('unreachable');
if (createContentChecksummer()(header, files[1]!) !== contentChecksum(header, files[1]!)) throw new Error('checksummer differs from contentChecksum');
// Streaming: one long stream of 1 MiB chunks.
const chunks: Uint8Array[] = [];
{
  const all = Buffer.concat(files);
  for (let off = 0; off < all.byteLength; off += 1 << 20) chunks.push(all.subarray(off, off + (1 << 20)));
}
const rawStream = () => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex').length;
};
const oursStream = () => {
  const h = createContentHasher(header);
  for (const c of chunks) h.update(c);
  return h.digest().length;
};

// Warm up both paths (JIT), then measure alternately.
rawPerFile();
oursPerFile();
const res = { rawFile: Infinity, oursFile: Infinity, commitFile: Infinity, rawStream: Infinity, oursStream: Infinity };
for (let i = 0; i < runs; i++) {
  res.rawFile = Math.min(res.rawFile, time(rawPerFile));
  res.oursFile = Math.min(res.oursFile, time(oursPerFile));
  res.commitFile = Math.min(res.commitFile, time(commitPerFile));
  res.rawStream = Math.min(res.rawStream, time(rawStream));
  res.oursStream = Math.min(res.oursStream, time(oursStream));
}
const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
const row = (name: string, raw: number, ours: number) =>
  console.log(
    `  ${name.padEnd(34)} node:crypto ${mbps(raw).toFixed(0).padStart(5)} MB/s  ours ${mbps(ours).toFixed(0).padStart(5)} MB/s  ` +
      `ours/raw throughput ${(mbps(ours) / mbps(raw)).toFixed(2)}x`,
  );
row(`contentChecksum per file (${files.length})`, res.rawFile, res.oursFile);
row(`commit path per file (${files.length})`, res.rawFile, res.commitFile);
row('createContentHasher, 1 MiB chunks', res.rawStream, res.oursStream);
