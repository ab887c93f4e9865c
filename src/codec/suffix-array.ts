/**
 * Linear-time suffix array construction (SA-IS: Nong, Zhang & Chan, "Two Efficient Algorithms for
 * Linear Time Suffix Array Construction", 2009). Used by {@link bsdiff} to find long matches in the
 * old file; upstream bsdiff (mendsley/bsdiff `qsufsort()`) uses Larsson–Sadakane instead, but both
 * produce the same (unique) suffix order, so the choice only affects speed.
 *
 * Implementation notes (own code):
 * - The sentinel is virtual: suffix `n` (the empty suffix) is not stored; the last byte is L-type and
 *   the first L-type suffix induced is `n - 1`.
 * - The reduced problem is solved in place: its string lives in the tail of `SA` and its suffix
 *   array in the head (possible because there are at most ⌊n/2⌋ LMS positions). Recursion happens only
 *   on the reduced string, whose length at least halves at each level, so the depth is O(log n).
 * - Each level works on an encoded string holding `char * 2 + type` (see `Encoded`): a 2-byte copy of
 *   the input at the top level, the reduced string rewritten in place below it.
 * - Memory: the 4-byte-per-element result plus 2 bytes per input byte, plus one bucket array per
 *   recursion level sized to that level's alphabet (the number of distinct LMS substrings, < n/2,
 *   so at most 2 more bytes per input byte). Counts are kept only for small alphabets.
 *
 * @module
 */

/**
 * Build the suffix array of `data`: the start offsets of all non-empty suffixes in lexicographic
 * (unsigned byte) order, a shorter suffix sorting before any longer suffix it is a prefix of.
 *
 * Runs in O(n) time. Inputs longer than 2^31 − 1 bytes are rejected with a `RangeError` (offsets are
 * stored in an `Int32Array`).
 *
 * Mirrors the role of `qsufsort()` in mendsley/bsdiff `bsdiff.c` (which additionally stores the empty
 * suffix at index 0).
 *
 * @example
 * ```ts
 * suffixArray(new TextEncoder().encode('banana')) // Int32Array [5, 3, 1, 0, 4, 2]
 * ```
 */
export function suffixArray(data: Uint8Array): Int32Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('suffixArray: data must be a Uint8Array');
  const n = data.length;
  if (n > 0x7fffffff) throw new RangeError('suffixArray: input longer than 2^31-1 bytes');
  const sa = new Int32Array(n);
  if (n === 0) return sa;
  if (n === 1) {
    sa[0] = 0;
    return sa;
  }
  const st = new Uint16Array(n);
  let nextChar = data[n - 1];
  let nextS = 0;
  st[n - 1] = nextChar << 1;
  for (let i = n - 2; i >= 0; i--) {
    const c = data[i];
    const isS = c < nextChar || (c === nextChar && nextS === 1) ? 1 : 0;
    st[i] = (c << 1) | isS;
    nextChar = c;
    nextS = isS;
  }
  sais(st, sa, n, 256);
  return sa;
}

/**
 * Encoded string handled by the internal SA-IS routine: element `i` is `c * 2 + type`, where `c` is
 * the character (a byte at the top level, an LMS-substring name below) and `type` is 1 for S-type and
 * 0 for L-type suffixes. Keeping both in one element means one random memory access per induced
 * suffix instead of two.
 */
type Encoded = Uint16Array | Int32Array;

/**
 * Character counts of `st`, or `null` for large alphabets (reduced strings), whose bucket bounds are
 * then recounted from the string on each use: a sequential pass is cheap next to the random accesses
 * of induction, and it keeps the memory of a recursion level to one k-entry array.
 */
type Counts = Int32Array | null;

const KEEP_COUNTS_MAX_K = 1 << 16;

function countChars(st: Encoded, n: number, k: number): Counts {
  if (k > KEEP_COUNTS_MAX_K) return null;
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[st[i] >> 1]++;
  return counts;
}

/** Fill `bkt` with the character counts of `st[0..n)`. */
function loadCounts(st: Encoded, n: number, counts: Counts, bkt: Int32Array, k: number): void {
  if (counts !== null) {
    bkt.set(counts);
    return;
  }
  bkt.fill(0, 0, k);
  for (let i = 0; i < n; i++) bkt[st[i] >> 1]++;
}

/** Compute bucket ends (exclusive). */
function bucketEnds(st: Encoded, n: number, counts: Counts, bkt: Int32Array, k: number): void {
  loadCounts(st, n, counts, bkt, k);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    sum += bkt[c];
    bkt[c] = sum;
  }
}

/** Compute bucket starts. */
function bucketStarts(st: Encoded, n: number, counts: Counts, bkt: Int32Array, k: number): void {
  loadCounts(st, n, counts, bkt, k);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const f = bkt[c];
    bkt[c] = sum;
    sum += f;
  }
}

/** Induce the order of L-type suffixes from the (sorted or bucketed) LMS suffixes in `sa`. */
function induceL(st: Encoded, sa: Int32Array, n: number, counts: Counts, bkt: Int32Array, k: number): void {
  bucketStarts(st, n, counts, bkt, k);
  // The virtual sentinel is the smallest suffix; it induces suffix n-1 (always L-type) first.
  sa[bkt[st[n - 1] >> 1]++] = n - 1;
  for (let i = 0; i < n; i++) {
    const p = sa[i];
    if (p > 0) {
      const v = st[p - 1];
      if ((v & 1) === 0) sa[bkt[v >> 1]++] = p - 1;
    }
  }
}

