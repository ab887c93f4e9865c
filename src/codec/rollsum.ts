/**
 * Rolling-checksum chunking (bup's `bupsplit`) and ostree's rollsum matching, used by the static-delta
 * compiler to decide whether a modified file is shipped as a "rollsum" object (copying unchanged
 * chunks from the old file) or handed to bsdiff.
 *
 * Facts from ostree `src/libostree/bupsplit.c` (checksum), `src/libostree/ostree-rollsum.c`
 * (chunking, keys, matching) and `ostree-repo-static-delta-compilation.c` (`try_content_rollsum()`,
 * the 50 % rule). Own code.
 *
 * **Replicated upstream bug:** each chunk's hash key is the zlib CRC-32 of the *file prefix* of the
 * chunk's length (`crc32(0, buf, offset)` with `buf` never advanced), not of the chunk itself. Chunks
 * therefore only match when both files also share their first `length` bytes. We reproduce it so that
 * the rollsum/bsdiff decision is the same as ostree's.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';

/** Rolling window size (`BUP_WINDOWSIZE` = 1 << (7 − 1), `bupsplit.h`). */
export const BUP_WINDOW_SIZE = 64;
/** Added to every byte (`ROLLSUM_CHAR_OFFSET`, `bupsplit.c`). */
export const ROLLSUM_CHAR_OFFSET = 31;
/** Boundary when the low `BUP_BLOB_BITS` bits of s2 are all ones (`BUP_BLOBBITS`, `bupsplit.h`). */
export const BUP_BLOB_BITS = 13;
/** Maximum chunk length (`ROLLSUM_BLOB_MAX` = 8192 · 4, `ostree-rollsum.c`). */
export const ROLLSUM_BLOB_MAX = 32768;
/** Minimum percentage of matching target chunks for ostree to use rollsum (`try_content_rollsum()`). */
export const ROLLSUM_MIN_MATCH_PERCENT = 50;

const BLOB_MASK = (1 << BUP_BLOB_BITS) - 1;
const S1_INIT = BUP_WINDOW_SIZE * ROLLSUM_CHAR_OFFSET;
const S2_INIT = BUP_WINDOW_SIZE * (BUP_WINDOW_SIZE - 1) * ROLLSUM_CHAR_OFFSET;

/**
 * bup's split point search (`bupsplit_find_ofs()`): roll a fresh checksum over `buf[start, start+len)`
 * and return the length up to and including the first byte after which `(s2 & 8191) === 8191`, or 0
 * when there is none.
 */
export function bupsplitFindOffset(buf: Uint8Array, start: number, len: number): number {
  let s1 = S1_INIT;
  let s2 = S2_INIT;
  for (let count = 0; count < len; count++) {
    const add = buf[start + count];
    const drop = count >= BUP_WINDOW_SIZE ? buf[start + count - BUP_WINDOW_SIZE] : 0;
    s1 = (s1 + add - drop) | 0;
    s2 = (s2 + s1 - BUP_WINDOW_SIZE * (drop + ROLLSUM_CHAR_OFFSET)) | 0;
    if ((s2 & BLOB_MASK) === BLOB_MASK) return count + 1;
  }
  return 0;
}

/**
 * Absolute positions `q ≥ 63` where a checksum whose window lies entirely inside the data signals a
 * boundary after byte `q`. The bup state is a pure function of the last 64 bytes (its initial value
 * is the state of an all-zero window), so these positions are the same for every scan start
 * `≤ q − 63`; only the first 63 bytes after a start need a scan of their own. This makes chunking
 * O(n) where a literal port is quadratic in the worst case (boundaries further apart than 32 KiB).
 */
