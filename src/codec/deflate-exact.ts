/**
 * A raw DEFLATE encoder whose output is byte-identical to zlib 1.2.13's `deflate()` with
 * windowBits −15, memLevel 8, the default strategy, the whole input given at once and `Z_FINISH`,
 * for levels 4–9 (zlib's lazy-matching `deflate_slow`). ostree's `--generate-sizes` records each
 * archived object's compressed size in the commit, so only an exact encoder reproduces its checksums.
 *
 * The algorithm and constants follow zlib (deflate.c, trees.c; zlib licence); the code is our own,
 * laid out for V8: the match loop runs on locals and typed arrays, and the hash chains hold absolute
 * input positions, so zlib's `slide_hash` pass (rewriting 64 Ki entries every 32 KiB) is replaced by
 * a subtraction when a chain entry is read — giving the same candidates, since zlib's slid entries
 * that fall below the window become NIL exactly when ours fall at or below the window base.
 *
 * @module
 */

/** A zlib-exact raw DEFLATE encoder: see {@link deflateRawExact}. */
export type DeflateRawExact = (data: Uint8Array, level: number) => Uint8Array;

/**
 * Make an independent encoder with its own tables and buffers. The function is self-contained (it
 * refers to nothing outside its body), so its source text (`createDeflateRawExact.toString()`) can
 * be embedded in an inline worker source.
 */
