/**
 * Algorithms with no OSTree knowledge: xz/LZMA2, bsdiff/bspatch, suffix arrays, rollsum, tar,
 * zlib-exact raw DEFLATE.
 * @module
 */
export * from './xz/index.js';
export { bsdiff, writeOfft } from './bsdiff.js';
export { bspatch, readOfft, DEFAULT_BSPATCH_MAX_NEW_SIZE } from './bspatch.js';
export { suffixArray } from './suffix-array.js';
export { deflateRawExact, createDeflateRawExact, type DeflateRawExact } from './deflate-exact.js';
export * from './rollsum.js';
export * from './tar.js';
