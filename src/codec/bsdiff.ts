/**
 * bsdiff: binary delta generation (Colin Percival, "Naive differences of executable code", 2003),
 * producing the *raw* stream ostree stores inside static-delta `B` operations.
 *
 * Stream format (mendsley/bsdiff `bsdiff.c` as called by ostree's
 * `ostree-repo-static-delta-compilation.c`, which supplies its own stream callbacks: no
 * `ENDSLEY/BSDIFF43` header, no new-size field, no bzip2): a sequence of records, each
 *
 * ```
 * 8 bytes  x = length of the diff section     (sign-magnitude little-endian, see offtout())
 * 8 bytes  y = length of the extra section
 * 8 bytes  z = seek applied to the old position after the record
 * x bytes  diff:  new[newpos + k] = diff[k] + old[oldpos + k]  (mod 256)
 * y bytes  extra: copied verbatim
 * ```
 *
 * The search/scan heuristics follow the published algorithm (and mendsley's `bsdiff_internal()`):
 * extend approximate matches forwards and backwards so that at least half of the bytes in each diff
 * section agree, and resolve overlaps between the backward extension of the next match and the
 * forward extension of the previous one at the split point with the best score. The implementation is
 * our own; match search uses a linear-time suffix array ({@link suffixArray}) with an LCP-bounded
 * binary search, which finds the same longest matches as upstream's `search()` faster.
 *
 * @module
 */
import { suffixArray } from './suffix-array.js';

/** Options for {@link bsdiff}. */
export interface BsdiffOptions {
  /**
   * A suffix array of `oldData` computed earlier with {@link suffixArray}, to diff several new files
   * against one old file without rebuilding it. Not validated beyond its length.
   */
  suffixArray?: Int32Array;
}

/** Size of one control record (three 8-byte sign-magnitude integers). */
const CTRL_SIZE = 24;

/**
 * Compute a bsdiff patch turning `oldData` into `newData`, as the raw control/diff/extra stream
 * ostree embeds in static-delta parts (see the module documentation). Apply it with
 * {@link bspatch} (or ostree's `B` opcode) given `newData.length`.
 *
 * Time is O(n) for the suffix array plus, for typical inputs, O(m log n) for the scan. Like
 * upstream, the heuristics can degrade towards quadratic time on highly repetitive inputs (the match
 * extension loops span whole repeated regions); callers bound input sizes (ostree's
 * `max-bsdiff-size`). Memory: 4 bytes per old byte for the suffix array (plus 2 while building it), the
 * output, and 20 bytes per control record.
 *
 * Mirrors `bsdiff()` of mendsley/bsdiff as used by `ostree-repo-static-delta-compilation.c`.
 *
 * @param oldData - the source ("from") bytes; at most 2^31 − 1 bytes.
 * @param newData - the target ("to") bytes; at most 2^31 − 1 bytes.
 * @returns the raw patch stream.
 * @throws RangeError if an input exceeds 2^31 − 1 bytes or `options.suffixArray` has the wrong length.
 */