function fullWindowBoundaries(buf: Uint8Array): Int32Array {
  let hits = new Int32Array(64);
  let nhits = 0;
  let s1 = S1_INIT;
  let s2 = S2_INIT;
  const n = buf.length;
  // the first window: nothing drops out yet, and only its last byte can signal
  const head = n < BUP_WINDOW_SIZE ? n : BUP_WINDOW_SIZE;
  for (let q = 0; q < head; q++) {
    s1 = (s1 + buf[q]) | 0;
    s2 = (s2 + s1 - BUP_WINDOW_SIZE * ROLLSUM_CHAR_OFFSET) | 0;
  }
  if (head === BUP_WINDOW_SIZE && (s2 & BLOB_MASK) === BLOB_MASK) hits[nhits++] = BUP_WINDOW_SIZE - 1;
  for (let q = BUP_WINDOW_SIZE; q < n; q++) {
    const drop = buf[q - BUP_WINDOW_SIZE];
    s1 = (s1 + buf[q] - drop) | 0;
    s2 = (s2 + s1 - ((drop + ROLLSUM_CHAR_OFFSET) << 6)) | 0; // BUP_WINDOW_SIZE = 64
    if ((s2 & BLOB_MASK) === BLOB_MASK) {
      if (nhits === hits.length) {
        const grown = new Int32Array(hits.length * 2);
        grown.set(hits);
        hits = grown;
      }
      hits[nhits++] = q;
    }
  }
  return hits.subarray(0, nhits);
}

/**
 * zlib CRC-32 of `buf[0, len)` for each distinct `len` of `lengths` (all ≤ `buf.length`): the keys
 * the buggy chunker produces. The prefixes are extended in increasing order with `zlib.crc32`'s
 * running value, so the file's first 32 KiB at most are read once, natively.
 */
function prefixCrcs(buf: Uint8Array, lengths: readonly number[]): Map<number, number> {
  const sorted = [...new Set(lengths)].sort((a, b) => a - b);
  const out = new Map<number, number>();
  let crc = 0;
  let at = 0;
  for (const len of sorted) {
    crc = crc32(buf.subarray(at, len), crc);
    at = len;
    out.set(len, crc);
  }
  return out;
}

/** One chunk of a file as produced by ostree's `rollsum_chunks_crc32()`. */
export interface RollsumChunk {
  /** Offset of the chunk in its file. */
  readonly offset: number;
  /** Chunk length (1 … {@link ROLLSUM_BLOB_MAX}). */
  readonly length: number;
  /** Hash key: CRC-32 of the file's first `length` bytes (the upstream bug, see the module doc). */
  readonly key: number;
}

/**
 * Split `data` into chunks exactly as ostree's `rollsum_chunks_crc32()` (`ostree-rollsum.c`): from
 * each chunk start, a fresh bup checksum looks for the next boundary; a boundary further than 32768
 * bytes away yields a 32768-byte chunk (and the search restarts after it); once a search finds no
 * boundary in the whole remainder, the rest is cut into fixed 32768-byte chunks.
 */
export function rollsumChunks(data: Uint8Array): RollsumChunk[] {
  if (!(data instanceof Uint8Array)) throw new TypeError('rollsumChunks: data must be a Uint8Array');
  const n = data.length;
  const chunks: RollsumChunk[] = [];
  if (n === 0) return chunks;
  const hits = fullWindowBoundaries(data);
  const offsets: number[] = [];
  const lengths: number[] = [];
  let h = 0; // index of the first full-window hit not yet ruled out
  let start = 0;
  let noMoreBoundaries = false;
  while (start < n) {
    const remaining = n - start;
    let len: number;
    if (noMoreBoundaries) {
      len = Math.min(ROLLSUM_BLOB_MAX, remaining);
    } else {
      // Same result as bupsplitFindOffset(data, start, remaining): scan the first 63 bytes (window
      // still padded with the initial zeros), then take the next full-window boundary.
      len = bupsplitFindOffset(data, start, Math.min(BUP_WINDOW_SIZE - 1, remaining));
      if (len === 0) {
        const first = start + BUP_WINDOW_SIZE - 1;
        while (h < hits.length && hits[h] < first) h++;
        len = h < hits.length ? hits[h] - start + 1 : 0;
      }
      if (len === 0) {
        noMoreBoundaries = true;
        len = Math.min(ROLLSUM_BLOB_MAX, remaining);
      } else if (len > ROLLSUM_BLOB_MAX) {
        len = ROLLSUM_BLOB_MAX;
      }
    }
    offsets.push(start);
    lengths.push(len);
    start += len;
  }
  const crcs = prefixCrcs(data, lengths);
  for (let i = 0; i < offsets.length; i++) chunks.push({ offset: offsets[i]!, length: lengths[i]!, key: crcs.get(lengths[i]!)! });
  return chunks;
}

