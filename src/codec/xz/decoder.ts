/**
 * .xz decoder: stream header/footer, blocks (LZMA2 with an optional delta filter before it),
 * index verification, integrity checks, stream padding and concatenated streams.
 *
 * Container facts are from the .xz file format specification 1.1.0 (xz-file-format.txt); LZMA2
 * chunk framing facts from xz's liblzma/lzma/lzma2_decoder.c. The code is ours.
 *
 * @module
 */
import { OstreeError } from '../../errors.js';
import { checkSize, computeCheck, crc32 } from './crc.js';
import { LzmaDecoder } from './lzma-decoder.js';
import { lzma2DictSize } from './model.js';

/** Options of {@link xzDecompress}. */
export interface XzDecompressOptions {
  /**
   * Largest number of output bytes accepted; decoding throws `XZ_LIMIT` as soon as the output
   * would grow past it (default: unlimited).
   */
  maxOutput?: number;
  /**
   * Largest LZMA2 dictionary size (bytes) a block may declare; a larger one throws `XZ_LIMIT`
   * (default: unlimited, since the decoder keeps the whole output in memory anyway).
   */
  memlimit?: number;
}

/** Magic bytes of a stream header (xz-file-format.txt §2.1.1.1). */
export const XZ_HEADER_MAGIC = new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
/** Filter IDs (xz-file-format.txt §5.3). */
const FILTER_LZMA2 = 0x21;
const FILTER_DELTA = 0x03;

function corrupt(msg: string, data?: Record<string, unknown>): never {
  throw new OstreeError('XZ_CORRUPT', `xz: ${msg}`, data ? { data } : {});
}

function unsupported(msg: string): never {
  throw new OstreeError('XZ_UNSUPPORTED', `xz: ${msg}`);
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Growable output buffer bounded by maxOutput. */
class Output {
  buf: Uint8Array;
  pos = 0;
  constructor(initial: number, readonly max: number) {
    this.buf = new Uint8Array(Math.max(16, Math.min(initial, max)));
  }
  /** Make room for `n` more bytes or throw XZ_LIMIT. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need > this.max) {
      throw new OstreeError('XZ_LIMIT', `xz: output exceeds the limit of ${this.max} bytes`, { data: { limit: this.max } });
    }
    if (need <= this.buf.length) return;
    let cap = n > (1 << 21) ? need : this.buf.length * 2; // exact for declared block sizes
    if (cap < need) cap = need;
    if (cap > this.max) cap = this.max;
    let nb: Uint8Array;
    try {
      nb = new Uint8Array(cap);
    } catch (e) {
      throw new OstreeError('XZ_LIMIT', `xz: cannot allocate ${cap} bytes of output`, { cause: e, data: { size: cap } });
    }
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
  }
}

/** Cursor over the input with bounds-checked reads. */
class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number): void {
    if (this.pos + n > this.b.length) corrupt('truncated input', { offset: this.pos });
  }
  byte(): number {
    this.need(1);
    return this.b[this.pos++];
  }
  /** Multibyte integer (xz-file-format.txt §1.2), up to 2^53 (larger is rejected as corrupt). */
  varint(end = this.b.length): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 9; i++) {
      if (this.pos >= end) corrupt('truncated integer', { offset: this.pos });
      const c = this.b[this.pos++];
      v += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) {
        if (c === 0 && i > 0) corrupt('non-minimal integer encoding');
        if (v > Number.MAX_SAFE_INTEGER) corrupt('integer too large');
        return v;
      }
      mul *= 128;
    }
    corrupt('integer too long');
  }
}

interface BlockFilters {
  dictSize: number;
  /** Delta distance, or 0 when no delta filter precedes LZMA2. */
  delta: number;
}

/**
 * Decompress a complete .xz file (one or more concatenated streams with optional stream padding).
 *
 * Mirrors `lzma_stream_decoder(…, LZMA_CONCATENATED)` of liblzma as used by `xz -d`. Supported:
 * LZMA2 (optionally preceded by the delta filter), checks none/CRC32/CRC64/SHA-256.
 *
 * @throws OstreeError `XZ_CORRUPT` for malformed or truncated data or a failed check,
 *   `XZ_UNSUPPORTED` for other filters or check types, `XZ_LIMIT` when `maxOutput` or `memlimit`
 *   would be exceeded.
 */
