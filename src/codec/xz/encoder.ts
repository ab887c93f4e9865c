/**
 * .xz encoder: one stream holding one LZMA2 block (none for empty input), with the presets of
 * `xz -0 … -9` / `-e`.
 *
 * Container layout from the .xz file format specification (xz-file-format.txt); preset parameters
 * (dictionary sizes, match finders, nice lengths, depths, modes) from xz's
 * liblzma/lzma/lzma_encoder_presets.c and the xz(1) manual. The code is ours.
 *
 * @module
 */
import { crc32, computeCheck, checkSize } from './crc.js';
import { XZ_HEADER_MAGIC } from './decoder.js';
import { createMatchFinder, encodeLzma2, encodeLzma2Segment, type LzmaParams } from './lzma-encoder.js';
import { MatchRingReader, createMatchRing, fillMatchRing } from './match-ring.js';
import { lzma2DictByte, lzma2DictSize } from './model.js';

/** Check types {@link xzCompress} can write. */
export type XzCheck = 'crc64' | 'crc32' | 'sha256' | 'none';

/** Options of {@link xzCompress}. */
export interface XzCompressOptions {
  /** Compression preset 0–9 as `xz -N` (default 6). OSTree static deltas use 8. */
  preset?: number;
  /** As `xz -e`: slower, usually slightly smaller. */
  extreme?: boolean;
  /** Integrity check (default `'crc64'`, as xz and OSTree). */
  check?: XzCheck;
  /**
   * Match finder, overriding the preset's (as `xz --lzma2=preset=N,mf=…`): `'bt4'` binary trees
   * (presets 4–9) or `'hc4'` hash chains (presets 0–3). Hash chains with the optimal parser of
   * presets 4–9 cost about half the CPU of binary trees for ≈ 0.2–0.4 % more bytes on typical data.
   */
  matchFinder?: 'bt4' | 'hc4';
  /** "Nice" match length 2–273, overriding the preset's (as `--lzma2=nice=…`). */
  niceLen?: number;
  /** Match-finder search depth, overriding the preset's (as `--lzma2=depth=…`; 0 = the automatic one). */
  depth?: number;
  /**
   * Take the matches from this ring (`createMatchRing`), filled at the same time on another thread
   * by {@link xzProduceMatches} over the same data and options, instead of running the match finder
   * here. Only for a single block ({@link xzCompress}, {@link xzCompressBlock}); output is identical.
   */
  matchRing?: SharedArrayBuffer;
}

const CHECK_IDS: Record<XzCheck, number> = { none: 0, crc32: 1, crc64: 4, sha256: 10 };

/**
 * LZMA2 encoder parameters of an xz preset (liblzma `lzma_lzma_preset()`): dictionary 2^18 … 2^26,
 * hash chains and the fast parser for 0–3, binary trees and the optimal parser for 4–9.
 */
export function presetParams(preset: number, extreme = false): LzmaParams {
  if (!Number.isInteger(preset) || preset < 0 || preset > 9) throw new RangeError('xz preset must be an integer 0..9');
  const dictPow2 = [18, 20, 21, 22, 22, 23, 23, 24, 25, 26][preset];
  const p: LzmaParams = { dictSize: 2 ** dictPow2, lc: 3, lp: 0, pb: 2, niceLen: 64, depth: 0, mf: 'bt4', mode: 'normal' };
  if (preset <= 3) {
    p.mode = 'fast';
    p.mf = 'hc4';
    p.niceLen = preset <= 1 ? 128 : 273;
    p.depth = [4, 8, 24, 48][preset];
  } else {
    p.niceLen = preset === 4 ? 16 : preset === 5 ? 32 : 64;
  }
  if (extreme) {
    p.mode = 'normal';
    p.mf = 'bt4';
    if (preset === 3 || preset === 5) {
      p.niceLen = 192;
      p.depth = 0;
    } else {
      p.niceLen = 273;
      p.depth = 512;
    }
  }
  if (p.depth === 0) p.depth = p.mf === 'bt4' ? 16 + (p.niceLen >>> 1) : 4 + (p.niceLen >>> 2);
  return p;
}

function putVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function putU32(out: number[], v: number): void {
  out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

/** One independently compressed xz block: header, LZMA2 data, padding and check, as stored. */
export interface XzBlock {
  /** The block's bytes. */
  bytes: Uint8Array;
  /** Header + compressed data + check, without padding (the index records this). */
  unpaddedSize: number;
  /** Bytes of input the block holds. */
  uncompressedSize: number;
  /** Integrity check the block carries. */
  check: XzCheck;
}

/**
 * Apply {@link XzCompressOptions.matchFinder}, `niceLen` and `depth` to a preset's parameters.
 * A depth of 0 (or a changed finder or nice length without a depth) takes liblzma's automatic depth
 * for that finder (`16 + nice/2` for bt4, `4 + nice/4` for hc4; liblzma/lz/lz_encoder.c).
 */
function overrideParams(p: LzmaParams, opts: XzCompressOptions): void {
  const { matchFinder, niceLen, depth } = opts;
  if (matchFinder === undefined && niceLen === undefined && depth === undefined) return;
  if (matchFinder !== undefined) {
    if (matchFinder !== 'bt4' && matchFinder !== 'hc4') throw new RangeError(`xz: unknown match finder ${String(matchFinder)}`);
    p.mf = matchFinder;
  }
  if (niceLen !== undefined) {
    if (!Number.isInteger(niceLen) || niceLen < 2 || niceLen > 273) throw new RangeError('xz: niceLen must be an integer 2..273');
    p.niceLen = niceLen;
  }
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 0 || depth > 0x7fffffff)) {
    throw new RangeError('xz: depth must be a non-negative integer');
  }
  p.depth = depth || (p.mf === 'bt4' ? 16 + (p.niceLen >>> 1) : 4 + (p.niceLen >>> 2));
}

/** Encoder parameters and the block header's dictionary byte for an input of `length` bytes. */
function blockParams(length: number, opts: XzCompressOptions): { params: LzmaParams; dictByte: number } {
  const params = presetParams(opts.preset ?? 6, opts.extreme ?? false);
  overrideParams(params, opts);
  const dictByte = lzma2DictByte(Math.max(4096, Math.min(params.dictSize, length)));
  params.dictSize = Math.min(params.dictSize, lzma2DictSize(dictByte));
  return { params, dictByte };
}

/** A ring for {@link XzCompressOptions.matchRing} (8 MiB of shared memory). */
export function xzCreateMatchRing(): SharedArrayBuffer {
  return createMatchRing();
}

/**
 * Producer side of {@link XzCompressOptions.matchRing}: run, on this thread, the match finder that
 * `xzCompress(data, opts)` would run, writing its results into `ring` while the compressing thread
 * reads them. Returns when every position is done, or early when the consumer has finished or
 * the ring was aborted (`abortMatchRing`); on an exception the ring is aborted.
 */
export function xzProduceMatches(data: Uint8Array, ring: SharedArrayBuffer, opts: XzCompressOptions = {}): void {
  if (data.length === 0) return;
  const { params } = blockParams(data.length, opts);
  fillMatchRing(createMatchFinder(data, params), data.length, ring, Math.min(params.niceLen, 273), params.depth);
}

function checkIdOf(checkName: XzCheck): number {
  const checkId = CHECK_IDS[checkName];
  if (checkId === undefined) throw new RangeError(`xzCompress: unknown check ${String(checkName)}`);
  return checkId;
}

/**
 * Compress `data` (non-empty) into one xz block with its own LZMA2 dictionary, so that blocks of a
 * large input can be compressed in parallel and joined with {@link xzJoinBlocks} (as `xz -T`
 * does). A single block covering the whole input is what {@link xzCompress} produces.
 */
export function xzCompressBlock(data: Uint8Array, opts: XzCompressOptions = {}): XzBlock {
  if (!(data instanceof Uint8Array)) throw new TypeError('xzCompressBlock: data must be a Uint8Array');
  if (data.length === 0) throw new RangeError('xzCompressBlock: data must not be empty');
  if (data.length >= 0x7fff0000) throw new RangeError('xzCompress: input must be smaller than 2 GiB');
  const { params, dictByte } = blockParams(data.length, opts);
  const checkName = opts.check ?? 'crc64';
  checkIdOf(checkName);
  let lz: Uint8Array;
  if (opts.matchRing) {
    const reader = new MatchRingReader(opts.matchRing, data.length, Math.min(params.niceLen, 273), params.depth);
    try {
      lz = encodeLzma2(data, params, reader);
    } finally {
      reader.finish();
    }
  } else {
    lz = encodeLzma2(data, params);
  }
  return makeBlock(lz, data, dictByte, checkName);
}