/** A target chunk found unchanged in the source file. */
export interface RollsumMatch {
  /** Offset of the chunk in the target ("to") file. */
  readonly toOffset: number;
  /** Offset of the identical bytes in the source ("from") file. */
  readonly fromOffset: number;
  /** Chunk length. */
  readonly length: number;
}

/** Result of {@link compareRollsums} (ostree's `OstreeRollsumMatches`). */
export interface RollsumMatches {
  /** Matches sorted by target offset (at most one per target chunk). */
  readonly matches: readonly RollsumMatch[];
  /** Number of target chunks (`total`). */
  readonly totalToChunks: number;
  /** Number of target chunks with a match (`bufmatches`). */
  readonly matchedChunks: number;
  /** Sum of matched chunk lengths (`match_size`). */
  readonly matchedBytes: number;
  /** Number of distinct target keys also present among the source keys (`crcmatches`). */
  readonly keyMatches: number;
}

function rangesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  if (len >= 64) {
    // memcmp for chunks (typically KiBs long)
    return Buffer.compare(a.subarray(aOff, aOff + len), b.subarray(bOff, bOff + len)) === 0;
  }
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/**
 * Match the chunks of `to` against those of `from` as ostree's `_ostree_compute_rollsum_matches()`:
 * a target chunk matches the first source chunk (in source order) with the same key, the same length
 * and identical bytes. Includes the prefix-CRC key bug (see the module documentation), so e.g.
 * changing byte 0 of a file leaves no matches at all.
 */
export function compareRollsums(from: Uint8Array, to: Uint8Array): RollsumMatches {
  if (!(from instanceof Uint8Array) || !(to instanceof Uint8Array)) {
    throw new TypeError('compareRollsums: from and to must be Uint8Arrays');
  }
  const buckets = new Map<number, RollsumChunk[]>();
  for (const c of rollsumChunks(from)) {
    const list = buckets.get(c.key);
    if (list) list.push(c);
    else buckets.set(c.key, [c]);
  }
  const toChunks = rollsumChunks(to);
  const matches: RollsumMatch[] = [];
  const keysSeen = new Set<number>();
  let matchedBytes = 0;
  for (const t of toChunks) {
    const candidates = buckets.get(t.key);
    if (!candidates) continue;
    keysSeen.add(t.key);
    for (const f of candidates) {
      if (f.length === t.length && rangesEqual(from, f.offset, to, t.offset, t.length)) {
        matches.push({ toOffset: t.offset, fromOffset: f.offset, length: t.length });
        matchedBytes += t.length;
        break;
      }
    }
  }
  // toChunks are in offset order, so matches already are sorted by target offset.
  return {
    matches,
    totalToChunks: toChunks.length,
    matchedChunks: matches.length,
    matchedBytes,
    keyMatches: keysSeen.size,
  };
}

/**
 * ostree's rollsum decision (`try_content_rollsum()`, `ostree-repo-static-delta-compilation.c`):
 * use rollsum when `matchedChunks * 100 / totalToChunks` (integer division) is at least 50. An empty
 * target (which ostree never gets here: zero-size files are not paired) yields `false`.
 */
export function rollsumWorthwhile(m: Pick<RollsumMatches, 'matchedChunks' | 'totalToChunks'>): boolean {
  if (m.totalToChunks === 0) return false;
  return Math.floor((m.matchedChunks * 100) / m.totalToChunks) >= ROLLSUM_MIN_MATCH_PERCENT;
}