export function createDeflateRawExact(): DeflateRawExact {
  // ---- constants (zlib deflate.h / trees.c) ----
  const WSIZE = 1 << 15; // windowBits 15
  const WMASK = WSIZE - 1;
  const WINDOW_SIZE = 2 * WSIZE;
  const HASH_SIZE = 1 << 15; // hash_bits = memLevel + 7
  const HASH_MASK = HASH_SIZE - 1; // hash_shift = 5, so the hash of 3 bytes is (b0<<10 ^ b1<<5 ^ b2) & mask
  const MIN_MATCH = 3;
  /** match_length when there is no match (a constant: no arithmetic in runBlock, see deflateRawExact) */
  const NO_MATCH = MIN_MATCH - 1;
  const MAX_MATCH = 258;
  const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
  const MAX_DIST = WSIZE - MIN_LOOKAHEAD;
  /** fill_window slides the window when strstart reaches this (a constant: no addition in runBlock) */
  const SLIDE_AT = WSIZE + MAX_DIST;
  const TOO_FAR = 4096; // deflate.c
  const LIT_BUFSIZE = 1 << (8 + 6); // 1 << (memLevel + 6)
  const SYM_END = LIT_BUFSIZE - 1; // a block is flushed when this many symbols are buffered (deflate.h _tr_tally)
  const LITERALS = 256;
  const END_BLOCK = 256;
  const L_CODES = LITERALS + 1 + 29;
  const D_CODES = 30;
  const BL_CODES = 19;
  const HEAP_SIZE = 2 * L_CODES + 1;
  const MAX_BITS = 15;
  const MAX_BL_BITS = 7;
  const REP_3_6 = 16;
  const REPZ_3_10 = 17;
  const REPZ_11_138 = 18;

  const EXTRA_LBITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
  const EXTRA_DBITS = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
  const EXTRA_BLBITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7);
  const BL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

  /** Level parameters (deflate.c configuration_table): good_length, max_lazy, nice_length, max_chain. */
  const CONFIG: readonly (readonly [number, number, number, number])[] = [
    [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0],
    [4, 4, 16, 16], [8, 16, 32, 32], [8, 16, 128, 128], [8, 32, 128, 256], [32, 128, 258, 1024], [32, 258, 258, 4096],
  ];

  // ---- derived tables (trees.c tr_static_init) ----
  const LENGTH_CODE = new Uint8Array(256); // match length − 3 → length code 0..28
  const BASE_LENGTH = new Int32Array(29);
  const DIST_CODE = new Uint8Array(512); // distance − 1 → code: [0..255] direct, [256..511] for (d >> 7)
  const BASE_DIST = new Int32Array(D_CODES);
  const STATIC_LLEN = new Int32Array(L_CODES + 2);
  const STATIC_LCODE = new Int32Array(L_CODES + 2);
  const STATIC_DLEN = new Int32Array(D_CODES);
  const STATIC_DCODE = new Int32Array(D_CODES);

  function reverseBits(code: number, len: number): number {
    let r = 0;
    for (let i = 0; i < len; i++) {
      r = (r << 1) | (code & 1);
      code >>>= 1;
    }
    return r;
  }

  /** Canonical code assignment from bit lengths (trees.c gen_codes). */
  function genCodes(lens: Int32Array, codes: Int32Array, maxCode: number, count: Int32Array): void {
    const next = new Int32Array(MAX_BITS + 1);
    let code = 0;
    for (let bits = 1; bits <= MAX_BITS; bits++) {
      code = (code + count[bits - 1]!) << 1;
      next[bits] = code;
    }
    for (let n = 0; n <= maxCode; n++) {
      const len = lens[n]!;
      if (len !== 0) codes[n] = reverseBits(next[len]!++, len);
    }
  }

  {
    let length = 0;
    let code = 0;
    for (; code < 28; code++) {
      BASE_LENGTH[code] = length;
      for (let n = 0; n < 1 << EXTRA_LBITS[code]!; n++) LENGTH_CODE[length++] = code;
    }
    LENGTH_CODE[length - 1] = code; // length 258 uses code 285, not 284 + 31 (trees.c)
    BASE_LENGTH[28] = 0; // unused for code 28 (no extra bits)
    let dist = 0;
    for (code = 0; code < 16; code++) {
      BASE_DIST[code] = dist;
      for (let n = 0; n < 1 << EXTRA_DBITS[code]!; n++) DIST_CODE[dist++] = code;
    }
    dist >>= 7;
    for (; code < D_CODES; code++) {
      BASE_DIST[code] = dist << 7;
      for (let n = 0; n < 1 << (EXTRA_DBITS[code]! - 7); n++) DIST_CODE[256 + dist++] = code;
    }
    const count = new Int32Array(MAX_BITS + 1);
    for (let n = 0; n < L_CODES + 2; n++) {
      const len = n <= 143 ? 8 : n <= 255 ? 9 : n <= 279 ? 7 : 8;
      STATIC_LLEN[n] = len;
      count[len]!++;
    }
    genCodes(STATIC_LLEN, STATIC_LCODE, L_CODES + 1, count);
    for (let n = 0; n < D_CODES; n++) {
      STATIC_DLEN[n] = 5;
      STATIC_DCODE[n] = reverseBits(n, 5);
    }
  }

  // ---- reusable state (the encoder is synchronous and not re-entrant) ----
  const win = new Uint8Array(WINDOW_SIZE + MAX_MATCH + 8);
  const winView = new DataView(win.buffer);
  /** head[hash] and prev[pos & WMASK] hold `absolute position + posOffset`; anything below the window base is NIL. */
  const head = new Int32Array(HASH_SIZE);
  const prev = new Int32Array(WSIZE);
  let posOffset = 1;
  /** Buffered symbols: `dist << 8 | lc` (dist 0 for a literal), as zlib's sym_buf. */
  const syms = new Int32Array(LIT_BUFSIZE);

  const ltFreq = new Int32Array(HEAP_SIZE);
  const ltLen = new Int32Array(HEAP_SIZE); // also the Dad field while building, as in trees.c
  const ltCode = new Int32Array(HEAP_SIZE);
  const dtFreq = new Int32Array(2 * D_CODES + 1);
  const dtLen = new Int32Array(2 * D_CODES + 1);
  const dtCode = new Int32Array(2 * D_CODES + 1);
  const blFreq = new Int32Array(2 * BL_CODES + 1);
  const blLen = new Int32Array(2 * BL_CODES + 1);
  const blCode = new Int32Array(2 * BL_CODES + 1);
  const heap = new Int32Array(2 * L_CODES + 1);
  const depth = new Int32Array(2 * L_CODES + 1);
  const blCount = new Int32Array(MAX_BITS + 1);
  let optLen = 0;
  let staticLen = 0;

  let out = new Uint8Array(1 << 16);
  let op = 0;
  let bitBuf = 0;
  let bitCount = 0;

  function ensureOut(extra: number): void {
    if (op + extra <= out.length) return;
    let size = out.length * 2;
    while (size < op + extra) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(out.subarray(0, op));
    out = bigger;
  }

  function sendBits(value: number, len: number): void {
    bitBuf |= value << bitCount;
    bitCount += len;
    while (bitCount >= 8) {
      out[op++] = bitBuf;
      bitBuf >>>= 8;
      bitCount -= 8;
    }
  }

  /** Flush the bit buffer to a byte boundary (trees.c bi_windup). */
  function windup(): void {
    while (bitCount > 0) {
      out[op++] = bitBuf;
      bitBuf >>>= 8;
      bitCount -= 8;
    }
    bitBuf = 0;
    bitCount = 0;
  }

  /** trees.c smaller(): frequency, then depth, breaks ties. */
  function pqDownHeap(freq: Int32Array, heapLen: number, k: number): void {
    const v = heap[k]!;
    const fv = freq[v]!;
    const dv = depth[v]!;
    let j = k << 1;
    while (j <= heapLen) {
      let hj = heap[j]!;
      if (j < heapLen) {
        const hj1 = heap[j + 1]!;
        const f1 = freq[hj1]!;
        const f0 = freq[hj]!;
        if (f1 < f0 || (f1 === f0 && depth[hj1]! <= depth[hj]!)) {
          j++;
          hj = hj1;
        }
      }
      const fj = freq[hj]!;
      if (fv < fj || (fv === fj && dv <= depth[hj]!)) break;
      heap[k] = hj;
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  /**
   * Build a Huffman tree (trees.c build_tree + gen_bitlen + gen_codes); adds to optLen/staticLen.
   * Returns max_code.
   */
  function buildTree(
    freq: Int32Array, lens: Int32Array, codes: Int32Array, elems: number,
    stree: Int32Array | null, extra: Uint8Array, extraBase: number, maxLength: number,
  ): number {
    let heapLen = 0;
    let heapMax = HEAP_SIZE;
    let maxCode = -1;
    for (let n = 0; n < elems; n++) {
      if (freq[n] !== 0) {
        heap[++heapLen] = maxCode = n;
        depth[n] = 0;
      } else {
        lens[n] = 0;
      }
    }
    // at least two codes of non-zero frequency
    while (heapLen < 2) {
      const node = (heap[++heapLen] = maxCode < 2 ? ++maxCode : 0);
      freq[node] = 1;
      depth[node] = 0;
      optLen--;
      if (stree !== null) staticLen -= stree[node]!;
    }
    for (let n = heapLen >> 1; n >= 1; n--) pqDownHeap(freq, heapLen, n);
    let node = elems;
    do {
      const n = heap[1]!;
      heap[1] = heap[heapLen--]!;
      pqDownHeap(freq, heapLen, 1);
      const m = heap[1]!;
      heap[--heapMax] = n;
      heap[--heapMax] = m;
      freq[node] = freq[n]! + freq[m]!;
      depth[node] = (depth[n]! >= depth[m]! ? depth[n]! : depth[m]!) + 1;
      lens[n] = lens[m] = node; // Dad
      heap[1] = node++;
      pqDownHeap(freq, heapLen, 1);
    } while (heapLen >= 2);
    heap[--heapMax] = heap[1]!;

    // gen_bitlen
    blCount.fill(0);
    lens[heap[heapMax]!] = 0;
    let overflow = 0;
    let h = heapMax + 1;
    for (; h < HEAP_SIZE; h++) {
      const n = heap[h]!;
      let bits = lens[lens[n]!]! + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      lens[n] = bits;
      if (n > maxCode) continue;
      blCount[bits]!++;
      const xbits = n >= extraBase ? extra[n - extraBase]! : 0;
      const f = freq[n]!;
      optLen += f * (bits + xbits);
      if (stree !== null) staticLen += f * (stree[n]! + xbits);
    }
    if (overflow !== 0) {
      do {
        let bits = maxLength - 1;
        while (blCount[bits] === 0) bits--;
        blCount[bits]!--;
        blCount[bits + 1]! += 2;
        blCount[maxLength]!--;
        overflow -= 2;
      } while (overflow > 0);
      for (let bits = maxLength; bits !== 0; bits--) {
        let n = blCount[bits]!;
        while (n !== 0) {
          const m = heap[--h]!;
          if (m > maxCode) continue;
          if (lens[m] !== bits) {
            optLen += (bits - lens[m]!) * freq[m]!;
            lens[m] = bits;
          }
          n--;
        }
      }
    }
    genCodes(lens, codes, maxCode, blCount);
    return maxCode;
  }

  /** trees.c scan_tree: count the code-length codes needed to send `lens[0..maxCode]`. */
  function scanTree(lens: Int32Array, maxCode: number): void {
    let prevLen = -1;
    let nextLen = lens[0]!;
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextLen === 0) {
      maxCount = 138;
      minCount = 3;
    }
    lens[maxCode + 1] = 0xffff; // guard
    for (let n = 0; n <= maxCode; n++) {
      const curLen = nextLen;
      nextLen = lens[n + 1]!;
      if (++count < maxCount && curLen === nextLen) continue;
      if (count < minCount) blFreq[curLen]! += count;
      else if (curLen !== 0) {
        if (curLen !== prevLen) blFreq[curLen]!++;
        blFreq[REP_3_6]!++;
      } else if (count <= 10) blFreq[REPZ_3_10]!++;
      else blFreq[REPZ_11_138]!++;
      count = 0;
      prevLen = curLen;
      if (nextLen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curLen === nextLen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  /** trees.c send_tree: emit `lens[0..maxCode]` with the code-length code. */
  function sendTree(lens: Int32Array, maxCode: number): void {
    let prevLen = -1;
    let nextLen = lens[0]!;
    let count = 0;
    let maxCount = 7;
    let minCount = 4;
    if (nextLen === 0) {
      maxCount = 138;
      minCount = 3;
    }
    for (let n = 0; n <= maxCode; n++) {
      const curLen = nextLen;
      nextLen = lens[n + 1]!;
      if (++count < maxCount && curLen === nextLen) continue;
      if (count < minCount) {
        do sendBits(blCode[curLen]!, blLen[curLen]!);
        while (--count !== 0);
      } else if (curLen !== 0) {
        if (curLen !== prevLen) {
          sendBits(blCode[curLen]!, blLen[curLen]!);
          count--;
        }
        sendBits(blCode[REP_3_6]!, blLen[REP_3_6]!);
        sendBits(count - 3, 2);
      } else if (count <= 10) {
        sendBits(blCode[REPZ_3_10]!, blLen[REPZ_3_10]!);
        sendBits(count - 3, 3);
      } else {
        sendBits(blCode[REPZ_11_138]!, blLen[REPZ_11_138]!);
        sendBits(count - 11, 7);
      }
      count = 0;
      prevLen = curLen;
      if (nextLen === 0) {
        maxCount = 138;
        minCount = 3;
      } else if (curLen === nextLen) {
        maxCount = 6;
        minCount = 3;
      } else {
        maxCount = 7;
        minCount = 4;
      }
    }
  }

  /** trees.c compress_block: the buffered symbols with the given codes, then END_BLOCK. */
  function compressBlock(lcode: Int32Array, llen: Int32Array, dcode: Int32Array, dlen: Int32Array, nsyms: number): void {
    const o = out;
    let p = op;
    let bb = bitBuf;
    let bc = bitCount;
    for (let i = 0; i < nsyms; i++) {
      const s = syms[i]!;
      const lc = s & 0xff;
      let dist = s >>> 8;
      if (dist === 0) {
        bb |= lcode[lc]! << bc;
        bc += llen[lc]!;
      } else {
        const code = LENGTH_CODE[lc]!;
        bb |= lcode[code + LITERALS + 1]! << bc;
        bc += llen[code + LITERALS + 1]!;
        if (bc >= 16) {
          o[p++] = bb;
          o[p++] = bb >>> 8;
          bb >>>= 16;
          bc -= 16;
        }
        const xl = EXTRA_LBITS[code]!;
        if (xl !== 0) {
          bb |= (lc - BASE_LENGTH[code]!) << bc;
          bc += xl;
        }
        if (bc >= 16) {
          o[p++] = bb;
          o[p++] = bb >>> 8;
          bb >>>= 16;
          bc -= 16;
        }
        dist--;
        const dc = dist < 256 ? DIST_CODE[dist]! : DIST_CODE[256 + (dist >>> 7)]!;
        bb |= dcode[dc]! << bc;
        bc += dlen[dc]!;
        if (bc >= 16) {
          o[p++] = bb;
          o[p++] = bb >>> 8;
          bb >>>= 16;
          bc -= 16;
        }
        const xd = EXTRA_DBITS[dc]!;
        if (xd !== 0) {
          bb |= (dist - BASE_DIST[dc]!) << bc;
          bc += xd;
        }
      }
      if (bc >= 16) {
        o[p++] = bb;
        o[p++] = bb >>> 8;
        bb >>>= 16;
        bc -= 16;
      }
    }
    op = p;
    bitBuf = bb;
    bitCount = bc;
    sendBits(lcode[END_BLOCK]!, llen[END_BLOCK]!);
  }

  /**
   * trees.c _tr_flush_block for `nsyms` buffered symbols covering `storedLen` input bytes from
   * `data[storedStart]` (`storedStart` < 0 when that text has left zlib's window: no stored block).
   */
  function flushBlock(data: Uint8Array, storedStart: number, storedLen: number, nsyms: number, last: number): void {
    ensureOut(storedLen + nsyms * 6 + 2048);
    optLen = 0;
    staticLen = 0;
    const lMax = buildTree(ltFreq, ltLen, ltCode, L_CODES, STATIC_LLEN, EXTRA_LBITS, LITERALS + 1, MAX_BITS);
    const dMax = buildTree(dtFreq, dtLen, dtCode, D_CODES, STATIC_DLEN, EXTRA_DBITS, 0, MAX_BITS);
    // build_bl_tree
    blFreq.fill(0);
    scanTree(ltLen, lMax);
    scanTree(dtLen, dMax);
    buildTree(blFreq, blLen, blCode, BL_CODES, null, EXTRA_BLBITS, 0, MAX_BL_BITS);
    let maxBlIndex = BL_CODES - 1;
    for (; maxBlIndex >= 3; maxBlIndex--) if (blLen[BL_ORDER[maxBlIndex]!] !== 0) break;
    optLen += 3 * (maxBlIndex + 1) + 5 + 5 + 4;

    let optLenb = (optLen + 3 + 7) >>> 3;
    const staticLenb = (staticLen + 3 + 7) >>> 3;
    if (staticLenb <= optLenb) optLenb = staticLenb;

    if (storedLen + 4 <= optLenb && storedStart >= 0) {
      // _tr_stored_block
      sendBits(last, 3);
      windup();
      out[op++] = storedLen;
      out[op++] = storedLen >>> 8;
      out[op++] = ~storedLen;
      out[op++] = ~storedLen >>> 8;
      out.set(data.subarray(storedStart, storedStart + storedLen), op);
      op += storedLen;
    } else if (staticLenb === optLenb) {
      sendBits(2 + last, 3);
      compressBlock(STATIC_LCODE, STATIC_LLEN, STATIC_DCODE, STATIC_DLEN, nsyms);
    } else {
      sendBits(4 + last, 3);
      // send_all_trees
      sendBits(lMax + 1 - 257, 5);
      sendBits(dMax + 1 - 1, 5);
      sendBits(maxBlIndex + 1 - 4, 4);
      for (let rank = 0; rank <= maxBlIndex; rank++) sendBits(blLen[BL_ORDER[rank]!]!, 3);
      sendTree(ltLen, lMax);
      sendTree(dtLen, dMax);
      compressBlock(ltCode, ltLen, dtCode, dtLen, nsyms);
    }
    // init_block
    ltFreq.fill(0, 0, L_CODES);
    dtFreq.fill(0, 0, D_CODES);
    ltFreq[END_BLOCK] = 1;
    if (last) windup();
  }

  /**
   * Compress `data` as one raw DEFLATE stream, byte-identical to zlib 1.2.13
   * (`deflateInit2(level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)`, one `deflate(Z_FINISH)`).
   *
   * @param data - the whole input
   * @param level - 4 to 9 (zlib's lazy-matching levels)
   * @returns a new array holding the compressed stream
   * @throws RangeError for any other level
   */
  // ---- the match loop's state between blocks (deflate_slow's fields of deflate_state) ----
  let goodLength = 0;
  let maxLazy = 0;
  let niceLength = 0;
  let maxChain = 0;
  let off = 0;
  let base = 0; // absolute position of win[0]
  let inPos = 0; // next input byte to read into the window
  let strstart = 0;
  let lookahead = 0;
  let blockStart = 0; // window coordinates; negative once slid out
  let blockEnd = 0; // where the block that filled the symbol buffer ends (window coordinates)
  let matchStart = 0;
  let matchLength = NO_MATCH;
  let matchAvailable = false;
  let symNext = 0;
  let firstRead = true;
  /**
   * zlib's rolling ins_h: with hash_shift 5 and 15 bits, after position p is inserted it equals
   * (w[p] << 10 ^ w[p+1] << 5 ^ w[p+2]) & HASH_MASK; positions are inserted strictly in order.
   */
  let insH = 0;

  /**
   * deflate.c deflate_slow until the symbol buffer fills (returns false; the block ends at
   * `blockEnd`) or the input is consumed (returns true). Works on locals, saved on return, so the
   * tree code is never compiled into this loop.
   */
  function runBlock(data: Uint8Array): boolean {
    const n = data.length;
    const w = win;
    const dv = winView;
    const hd = head;
    const pv = prev;
    const sy = syms;
    const lf = ltFreq;
    const df = dtFreq;
    const good = goodLength;
    const lazy = maxLazy;
    const niceLen = niceLength;
    const chainLen = maxChain;
    const offset = off;
    let bse = base;
    let ip = inPos;
    let ss = strstart;
    let la = lookahead;
    let bs = blockStart;
    let ms = matchStart;
    let ml = matchLength;
    let avail = matchAvailable;
    let sn = symNext;
    let ih = insH;
    let done = false;

    for (;;) {
      if (la < MIN_LOOKAHEAD) {
        // deflate.c fill_window
        do {
          let more = WINDOW_SIZE - la - ss;
          if (ss >= SLIDE_AT) {
            w.copyWithin(0, WSIZE, WSIZE + WSIZE - more);
            ms -= WSIZE;
            ss -= WSIZE;
            bs -= WSIZE;
            bse += WSIZE;
            more += WSIZE;
          }
          if (ip >= n) break;
          const take = more < n - ip ? more : n - ip;
          w.set(data.subarray(ip, ip + take), ss + la);
          ip += take;
          la += take;
          if (firstRead) {
            firstRead = false;
            // the rolling hash starts from the first two bytes (fill_window)
            ih = ((w[0]! << 5) ^ w[1]!) & HASH_MASK;
            // zlib zeroes the never-written bytes just past the data (WIN_INIT = MAX_MATCH)
            const end = ss + la;
            if (end < WINDOW_SIZE) w.fill(0, end, Math.min(WINDOW_SIZE, end + MAX_MATCH));
          }
        } while (la < MIN_LOOKAHEAD && ip < n);
        if (la === 0) {
          done = true;
          break;
        }
      }

      let hashHead = 0;
      if (la >= MIN_MATCH) {
        const hh = (ih = ((ih << 5) ^ w[ss + 2]!) & HASH_MASK);
        const old = hd[hh]!;
        hashHead = old - offset - bse;
        pv[ss & WMASK] = old;
        hd[hh] = ss + bse + offset;
      }
      const prevLength = ml;
      const prevMatch = ms;
      ml = NO_MATCH;

      if (hashHead > 0 && prevLength < lazy && ss - hashHead <= MAX_DIST) {
        // deflate.c longest_match
        let chain = chainLen;
        let bestLen = prevLength;
        let nice = niceLen;
        // branch-free: the subtraction runs (and gets type feedback) from the first match search
        // on, so code optimised during a small first input does not deoptimise at 32 KiB
        const limit = Math.max(ss - MAX_DIST, 0);
        if (prevLength >= good) chain >>= 2;
        if (nice > la) nice = la;
        const strend = ss + MAX_MATCH;
        const s01 = dv.getUint16(ss, true);
        // scan[best_len - 1] and scan[best_len] as one 16-bit value
        let scanEnd = dv.getUint16(ss + bestLen - 1, true);
        const rel = offset + bse;
        let cur = hashHead;
        for (;;) {
          if (dv.getUint16(cur + bestLen - 1, true) === scanEnd && dv.getUint16(cur, true) === s01) {
            // byte 2 is equal given equal hashes and bytes 0-1 (zlib skips it too); bytes 3..257
            // are compared four at a time (the window has slack past strend)
            let sc = ss + 3;
            let mc = cur + 3;
            let x = 0;
            while (sc < strend && (x = dv.getUint32(sc, true) ^ dv.getUint32(mc, true)) === 0) {
              sc += 4;
              mc += 4;
            }
            if (sc < strend) sc += (31 - Math.clz32(x & -x)) >>> 3;
            if (sc > strend) sc = strend;
            const len = sc - ss;
            if (len > bestLen) {
              ms = cur;
              bestLen = len;
              if (len >= nice) break;
              scanEnd = dv.getUint16(ss + bestLen - 1, true);
            }
          }
          cur = pv[cur & WMASK]! - rel;
          if (cur <= limit || --chain === 0) break;
        }
        ml = bestLen <= la ? bestLen : la;
        if (ml === MIN_MATCH && ss - ms > TOO_FAR) ml = NO_MATCH;
      }

      if (prevLength >= MIN_MATCH && ml <= prevLength) {
        const maxInsert = ss + la - MIN_MATCH;
        const dist = ss - 1 - prevMatch;
        const lc = prevLength - MIN_MATCH;
        sy[sn++] = (dist << 8) | lc;
        lf[LENGTH_CODE[lc]! + LITERALS + 1]!++;
        const d = dist - 1;
        df[d < 256 ? DIST_CODE[d]! : DIST_CODE[256 + (d >>> 7)]!]!++;
        la -= prevLength - 1;
        let k = prevLength - 2;
        const rel = bse + offset;
        do {
          if (++ss <= maxInsert) {
            const hh = (ih = ((ih << 5) ^ w[ss + 2]!) & HASH_MASK);
            pv[ss & WMASK] = hd[hh]!;
            hd[hh] = ss + rel;
          }
        } while (--k !== 0);
        avail = false;
        ml = NO_MATCH;
        ss++;
        if (sn === SYM_END) {
          blockEnd = ss;
          break;
        }
      } else if (avail) {
        const c = w[ss - 1]!;
        sy[sn++] = c;
        lf[c]!++;
        if (sn === SYM_END) blockEnd = ss; // flushed before the step (FLUSH_BLOCK_ONLY)
        ss++;
        la--;
        if (sn === SYM_END) break;
      } else {
        avail = true;
        ss++;
        la--;
      }
    }
    base = bse;
    inPos = ip;
    strstart = ss;
    lookahead = la;
    blockStart = bs;
    matchStart = ms;
    matchLength = ml;
    matchAvailable = avail;
    symNext = sn;
    insH = ih;
    return done;
  }

  let primed = false;
  // 1 KiB of text-like bytes with repeats and a few random ones, then 200 random bytes (shorter
  // than the lookahead, and without a match: a block with an empty distance tree)
  const PRIMERS = [new Uint8Array(1024), new Uint8Array(200)];
  for (let i = 0, x = 12345; i < 1224; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    if (i < 1024) PRIMERS[0]![i] = i % 97 < 60 ? 97 + ((i * 7) % 26) : i % 5 === 0 ? x >>> 24 : 32 + (x >>> 27);
    else PRIMERS[1]![i - 1024] = x >>> 24;
  }

  function deflateRawExact(data: Uint8Array, level: number): Uint8Array {
    if (!primed && level >= 4 && level <= 9) {
      primed = true;
      // Small calls first, so that V8 records type feedback for the start of a call (the entry,
      // the first fill of the window) and for rare paths (an input shorter than the lookahead, a
      // block without matches) before the first real input runs long enough to be compiled on
      // stack: code compiled then has no feedback there and is thrown away when it gets there
      // (`--trace-deopt` on the bench's --generate-sizes commit: 10 deoptimisations and
      // recompilations of runBlock and buildTree in two workers; 1 of runBlock with the primers and
      // the constants NO_MATCH and SLIDE_AT).
      for (let i = 0; i < 4; i++) deflateOnce(PRIMERS[i & 1]!, level);
    }
    return deflateOnce(data, level);
  }
  return deflateRawExact;

  function deflateOnce(data: Uint8Array, level: number): Uint8Array {
    if (!Number.isInteger(level) || level < 4 || level > 9) throw new RangeError(`deflateRawExact: level ${level} is not 4..9`);
    const cfg = CONFIG[level]!;
    goodLength = cfg[0];
    maxLazy = cfg[1];
    niceLength = cfg[2];
    maxChain = cfg[3];
    const n = data.length;
    if (posOffset + n + 2 > 0x3fffffff) {
      head.fill(0);
      posOffset = 1;
    }
    off = posOffset;
    posOffset += n + 1; // every stored value of this call is below the next call's offset
    op = 0;
    bitBuf = 0;
    bitCount = 0;
    ltFreq.fill(0, 0, L_CODES);
    dtFreq.fill(0, 0, D_CODES);
    ltFreq[END_BLOCK] = 1;
    base = 0;
    inPos = 0;
    strstart = 0;
    lookahead = 0;
    blockStart = 0;
    matchStart = 0;
    matchLength = NO_MATCH;
    matchAvailable = false;
    symNext = 0;
    firstRead = true;
    insH = 0;

    while (!runBlock(data)) {
      flushBlock(data, blockStart >= 0 ? blockStart + base : -1, blockEnd - blockStart, symNext, 0);
      symNext = 0;
      blockStart = blockEnd;
    }
    if (matchAvailable) {
      const c = win[strstart - 1]!;
      syms[symNext++] = c;
      ltFreq[c]!++;
    }
    flushBlock(data, blockStart >= 0 ? blockStart + base : -1, strstart - blockStart, symNext, 1);
    const result = out.slice(0, op);
    if (out.length > 1 << 20) out = new Uint8Array(1 << 16); // do not keep a large file's buffer
    return result;
  }
}

/**
 * Compress `data` as one raw DEFLATE stream, byte-identical to zlib 1.2.13
 * (`deflateInit2(level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)`, one `deflate(Z_FINISH)`).
 * Synchronous; the returned array is the caller's.
 *
 * @param data - the whole input
 * @param level - 4 to 9 (zlib's lazy-matching levels)
 * @returns a new array holding the compressed stream
 * @throws RangeError for any other level
 */
export function deflateRawExact(data: Uint8Array, level: number): Uint8Array {
  shared ??= createDeflateRawExact(); // on first use: importing the module costs nothing
  return shared(data, level);
}

let shared: DeflateRawExact | undefined;
