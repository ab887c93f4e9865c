/**
 * Test helpers for the one error class: the `code` a call fails with.
 */
import { OstreeError } from '../../src/errors.js';

/** The OstreeError code `f` throws, `undefined` if it returns; any other error is rethrown. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof OstreeError) return e.code;
    throw e;
  }
  return undefined;
}