/**
 * Length of the run of equal bytes `a[ai…]` = `b[bi…]`, at most `max`: whole 4 KiB blocks by memcmp
 * (`Buffer.compare`), the rest byte by byte.
 */
function equalRun(a: Uint8Array, ai: number, b: Uint8Array, bi: number, max: number): number {
  let n = 0;
  while (max - n >= 4096 && Buffer.compare(a.subarray(ai + n, ai + n + 4096), b.subarray(bi + n, bi + n + 4096)) === 0) n += 4096;
  while (n < max && a[ai + n] === b[bi + n]) n++;
  return n;
}

/** Length of the run of equal bytes ending before `a[ae]` and `b[be]`, at most `max`. */
function equalRunBack(a: Uint8Array, ae: number, b: Uint8Array, be: number, max: number): number {
  let n = 0;
  while (max - n >= 4096 && Buffer.compare(a.subarray(ae - n - 4096, ae - n), b.subarray(be - n - 4096, be - n)) === 0) n += 4096;
  while (n < max && a[ae - n - 1] === b[be - n - 1]) n++;
  return n;
}

/**
 * Shortest run of bytes equal in both files that {@link rollsumSpans} copies from the source inside
 * an unmatched stretch. A copy island costs two read-source switches and a second write op (≈ 10–20
 * bytes of op stream); 64 bytes of new data cost more than that even when they compress well.
 */
export const ROLLSUM_MIN_COPY = 64;

/** A stretch of a rollsum-encoded target: copied from the source file, or shipped as new bytes. */
export interface RollsumSpan {
  /** Offset in the target ("to") file. */
  readonly toOffset: number;
  /** Length in bytes (> 0). */
  readonly length: number;
  /** Offset of the identical bytes in the source ("from") file, or −1 for bytes shipped in the payload. */
  readonly fromOffset: number;
}

/**
 * With `maxNew`, {@link rollsumSpans} gives up during an unmatched stretch once it would exceed
 * `maxNew` by this much even if the stretch's start were reclaimed by a copy found later (a copy
 * grows backwards over equal bytes). An equal run that long would have been found by the index
 * lookups at about every position of the stretch, so this only saves scanning the rest of a file
 * that is not an edit.
 */
const GIVE_UP_SLACK = 4096;

/** Window of the source index {@link rollsumSpans} resynchronises with (bytes hashed per lookup). */
const INDEX_WINDOW = 32;
/** Source positions indexed: every this many bytes, so any equal run of ≥ 47 bytes is found. */
const INDEX_STEP = 16;
const HASH_BASE = 0x01000193;
/** `HASH_BASE ** (INDEX_WINDOW − 1)` mod 2³², to drop the oldest byte of a rolling hash. */
const HASH_DROP = (() => {
  let p = 1;
  for (let k = 1; k < INDEX_WINDOW; k++) p = Math.imul(p, HASH_BASE);
  return p;
})();

function windowHash(b: Uint8Array, at: number): number {
  let h = 0;
  for (let k = 0; k < INDEX_WINDOW; k++) h = (Math.imul(h, HASH_BASE) + b[at + k]!) | 0;
  return h;
}

/** A hash index of every {@link INDEX_STEP}-th window of the source (the last one wins a slot). */
interface SourceIndex {
  slots: Int32Array;
  shift: number;
}

/**
 * Indexes already built, per source array (the edit check and then the rollsum refinement both need
 * it). A source changed since only loses hits: every copy is verified against its bytes.
 */
const indexes = new WeakMap<Uint8Array, SourceIndex>();

function sourceIndex(from: Uint8Array): SourceIndex {
  let index = indexes.get(from);
  if (index === undefined) {
    index = buildIndex(from);
    indexes.set(from, index);
  }
  return index;
}

