/**
 * Raw DEFLATE for archive `.filez` bodies, in two flavours:
 *
 * - `fast`: `node:zlib` on the libuv thread pool (uses every core). Node bundles Chromium's zlib,
 *   whose output differs from the system zlib ostree links (about 0–2% larger, rarely
 *   byte-identical), which is harmless: clients inflate and checksums cover the uncompressed content.
 * - `exact`: output byte-identical to Debian's zlib 1.2.13 at the same level/memLevel: our own
 *   encoder (`codec/deflate-exact.ts`) for levels 4–9, pako (a faithful port of zlib) for the other
 *   levels and for the streaming deflater. Used where the compressed size
 *   enters a checksum (`--generate-sizes` puts archived sizes into the commit), so our commits equal
 *   ostree's and flatpak's. Whole buffers are compressed on a worker-thread pool
 *   (`deflate-pool.ts`) so this flavour also uses every core.
 *
 * Both use ostree's parameters: raw (windowBits −15), memLevel 8, default strategy
 * (`_ostree_zlib_file_header_new()` / GZlibCompressor RAW in `src/libostree/ostree-repo-commit.c`).
 * See docs/dependencies.md ("Deflate") for the measurements behind this choice.
 *
 * @module
 */
import { deflateRaw, createDeflateRaw } from 'node:zlib';
import { Transform } from 'node:stream';
import type pako from 'pako';
import { loadPako, pakoDeflateRawOnWorker } from './deflate-pool.js';
import { deflateRawExact } from '../codec/deflate-exact.js';

/** Which deflate implementation to use. */
export type DeflateFlavour = 'fast' | 'exact';

/** Buffers below this size are compressed in-thread by the `exact` flavour (a worker round trip costs more). */
const WORKER_MIN_BYTES = 16 * 1024;

/**
 * node:zlib's one-shot API hands output back to the main thread in `chunkSize` pieces (16 KiB by
 * default), one thread-pool round trip each. An output buffer as large as zlib's worst case
 * (deflateBound: stored blocks add 5 bytes per 16 KiB) makes it a single round trip.
 */
function fastChunkSize(n: number): number {
  return Math.max(16 * 1024, n + (n >>> 12) + (n >>> 14) + 64);
}

/** Compress `data` as a raw DEFLATE stream. */
export async function deflateRawBytes(data: Uint8Array, level: number, flavour: DeflateFlavour): Promise<Uint8Array> {
  if (flavour === 'exact') {
    const inThread = () =>
      level >= 4 && level <= 9
        ? deflateRawExact(data, level)
        : loadPako().deflateRaw(data, { level: level as pako.DeflateOptions['level'], memLevel: 8 });
    if (data.byteLength < WORKER_MIN_BYTES) return inThread();
    const job = pakoDeflateRawOnWorker(data, level);
    if (!job) return inThread();
    return job.catch(inThread);
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    deflateRaw(data, { level, memLevel: 8, chunkSize: fastChunkSize(data.byteLength) }, (err, d) => {
      if (err) reject(err);
      else resolve(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    });
  });
}

/** A streaming raw-DEFLATE transform. */
export function createRawDeflater(level: number, flavour: DeflateFlavour): Transform {
  if (flavour === 'fast') return createDeflateRaw({ level, memLevel: 8, chunkSize: 256 * 1024 });
  const d = new (loadPako().Deflate)({ raw: true, level: level as pako.DeflateOptions['level'], memLevel: 8 });
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      d.push(chunk, false);
      cb(d.err ? new Error(d.msg) : null);
    },
    flush(cb) {
      d.push(new Uint8Array(0), true);
      cb(d.err ? new Error(d.msg) : null);
    },
  });
  d.onData = (chunk: Uint8Array) => {
    t.push(chunk);
  };
  return t;
}
