/**
 * bsdiff/bspatch benchmark: ours vs Debian's `bsdiff` 4.3 (Colin Percival's original, same search
 * heuristics as mendsley's fork; BSDIFF40 container with bzip2) on large shared libraries with
 * deterministic edits.
 *
 * For each pair it prints generation time and peak RSS (ours in-process, theirs as a child), the
 * patch sizes — ours raw / xz -8 / bzip2 -9, theirs as written (bzip2), and theirs converted to the raw
 * stream ostree stores and compressed with xz -8 (the like-for-like comparison) — and bspatch time.
 * Their patch is also applied with our bspatch, as a further format check.
 *
 * Run: `node bench/run.mjs bsdiff` (needs `bsdiff`, `bspatch`, `xz`, `bzip2` on PATH; Debian package
 * `bsdiff`). Options: `--quick` uses only the first pair.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bsdiff } from '../src/codec/bsdiff.js';
import { bspatch, readOfft } from '../src/codec/bspatch.js';
import { suffixArray } from '../src/codec/suffix-array.js';
import { report, scratchDir, timeCommand, timeOurs, type Row } from './lib.js';
import { xorshift32 } from '../test/util/prng.js';

/** Deterministic xorshift32 generator. */
const rng = xorshift32;

/** Scattered small edits: `count` runs of 1–8 random bytes overwritten. */
function scatteredEdits(src: Uint8Array, count: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(src);
  for (let k = 0; k < count; k++) {
    const at = r() % Math.max(1, out.length - 8);
    const len = 1 + (r() % 8);
    for (let j = 0; j < len; j++) out[at + j] = r() & 255;
  }
  return out;
}

/** Scattered edits plus `shifts` inserts (16 B–4 KiB of random bytes) and deletions (up to 2 KiB). */
function editsWithShifts(src: Uint8Array, count: number, shifts: number, seed: number): Uint8Array {
  const r = rng(seed ^ 0x5eed);
  let cur = scatteredEdits(src, count, seed);
  for (let k = 0; k < shifts; k++) {
    const at = r() % cur.length;
    if (k % 2 === 0) {
      const ins = new Uint8Array(16 + (r() % 4080));
      for (let j = 0; j < ins.length; j++) ins[j] = r() & 255;
      const next = new Uint8Array(cur.length + ins.length);
      next.set(cur.subarray(0, at));
      next.set(ins, at);
      next.set(cur.subarray(at), at + ins.length);
      cur = next;
    } else {
      const del = Math.min(cur.length - at, 1 + (r() % 2048));
      const next = new Uint8Array(cur.length - del);
      next.set(cur.subarray(0, at));
      next.set(cur.subarray(at + del), at);
      cur = next;
    }
  }
  return cur;
}