function buildIndex(from: Uint8Array): SourceIndex {
  const windows = Math.floor((from.length - INDEX_WINDOW) / INDEX_STEP) + 1;
  let bits = 10;
  while (bits < 22 && 1 << bits < windows * 2) bits++;
  const slots = new Int32Array(1 << bits).fill(-1);
  const shift = 32 - bits;
  for (let p = 0; p + INDEX_WINDOW <= from.length; p += INDEX_STEP) slots[Math.imul(windowHash(from, p), 0x9e3779b1) >>> shift] = p;
  return { slots, shift };
}

/**
 * How the delta compiler writes a rollsum object: the matched chunks of {@link compareRollsums}, plus
 * whatever the stretches between them still share with the source. ostree ships every unmatched chunk
 * whole, so one changed byte costs a whole chunk (≈ 8 KiB, up to 32 KiB) of new data. Here each
 * unmatched stretch is compared with the source:
 *
 * - the neighbouring copies grow over equal bytes for free;
 * - inside the stretch, every run of at least `minCopy` equal bytes at the alignment of the last copy
 *   (the previous match at first) or of the next match (the file's end for the last stretch) is
 *   copied — so a substitution costs only its own bytes;
 * - after `minCopy` new bytes without such a run, windows of the stretch are looked up in a hash
 *   index of the source (every 16th 32-byte window, built on first need), and a verified hit is
 *   extended both ways into a copy at its own alignment — so an insertion or deletion costs only the
 *   bytes it adds.
 *
 * Linear in the file sizes; every copy is checked byte by byte, so any `matches` give a correct
 * result. The spans cover `to` from 0 to its end in order; adjacent copies that are adjacent in the
 * source too are merged, as are adjacent new-byte spans. With `maxNew`, returns `null` when more than
 * that many new bytes are needed, giving up early in a long unmatched stretch.
 */