export function xzDecompress(data: Uint8Array, opts: XzDecompressOptions = {}): Uint8Array {
  const maxOutput = opts.maxOutput ?? Number.MAX_SAFE_INTEGER;
  const memlimit = opts.memlimit ?? Number.MAX_SAFE_INTEGER;
  if (!(data instanceof Uint8Array)) throw new TypeError('xzDecompress: data must be a Uint8Array');
  if (!(maxOutput >= 0)) throw new RangeError('xzDecompress: maxOutput must be ≥ 0');
  // Size the output from the stream index when it is readable and plausible (no regrowth, no final
  // copy); otherwise guess and grow. The hint only sizes a buffer: the index is verified as usual.
  const hint = indexSizeHint(data);
  const initial = hint >= 0 && hint <= data.length * 8192 && hint <= (1 << 30) ? hint
    : Math.min(Math.max(data.length * 4, 1 << 16), 1 << 28);
  const out = new Output(initial, maxOutput);
  const r = new Reader(data);
  const lz = new LzmaDecoder();
  while (true) {
    decodeStream(r, out, lz, memlimit);
    // Stream padding: NUL bytes in multiples of four, then EOF or another stream.
    const padStart = r.pos;
    while (r.pos < data.length && data[r.pos] === 0) r.pos++;
    if ((r.pos - padStart) % 4 !== 0) corrupt('stream padding is not a multiple of four bytes');
    if (r.pos === data.length) break;
  }
  const res = out.buf;
  if (res.length - out.pos > (out.pos >>> 3)) return res.slice(0, out.pos);
  return res.subarray(0, out.pos);
}

/**
 * Total uncompressed size recorded in the index of `data` when `data` holds exactly one stream
 * (plus stream padding) whose footer and index look sane; -1 otherwise. Read backwards from the
 * stream footer (xz-file-format.txt §2.1.2, §4) with every access bounds-checked; nothing here is
 * trusted beyond sizing the output buffer.
 */
function indexSizeHint(d: Uint8Array): number {
  let end = d.length;
  while (end >= 4 && d[end - 1] === 0 && d[end - 2] === 0 && d[end - 3] === 0 && d[end - 4] === 0) end -= 4;
  const f = end - 12;
  if (f < 12 || d[f + 10] !== 0x59 || d[f + 11] !== 0x5a) return -1;
  const indexSize = (u32le(d, f + 4) + 1) * 4;
  const pos = f - indexSize;
  if (pos < 12 || d[pos] !== 0) return -1;
  const checkId = d[f + 9] & 0x0f;
  const cSize = checkSize(checkId);
  const r = new Reader(d);
  r.pos = pos + 1;
  let blocksSize = 0;
  let total = 0;
  try {
    const count = r.varint(f);
    if (count > indexSize) return -1;
    for (let i = 0; i < count; i++) {
      blocksSize += Math.ceil(r.varint(f) / 4) * 4; // unpadded size
      total += r.varint(f); // uncompressed size
    }
  } catch {
    return -1; // a bad index: the decode proper reports it
  }
  // The stream must start at offset 0: header (12) + padded blocks + index + footer.
  if (12 + blocksSize + indexSize + 12 !== end || cSize < 0) return -1;
  return total <= Number.MAX_SAFE_INTEGER ? total : -1;
}