function tool(argv: string[], input?: Uint8Array): Buffer {
  const r = spawnSync(argv[0], argv.slice(1), { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr?.toString()}`);
  return r.stdout;
}

/** Convert a BSDIFF40 file (header + three bzip2 blocks) to the raw interleaved stream ostree stores. */
function bsdiff40ToRaw(file: Uint8Array): { raw: Uint8Array; newSize: number } {
  if (Buffer.from(file.subarray(0, 8)).toString('latin1') !== 'BSDIFF40') throw new Error('not a BSDIFF40 patch');
  const ctrlLen = readOfft(file, 8);
  const diffLen = readOfft(file, 16);
  const newSize = readOfft(file, 24);
  const ctrl = tool(['bzip2', '-d', '-c'], file.subarray(32, 32 + ctrlLen));
  const diff = tool(['bzip2', '-d', '-c'], file.subarray(32 + ctrlLen, 32 + ctrlLen + diffLen));
  const extra = tool(['bzip2', '-d', '-c'], file.subarray(32 + ctrlLen + diffLen));
  const raw = new Uint8Array(ctrl.length + diff.length + extra.length);
  let w = 0;
  let dp = 0;
  let ep = 0;
  for (let c = 0; c + 24 <= ctrl.length; c += 24) {
    const x = readOfft(ctrl, c);
    const y = readOfft(ctrl, c + 8);
    raw.set(ctrl.subarray(c, c + 24), w);
    w += 24;
    raw.set(diff.subarray(dp, dp + x), w);
    w += x;
    dp += x;
    raw.set(extra.subarray(ep, ep + y), w);
    w += y;
    ep += y;
  }
  return { raw: raw.subarray(0, w), newSize };
}

const LIB = '/usr/lib/x86_64-linux-gnu';
interface Pair {
  name: string;
  old: Uint8Array;
  neu: Uint8Array;
}

function pairs(quick: boolean): Pair[] {
  const specs: Array<[string, string, (d: Uint8Array) => Uint8Array]> = [
    ['libpython edits', 'libpython3.11.so.1.0', (d) => scatteredEdits(d, 300, 1)],
    ['libpython shifts', 'libpython3.11.so.1.0', (d) => editsWithShifts(d, 300, 12, 2)],
    ['libx265 edits+shifts', 'libx265.so.199', (d) => editsWithShifts(d, 400, 8, 3)],
    ['libz3 edits', 'libz3.so.4', (d) => scatteredEdits(d, 500, 4)],
    ['libz3 edits+shifts', 'libz3.so.4', (d) => editsWithShifts(d, 300, 10, 5)],
    ['libicudata edits+shifts', 'libicudata.so.72.1', (d) => editsWithShifts(d, 300, 6, 6)],
  ];
  const out: Pair[] = [];
  for (const [name, file, edit] of quick ? specs.slice(0, 1) : specs) {
    const path = join(LIB, file);
    if (!existsSync(path)) {
      console.log(`  (skipping ${name}: ${path} missing)`);
      continue;
    }
    const old = new Uint8Array(readFileSync(path));
    out.push({ name, old, neu: edit(old) });
  }
  return out;
}

const kib = (n: number) => (n / 1024).toFixed(1);

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  for (const t of ['bsdiff', 'bspatch', 'xz', 'bzip2']) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) throw new Error(`bench/bsdiff needs ${t} (apt-get install bsdiff xz-utils bzip2)`);
  }
  const { dir, cleanup } = scratchDir();
  const diffRows: Row[] = [];
  const patchRows: Row[] = [];
  let totOld = 0;
  let totNew = 0;
  let totOursXz = 0;
  let totTheirsXz = 0;
  let totTheirsBz = 0;
  let totOursBz = 0;
  let totOursMs = 0;
  let totTheirsMs = 0;
  let totPatchMs = 0;
  let totSaMs = 0;
  const saLines: string[] = [];
  try {
    for (const p of pairs(quick)) {
      const oldPath = join(dir, 'old');
      const newPath = join(dir, 'new');
      const patchPath = join(dir, 'patch');
      const outPath = join(dir, 'out');
      writeFileSync(oldPath, p.old);
      writeFileSync(newPath, p.neu);

      // Suffix array alone (part of bsdiff's time), CPU time as well since the machine may be shared.
      const cpu0 = process.cpuUsage();
      const saRun = await timeOurs(() => suffixArray(p.old));
      const cpu = process.cpuUsage(cpu0);
      saLines.push(
        `  ${p.name.padEnd(28)} ${(p.old.length / 1e3 / saRun.ms).toFixed(1)} MB/s wall, ` +
          `${(p.old.length / (cpu.user + cpu.system)).toFixed(1)} MB/s cpu`,
      );
      totSaMs += saRun.ms;

      let ours: Uint8Array = new Uint8Array(0);
      const oursDiff = await timeOurs(() => {
        ours = bsdiff(p.old, p.neu);
      });
      const theirsDiff = timeCommand(['bsdiff', oldPath, newPath, patchPath]);
      const theirsFile = new Uint8Array(readFileSync(patchPath));

      let applied: Uint8Array = new Uint8Array(0);
      const oursPatch = await timeOurs(() => {
        applied = bspatch(p.old, ours, p.neu.length, { maxNewSize: 1 << 30 });
      });
      if (!Buffer.from(applied).equals(Buffer.from(p.neu))) throw new Error(`${p.name}: our patch does not round-trip`);
      const theirsPatch = timeCommand(['bspatch', oldPath, outPath, patchPath]);

      const conv = bsdiff40ToRaw(theirsFile);
      const theirsApplied = bspatch(p.old, conv.raw, conv.newSize, { maxNewSize: 1 << 30 });
      if (!Buffer.from(theirsApplied).equals(Buffer.from(p.neu))) throw new Error(`${p.name}: their patch fails with our bspatch`);

      const oursXz = tool(['xz', '-8', '-c'], ours).length;
      const theirsXz = tool(['xz', '-8', '-c'], conv.raw).length;
      const oursBz = tool(['bzip2', '-9', '-c'], ours).length;
      totOld += p.old.length;
      totNew += p.neu.length;
      totOursXz += oursXz;
      totTheirsXz += theirsXz;
      totTheirsBz += theirsFile.length;
      totOursBz += oursBz;
      totOursMs += oursDiff.ms;
      totTheirsMs += theirsDiff.ms;
      totPatchMs += oursPatch.ms;

      diffRows.push({
        name: `${p.name} (${(p.neu.length / 1e6).toFixed(1)} MB)`,
        ours: oursDiff,
        theirs: theirsDiff,
        extra: {
          'raw': ours.length,
          'xz8 KiB ours': kib(oursXz),
          'theirs(raw→xz8)': kib(theirsXz),
          'xzRatio': (oursXz / theirsXz).toFixed(3),
          'bz2 KiB ours': kib(oursBz),
          'theirs(file)': kib(theirsFile.length),
        },
      });
      patchRows.push({
        name: p.name,
        ours: oursPatch,
        theirs: theirsPatch,
        extra: { 'ours MB/s': (p.neu.length / 1e3 / oursPatch.ms).toFixed(0) },
      });
      console.log(`  done: ${p.name}`);
    }
  } finally {
    cleanup();
  }
  report('bsdiff generation (theirs = Debian bsdiff 4.3, includes bzip2)', diffRows);
  console.log('\nsuffix array (SA-IS) of the old file');
  for (const l of saLines) console.log(l);
  report('bspatch (theirs = Debian bspatch 4.3, includes bunzip2)', patchRows);
  console.log(
    `\n  total: old ${(totOld / 1e6).toFixed(1)} MB, new ${(totNew / 1e6).toFixed(1)} MB; ` +
      `diff ours ${(totOursMs / 1000).toFixed(1)} s vs theirs ${(totTheirsMs / 1000).toFixed(1)} s (ratio ${(totOursMs / totTheirsMs).toFixed(2)}x, ` +
      `ours ${(totNew / 1e3 / totOursMs).toFixed(2)} MB/s); xz8 ours ${kib(totOursXz)} KiB vs theirs-as-raw ${kib(totTheirsXz)} KiB ` +
      `(ratio ${(totOursXz / totTheirsXz).toFixed(3)}); bzip2 ours ${kib(totOursBz)} KiB vs their file ${kib(totTheirsBz)} KiB; ` +
      `bspatch ours ${(totNew / 1e3 / totPatchMs).toFixed(0)} MB/s; suffix array ${(totOld / 1e3 / totSaMs).toFixed(1)} MB/s`,
  );
}

await main();
