/**
 * Dirtree objects `(a(say)a(sayay))`: the file and subdirectory entries of one directory.
 *
 * Facts from upstream: `src/libostree/ostree-repo-commit.c` (`create_tree_variant_from_hashes()`:
 * both arrays sorted by name with `strcmp`, i.e. bytewise UTF-8), `src/libostree/ostree-core.c`
 * (`ostree_validate_structureof_dirtree()`: normal form, every name passes
 * `ot_util_filename_validate()`, every checksum exactly 32 bytes). Readers binary-search the arrays
 * (`ot_variant_bsearch_str()`), so order matters even though validation ignores it.
 * See ostree-formats.md §1.4.
 *
 * Deviations: decode also rejects empty names and names containing NUL (see `names.ts`); like
 * upstream it does not check ordering or duplicates ({@link dirtreeIsSorted} does).
 *
 * @module
 */

import { decode, offsetWidth, putFramingOffset } from '../gvariant/index.js';
import { OstreeError } from '../errors.js';
import { asCorrupt, compareUtf8, corruptObject } from './bytes.js';
import { bytesToHex, checksumToBytes, CHECKSUM_BYTE_LENGTH } from './checksum.js';
import { filenameProblem } from './names.js';
import { DIRTREE_TYPE } from './types.js';

/** A file entry: name and content-object checksum. */
export interface DirtreeFile {
  /** Entry name. */
  name: string;
  /** Content object checksum. */
  checksum: string;
}

/** A subdirectory entry: name, its dirtree checksum and its dirmeta checksum. */
export interface DirtreeDir {
  /** Entry name. */
  name: string;
  /** Dirtree checksum. */
  tree: string;
  /** Dirmeta checksum. */
  meta: string;
}

/** A directory listing. */
export interface Dirtree {
  /** Files (regular files and symlinks). */
  files: DirtreeFile[];
  /** Subdirectories. */
  dirs: DirtreeDir[];
}

const KIND = 'dirtree';

function byName(a: { name: string }, b: { name: string }): number {
  return compareUtf8(a.name, b.name);
}

function checkNames(entries: ReadonlyArray<{ name: string }>, what: string): void {
  for (let i = 0; i < entries.length; i++) {
    const name = entries[i]!.name;
    const p = filenameProblem(name);
    if (p !== null) {
      throw new OstreeError('INVALID_FILENAME', `Invalid ${what} name ${JSON.stringify(name)}: ${p}`, { data: { filename: name } });
    }
    if (i > 0 && entries[i - 1]!.name === name) {
      throw new OstreeError('INVALID_FILENAME', `Duplicate ${what} name ${JSON.stringify(name)}`, { data: { filename: name } });
    }
  }
}

/** A sorted copy of `entries` (no sort when already sorted, as decoded trees are). */
function sortedByName<T extends { name: string }>(entries: readonly T[]): T[] {
  const out = entries.slice();
  for (let i = 1; i < out.length; i++) {
    if (byName(out[i - 1]!, out[i]!) > 0) return out.sort(byName);
  }
  return out;
}

/** Throw when a name is both a file and a directory (both lists sorted). */
function checkDisjoint(files: readonly DirtreeFile[], dirs: readonly DirtreeDir[]): void {
  let i = 0;
  let j = 0;
  while (i < files.length && j < dirs.length) {
    const c = byName(files[i]!, dirs[j]!);
    if (c === 0) {
      const name = dirs[j]!.name;
      throw new OstreeError('INVALID_FILENAME', `Name ${JSON.stringify(name)} is both a file and a directory`, { data: { filename: name } });
    }
    if (c < 0) i++;
    else j++;
  }
}

/**
 * Serialize a dirtree in normal form, sorting both arrays by UTF-8 bytes (not JS string order).
 * The input arrays are not modified.
 *
 * @throws OstreeError `INVALID_FILENAME` for a bad or duplicate name (also across files and dirs),
 *   `INVALID_CHECKSUM` for a malformed checksum
 */
export function encodeDirtree(t: Dirtree): Uint8Array {
  const files = sortedByName(t.files);
  const dirs = sortedByName(t.dirs);
  checkNames(files, 'file');
  checkNames(dirs, 'directory');
  checkDisjoint(files, dirs);
  return serializeDirtree(files, dirs);
}

/** Serialized size and framing-offset width of a GVariant container with `body` bytes of content and `n` framing offsets. */
function framed(body: number, n: number): { total: number; width: number } {
  const width = offsetWidth(body, n);
  return { total: body + width * n, width };
}

const utf8 = new TextEncoder();

/**
 * `(a(say)a(sayay))` written directly (the same bytes as the generic `encode(DIRTREE_TYPE, …)`,
 * which test/format checks): every member has alignment 1, so an element is its name, NUL, the
 * checksum bytes, then the framing offsets of its non-last members in reverse order; each array
 * ends with the end offsets of its elements; the outer tuple with the end of the first array. A
 * commit encodes a dirtree per directory — thousands of entries, mostly while the code is still
 * cold — so this skips the generic encoder's per-value dispatch.
 */