function decodeStream(r: Reader, out: Output, lz: LzmaDecoder, memlimit: number): void {
  const d = r.b;
  // Stream header (§2.1.1)
  r.need(12);
  for (let i = 0; i < 6; i++) if (d[r.pos + i] !== XZ_HEADER_MAGIC[i]) corrupt('not an xz stream (bad magic)', { offset: r.pos });
  const flags0 = d[r.pos + 6];
  const flags1 = d[r.pos + 7];
  if (crc32(d.subarray(r.pos + 6, r.pos + 8)) !== u32le(d, r.pos + 8)) corrupt('stream header CRC mismatch');
  if (flags0 !== 0 || (flags1 & 0xf0) !== 0) unsupported('unknown stream flags');
  const checkId = flags1 & 0x0f;
  const cSize = checkSize(checkId);
  if (checkId !== 0 && checkId !== 1 && checkId !== 4 && checkId !== 10) unsupported(`unsupported check type ${checkId}`);
  r.pos += 12;

  const records: number[] = []; // pairs: unpadded size, uncompressed size
  while (true) {
    r.need(1);
    if (d[r.pos] === 0) break; // index indicator
    const blockStart = r.pos;
    const hdrSize = (d[r.pos] + 1) * 4;
    r.need(hdrSize);
    if (crc32(d.subarray(r.pos, r.pos + hdrSize - 4)) !== u32le(d, r.pos + hdrSize - 4)) corrupt('block header CRC mismatch', { offset: r.pos });
    const hdrEnd = r.pos + hdrSize - 4;
    r.pos++;
    const bflags = d[r.pos++];
    if (bflags & 0x3c) unsupported('reserved block flags set');
    let declComp = -1;
    let declUncomp = -1;
    if (bflags & 0x40) {
      declComp = r.varint(hdrEnd);
      if (declComp === 0) corrupt('zero compressed size');
    }
    if (bflags & 0x80) declUncomp = r.varint(hdrEnd);
    const nFilters = (bflags & 3) + 1;
    const f: BlockFilters = { dictSize: 0, delta: 0 };
    for (let i = 0; i < nFilters; i++) {
      const id = r.varint(hdrEnd);
      const psize = r.varint(hdrEnd);
      if (r.pos + psize > hdrEnd) corrupt('filter properties overrun the block header');
      const last = i === nFilters - 1;
      if (id === FILTER_LZMA2) {
        if (!last) corrupt('LZMA2 must be the last filter');
        if (psize !== 1) corrupt('bad LZMA2 properties size');
        const b = d[r.pos];
        if (b & 0xc0) unsupported('reserved LZMA2 property bits');
        const ds = lzma2DictSize(b);
        if (ds < 0) corrupt('bad LZMA2 dictionary size');
        f.dictSize = ds;
      } else if (id === FILTER_DELTA) {
        if (last) corrupt('delta cannot be the last filter');
        if (psize !== 1) corrupt('bad delta properties size');
        if (f.delta) unsupported('more than one delta filter');
        f.delta = d[r.pos] + 1;
      } else if (last) {
        unsupported(`unsupported last filter 0x${id.toString(16)}`);
      } else {
        unsupported(`unsupported filter 0x${id.toString(16)}`);
      }
      r.pos += psize;
    }
    for (; r.pos < hdrEnd; r.pos++) if (d[r.pos] !== 0) corrupt('non-zero block header padding');
    r.pos = hdrEnd + 4;
    if (f.dictSize > memlimit) {
      throw new OstreeError('XZ_LIMIT', `xz: dictionary of ${f.dictSize} bytes exceeds the memory limit of ${memlimit}`,
        { data: { dictSize: f.dictSize, memlimit } });
    }
    if (declUncomp >= 0) {
      if (out.pos + declUncomp > out.max) out.ensure(declUncomp); // throws XZ_LIMIT early
      // Size the buffer exactly when the declared size is plausible for the input left (LZMA2 cannot
      // expand one compressed byte to more than a few thousand), so honest files need no regrowth.
      if (declUncomp <= (d.length - r.pos) * 8192) out.ensure(declUncomp);
    }

    const compStart = r.pos;
    const limit = declComp >= 0 ? Math.min(d.length, compStart + declComp) : d.length;
    const outStart = out.pos;
    decodeLzma2(r, limit, out, lz, f.dictSize);
    const compSize = r.pos - compStart;
    const uncompSize = out.pos - outStart;
    if (declComp >= 0 && compSize !== declComp) corrupt('block compressed size mismatch');
    if (declUncomp >= 0 && uncompSize !== declUncomp) corrupt('block uncompressed size mismatch');
    if (f.delta) {
      const b = out.buf;
      const dist = f.delta;
      for (let i = outStart + dist; i < out.pos; i++) b[i] = (b[i] + b[i - dist]) & 0xff;
    }
    // Block padding
    while ((r.pos - blockStart) & 3) {
      if (r.byte() !== 0) corrupt('non-zero block padding');
    }
    r.need(cSize);
    if (cSize) {
      const want = computeCheck(checkId, out.buf.subarray(outStart, out.pos))!;
      for (let i = 0; i < cSize; i++) if (want[i] !== d[r.pos + i]) corrupt('block check mismatch', { checkId });
      r.pos += cSize;
    }
    records.push(hdrSize + compSize + cSize, uncompSize);
  }

  // Index (§4)
  const indexStart = r.pos;
  r.pos++;
  const count = r.varint();
  if (count !== records.length / 2) corrupt('index record count mismatch');
  for (let i = 0; i < count; i++) {
    const unpadded = r.varint();
    const uncomp = r.varint();
    if (unpadded !== records[2 * i] || uncomp !== records[2 * i + 1]) corrupt('index record mismatch');
  }
  while ((r.pos - indexStart) & 3) {
    if (r.byte() !== 0) corrupt('non-zero index padding');
  }
  r.need(4);
  if (crc32(d.subarray(indexStart, r.pos)) !== u32le(d, r.pos)) corrupt('index CRC mismatch');
  r.pos += 4;
  const indexSize = r.pos - indexStart;

  // Stream footer (§2.1.2)
  r.need(12);
  const f = r.pos;
  if (crc32(d.subarray(f + 4, f + 10)) !== u32le(d, f)) corrupt('stream footer CRC mismatch');
  if ((u32le(d, f + 4) + 1) * 4 !== indexSize) corrupt('backward size mismatch');
  if (d[f + 8] !== flags0 || d[f + 9] !== flags1) corrupt('stream footer flags differ from header');
  if (d[f + 10] !== 0x59 || d[f + 11] !== 0x5a) corrupt('bad stream footer magic');
  r.pos += 12;
}