/** Wrap a raw LZMA2 stream of `data` into an xz block (header, data, padding, check). */
function makeBlock(lz: Uint8Array, data: Uint8Array, dictByte: number, checkName: XzCheck): XzBlock {
  const checkId = checkIdOf(checkName);
  // Block header: size, flags (1 filter, both sizes present), sizes, LZMA2 filter flags, padding, CRC32.
  const bh: number[] = [0, 0xc0];
  putVarint(bh, lz.length);
  putVarint(bh, data.length);
  bh.push(0x21, 0x01, dictByte);
  while ((bh.length + 4) & 3) bh.push(0);
  bh[0] = (bh.length + 4) / 4 - 1;
  putU32(bh, crc32(new Uint8Array(bh)));
  const pad = (4 - (lz.length & 3)) & 3;
  const check = computeCheck(checkId, data)!;
  const bytes = new Uint8Array(bh.length + lz.length + pad + check.length);
  bytes.set(bh, 0);
  bytes.set(lz, bh.length);
  bytes.set(check, bh.length + lz.length + pad);
  return { bytes, unpaddedSize: bh.length + lz.length + checkSize(checkId), uncompressedSize: data.length, check: checkName };
}

/**
 * One segment of {@link xzSegmentPlan}: compress `input[start, end)` with the bytes
 * `input[prefix, start)` before it as dictionary.
 */
export interface XzSegment {
  /** First byte the segment's compressor needs (the dictionary it preloads starts here). */
  prefix: number;
  /** First byte the segment encodes. */
  start: number;
  /** End of the segment (exclusive). */
  end: number;
}

/**
 * Cut an input of `length` bytes into ⌈length / segmentSize⌉ equal segments (one when the input
 * is no larger than `segmentSize`) that {@link xzCompressSegment} compresses independently — on
 * different threads — and {@link xzJoinSegments} joins into one single-block stream. Unlike
 * independent blocks ({@link xzCompressBlock}), every segment after the first sees the whole
 * dictionary window before it, so matches reaching back across a segment boundary are kept: the
 * cost is a coder-state reset per segment (a few hundred bytes) and, for each segment, the time
 * to feed its prefix to the match finder (≈ 30–40 ns per byte with hash chains). `maxPreload`
 * bounds that prefix (matches reaching further back than it from a segment's start are then not
 * found near that start). The plan depends only on its arguments, so the output does not depend on
 * how many threads ran it.
 */
export function xzSegmentPlan(length: number, segmentSize: number, opts: XzCompressOptions = {}, maxPreload = Infinity): XzSegment[] {
  if (!Number.isInteger(length) || length < 0) throw new RangeError('xzSegmentPlan: bad length');
  if (!Number.isInteger(segmentSize) || segmentSize < 4096) throw new RangeError('xzSegmentPlan: segmentSize must be an integer ≥ 4096');
  if (!(maxPreload >= 0)) throw new RangeError('xzSegmentPlan: maxPreload must be ≥ 0');
  if (length === 0) return [];
  const { params } = blockParams(length, opts);
  const preload = Math.min(params.dictSize, maxPreload);
  const count = Math.ceil(length / segmentSize);
  const out: XzSegment[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor((length * i) / count);
    const end = Math.floor((length * (i + 1)) / count);
    out.push({ prefix: Math.max(0, start - preload), start, end });
  }
  return out;
}

/**
 * Compress one segment of {@link xzSegmentPlan} into raw LZMA2 chunks. `bytes` holds the input from
 * the segment's `prefix` to its `end` (`input.subarray(seg.prefix, seg.end)`); `totalLength` is the
 * whole input's length (it fixes the dictionary size). Pure: runs on any thread.
 */
export function xzCompressSegment(bytes: Uint8Array, seg: XzSegment, totalLength: number, opts: XzCompressOptions = {}): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('xzCompressSegment: bytes must be a Uint8Array');
  if (bytes.length !== seg.end - seg.prefix || seg.start < seg.prefix || seg.start >= seg.end || seg.end > totalLength) {
    throw new RangeError('xzCompressSegment: bytes do not match the segment');
  }
  if (totalLength >= 0x7fff0000) throw new RangeError('xzCompress: input must be smaller than 2 GiB');
  const { params } = blockParams(totalLength, opts);
  return encodeLzma2Segment(bytes, seg.start - seg.prefix, params, seg.end === totalLength);
}

/**
 * Join the compressed segments of `data` (in plan order, from {@link xzCompressSegment} with the same
 * options) into one single-block .xz stream, which `xz -d` and {@link xzDecompress} accept.
 */
export function xzJoinSegments(data: Uint8Array, segments: readonly Uint8Array[], opts: XzCompressOptions = {}): Uint8Array {
  const checkName = opts.check ?? 'crc64';
  if (data.length === 0) return xzJoinBlocks([], checkName);
  const { dictByte } = blockParams(data.length, opts);
  let total = 0;
  let usize = 0;
  segments.forEach((s, i) => {
    const walk = walkLzma2Chunks(s);
    if (walk.ended !== (i === segments.length - 1)) throw new RangeError('xzJoinSegments: only the last segment may end the stream, and it must');
    total += s.length;
    usize += walk.usize;
  });
  if (usize !== data.length) throw new RangeError('xzJoinSegments: the segments do not hold the input');
  const lz = new Uint8Array(total);
  let o = 0;
  for (const s of segments) {
    lz.set(s, o);
    o += s.length;
  }
  return xzJoinBlocks([makeBlock(lz, data, dictByte, checkName)], checkName);
}