function serializeDirtree(files: readonly DirtreeFile[], dirs: readonly DirtreeDir[]): Uint8Array {
  const fileNames = files.map((f) => utf8.encode(f.name));
  const dirNames = dirs.map((d) => utf8.encode(d.name));
  const fileSums = files.map((f) => checksumToBytes(f.checksum));
  const dirSums = dirs.map((d) => [checksumToBytes(d.tree), checksumToBytes(d.meta)] as const);
  const fileElems = fileNames.map((n) => framed(n.length + 1 + CHECKSUM_BYTE_LENGTH, 1));
  const dirElems = dirNames.map((n) => framed(n.length + 1 + 2 * CHECKSUM_BYTE_LENGTH, 2));
  const a1 = framed(fileElems.reduce((sum, e) => sum + e.total, 0), files.length);
  const a2 = framed(dirElems.reduce((sum, e) => sum + e.total, 0), dirs.length);
  const outer = framed(a1.total + a2.total, 1);
  const out = new Uint8Array(outer.total);
  let at = 0;
  // a(say)
  const ends1: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const start = at;
    out.set(fileNames[i]!, at);
    at += fileNames[i]!.length + 1; // NUL (zero-filled)
    const nameEnd = at - start;
    out.set(fileSums[i]!, at);
    at += CHECKSUM_BYTE_LENGTH;
    putFramingOffset(out, at, nameEnd, fileElems[i]!.width);
    at += fileElems[i]!.width;
    ends1.push(at);
  }
  for (const end of ends1) {
    putFramingOffset(out, at, end, a1.width);
    at += a1.width;
  }
  const a2Start = at;
  // a(sayay)
  const ends2: number[] = [];
  for (let i = 0; i < dirs.length; i++) {
    const start = at;
    const w = dirElems[i]!.width;
    out.set(dirNames[i]!, at);
    at += dirNames[i]!.length + 1;
    const nameEnd = at - start;
    out.set(dirSums[i]![0], at);
    at += CHECKSUM_BYTE_LENGTH;
    const treeEnd = at - start;
    out.set(dirSums[i]![1], at);
    at += CHECKSUM_BYTE_LENGTH;
    // framing offsets in reverse member order: end of the tree checksum, then end of the name
    putFramingOffset(out, at, treeEnd, w);
    putFramingOffset(out, at + w, nameEnd, w);
    at += 2 * w;
    ends2.push(at - a2Start);
  }
  for (const end of ends2) {
    putFramingOffset(out, at, end, a2.width);
    at += a2.width;
  }
  putFramingOffset(out, at, a1.total, outer.width);
  return out;
}

function csum(b: Uint8Array, name: string): string {
  if (b.length !== CHECKSUM_BYTE_LENGTH) throw corruptObject(KIND, `invalid checksum of length ${b.length} for ${JSON.stringify(name)}`);
  return bytesToHex(b);
}

function name(n: string): string {
  const p = filenameProblem(n);
  if (p !== null) throw corruptObject(KIND, `invalid filename ${JSON.stringify(n)}: ${p}`, undefined, { filename: n });
  return n;
}

/**
 * Parse and validate a dirtree like `ostree_validate_structureof_dirtree()` (normal form
 * required).
 *
 * @throws OstreeError `CORRUPT_OBJECT` naming the bad entry
 */
export function decodeDirtree(bytes: Uint8Array): Dirtree {
  return asCorrupt(KIND, () => {
    const v = decode(DIRTREE_TYPE, bytes) as [Array<[string, Uint8Array]>, Array<[string, Uint8Array, Uint8Array]>];
    const fv = v[0];
    const dv = v[1];
    const files: DirtreeFile[] = new Array(fv.length);
    for (let i = 0; i < fv.length; i++) {
      const e = fv[i]!;
      files[i] = { name: name(e[0]), checksum: csum(e[1], e[0]) };
    }
    const dirs: DirtreeDir[] = new Array(dv.length);
    for (let i = 0; i < dv.length; i++) {
      const e = dv[i]!;
      dirs[i] = { name: name(e[0]), tree: csum(e[1], e[0]), meta: csum(e[2], e[0]) };
    }
    return { files, dirs };
  });
}

/**
 * True when both arrays are strictly increasing in UTF-8 byte order (what readers' binary search
 * needs; upstream validation does not check it).
 */
export function dirtreeIsSorted(t: Dirtree): boolean {
  for (let i = 1; i < t.files.length; i++) if (byName(t.files[i - 1]!, t.files[i]!) >= 0) return false;
  for (let i = 1; i < t.dirs.length; i++) if (byName(t.dirs[i - 1]!, t.dirs[i]!) >= 0) return false;
  return true;
}

/** The serialization of the empty dirtree (the single byte `00`). */
export const EMPTY_DIRTREE: Uint8Array = Uint8Array.of(0);
/** Checksum of the empty dirtree. */
export const EMPTY_DIRTREE_CHECKSUM = '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d';

/**
 * Binary-search `entries` (sorted by UTF-8 bytes) for `name`, like `ot_variant_bsearch_str()`.
 *
 * @returns the index, or -1
 */
export function dirtreeFind(entries: ReadonlyArray<{ name: string }>, name: string): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareUtf8(entries[mid]!.name, name);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
