/**
 * xz benchmark: our pure-TS encoder vs `xz -T1 -8 -C crc64` (what OSTree static-delta parts use) and
 * our decoder vs `xz -d -T1`, on realistic mixed data generated at bench time: files from /usr/lib
 * (shared libraries, data files), generated text, and some random bytes.
 *
 * Prints wall time, CPU time, peak RSS (ours: this process's high-water mark; theirs: the child's)
 * and sizes, with the ours/theirs ratios. On a shared machine the CPU-time ratio is the fairer one.
 *
 * Run: `node bench/run.mjs xz` (16 MiB, default) or `node bench/run.mjs xz -- --full` (100 MiB).
 * `--size=N` sets the size in MiB. Needs `xz` on PATH.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { xzCompress } from '../src/codec/xz/encoder.js';
import { xzDecompress } from '../src/codec/xz/decoder.js';
import { timeCommand, report, scratchDir, timeOurs, type Measured } from './lib.js';
import { xorshift32 } from '../test/util/prng.js';


/** timeOurs plus this process's CPU time spent in `fn`. */
async function timeOursCpu(fn: () => unknown): Promise<Measured & { cpuMs: number }> {
  const c0 = process.cpuUsage();
  const m = await timeOurs(fn);
  const c = process.cpuUsage(c0);
  return { ...m, cpuMs: (c.user + c.system) / 1000 };
}

const rng = xorshift32;

/** Regular files under `dir` in sorted order (deterministic), up to `limit` bytes in total. */
function collectFiles(dir: string, limit: number, acc: Uint8Array[], state: { n: number }): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (state.n >= limit) return;
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!st) continue;
    if (st.isDirectory()) collectFiles(p, limit, acc, state);
    else if (st.isFile() && st.size > 0 && st.size < 16 << 20) {
      try {
        const b = readFileSync(p);
        const take = b.subarray(0, Math.min(b.length, limit - state.n));
        acc.push(take);
        state.n += take.length;
      } catch {
        /* unreadable: skip */
      }
    }
  }
}

function genText(size: number, seed: number): Uint8Array {
  const r = rng(seed);
  const words: string[] = [];
  for (let i = 0; i < 5000; i++) {
    let w = '';
    const len = 2 + (r() % 10);
    for (let k = 0; k < len; k++) w += String.fromCharCode(97 + (r() % 26));
    words.push(w);
  }
  const out = new Uint8Array(size);
  let o = 0;
  const enc = new TextEncoder();
  while (o < size) {
    const line: string[] = [];
    const n = 4 + (r() % 12);
    for (let i = 0; i < n; i++) line.push(words[Math.floor(5000 * (r() / 4294967296) ** 3)]);
    const b = enc.encode(line.join(' ') + '\n');
    out.set(b.subarray(0, Math.min(b.length, size - o)), o);
    o += b.length;
  }
  return out;
}

function build(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const libs: Uint8Array[] = [];
  const libBytes = Math.floor(size * 0.6);
  collectFiles('/usr/lib/x86_64-linux-gnu', libBytes, libs, { n: 0 });
  let o = 0;
  for (const b of libs) {
    out.set(b, o);
    o += b.length;
  }
  const textBytes = Math.floor((size - o) * 0.7);
  out.set(genText(textBytes, 42), o);
  o += textBytes;
  const r = rng(7);
  for (; o < size; o++) out[o] = r() & 0xff;
  return out;
}

const args = process.argv.slice(2);
const sizeArg = args.find((a) => a.startsWith('--size='));
const mib = sizeArg ? Number(sizeArg.slice(7)) : args.includes('--full') ? 100 : 16;
const data = build(mib << 20);
const { dir, cleanup } = scratchDir('ostree-ts-xz-bench-');
try {
  const src = join(dir, 'data');
  writeFileSync(src, data);

  let oursC: Uint8Array = new Uint8Array(0);
  const enc = await timeOursCpu(() => {
    oursC = xzCompress(data, { preset: 8, check: 'crc64' });
  });
  const theirsEnc = timeCommand(['xz', '-T1', '-8', '-C', 'crc64', '-c', '-k', src]);
  const theirsC = theirsEnc.stdout!;
  writeFileSync(join(dir, 'theirs.xz'), theirsC);

  let decoded: Uint8Array = new Uint8Array(0);
  const dec = await timeOursCpu(() => {
    decoded = xzDecompress(theirsC, { maxOutput: data.length });
  });
  const theirsDec = timeCommand(['xz', '-d', '-T1', '-c', '-k', join(dir, 'theirs.xz')]);
  if (Buffer.compare(Buffer.from(decoded), Buffer.from(data)) !== 0) throw new Error('our decoder output differs');
  writeFileSync(join(dir, 'ours.xz'), oursC);
  const check = timeCommand(['xz', '-d', '-T1', '-c', '-k', join(dir, 'ours.xz')]);
  if (Buffer.compare(check.stdout!, Buffer.from(data)) !== 0) throw new Error('xz -d of our output differs');

  report(`xz on ${mib} MiB mixed data (60% /usr/lib files, text, random)`, [
    {
      name: 'compress -8 crc64', ours: enc, theirs: theirsEnc,
      extra: { size_ours: oursC.length, size_xz: theirsC.length, size_ratio: (oursC.length / theirsC.length).toFixed(4),
        MBps_ours: (mib / (enc.ms / 1000)).toFixed(2), MBps_xz: (mib / (theirsEnc.ms / 1000)).toFixed(2),
        cpu_ms_ours: enc.cpuMs.toFixed(0), cpu_ms_xz: theirsEnc.cpuMs.toFixed(0), cpu_ratio: (enc.cpuMs / theirsEnc.cpuMs).toFixed(2) },
    },
    {
      name: 'decompress (xz -8 output)', ours: dec, theirs: theirsDec,
      extra: { MBps_ours: (mib / (dec.ms / 1000)).toFixed(1), MBps_xz: (mib / (theirsDec.ms / 1000)).toFixed(1),
        cpu_ms_ours: dec.cpuMs.toFixed(0), cpu_ms_xz: theirsDec.cpuMs.toFixed(0), cpu_ratio: (dec.cpuMs / theirsDec.cpuMs).toFixed(2) },
    },
  ]);
} finally {
  cleanup();
}
