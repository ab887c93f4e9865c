/**
 * The dirtree serializer writes `(a(say)a(sayay))` directly; it must give exactly the bytes of the
 * generic GVariant encoder (checked against ostree's own objects in ostree-objects.test.ts) for
 * every framing-offset width: 1-byte elements and arrays, 2-byte offsets (names > 221 bytes, arrays
 * > 255 bytes) and 4-byte offsets (arrays > 64 KiB), and empty arrays.
 */
import { describe, it, expect } from 'vitest';
import { encode, type GVValue } from '../../src/gvariant/index.js';
import { encodeDirtree, decodeDirtree, type Dirtree } from '../../src/format/dirtree.js';
import { checksumToBytes } from '../../src/format/checksum.js';
import { DIRTREE_TYPE } from '../../src/format/types.js';
import { compareUtf8 } from '../../src/format/bytes.js';
import { xorshift32 } from '../util/prng.js';

function generic(t: Dirtree): Uint8Array {
  const byName = (a: { name: string }, b: { name: string }) => compareUtf8(a.name, b.name);
  const fv: GVValue[] = [...t.files].sort(byName).map((f) => [f.name, checksumToBytes(f.checksum)]);
  const dv: GVValue[] = [...t.dirs].sort(byName).map((d) => [d.name, checksumToBytes(d.tree), checksumToBytes(d.meta)]);
  return encode(DIRTREE_TYPE, [fv, dv]);
}

describe('dirtree serializer', () => {
  it('equals the generic encoder for every offset width', () => {
    const next = xorshift32(12345);
    const hex = () => Array.from({ length: 64 }, () => '0123456789abcdef'[next() & 15]).join('');
    const name = (i: number, len: number) => `${i}-${'é'.repeat(next() % 3)}${'n'.repeat(Math.max(0, len))}`;
    const shapes: Array<[number, number, number]> = [
      // files, dirs, name length
      [0, 0, 1],
      [1, 0, 1],
      [0, 1, 1],
      [3, 2, 5],
      [5, 0, 200], // an element of 1-byte offsets, an array of 2-byte offsets
      [1, 1, 250], // elements of 2-byte offsets
      [1, 1, 216], // around the 1/2-byte element boundary
      [1, 1, 217],
      [1, 1, 218],
      [1, 1, 219],
      [1, 1, 220],
      [1, 1, 221],
      [1, 1, 222],
      [1, 1, 150],
      [1, 1, 183],
      [1, 1, 184],
      [1, 1, 185],
      [200, 30, 20],
      [2000, 10, 10], // arrays above 64 KiB: 4-byte offsets
      [10, 2000, 10],
    ];
    for (const [nf, nd, len] of shapes) {
      for (let rep = 0; rep < 3; rep++) {
        const t: Dirtree = {
          files: Array.from({ length: nf }, (_, i) => ({ name: `f${name(i, len - (next() % 4))}`, checksum: hex() })),
          dirs: Array.from({ length: nd }, (_, i) => ({ name: `d${name(i, len - (next() % 4))}`, tree: hex(), meta: hex() })),
        };
        const fast = encodeDirtree(t);
        expect(Buffer.compare(Buffer.from(fast), Buffer.from(generic(t))), `${nf} files, ${nd} dirs, names ~${len}`).toBe(0);
        const back = decodeDirtree(fast);
        expect(back.files.length).toBe(nf);
        expect(back.dirs.length).toBe(nd);
      }
    }
  });
});
