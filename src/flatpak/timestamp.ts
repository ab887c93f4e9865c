/**
 * `--timestamp` values as flatpak's builtins accept them (gnulib `parse_datetime()`): `NOW`
 * (any case) for the current time, otherwise what `parseTimestamp()` of `ops/commit.ts` reads
 * (`@SECONDS`, seconds, ISO 8601, `YYYY-MM-DD HH:MM:SS [±ZZZZ]`).
 *
 * @module
 */
import { parseTimestamp } from '../ops/commit.js';

/** Seconds since the epoch for a `--timestamp` option value, a number, bigint or Date. */
export function flatpakTimestamp(ts: bigint | number | Date | string, now: () => number = Date.now): bigint {
  if (typeof ts === 'bigint') return ts;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) throw new RangeError(`timestamp must be finite, got ${ts}`);
    return BigInt(Math.floor(ts));
  }
  if (ts instanceof Date) return BigInt(Math.floor(ts.getTime() / 1000));
  if (ts.trim().toLowerCase() === 'now') return BigInt(Math.floor(now() / 1000));
  return parseTimestamp(ts);
}
