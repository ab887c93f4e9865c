/**
 * bspatch: apply a raw bsdiff stream (the format ostree stores in static-delta `B` operations; see
 * `bsdiff.ts` for the record layout). Facts from mendsley/bsdiff `bspatch.c` (`offtin()`, the
 * sanity checks) and ostree's `ostree-repo-static-delta-processing.c` (the new size comes from the
 * preceding `o` operation, not from the patch).
 *
 * @module
 */
import { OstreeError } from '../errors.js';

/** Largest diff or extra section length accepted, as upstream (`INT_MAX`). */
const INT_MAX = 0x7fffffff;

/** Default for {@link BspatchOptions.maxNewSize}: 1 GiB. */
export const DEFAULT_BSPATCH_MAX_NEW_SIZE = 0x4000_0000;

/** Options for {@link bspatch}. */
export interface BspatchOptions {
  /**
   * Largest `newSize` accepted (the output is allocated up front, so this bounds memory).
   * Default {@link DEFAULT_BSPATCH_MAX_NEW_SIZE} (1 GiB).
   */
  maxNewSize?: number;
}

/**
 * Read an 8-byte sign-magnitude little-endian integer (`offtin()` in mendsley/bsdiff `bspatch.c`).
 * Magnitudes of 2^53 or more cannot be represented exactly and are returned rounded; callers that
 * care check with `Number.isSafeInteger`.
 */
export function readOfft(buf: Uint8Array, at: number): number {
  const lo = (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
  const hi = (buf[at + 4] | (buf[at + 5] << 8) | (buf[at + 6] << 16) | ((buf[at + 7] & 0x7f) << 24)) >>> 0;
  const mag = hi * 0x1_0000_0000 + lo;
  return buf[at + 7] & 0x80 ? -mag : mag;
}

function corrupt(message: string, data: Record<string, unknown>): OstreeError {
  return new OstreeError('BSPATCH_CORRUPT', `bspatch: ${message}`, { data });
}

/**
 * Apply the raw bsdiff stream `patch` to `oldData`, producing exactly `newSize` bytes.
 *
 * Every bound is checked: a truncated patch, a diff or extra length that is negative, above
 * `INT_MAX` or past `newSize`, or a seek that takes the old position outside the exactly
 * representable range throws `OstreeError('BSPATCH_CORRUPT')`. As upstream, old positions outside
 * `[0, oldData.length)` read as zero bytes, and bytes after the record that completes the output are
 * ignored. The output is allocated once and never grows.
 *
 * Mirrors `bspatch()` of mendsley/bsdiff as driven by ostree's `B` opcode
 * (`dispatch_bspatch()`, `ostree-repo-static-delta-processing.c`).
 *
 * @param oldData - the source object's content.
 * @param patch - the raw control/diff/extra stream.
 * @param newSize - the exact output size (from the delta's `o` operation).
 * @returns the reconstructed bytes (length `newSize`).
 * @throws RangeError if `newSize` is not a non-negative safe integer.
 * @throws OstreeError `BSPATCH_LIMIT` if `newSize` exceeds `options.maxNewSize`;
 *   `BSPATCH_CORRUPT` for malformed patches.
 */
export function bspatch(oldData: Uint8Array, patch: Uint8Array, newSize: number, options: BspatchOptions = {}): Uint8Array {
  if (!(oldData instanceof Uint8Array)) throw new TypeError('bspatch: oldData must be a Uint8Array');
  if (!(patch instanceof Uint8Array)) throw new TypeError('bspatch: patch must be a Uint8Array');
  if (!Number.isSafeInteger(newSize) || newSize < 0) throw new RangeError('bspatch: newSize must be a non-negative integer');
  const maxNewSize = options.maxNewSize ?? DEFAULT_BSPATCH_MAX_NEW_SIZE;
  if (!Number.isSafeInteger(maxNewSize) || maxNewSize < 0) throw new RangeError('bspatch: options.maxNewSize must be a non-negative integer');
  if (newSize > maxNewSize) {
    throw new OstreeError('BSPATCH_LIMIT', `bspatch: output size ${newSize} exceeds the limit ${maxNewSize}`, {
      data: { newSize, maxNewSize },
    });
  }

  const out = new Uint8Array(newSize);
  const oldSize = oldData.length;
  const patchSize = patch.length;
  let p = 0; // read position in the patch
  let newPos = 0;
  let oldPos = 0;
  while (newPos < newSize) {
    if (patchSize - p < 24) throw corrupt('truncated control record', { offset: p, newPos });
    const diffLen = readOfft(patch, p);
    const extraLen = readOfft(patch, p + 8);
    const seek = readOfft(patch, p + 16);
    if (diffLen < 0 || diffLen > INT_MAX || extraLen < 0 || extraLen > INT_MAX) {
      throw corrupt('section length out of range', { offset: p, diffLen, extraLen });
    }
    if (diffLen > newSize - newPos || extraLen > newSize - newPos - diffLen) {
      throw corrupt('record runs past the output size', { offset: p, newPos, diffLen, extraLen, newSize });
    }
    p += 24;
    if (patchSize - p < diffLen + extraLen) throw corrupt('truncated diff/extra data', { offset: p, diffLen, extraLen });

    // Diff section: patch bytes plus old bytes (old positions outside the file count as zero).
    if (oldPos >= 0 && oldPos + diffLen <= oldSize) {
      // Common case: copy the old bytes, then add the (mostly zero) diff bytes.
      out.set(oldData.subarray(oldPos, oldPos + diffLen), newPos);
      for (let i = 0; i < diffLen; i++) {
        const d = patch[p + i];
        if (d !== 0) out[newPos + i] += d;
      }
    } else {
      out.set(patch.subarray(p, p + diffLen), newPos);
      const from = oldPos > 0 ? oldPos : 0;
      const to = oldPos + diffLen < oldSize ? oldPos + diffLen : oldSize;
      const delta = newPos - oldPos;
      for (let i = from; i < to; i++) out[i + delta] += oldData[i];
    }
    p += diffLen;
    newPos += diffLen;
    oldPos += diffLen;

    // Extra section: verbatim.
    out.set(patch.subarray(p, p + extraLen), newPos);
    p += extraLen;
    newPos += extraLen;

    oldPos += seek;
    if (!Number.isSafeInteger(seek) || !Number.isSafeInteger(oldPos)) {
      throw corrupt('seek out of range', { offset: p, seek });
    }
  }
  return out;
}
