import { describe, it, expect } from 'vitest';
import { flatpakTimestamp } from '../../src/flatpak/timestamp.js';
import { OstreeError } from '../../src/errors.js';

describe('flatpakTimestamp (--timestamp)', () => {
  it('reads NOW, seconds, ISO 8601 and dates', () => {
    expect(flatpakTimestamp('NOW', () => 1_700_000_000_999)).toBe(1_700_000_000n);
    expect(flatpakTimestamp(' now ', () => 5_000)).toBe(5n);
    expect(flatpakTimestamp('2024-01-02T03:04:05Z')).toBe(1704164645n);
    expect(flatpakTimestamp('@42')).toBe(42n);
    expect(flatpakTimestamp(7.9)).toBe(7n);
    expect(flatpakTimestamp(9n)).toBe(9n);
    expect(flatpakTimestamp(new Date(3000))).toBe(3n);
    expect(() => flatpakTimestamp('not a date')).toThrow(OstreeError);
    expect(() => flatpakTimestamp(Number.NaN)).toThrow(RangeError);
  });
});
