/**
 * Raw DEFLATE for archive `.filez` bodies, in two flavours:
 *
 * - `fast`: `node:zlib` on the libuv thread pool (uses every core). Node bundles Chromium's zlib,
 *   whose output differs from the system zlib ostree links (about 2% larger, never byte-identical),
 *   which is harmless: clients inflate and checksums cover the uncompressed content.
 * - `exact`: pako, a faithful port of zlib whose output is byte-identical to Debian's zlib at the
 *   same level/memLevel (measured 200/200 files), about 4× slower. Used where the compressed size
 *   enters a checksum (`--generate-sizes` puts archived sizes into the commit), so our commits equal
 *   ostree's and flatpak's.
 *
 * Both use ostree's parameters: raw (windowBits −15), memLevel 8, default strategy
 * (`_ostree_zlib_file_header_new()` / GZlibCompressor RAW in `src/libostree/ostree-repo-commit.c`).
 *
 * @module
 */
import { promisify } from 'node:util';
import { deflateRaw, createDeflateRaw } from 'node:zlib';
import { Transform } from 'node:stream';
import pako from 'pako';

const deflateRawAsync = promisify(deflateRaw);

/** Which deflate implementation to use. */
export type DeflateFlavour = 'fast' | 'exact';

/** Compress `data` as a raw DEFLATE stream. */
export async function deflateRawBytes(data: Uint8Array, level: number, flavour: DeflateFlavour): Promise<Uint8Array> {
  if (flavour === 'exact') return pako.deflateRaw(data, { level: level as pako.DeflateOptions['level'], memLevel: 8 });
  const d = await deflateRawAsync(data, { level, memLevel: 8 });
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** A streaming raw-DEFLATE transform. */
export function createRawDeflater(level: number, flavour: DeflateFlavour): Transform {
  if (flavour === 'fast') return createDeflateRaw({ level, memLevel: 8 });
  const d = new pako.Deflate({ raw: true, level: level as pako.DeflateOptions['level'], memLevel: 8 });
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
