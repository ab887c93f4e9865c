/**
 * How OSTree names objects: SHA-256 over metadata bytes, over the length-prefixed content header
 * plus content, and the commit "content checksum".
 *
 * Facts from upstream `src/libostree/ostree-core.c` (`ostree_checksum_file_from_input()`,
 * `ostree_commit_get_content_checksum()`) and `src/libostree/ostree-repo-commit.c`
 * (`write_metadata_object()`). See ostree-formats.md §2.
 *
 * @module
 */

import { createHash } from 'node:crypto';

/** SHA-256 of `bytes` as lowercase hex. */
export function sha256Hex(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * Checksum of a metadata object (dirtree, dirmeta, commit): SHA-256 of its normal-form bytes
 * exactly as stored.
 */
export function metadataChecksum(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

/** An incremental SHA-256 whose digest is an object checksum. */
export interface ObjectHasher {
  /** Feed more bytes; returns the hasher for chaining. */
  update(chunk: Uint8Array): ObjectHasher;
  /** Finish and return the lowercase hex checksum (call once). */
  digest(): string;
}

/** An {@link ObjectHasher} already fed with `prefix`. */
export function createSha256Hasher(prefix?: Uint8Array): ObjectHasher {
  const h = createHash('sha256');
  if (prefix) h.update(prefix);
  const self: ObjectHasher = {
    update(chunk: Uint8Array) {
      h.update(chunk);
      return self;
    },
    digest() {
      return h.digest('hex');
    },
  };
  return self;
}
