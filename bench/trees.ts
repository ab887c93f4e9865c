/**
 * Deterministic benchmark trees: a Flatpak-like directory of a given total size (default 100 MiB) with
 * thousands of files — many small text files (compressible), some multi-MiB "binary-ish" files (a mix
 * of random, zero and repeated blocks, so they compress roughly like real binaries), duplicated content
 * at other paths, executables and a few symlinks. Used by `bench/commit.bench.ts` and friends.
 *
 * Speed: content comes from a seeded xoshiro PRNG filling whole buffers (≈120 MB/s) and slices of a
 * pre-generated text block, never per-byte crypto; 100 MiB is written in a couple of seconds.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../test/util/prng.js';

/** Options for {@link generateBenchTree}. */
export interface BenchTreeOptions {
  /** Approximate total bytes of regular-file content (the result is within a few percent above). Default 100 MiB. */
  totalBytes?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
}

/** What {@link generateBenchTree} wrote. */
export interface BenchTreeStats {
  /** Regular files written (duplicates included). */
  files: number;
  /** Directories created (root excluded). */
  dirs: number;
  /** Symlinks created. */
  symlinks: number;
  /** Total bytes of regular-file content. */
  bytes: number;
  /** Files whose content duplicates an earlier file. */
  duplicates: number;
  /** Distinct contents (files − duplicates). */
  uniqueContents: number;
  /** Generation wall time in ms (0 when reused by {@link ensureBenchTree}). */
  ms: number;
}

const WORDS = [
  'the', 'flatpak', 'ostree', 'commit', 'runtime', 'application', 'libgtk', 'error', 'warning', 'return', 'static', 'const',
  'int', 'char', 'void', 'include', 'define', 'msgid', 'msgstr', 'translation', 'icon', 'svg', 'path', 'fill', '0x1f',
  'function', 'value', 'struct', 'buffer', 'size', 'offset', 'gvariant', 'summary', 'delta', 'object', 'checksum',
];

const LOCALES = ['de', 'fr', 'es', 'it', 'ja', 'zh_CN', 'pt_BR', 'ru', 'pl', 'nl', 'sv', 'cs', 'ko', 'tr', 'uk'];

/** A 256 KiB block of word-salad text used as the source of small text files. */
function textBlock(rng: Prng): Buffer {
  const parts: string[] = [];
  let n = 0;
  while (n < 262144) {
    const w = WORDS[rng.int(WORDS.length)]!;
    const sep = rng.int(12) === 0 ? '\n' : ' ';
    parts.push(w, sep);
    n += w.length + 1;
  }
  return Buffer.from(parts.join('').slice(0, 262144), 'latin1');
}

/** Binary-ish content: 4 KiB blocks that are random (~45%), zero (~15%) or copies of a 64 KiB "code" dictionary (~40%). */
function binaryish(rng: Prng, size: number, dict: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let off = 0; off < size; off += 4096) {
    const end = Math.min(size, off + 4096);
    const r = rng.int(100);
    if (r < 45) rng.fill(buf.subarray(off, end));
    else if (r < 60) buf.fill(0, off, end);
    else {
      const src = rng.int(dict.length - 4096);
      buf.set(dict.subarray(src, src + (end - off)), off);
    }
  }
  return buf;
}

/**
 * Write a deterministic Flatpak-like tree under `dir` (created; must be empty or absent). Layout:
 * `files/bin/*` executables, `files/lib/*.so.N` binaries with `*.so` symlinks, `files/share/locale/…`
 * many small text files, `files/share/icons/…` small files with duplicates, `files/share/doc/…` text,
 * `files/share/data/*.bin` multi-MiB binary-ish blobs, `files/share/dup/*` whole-file duplicates.
 * About 10% of content bytes are small text files (so ≈3 500 files at 100 MiB), 15% medium files,
 * 65% large binaries and 10% duplicates.
 */
