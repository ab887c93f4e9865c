/**
 * Fuzz mutators: seeded byte-level and structure-aware mutations of valid inputs.
 *
 * Generic mutators (bit flips, interesting bytes, insert/delete, splice, truncation, duplication)
 * work on any input. The GVariant-aware ones aim at the places a serialized GVariant keeps its
 * framing: the offset tables at the end of every non-fixed-size container (so "tweak the last
 * bytes by ±1 / set to 0 / 0xff" hits framing offsets), and little/big-endian integers in the body
 * that carry lengths and sizes (so "write an interesting 16/32/64-bit value at an aligned
 * position" hits length fields). Format-specific mutators live with their targets.
 */
import { Prng } from '../util/prng.js';

/** A mutation: returns a new buffer, never modifies its input. */
export type Mutator = (input: Uint8Array, rng: Prng, pool: readonly Uint8Array[]) => Uint8Array;

const INTERESTING8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x2f, 0x2e, 0x5b, 0x5d, 0x3d, 0x0a];
const INTERESTING32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x1000000, 0x40000000];
const INTERESTING64: bigint[] = [0n, 1n, 0xffn, 0xffffffffn, 0x100000000n, 10_000_000_000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 1n << 53n, (1n << 53n) + 1n];

function copy(input: Uint8Array): Uint8Array {
  return new Uint8Array(input);
}

/** Flip 1–4 random bits. */
export const bitFlip: Mutator = (input, rng) => {
  if (input.length === 0) return input;
  const out = copy(input);
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
};

/** Replace 1–3 bytes with random or "interesting" values. */
export const byteSet: Mutator = (input, rng) => {
  if (input.length === 0) return Uint8Array.of(rng.pick(INTERESTING8));
  const out = copy(input);
  const n = rng.range(1, 3);
  for (let i = 0; i < n; i++) out[rng.int(out.length)] = rng.chance(0.5) ? rng.pick(INTERESTING8) : rng.int(256);
  return out;
};

/** Insert 1–16 random bytes at a random position. */
export const insertBytes: Mutator = (input, rng) => {
  const at = rng.int(input.length + 1);
  const ins = rng.chance(0.3) ? new Uint8Array(rng.range(1, 16)).fill(rng.pick(INTERESTING8)) : rng.bytes(rng.range(1, 16));
  const out = new Uint8Array(input.length + ins.length);
  out.set(input.subarray(0, at));
  out.set(ins, at);
  out.set(input.subarray(at), at + ins.length);
  return out;
};

/** Delete a run of 1–16 bytes. */
export const deleteBytes: Mutator = (input, rng) => {
  if (input.length === 0) return input;
  const at = rng.int(input.length);
  const len = Math.min(rng.range(1, 16), input.length - at);
  const out = new Uint8Array(input.length - len);
  out.set(input.subarray(0, at));
  out.set(input.subarray(at + len), at);
  return out;
};

/** Truncate at a random length (often near the end, where framing lives). */
export const truncate: Mutator = (input, rng) => {
  if (input.length === 0) return input;
  const len = rng.chance(0.5) ? Math.max(0, input.length - rng.range(1, 8)) : rng.int(input.length);
  return input.slice(0, len);
};

/** Copy a chunk of the input over another place of itself (duplicated records, repeated names). */
export const duplicateChunk: Mutator = (input, rng) => {
  if (input.length < 2) return input;
  const from = rng.int(input.length);
  const len = Math.min(rng.range(1, 64), input.length - from);
  const at = rng.int(input.length);
  const out = new Uint8Array(input.length + len);
  out.set(input.subarray(0, at));
  out.set(input.subarray(from, from + len), at);
  out.set(input.subarray(at), at + len);
  return out;
};

/** Splice: head of this input + tail of another seed (or of itself). */
export const splice: Mutator = (input, rng, pool) => {
  const other = pool.length ? rng.pick(pool) : input;
  const a = rng.int(input.length + 1);
  const b = rng.int(other.length + 1);
  const out = new Uint8Array(a + other.length - b);
  out.set(input.subarray(0, a));
  out.set(other.subarray(b), a);
  return out;
};

/**
 * GVariant framing-offset tweak: change one of the last 1–16 bytes (where offset tables and the
 * outermost container's framing live) by ±1, ±small, or to 0/0xff.
 */
export const framingTweak: Mutator = (input, rng) => {
  if (input.length === 0) return input;
  const out = copy(input);
  const at = Math.max(0, out.length - 1 - rng.int(Math.min(16, out.length)));
  const k = rng.int(6);
  const v = out[at]!;
  out[at] = k === 0 ? v + 1 : k === 1 ? v - 1 : k === 2 ? 0 : k === 3 ? 0xff : k === 4 ? v + rng.range(2, 16) : v - rng.range(2, 16);
  return out;
};

/**
 * Length-field tweak: write an interesting 16-, 32- or 64-bit integer, little- or big-endian, at a
 * random naturally aligned position (ostree stores sizes, uids, modes and timestamps BE inside
 * little-endian GVariant framing, so both orders matter).
 */
export const lengthTweak: Mutator = (input, rng) => {
  const width = rng.pick([2, 4, 8]);
  if (input.length < width) return byteSet(input, rng, []);
  const out = copy(input);
  const slots = Math.floor(out.length / width);
  const at = rng.int(slots) * width;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const le = rng.chance(0.5);
  if (width === 8) view.setBigUint64(at, BigInt.asUintN(64, rng.pick(INTERESTING64) + BigInt(rng.range(-1, 1))), le);
  else if (width === 4) view.setUint32(at, (rng.pick(INTERESTING32) + rng.range(-1, 1)) >>> 0, le);
  else view.setUint16(at, (rng.pick(INTERESTING32) + rng.range(-1, 1)) & 0xffff, le);
  return out;
};

/** The default mutator set, each with a weight. */
export const DEFAULT_MUTATORS: ReadonlyArray<readonly [Mutator, number]> = [
  [bitFlip, 4],
  [byteSet, 4],
  [insertBytes, 2],
  [deleteBytes, 2],
  [truncate, 2],
  [duplicateChunk, 1],
  [splice, 1],
  [framingTweak, 3],
  [lengthTweak, 3],
];

/** Pick a mutator by weight. */
export function pickWeighted<T>(items: ReadonlyArray<readonly [T, number]>, rng: Prng): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = rng.float() * total;
  for (const [m, w] of items) {
    x -= w;
    if (x < 0) return m;
  }
  return items[items.length - 1]![0];
}

/** Apply 1–`max` stacked mutations chosen from `mutators` (default {@link DEFAULT_MUTATORS}). */
export function mutate(
  input: Uint8Array,
  rng: Prng,
  pool: readonly Uint8Array[],
  mutators: ReadonlyArray<readonly [Mutator, number]> = DEFAULT_MUTATORS,
  max = 3,
): Uint8Array {
  let out = input;
  const n = rng.chance(0.6) ? 1 : rng.range(2, max);
  for (let i = 0; i < n; i++) out = pickWeighted(mutators, rng)(out, rng, pool);
  return out;
}