/** Induce the order of S-type suffixes from the L-type suffixes in `sa`. */
function induceS(st: Encoded, sa: Int32Array, n: number, counts: Counts, bkt: Int32Array, k: number): void {
  bucketEnds(st, n, counts, bkt, k);
  for (let i = n - 1; i >= 0; i--) {
    const p = sa[i];
    if (p > 0) {
      const v = st[p - 1];
      if ((v & 1) === 1) sa[--bkt[v >> 1]] = p - 1;
    }
  }
}

/**
 * Stage-1 variant of {@link induceS}: an induced suffix that is LMS (its predecessor is L-type — an
 * adjacent, usually cached, read) is stored as `~p` (≤ −2) so the compaction pass finds the sorted
 * LMS substrings without random reads. Skipping such entries loses nothing: an LMS suffix's
 * predecessor is L-type and induces nothing here.
 */
function induceSMarkLms(st: Encoded, sa: Int32Array, n: number, counts: Counts, bkt: Int32Array, k: number): void {
  bucketEnds(st, n, counts, bkt, k);
  for (let i = n - 1; i >= 0; i--) {
    const p = sa[i];
    if (p > 0) {
      const j = p - 1;
      const v = st[j];
      if ((v & 1) === 1) sa[--bkt[v >> 1]] = j > 0 && (st[j - 1] & 1) === 0 ? ~j : j;
    }
  }
}

/** True when position `p` (0 < p < n) starts an LMS suffix. */
function isLms(st: Encoded, p: number): boolean {
  return (st[p] & 1) === 1 && (st[p - 1] & 1) === 0;
}

/**
 * SA-IS on the encoded string `st[0..n)` (n ≥ 2) with characters in `[0, k)`, writing the suffix array
 * into `sa[0..n)`. The reduced string of the recursive call lives in the tail of `sa`.
 */
function sais(st: Encoded, sa: Int32Array, n: number, k: number): void {
  const counts = countChars(st, n, k);
  const bkt = new Int32Array(k);

  // 1. Sort the LMS substrings: place LMS positions at their bucket ends, then induce.
  bucketEnds(st, n, counts, bkt, k);
  sa.fill(-1, 0, n);
  for (let i = 1; i < n; i++) {
    if (isLms(st, i)) sa[--bkt[st[i] >> 1]] = i;
  }
  induceL(st, sa, n, counts, bkt, k);
  induceSMarkLms(st, sa, n, counts, bkt, k);

  // 2. Compact the sorted LMS positions (marked as ~p) into sa[0..n1).
  let n1 = 0;
  for (let i = 0; i < n; i++) {
    const p = sa[i];
    if (p < -1) sa[n1++] = ~p;
  }

  // 3. Name the LMS substrings; names go to sa[n1 + ⌊p/2⌋] (LMS positions are ≥ 2 apart, and
  //    n1 ≤ (n-1)/2, so this never reaches n). Equal type sequences and characters up to the next
  //    LMS position mean equal substrings; reaching the end (the unique sentinel) means different.
  sa.fill(-1, n1, n);
  let name = 0;
  let prev = -1;
  for (let i = 0; i < n1; i++) {
    const p = sa[i];
    let diff = prev < 0;
    if (!diff) {
      for (let d = 0; ; d++) {
        const a = p + d;
        const b = prev + d;
        if (a === n || b === n || st[a] !== st[b]) {
          diff = true;
          break;
        }
        if (d > 0 && isLms(st, a)) break; // then b is LMS too (same types at d-1 and d)
      }
    }
    if (diff) {
      name++;
      prev = p;
    }
    sa[n1 + (p >> 1)] = name - 1;
  }
  // Move the names (in text order) to the tail: s1 = sa[n - n1 .. n).
  for (let i = n - 1, j = n - 1; i >= n1; i--) {
    const v = sa[i];
    if (v >= 0) sa[j--] = v;
  }

  // 4. Sort the reduced string: directly when the names are unique, recursively otherwise.
  const s1 = sa.subarray(n - n1, n);
  const sa1 = sa.subarray(0, n1);
  if (name < n1) {
    encodeTypes(s1, n1);
    sais(s1, sa1, n1, name);
  } else {
    for (let i = 0; i < n1; i++) sa1[s1[i]] = i;
  }

  // 5. Map reduced ranks back to LMS positions (reusing s1's space for the position list).
  for (let i = 1, j = 0; i < n; i++) {
    if (isLms(st, i)) s1[j++] = i;
  }
  for (let i = 0; i < n1; i++) sa1[i] = s1[sa1[i]];
  sa.fill(-1, n1, n);

  // 6. Place the sorted LMS suffixes at their bucket ends (right to left), then induce the rest.
  bucketEnds(st, n, counts, bkt, k);
  for (let i = n1 - 1; i >= 0; i--) {
    const p = sa[i];
    sa[i] = -1;
    sa[--bkt[st[p] >> 1]] = p;
  }
  induceL(st, sa, n, counts, bkt, k);
  induceS(st, sa, n, counts, bkt, k);
}

/** Rewrite `s[i]` (a character) as `s[i] * 2 + type` in place (see {@link Encoded}). */
function encodeTypes(s: Int32Array, n: number): void {
  // Last suffix is L-type (the virtual sentinel is smaller).
  let nextChar = s[n - 1];
  let nextS = 0;
  s[n - 1] = nextChar * 2;
  for (let i = n - 2; i >= 0; i--) {
    const c = s[i];
    const isS = c < nextChar || (c === nextChar && nextS === 1) ? 1 : 0;
    s[i] = c * 2 + isS;
    nextChar = c;
    nextS = isS;
  }
}