export function bsdiff(oldData: Uint8Array, newData: Uint8Array, options: BsdiffOptions = {}): Uint8Array {
  if (!(oldData instanceof Uint8Array)) throw new TypeError('bsdiff: oldData must be a Uint8Array');
  if (!(newData instanceof Uint8Array)) throw new TypeError('bsdiff: newData must be a Uint8Array');
  const oldSize = oldData.length;
  const newSize = newData.length;
  if (oldSize > 0x7fffffff || newSize > 0x7fffffff) throw new RangeError('bsdiff: inputs must be smaller than 2 GiB');
  let sa = options.suffixArray;
  if (sa === undefined) sa = suffixArray(oldData);
  else if (!(sa instanceof Int32Array) || sa.length !== oldSize) {
    throw new RangeError('bsdiff: options.suffixArray must be the Int32Array suffix array of oldData');
  }
  const old = oldData;
  const neu = newData;
  const SA = sa;

  // Word-at-a-time comparison (long matches dominate the scan on repetitive inputs).
  const oldView = new DataView(old.buffer, old.byteOffset, old.byteLength);
  const newView = new DataView(neu.buffer, neu.byteOffset, neu.byteLength);
  /** Smallest k ≥ from with old[o + k] ≠ new[p + k], or lim. */
  const extend = (o: number, p: number, from: number, lim: number): number => {
    let k = from;
    const lim4 = lim - 4;
    while (k <= lim4 && oldView.getInt32(o + k) === newView.getInt32(p + k)) k += 4;
    while (k < lim && old[o + k] === neu[p + k]) k++;
    return k;
  };
  /** Length of the common prefix of old[o..] and new[p..]. */
  const matchLen = (o: number, p: number): number => extend(o, p, 0, Math.min(oldSize - o, newSize - p));

  // Result of the last search: old position of the longest match.
  let foundPos = 0;
  /**
   * Longest match of new[p..] in old (sets foundPos). Binary search on the suffix array; the common
   * prefix shared by both ends of the interval is skipped when comparing (every suffix between them
   * shares it), so each step costs O(1 + new information).
   */
  const search = (p: number): number => {
    if (oldSize === 0) {
      foundPos = 0;
      return 0;
    }
    let st = 0;
    let en = oldSize - 1;
    let lcpSt = matchLen(SA[st], p);
    let lcpEn = en === st ? lcpSt : matchLen(SA[en], p);
    while (en - st >= 2) {
      const x = (st + en) >>> 1;
      const o = SA[x];
      const lim = Math.min(oldSize - o, newSize - p);
      const k = extend(o, p, lcpSt < lcpEn ? lcpSt : lcpEn, lim);
      if (k < lim && old[o + k] < neu[p + k]) {
        st = x;
        lcpSt = k;
      } else {
        en = x;
        lcpEn = k;
      }
    }
    if (lcpSt > lcpEn) {
      foundPos = SA[st];
      return lcpSt;
    }
    foundPos = SA[en];
    return lcpEn;
  };

  // Control records: [newStart, oldStart, diffLen, extraLen, seek] per record.
  let recs = new Int32Array(5 * 256);
  let nrec = 0;
  const pushRecord = (newStart: number, oldStart: number, diffLen: number, extraLen: number, seek: number): void => {
    if ((nrec + 1) * 5 > recs.length) {
      const grown = new Int32Array(recs.length * 2);
      grown.set(recs);
      recs = grown;
    }
    const b = nrec * 5;
    recs[b] = newStart;
    recs[b + 1] = oldStart;
    recs[b + 2] = diffLen;
    recs[b + 3] = extraLen;
    recs[b + 4] = seek;
    nrec++;
  };

  let scan = 0;
  let len = 0;
  let pos = 0;
  let lastScan = 0;
  let lastPos = 0;
  let lastOffset = 0;
  while (scan < newSize) {
    // Find the next match that is clearly better than continuing with the previous alignment
    // (lastOffset): either an exact continuation, or more than 8 bytes longer than the number of
    // bytes the old alignment gets right over the same span.
    let oldScore = 0;
    scan += len;
    let scsc = scan;
    for (; scan < newSize; scan++) {
      len = search(scan);
      pos = foundPos;
      const end = scan + len;
      for (; scsc < end; scsc++) {
        const o = scsc + lastOffset;
        if (o >= 0 && o < oldSize && old[o] === neu[scsc]) oldScore++;
      }
      if ((len === oldScore && len !== 0) || len > oldScore + 8) break;
      const o = scan + lastOffset;
      if (o >= 0 && o < oldSize && old[o] === neu[scan]) oldScore--;
    }

    if (len !== oldScore || scan === newSize) {
      // Forward extension of the previous match: the prefix maximising 2·matches − length (so at
      // least half its bytes agree). This and the backward loop dominate on repetitive inputs.
      let lenF = 0;
      {
        const limF = Math.min(scan - lastScan, oldSize - lastPos);
        let score = 0;
        let best = 0;
        for (let i = 0; i < limF; i++) {
          score += old[lastPos + i] === neu[lastScan + i] ? 1 : -1;
          if (score > best) {
            best = score;
            lenF = i + 1;
          }
        }
      }

      // Backward extension of the new match, same criterion.
      let lenB = 0;
      if (scan < newSize) {
        const limB = Math.min(scan - lastScan, pos);
        let score = 0;
        let best = 0;
        for (let i = 1; i <= limB; i++) {
          score += old[pos - i] === neu[scan - i] ? 1 : -1;
          if (score > best) {
            best = score;
            lenB = i;
          }
        }
      }

      // If the extensions overlap, split the overlap where the forward side scores best.
      if (lastScan + lenF > scan - lenB) {
        const overlap = lastScan + lenF - (scan - lenB);
        let so = 0;
        let bestO = 0;
        let lenO = 0;
        for (let i = 0; i < overlap; i++) {
          if (neu[lastScan + lenF - overlap + i] === old[lastPos + lenF - overlap + i]) so++;
          if (neu[scan - lenB + i] === old[pos - lenB + i]) so--;
          if (so > bestO) {
            bestO = so;
            lenO = i + 1;
          }
        }
        lenF += lenO - overlap;
        lenB -= lenO;
      }

      pushRecord(lastScan, lastPos, lenF, scan - lenB - (lastScan + lenF), pos - lenB - (lastPos + lenF));
      lastScan = scan - lenB;
      lastPos = pos - lenB;
      lastOffset = pos - scan;
    }
  }

  // Serialise: records total 24·nrec bytes of control plus exactly newSize bytes of diff + extra.
  const out = new Uint8Array(CTRL_SIZE * nrec + newSize);
  let w = 0;
  for (let r = 0; r < nrec; r++) {
    const b = r * 5;
    const newStart = recs[b];
    const oldStart = recs[b + 1];
    const diffLen = recs[b + 2];
    const extraLen = recs[b + 3];
    writeOfft(out, w, diffLen);
    writeOfft(out, w + 8, extraLen);
    writeOfft(out, w + 16, recs[b + 4]);
    w += CTRL_SIZE;
    for (let i = 0; i < diffLen; i++) out[w + i] = neu[newStart + i] - old[oldStart + i];
    w += diffLen;
    out.set(neu.subarray(newStart + diffLen, newStart + diffLen + extraLen), w);
    w += extraLen;
  }
  return out;
}

/**
 * Write `v` (|v| < 2^53) as an 8-byte sign-magnitude little-endian integer (`offtout()` in
 * mendsley/bsdiff `bsdiff.c`): |v| in little-endian, sign in bit 7 of the last byte.
 */
export function writeOfft(buf: Uint8Array, at: number, v: number): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`writeOfft: ${v} is not a safe integer`);
  const y = Math.abs(v);
  const lo = y % 0x1_0000_0000;
  const hi = (y - lo) / 0x1_0000_0000;
  buf[at] = lo & 0xff;
  buf[at + 1] = (lo >>> 8) & 0xff;
  buf[at + 2] = (lo >>> 16) & 0xff;
  buf[at + 3] = (lo >>> 24) & 0xff;
  buf[at + 4] = hi & 0xff;
  buf[at + 5] = (hi >>> 8) & 0xff;
  buf[at + 6] = (hi >>> 16) & 0xff;
  buf[at + 7] = ((hi >>> 24) & 0x7f) | (v < 0 ? 0x80 : 0);
}
