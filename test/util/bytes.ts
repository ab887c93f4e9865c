/** Byte-array edits shared by the codec and delta tests. */

/** `src` with `remove` bytes at `at` replaced by `insert`. */
export function splice(src: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length - remove + insert.length);
  out.set(src.subarray(0, at));
  out.set(insert, at);
  out.set(src.subarray(at + remove), at + insert.length);
  return out;
}
