/**
 * Emulation of GLib's `GHashTable` iteration order for string keys, so that dictionaries OSTree
 * builds with `GVariantDict` (summary metadata, delta indexes, commitmeta after signing) can be
 * reproduced byte for byte.
 *
 * Facts from GLib `glib/ghash.c` (2.74, as in Debian 12) and `glib/gstring.c`:
 * `g_str_hash()` is djb2 over *signed* chars; hashes below 2 become 2; the table starts at
 * 8 buckets (shift 3); the home bucket is `(hash * 11) % prime_mod[shift]`; collisions probe
 * quadratically (`i = (i + ++step) & mask`); after an insert the table resizes when
 * `size > 4 * nnodes && size > 8` or `size <= noccupied + noccupied / 16`, to the shift given by
 * the bit length of `trunc(nnodes * 1.333)` (min 3), relocating entries in place with a
 * "relocated" bitmap. `GVariantDict.end()` iterates buckets in index order. See also
 * ostree-formats.md §6.4. Only inserts are modelled (no removals).
 *
 * @module
 */

/** GLib's `prime_mod[]`: the largest prime below 2^shift (1 for shift 0). */
const PRIME_MOD: readonly number[] = [
  1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287,
  1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689, 268435399, 536870909, 1073741789,
  2147483647,
];

const MIN_SHIFT = 3;
const textEncoder = new TextEncoder();

/**
 * `g_str_hash()` of the UTF-8 encoding of `key`, adjusted like `g_hash_table_insert` (values 0 and
 * 1 are reserved and become 2).
 */
export function gStrHash(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? textEncoder.encode(key) : key;
  let h = 5381;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h = (Math.imul(h, 33) + (b < 128 ? b : b - 256)) >>> 0;
  }
  return h < 2 ? 2 : h;
}

function bitLength(n: number): number {
  let i = 0;
  while (n > 0) {
    n = Math.floor(n / 2);
    i++;
  }
  return i;
}

/**
 * Order of `entries` as a GLib `GHashTable` (and so `GVariantDict.end()`) would iterate them
 * after inserting them in the given order. A repeated key keeps its first position and takes the
 * last value ("last write wins in place").
 *
 * @param entries - `[key, value]` pairs in insertion order
 * @returns the unique entries in hash-table order
 */
export function ghashOrderEntries<V>(entries: ReadonlyArray<readonly [string, V]>): Array<[string, V]> {
  let shift = MIN_SHIFT;
  let size = 1 << shift;
  let mod = PRIME_MOD[shift]!;
  let mask = size - 1;
  // hashes[i] === 0 means unused (no removals, so no tombstones).
  let hashes = new Uint32Array(size);
  let slots: Array<[string, V] | undefined> = new Array(size);
  const index = new Map<string, [string, V]>();
  let nnodes = 0;

  const home = (h: number): number => (Math.imul(h, 11) >>> 0) % mod;

  const resize = (): void => {
    const oldSize = size;
    shift = Math.max(bitLength(Math.trunc(nnodes * 1.333)), MIN_SHIFT);
    size = 2 ** shift;
    mod = PRIME_MOD[shift]!;
    mask = size - 1;
    const arrSize = Math.max(size, oldSize);
    if (size > oldSize) {
      const nh = new Uint32Array(size);
      nh.set(hashes);
      hashes = nh;
      slots.length = size;
    }
    const relocated = new Uint8Array(arrSize);
    for (let i = 0; i < oldSize; i++) {
      let nodeHash = hashes[i]!;
      if (nodeHash === 0 || relocated[i]) continue;
      hashes[i] = 0;
      let entry = slots[i];
      slots[i] = undefined;
      for (;;) {
        let j = home(nodeHash);
        let step = 0;
        while (relocated[j]) {
          step++;
          j = (j + step) & mask;
        }
        relocated[j] = 1;
        const replacedHash = hashes[j]!;
        const replaced = slots[j];
        hashes[j] = nodeHash;
        slots[j] = entry;
        if (replacedHash === 0) break;
        nodeHash = replacedHash;
        entry = replaced;
      }
    }
    if (size < oldSize) {
      hashes = hashes.slice(0, size);
      slots.length = size;
    }
  };

  for (const [key, value] of entries) {
    const existing = index.get(key);
    if (existing) {
      existing[1] = value;
      continue;
    }
    const h = gStrHash(key);
    let i = home(h);
    let step = 0;
    while (hashes[i] !== 0) {
      step++;
      i = (i + step) & mask;
    }
    const entry: [string, V] = [key, value];
    hashes[i] = h;
    slots[i] = entry;
    index.set(key, entry);
    nnodes++;
    const noccupied = nnodes;
    if ((size > 4 * nnodes && size > 1 << MIN_SHIFT) || size <= noccupied + Math.floor(noccupied / 16)) resize();
  }

  const out: Array<[string, V]> = [];
  for (let i = 0; i < size; i++) if (hashes[i] !== 0) out.push(slots[i]!);
  slots = [];
  return out;
}

/**
 * Unique `keys` in GLib `GHashTable` iteration order after inserting them in the given order
 * (see {@link ghashOrderEntries}).
 */
export function ghashOrder(keys: readonly string[]): string[] {
  return ghashOrderEntries(keys.map((k) => [k, null] as const)).map((e) => e[0]);
}