export function rollsumSpans(
  from: Uint8Array,
  to: Uint8Array,
  matches: readonly RollsumMatch[],
  minCopy?: number,
): RollsumSpan[];
export function rollsumSpans(
  from: Uint8Array,
  to: Uint8Array,
  matches: readonly RollsumMatch[],
  minCopy: number,
  maxNew: number,
): RollsumSpan[] | null;
export function rollsumSpans(
  from: Uint8Array,
  to: Uint8Array,
  matches: readonly RollsumMatch[],
  minCopy: number = ROLLSUM_MIN_COPY,
  maxNew = Infinity,
): RollsumSpan[] | null {
  if (!(minCopy >= 1)) throw new RangeError('rollsumSpans: minCopy must be at least 1');
  const fromLen = from.length;
  const spans: Array<{ toOffset: number; length: number; fromOffset: number }> = [];
  let newBytes = 0;
  const push = (toOffset: number, length: number, fromOffset: number): void => {
    if (length <= 0) return;
    if (fromOffset < 0) newBytes += length;
    const last = spans[spans.length - 1];
    if (last !== undefined && (fromOffset < 0 ? last.fromOffset < 0 : last.fromOffset >= 0 && last.fromOffset + last.length === fromOffset)) {
      last.length += length;
    } else {
      spans.push({ toOffset, length, fromOffset });
    }
  };
  let index: SourceIndex | null = null;
  let pos = 0; // first target byte not yet covered
  let oldEnd = 0; // source offset aligned with `pos`: the end of the previous copy (the file start at first)
  for (let k = 0; k <= matches.length; k++) {
    const m = matches[k];
    let gs = pos;
    let ge = m === undefined ? to.length : m.toOffset;
    let nextFrom = m === undefined ? fromLen : m.fromOffset; // source offset aligned with `ge`
    if (ge < gs || nextFrom < 0 || (m !== undefined && (m.length <= 0 || m.toOffset + m.length > to.length || m.fromOffset + m.length > fromLen))) {
      throw new RangeError('rollsumSpans: matches must be sorted, disjoint and inside both files');
    }
    if (k > 0) {
      // the previous copy grows over equal bytes: no new op
      const n = equalRun(from, oldEnd, to, gs, Math.min(ge - gs, fromLen - oldEnd));
      spans[spans.length - 1]!.length += n;
      gs += n;
      oldEnd += n;
    }
    if (m !== undefined) {
      // and the next one grows backwards
      const n = equalRunBack(from, nextFrom, to, ge, Math.min(ge - gs, nextFrom));
      ge -= n;
      nextFrom -= n;
    }
    let aF = oldEnd - gs; // alignment (source − target offset) of the last copy
    const aB = nextFrom - ge; // and of the next
    let lit = gs;
    let runF = 0;
    let runB = 0;
    let h = 0;
    let hashed = -1; // target offset of the window `h` is the hash of
    // a copy found at this step: target range [copyStart, copyEnd) at source offset + copyAlign
    let copyStart = 0;
    let copyEnd = -1;
    let copyAlign = 0;
    const half = minCopy >>> 1;
    let i = gs;
    while (i < ge) {
      if (i - lit >= minCopy && runF < half && runB < half && i + INDEX_WINDOW <= ge && fromLen >= INDEX_WINDOW) {
        // no run at either alignment for a while, and none under way (a substitution's run resumes
        // minCopy bytes after it; the index is not even built for that): look the window at `i` up
        index ??= sourceIndex(from);
        h = hashed === i - 1 ? (Math.imul((h - Math.imul(to[i - 1]!, HASH_DROP)) | 0, HASH_BASE) + to[i + INDEX_WINDOW - 1]!) | 0 : windowHash(to, i);
        hashed = i;
        const q = index.slots[Math.imul(h, 0x9e3779b1) >>> index.shift]!;
        if (q >= 0 && equalRun(from, q, to, i, INDEX_WINDOW) === INDEX_WINDOW) {
          // a hit: grown both ways over equal bytes, it is a copy when long enough
          copyAlign = q - i;
          copyStart = i - equalRunBack(from, q, to, i, Math.min(i - lit, q));
          copyEnd = i + INDEX_WINDOW + equalRun(from, q + INDEX_WINDOW, to, i + INDEX_WINDOW, Math.min(ge - i - INDEX_WINDOW, fromLen - q - INDEX_WINDOW));
          if (copyEnd - copyStart < minCopy) copyEnd = -1;
        }
      }
      if (copyEnd < 0) {
        const b = to[i];
        const jf = i + aF;
        const jb = i + aB;
        runF = jf >= 0 && jf < fromLen && from[jf] === b ? runF + 1 : 0;
        runB = jb >= 0 && jb < fromLen && from[jb] === b ? runB + 1 : 0;
        i++;
        if (runF >= minCopy || runB >= minCopy) {
          copyAlign = runF >= minCopy ? aF : aB;
          copyStart = i - minCopy;
          copyEnd = i + equalRun(to, i, from, i + copyAlign, Math.min(ge - i, fromLen - i - copyAlign));
        } else if (newBytes + (i - lit) > maxNew + GIVE_UP_SLACK) {
          return null; // the unmatched stretch is too long to be mostly reclaimed by a later copy
        }
      }
      if (copyEnd >= 0) {
        push(lit, copyStart - lit, -1);
        push(copyStart, copyEnd - copyStart, copyStart + copyAlign);
        if (newBytes > maxNew) return null;
        i = lit = copyEnd;
        aF = copyAlign;
        runF = runB = 0;
        copyEnd = -1;
      }
    }
    push(lit, ge - lit, -1);
    if (newBytes > maxNew) return null;
    if (m === undefined) break;
    const end = m.toOffset + m.length;
    push(ge, end - ge, nextFrom);
    pos = end;
    oldEnd = m.fromOffset + m.length;
  }
  return spans;
}

/** Bytes of `spans` shipped as new data (not copied from the source). */
export function rollsumNewBytes(spans: readonly RollsumSpan[]): number {
  let n = 0;
  for (const s of spans) if (s.fromOffset < 0) n += s.length;
  return n;
}