/** Decode LZMA2 chunks until the end marker (control byte 0). */
function decodeLzma2(r: Reader, limit: number, out: Output, lz: LzmaDecoder, dictSize: number): void {
  const d = r.b;
  let needDictReset = true;
  let needProps = true;
  let dictStart = out.pos;
  while (true) {
    if (r.pos >= limit) corrupt('truncated LZMA2 data');
    const control = d[r.pos++];
    if (control === 0) return;
    if (control === 1 || control >= 0xe0) {
      needDictReset = false;
      dictStart = out.pos;
      if (control === 1) needProps = true;
    } else if (needDictReset) {
      corrupt('LZMA2 data does not start with a dictionary reset');
    }
    if (control < 0x80) {
      if (control > 2) corrupt('bad LZMA2 control byte');
      if (r.pos + 2 > limit) corrupt('truncated LZMA2 chunk header');
      const size = ((d[r.pos] << 8) | d[r.pos + 1]) + 1;
      r.pos += 2;
      if (r.pos + size > limit) corrupt('truncated uncompressed LZMA2 chunk');
      out.ensure(size);
      out.buf.set(d.subarray(r.pos, r.pos + size), out.pos);
      out.pos += size;
      r.pos += size;
      continue;
    }
    if (r.pos + 4 > limit) corrupt('truncated LZMA2 chunk header');
    const usize = (((control & 0x1f) << 16) | (d[r.pos] << 8) | d[r.pos + 1]) + 1;
    const csize = ((d[r.pos + 2] << 8) | d[r.pos + 3]) + 1;
    r.pos += 4;
    const reset = (control >>> 5) & 3;
    if (reset >= 2) {
      if (r.pos >= limit) corrupt('truncated LZMA2 chunk header');
      if (!lz.setProps(d[r.pos++])) corrupt('bad LZMA properties');
      needProps = false;
    } else if (needProps) {
      corrupt('LZMA2 chunk without required properties');
    }
    if (reset >= 1) lz.resetState();
    if (r.pos + csize > limit) corrupt('truncated LZMA chunk');
    out.ensure(usize);
    lz.decodeChunk(d, r.pos, r.pos + csize, out.buf, out.pos, out.pos + usize, dictStart, dictSize);
    out.pos += usize;
    r.pos += csize;
  }
}