/**
 * Follow the chunk headers of raw LZMA2 data (xz-file-format.txt: control byte 0 = end,
 * 1/2 = uncompressed chunk with 16-bit size − 1, ≥ 0x80 = LZMA chunk with 21-bit unpacked and
 * 16-bit packed sizes − 1 and a properties byte from 0xC0): the bytes it unpacks to and whether it
 * ends with the end marker.
 */
function walkLzma2Chunks(lz: Uint8Array): { usize: number; ended: boolean } {
  let at = 0;
  let usize = 0;
  while (at < lz.length) {
    const c = lz[at]!;
    if (c === 0) {
      if (at !== lz.length - 1) break;
      return { usize, ended: true };
    }
    if (c === 1 || c === 2) {
      if (at + 3 > lz.length) break;
      const k = ((lz[at + 1]! << 8) | lz[at + 2]!) + 1;
      usize += k;
      at += 3 + k;
    } else if (c >= 0x80) {
      const head = c >= 0xc0 ? 6 : 5;
      if (at + head > lz.length) break;
      usize += (((c & 0x1f) << 16) | (lz[at + 1]! << 8) | lz[at + 2]!) + 1;
      at += head + ((lz[at + 3]! << 8) | lz[at + 4]!) + 1;
    } else {
      break;
    }
  }
  if (at !== lz.length) throw new RangeError('xzJoinSegments: not a sequence of LZMA2 chunks');
  return { usize, ended: false };
}

/**
 * Join blocks (in input order) into one .xz stream: stream header, the blocks, index, footer.
 * No blocks gives the stream of an empty input.
 *
 * @throws RangeError when a block's check differs from `check`
 */
export function xzJoinBlocks(blocks: readonly XzBlock[], check: XzCheck = 'crc64'): Uint8Array {
  const checkId = checkIdOf(check);
  const flags = [0x00, checkId];
  const head: number[] = [...XZ_HEADER_MAGIC, ...flags];
  putU32(head, crc32(new Uint8Array(flags)));

  const index: number[] = [0x00];
  putVarint(index, blocks.length);
  let total = head.length;
  for (const b of blocks) {
    if (b.check !== check) throw new RangeError('xzJoinBlocks: blocks must all use the stream\'s check');
    putVarint(index, b.unpaddedSize);
    putVarint(index, b.uncompressedSize);
    total += b.bytes.length;
  }
  while (index.length & 3) index.push(0);
  putU32(index, crc32(new Uint8Array(index)));
  const foot: number[] = [];
  const back = [0, 0, 0, 0, ...flags];
  const bs = index.length / 4 - 1;
  back[0] = bs & 0xff;
  back[1] = (bs >>> 8) & 0xff;
  back[2] = (bs >>> 16) & 0xff;
  back[3] = bs >>> 24;
  putU32(foot, crc32(new Uint8Array(back)));
  foot.push(...back, 0x59, 0x5a);
  total += index.length + foot.length;

  const out = new Uint8Array(total);
  out.set(head, 0);
  let o = head.length;
  for (const b of blocks) {
    out.set(b.bytes, o);
    o += b.bytes.length;
  }
  out.set(index, o);
  out.set(foot, o + index.length);
  return out;
}

/**
 * Compress `data` into a single-stream, single-block .xz file (like `xz -T1 -N`), which `xz -d` and
 * {@link xzDecompress} accept. The dictionary is the preset's, shrunk to the input size when the
 * input is smaller (the block header then declares the smaller size, so decoders need less memory).
 *
 * A pure function over its input: safe to run in several worker threads at once. Inputs must be
 * smaller than 2 GiB (positions are int32); split larger data into several calls/streams
 * ({@link xzCompressBlock} and {@link xzJoinBlocks} make one stream of several blocks).
 */
export function xzCompress(data: Uint8Array, opts: XzCompressOptions = {}): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('xzCompress: data must be a Uint8Array');
  if (data.length >= 0x7fff0000) throw new RangeError('xzCompress: input must be smaller than 2 GiB');
  const checkName = opts.check ?? 'crc64';
  overrideParams(presetParams(opts.preset ?? 6, opts.extreme ?? false), opts);
  checkIdOf(checkName);
  return xzJoinBlocks(data.length === 0 ? [] : [xzCompressBlock(data, opts)], checkName);
}