export function generateBenchTree(dir: string, opts: BenchTreeOptions = {}): BenchTreeStats {
  const t0 = performance.now();
  const total = opts.totalBytes ?? 100 * 1024 * 1024;
  if (!(total > 0)) throw new RangeError('generateBenchTree: totalBytes must be positive');
  const rng = new Prng(opts.seed ?? 1);
  const text = textBlock(rng);
  const dict = rng.bytes(65536);
  const stats: BenchTreeStats = { files: 0, dirs: 0, symlinks: 0, bytes: 0, duplicates: 0, uniqueContents: 0, ms: 0 };
  const madeDirs = new Set<string>();
  const ensureDir = (rel: string): void => {
    if (madeDirs.has(rel)) return;
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (madeDirs.has(p)) continue;
      mkdirSync(join(dir, p), { recursive: true });
      chmodSync(join(dir, p), 0o755);
      madeDirs.add(p);
      stats.dirs++;
    }
  };
  const written: Array<{ rel: string; size: number; mode: number }> = []; // candidates for duplication
  const write = (rel: string, content: Uint8Array, mode = 0o644): void => {
    ensureDir(rel.slice(0, rel.lastIndexOf('/')));
    const abs = join(dir, rel);
    writeFileSync(abs, content);
    chmodSync(abs, mode);
    stats.files++;
    stats.bytes += content.length;
    written.push({ rel, size: content.length, mode });
  };
  const textFile = (size: number): Buffer => {
    if (size <= text.length) {
      const off = rng.int(text.length - size + 1);
      return text.subarray(off, off + size);
    }
    return Buffer.concat(Array.from({ length: Math.ceil(size / text.length) }, () => text)).subarray(0, size);
  };

  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);

  // 1. Small text files (~10%): locale catalogs, icons' metadata, docs.
  const smallBudget = total * 0.1;
  let used = 0;
  let i = 0;
  while (used < smallBudget) {
    const size = rng.int(10) === 0 ? 0 : rng.range(100, 6000);
    let rel: string;
    const kind = rng.int(3);
    if (kind === 0) rel = `files/share/locale/${LOCALES[rng.int(LOCALES.length)]}/LC_MESSAGES/app-${i}.po`;
    else if (kind === 1) rel = `files/share/doc/part${i % 40}/section-${i}.txt`;
    else rel = `files/share/icons/hicolor/${[16, 24, 32, 48, 64, 128][rng.int(6)]}x/apps/icon-${i}.svg`;
    write(rel, textFile(size));
    used += size;
    i++;
  }

  // 2. Medium files (~15%): mixed text and binary-ish, 16 KiB – 512 KiB; some executables.
  const mediumBudget = total * 0.15;
  used = 0;
  i = 0;
  while (used < mediumBudget) {
    const size = rng.range(16 * 1024, 512 * 1024);
    if (rng.int(2) === 0) {
      write(`files/bin/tool-${i}`, binaryish(rng, size, dict), 0o755);
    } else {
      write(`files/share/app/module${i % 16}/data-${i}.js`, textFile(size));
    }
    used += size;
    i++;
  }

  // 3. Large binary-ish files (~65%): 1–8 MiB shared libraries and data blobs.
  const largeBudget = total * 0.65;
  used = 0;
  i = 0;
  while (used < largeBudget) {
    const size = Math.min(rng.range(1 << 20, 8 << 20), Math.max(1 << 20, Math.ceil(largeBudget - used)));
    if (i % 3 !== 2) {
      const name = `files/lib/libbench${i}.so.${1 + (i % 4)}`;
      write(name, binaryish(rng, size, dict), 0o755);
      symlinkSync(`libbench${i}.so.${1 + (i % 4)}`, join(dir, `files/lib/libbench${i}.so`));
      stats.symlinks++;
    } else {
      write(`files/share/data/blob-${i}.bin`, binaryish(rng, size, dict));
    }
    used += size;
    i++;
  }
  stats.uniqueContents = stats.files;

  // 4. Duplicates (~10%): copies of earlier files (same content and mode) at other paths.
  const dupBudget = total * 0.1;
  used = 0;
  i = 0;
  const unique = written.slice();
  while (used < dupBudget) {
    // Only files that fit the remaining budget, so small totals are not overshot by a big copy.
    const room = dupBudget - used;
    const fits = unique.filter((w) => w.size <= room);
    if (fits.length === 0) break;
    const src = fits[rng.int(fits.length)]!;
    const content = readFileSync(join(dir, src.rel));
    write(`files/share/dup/d${i % 32}/${i}-${src.rel.slice(src.rel.lastIndexOf('/') + 1)}`, content, src.mode);
    stats.duplicates++;
    used += Math.max(content.length, 1);
    i++;
  }

  // A metadata file like a Flatpak build directory has.
  writeFileSync(join(dir, 'metadata'), '[Application]\nname=org.example.Bench\nruntime=org.example.Platform/x86_64/1\n');
  chmodSync(join(dir, 'metadata'), 0o644);
  stats.files++;
  stats.uniqueContents++;

  stats.ms = performance.now() - t0;
  return stats;
}

/**
 * Generate the tree unless `dir` already holds one made with the same options (recorded in
 * `dir/../<basename>.stamp.json`, outside the tree so it is not committed). Returns the stats.
 */
export function ensureBenchTree(dir: string, opts: BenchTreeOptions = {}): BenchTreeStats {
  const key = JSON.stringify({ v: 1, totalBytes: opts.totalBytes ?? 100 * 1024 * 1024, seed: opts.seed ?? 1 });
  const stamp = `${dir.replace(/\/+$/, '')}.stamp.json`;
  if (existsSync(stamp) && existsSync(dir)) {
    try {
      const s = JSON.parse(readFileSync(stamp, 'utf8')) as { key: string; stats: BenchTreeStats };
      if (s.key === key) return { ...s.stats, ms: 0 };
    } catch {
      // regenerate
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const stats = generateBenchTree(dir, opts);
  writeFileSync(stamp, JSON.stringify({ key, stats }));
  return stats;
}
