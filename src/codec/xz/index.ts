/**
 * Pure-TypeScript .xz (LZMA2) compression and decompression.
 *
 * @module
 */
export { xzDecompress, type XzDecompressOptions } from './decoder.js';
export {
  xzCompress, xzCompressBlock, xzJoinBlocks, xzSegmentPlan, xzCompressSegment, xzJoinSegments, presetParams, xzCreateMatchRing, xzProduceMatches, type XzCompressOptions, type XzCheck, type XzBlock,
  type XzSegment,
} from './encoder.js';
export { abortMatchRing } from './match-ring.js';
export type { LzmaParams } from './lzma-encoder.js';
export { crc32, crc64, sha256 } from './crc.js';
