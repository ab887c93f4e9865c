/**
 * Test trees: write a directory tree from a declarative spec, generate a deterministic tree full of
 * the edge cases a commit/checkout must survive, and take a canonical manifest of a directory so a
 * checkout made by our code can be compared with one made by the real `ostree`.
 *
 * Pure Node `fs`; imports nothing from `src/`.
 *
 * Modes: the process umask filters the mode given to `mkdir`/`writeFile`, so every file and directory
 * gets an explicit `chmod` afterwards. Symlink modes cannot be set on Linux (always 0777).
 * Directory modes are applied after their children are written, deepest first, so read-only or 0700
 * directories do not get in the way of creating the tree.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from './prng.js';

// ---------------------------------------------------------------------------------------------------
// Declarative spec

/** A regular file. `content` defaults to empty; `mode` (permission bits incl. setuid/setgid/sticky) to 0o644. */
export interface FileSpec {
  type: 'file';
  content?: string | Uint8Array;
  mode?: number;
}
/** A directory (possibly empty). `mode` defaults to 0o755. */
export interface DirSpec {
  type: 'dir';
  mode?: number;
}
/** A symbolic link with a literal target (relative, absolute, or dangling — not checked). */
export interface SymlinkSpec {
  type: 'symlink';
  target: string;
}
/** One entry of a {@link TreeSpec}. */
export type EntrySpec = FileSpec | DirSpec | SymlinkSpec;

/**
 * A tree as a map from relative `/`-separated path to entry; a plain string is shorthand for a 0644
 * file with that UTF-8 content. Parent directories that are not listed are created with mode 0755.
 * Example: `{ 'a/b.txt': 'hi\n', 'a/run': { type: 'file', content: '#!/bin/sh\n', mode: 0o755 },
 * 'l': { type: 'symlink', target: 'a/b.txt' }, 'e': { type: 'dir', mode: 0o700 } }`.
 */
export type TreeSpec = Record<string, EntrySpec | string>;

/** Options for {@link writeTree}. */
export interface WriteTreeOptions {
  /** Mode to chmod the root directory to (default 0o755). */
  rootMode?: number;
}

function normEntry(e: EntrySpec | string): EntrySpec {
  return typeof e === 'string' ? { type: 'file', content: e } : e;
}

function checkRelPath(p: string): string[] {
  const parts = p.split('/');
  if (p === '' || p.startsWith('/') || parts.some((s) => s === '' || s === '.' || s === '..' || s.includes('\0'))) {
    throw new RangeError(`writeTree: bad relative path ${JSON.stringify(p)}`);
  }
  return parts;
}

/**
 * Create the entries of `spec` under `dir` (created if missing) and chmod everything explicitly.
 * Existing entries are overwritten for files; creating a symlink where something exists fails.
 */
export function writeTree(dir: string, spec: TreeSpec, opts: WriteTreeOptions = {}): void {
  mkdirSync(dir, { recursive: true });
  const dirModes = new Map<string, number>(); // relative path → mode
  const ensureParents = (parts: string[]): void => {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (!dirModes.has(rel)) {
        mkdirSync(join(dir, rel), { recursive: true });
        dirModes.set(rel, 0o755);
      }
    }
  };
  // Directories first so explicit dir modes win over implied parents.
  const entries = Object.entries(spec).map(([p, e]) => [p, checkRelPath(p), normEntry(e)] as const);
  for (const [p, parts, e] of entries) {
    if (e.type !== 'dir') continue;
    ensureParents(parts);
    mkdirSync(join(dir, p), { recursive: true });
    dirModes.set(p, e.mode ?? 0o755);
  }
  for (const [p, parts, e] of entries) {
    if (e.type === 'dir') continue;
    ensureParents(parts);
    const abs = join(dir, p);
    if (e.type === 'file') {
      writeFileSync(abs, e.content ?? '');
      chmodSync(abs, e.mode ?? 0o644);
    } else {
      symlinkSync(e.target, abs);
    }
  }
  // Deepest first, so a 0500 parent does not block chmod of its children.
  const dirs = [...dirModes.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
  for (const [p, mode] of dirs) chmodSync(join(dir, p), mode);
  chmodSync(dir, opts.rootMode ?? 0o755);
}

