/**
 * OSTree object formats, pure bytes in/out: type strings, checksums, names, modes, commit,
 * dirtree, dirmeta, file headers, commitmeta, tombstones, varints and GHashTable ordering.
 *
 * @module
 */
export * from './types.js';
export * from './checksum.js';
export * from './checksums.js';
export * from './object-type.js';
export * from './names.js';
export * from './mode.js';
export * from './varint.js';
export * from './ghash-order.js';
export * from './xattrs.js';
export { bswap32, bswap64, compareUtf8, sortByUtf8, strcmpBytes, bytesEqual } from './bytes.js';
export * from './commit.js';
export * from './dirtree.js';
export * from './dirmeta.js';
export * from './file-header.js';
export * from './commitmeta.js';
export * from './tombstone.js';
export * from './keyfile.js';
export * from './summary.js';
export * from './delta.js';