// ---------------------------------------------------------------------------------------------------
// Generated trees

/** Options for {@link generateTreeSpec} / {@link generateTree}. */
export interface GenerateOptions {
  /** PRNG seed; the same options give the same tree. Default 1. */
  seed?: number | string;
  /** Number of additional random files (and a few random symlinks/dirs) spread over random dirs. Default 200. */
  files?: number;
  /** Maximum depth of the random directories. Default 6. */
  maxDepth?: number;
  /** Include the fixed edge-case entries (modes, Unicode, symlinks, big file, duplicates, deep, many). Default true. */
  edgeCases?: boolean;
  /**
   * Only use modes that `bare-user-only` repos accept (`(mode & ~0o775) === 0`: no setuid, setgid,
   * sticky or o+w; ostree-formats §3.5). Default false.
   */
  safeModes?: boolean;
  /** Size of the big file in bytes. Default 4 MiB + 4321 (must exceed 4 MiB). 0 omits it. */
  bigFileSize?: number;
  /** How many paths share identical content. Default 40. */
  duplicates?: number;
  /** Depth of the deep chain `deep/d01/…`. Default 24. */
  deepDepth?: number;
  /** Number of files in the single crowded directory `many/`. Default 1500. */
  manyFiles?: number;
}

const ALL_FILE_MODES = [0o644, 0o644, 0o644, 0o755, 0o600, 0o700, 0o444, 0o640, 0o664, 0o4755, 0o2755, 0o1644, 0o666];
const SAFE_FILE_MODES = [0o644, 0o644, 0o644, 0o755, 0o600, 0o700, 0o444, 0o640, 0o664, 0o775, 0o400, 0o500];
const ALL_DIR_MODES = [0o755, 0o755, 0o700, 0o1777, 0o2755, 0o775, 0o750];
const SAFE_DIR_MODES = [0o755, 0o755, 0o700, 0o775, 0o750];

const NAME_SYLLABLES = ['a', 'bin', 'lib', 'share', 'x', 'data', 'cfg', 'usr', 'etc', 'doc', 'icons', 'z9', 'm_n', 'p-q', 'v1.2'];
const UNICODE_NAMES = [
  'caf\u00e9', // NFC é
  'cafe\u0301', // NFD e + combining acute
  '\u{1F600}', // emoji (astral: surrogate pair in UTF-16, F0 9F 98 80 in UTF-8)
  '\uFFFD', // BMP: sorts after the emoji in UTF-16 order, before it in UTF-8 byte order
  '日本語',
  '中文名',
  '한국어',
  'Ωmega',
  'naïve',
  '\uFF21', // fullwidth A
];

/**
 * Pairs of names whose JS (UTF-16 code unit) order differs from their UTF-8 byte order: in each pair
 * the first sorts first by UTF-8 bytes (what ostree's `strcmp` sees), the second sorts first with the
 * default JS string comparison. Exposed so tests can assert the dirtree order explicitly.
 */
export const ORDER_TRAPS: ReadonlyArray<readonly [string, string]> = [
  ['\uFFFD', '\u{1F600}'],
  ['\uE000', '\u{10000}'],
  ['\uFF21', '\u{1F680}'],
];

/** Deterministic text content (ASCII lines) of about `n` bytes. */
function textContent(rng: Prng, n: number): string {
  const words = ['ostree', 'flatpak', 'commit', 'tree', 'object', 'hello', 'world', 'lorem', 'ipsum', 'delta', '42', 'αβγ'];
  let s = '';
  while (s.length < n) {
    s += rng.pick(words);
    s += rng.chance(0.1) ? '\n' : ' ';
  }
  return s.slice(0, n);
}

/**
 * The spec of a deterministic tree (see {@link generateTree}); the same options always yield the same
 * spec, byte for byte.
 */
export function generateTreeSpec(opts: GenerateOptions = {}): TreeSpec {
  const rng = new Prng(opts.seed ?? 1);
  const safe = opts.safeModes ?? false;
  const fileModes = safe ? SAFE_FILE_MODES : ALL_FILE_MODES;
  const dirModes = safe ? SAFE_DIR_MODES : ALL_DIR_MODES;
  const spec: TreeSpec = {};

  if (opts.edgeCases ?? true) {
    // Empty things.
    spec['empty-file'] = { type: 'file', content: '' };
    spec['empty-dir'] = { type: 'dir' };
    spec['nested/empty-dir-in-dir'] = { type: 'dir', mode: 0o700 };
    // Symlinks.
    spec['links/target.txt'] = 'link target\n';
    spec['links/relative'] = { type: 'symlink', target: 'target.txt' };
    spec['links/relative-up'] = { type: 'symlink', target: '../empty-file' };
    spec['links/to-dir'] = { type: 'symlink', target: '../nested' };
    spec['links/absolute'] = { type: 'symlink', target: '/etc/hostname' };
    spec['links/dangling'] = { type: 'symlink', target: 'does/not/exist' };
    spec['links/unicode-target'] = { type: 'symlink', target: '../unicode/日本語' };
    // Modes (files and dirs).
    const m = (name: string, mode: number, content = `mode ${mode.toString(8)}\n`): void => {
      spec[`modes/${name}`] = { type: 'file', content, mode };
    };
    m('0600', 0o600);
    m('0700', 0o700);
    m('0444', 0o444);
    m('0755', 0o755);
    m('0400', 0o400);
    if (!safe) {
      m('setuid-4755', 0o4755);
      m('setgid-2755', 0o2755);
      m('sticky-1644', 0o1644);
      m('all-7777', 0o7777);
      m('world-writable-0666', 0o666);
    }
    spec['modes/dir-0700'] = { type: 'dir', mode: 0o700 };
    spec['modes/dir-0700/inside'] = { type: 'file', content: 'hidden\n', mode: 0o600 };
    spec['modes/dir-0555'] = { type: 'dir', mode: 0o555 };
    spec['modes/dir-0555/ro-inside'] = 'in a read-only dir\n';
    if (!safe) {
      spec['modes/dir-1777'] = { type: 'dir', mode: 0o1777 };
      spec['modes/dir-1777/tmpfile'] = 'sticky dir\n';
      spec['modes/dir-2775'] = { type: 'dir', mode: 0o2775 };
    }
    // Unicode names, including NFC/NFD twins and order traps.
    for (const n of UNICODE_NAMES) spec[`unicode/${n}`] = `${n}\n`;
    for (const [a, b] of ORDER_TRAPS) {
      spec[`order/${a}`] = `${a}\n`;
      spec[`order/${b}`] = `${b}\n`;
      spec[`order/dir-${a}/f`] = 'x\n';
      spec[`order/dir-${b}/f`] = 'y\n';
    }
    spec['unicode/\u{1F4E6} box dir/naïve file.txt'] = 'unicode dir\n';
    // A file over 4 MiB: random with some compressible runs.
    const big = opts.bigFileSize ?? 4 * 1024 * 1024 + 4321;
    if (big > 0) {
      const buf = rng.bytes(big);
      for (let off = 0; off + 65536 <= big; off += 262144) buf.fill(0x41 + ((off >>> 18) % 26), off, off + 65536);
      spec['big/large.bin'] = { type: 'file', content: buf, mode: 0o644 };
    }
    // Identical content at many paths (and one with a different mode: same content, different object).
    const dup = opts.duplicates ?? 40;
    const dupContent = 'identical content shared by many paths\n';
    for (let i = 0; i < dup; i++) spec[`dups/d${String(i).padStart(3, '0')}/same.txt`] = dupContent;
    if (dup > 0) spec['dups/same-but-0755.txt'] = { type: 'file', content: dupContent, mode: 0o755 };
    // Deep nesting.
    const depth = opts.deepDepth ?? 24;
    if (depth > 0) {
      const segs = Array.from({ length: depth }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
      spec[`deep/${segs.join('/')}/leaf.txt`] = `depth ${depth}\n`;
    }
    // Many files in one directory.
    const many = opts.manyFiles ?? 1500;
    for (let i = 0; i < many; i++) spec[`many/f${String(i).padStart(5, '0')}`] = i % 7 === 0 ? '' : `file ${i}\n`;
  }

  // Random part.
  const nFiles = opts.files ?? 200;
  const maxDepth = Math.max(1, opts.maxDepth ?? 6);
  const dirs: string[] = ['random'];
  spec['random'] = { type: 'dir' };
  for (let i = 0; i < nFiles; i++) {
    // Sometimes make a new dir under an existing one (bounded depth).
    if (rng.chance(0.15)) {
      const parent = rng.pick(dirs);
      if (parent.split('/').length < maxDepth) {
        const name = rng.chance(0.2) ? rng.pick(UNICODE_NAMES) + rng.int(100) : rng.pick(NAME_SYLLABLES) + rng.int(1000);
        const d = `${parent}/${name}`;
        if (!(d in spec)) {
          spec[d] = { type: 'dir', mode: rng.pick(dirModes) };
          dirs.push(d);
        }
      }
    }
    const parent = rng.pick(dirs);
    const name = `${rng.pick(NAME_SYLLABLES)}-${i}${rng.chance(0.1) ? rng.pick(UNICODE_NAMES) : ''}`;
    const path = `${parent}/${name}`;
    const r = rng.float();
    if (r < 0.08) {
      // symlink to a sibling, a random path, or absolute
      const t = rng.float();
      const target = t < 0.4 ? `f-${rng.int(nFiles)}` : t < 0.7 ? `../${rng.pick(NAME_SYLLABLES)}` : `/usr/${rng.pick(NAME_SYLLABLES)}`;
      spec[path] = { type: 'symlink', target };
    } else {
      const sizeClass = rng.float();
      const size = sizeClass < 0.1 ? 0 : sizeClass < 0.8 ? rng.range(1, 2000) : sizeClass < 0.97 ? rng.range(2000, 64 * 1024) : rng.range(64 * 1024, 512 * 1024);
      const content = rng.chance(0.6) ? textContent(rng, size) : rng.bytes(size);
      spec[path] = { type: 'file', content, mode: rng.pick(fileModes) };
    }
  }
  return spec;
}

/**
 * Write a deterministic tree to `dir` covering: empty files and dirs; relative, absolute, dangling
 * and directory symlinks; setuid/setgid/sticky/0600/0700/0444 files and 0700/0555/01777/02775 dirs
 * (only bare-user-only-safe modes with `safeModes`); Unicode names (NFC and NFD twins, emoji, CJK) and
 * names whose UTF-16 order differs from UTF-8 byte order ({@link ORDER_TRAPS}); a file over 4 MiB;
 * identical content at many paths; nesting deeper than 20; 1500 files in one directory; plus
 * `files` random entries. Returns the spec that was written.
 */
export function generateTree(dir: string, opts: GenerateOptions = {}): TreeSpec {
  const spec = generateTreeSpec(opts);
  writeTree(dir, spec);
  return spec;
}

// ---------------------------------------------------------------------------------------------------
// Manifest

/** One entry of a {@link manifest}. */
export interface ManifestEntry {
  /** Relative `/`-separated path; the root itself is `.`. */
  path: string;
  /** Entry type. */
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** `st_mode & 0o7777` (absent with `ignoreModes`, and for symlinks whose mode means nothing). */
  mode?: number;
  /** Size in bytes for regular files. */
  size?: number;
  /** Lower-case hex SHA-256 of a regular file's content. */
  sha256?: string;
  /** Symlink target, verbatim. */
  target?: string;
  /** Owner, only with `includeOwnership`. */
  uid?: number;
  /** Group, only with `includeOwnership`. */
  gid?: number;
}

/** Options for {@link manifest}. */
export interface ManifestOptions {
  /** Leave modes out entirely. */
  ignoreModes?: boolean;
  /** Leave directory modes out (file modes kept). */
  ignoreDirModes?: boolean;
  /** Leave the root directory's own entry out. */
  excludeRoot?: boolean;
  /** Record uid/gid (default false: ownership ignored). */
  includeOwnership?: boolean;
  /** Relative paths (or path prefixes ending in `/`) to leave out, e.g. `.ostree/`. */
  exclude?: string[];
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A canonical listing of everything under `dir` (not following symlinks), sorted by the UTF-8 bytes of
 * the path, with the root first. Use {@link diffManifests} for a readable comparison.
 */
export function manifest(dir: string, opts: ManifestOptions = {}): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const excluded = (rel: string): boolean =>
    (opts.exclude ?? []).some((x) => (x.endsWith('/') ? rel === x.slice(0, -1) || rel.startsWith(x) : rel === x));
  const visit = (abs: string, rel: string): void => {
    const st = lstatSync(abs);
    const e: ManifestEntry = { path: rel, type: 'other' };
    if (st.isFile()) e.type = 'file';
    else if (st.isDirectory()) e.type = 'dir';
    else if (st.isSymbolicLink()) e.type = 'symlink';
    const wantMode = !opts.ignoreModes && e.type !== 'symlink' && !(e.type === 'dir' && opts.ignoreDirModes);
    if (wantMode) e.mode = st.mode & 0o7777;
    if (e.type === 'file') {
      e.size = st.size;
      e.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
    } else if (e.type === 'symlink') {
      e.target = readlinkSync(abs);
    }
    if (opts.includeOwnership) {
      e.uid = st.uid;
      e.gid = st.gid;
    }
    if (!(rel === '.' && opts.excludeRoot)) out.push(e);
    if (e.type === 'dir') {
      for (const name of readdirSync(abs)) {
        const childRel = rel === '.' ? name : `${rel}/${name}`;
        if (excluded(childRel)) continue;
        visit(join(abs, name), childRel);
      }
    }
  };
  visit(dir, '.');
  return out.sort((a, b) => (a.path === '.' ? -1 : b.path === '.' ? 1 : byteCompare(a.path, b.path)));
}

/** One manifest entry as a single stable text line (`path type mode size sha256 -> target`). */
export function formatManifestEntry(e: ManifestEntry): string {
  const parts = [JSON.stringify(e.path), e.type];
  if (e.mode !== undefined) parts.push(e.mode.toString(8).padStart(4, '0'));
  if (e.uid !== undefined) parts.push(`${e.uid}:${e.gid}`);
  if (e.size !== undefined) parts.push(String(e.size));
  if (e.sha256 !== undefined) parts.push(e.sha256);
  if (e.target !== undefined) parts.push('->', JSON.stringify(e.target));
  return parts.join(' ');
}

/** A whole manifest as text, one line per entry. */
export function formatManifest(m: readonly ManifestEntry[]): string {
  return m.map(formatManifestEntry).join('\n') + '\n';
}

/**
 * Differences between two manifests as human-readable lines (`- …` only in `a`, `+ …` only in `b`,
 * `~ path: a-line | b-line` changed); empty when equal. `expect(diffManifests(x, y)).toEqual([])`
 * gives a useful failure message.
 */
export function diffManifests(a: readonly ManifestEntry[], b: readonly ManifestEntry[]): string[] {
  const ma = new Map(a.map((e) => [e.path, formatManifestEntry(e)]));
  const mb = new Map(b.map((e) => [e.path, formatManifestEntry(e)]));
  const paths = [...new Set([...ma.keys(), ...mb.keys()])].sort(byteCompare);
  const out: string[] = [];
  for (const p of paths) {
    const x = ma.get(p);
    const y = mb.get(p);
    if (x === y) continue;
    if (y === undefined) out.push(`- ${x}`);
    else if (x === undefined) out.push(`+ ${y}`);
    else out.push(`~ ${JSON.stringify(p)}: ${x} | ${y}`);
  }
  return out;
}

/** Compare two strings by their UTF-8 bytes (ostree's `strcmp` order for dirtree entries and refs). */
export const compareUtf8 = byteCompare;
