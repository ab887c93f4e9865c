/**
 * ostree-ts public API. Explicit re-exports only.
 * @module
 */
export { OstreeError, isOstreeError } from './errors.js';
export type { OstreeErrorCode, OstreeErrorOptions } from './errors.js';
export { Variant, dictGet, variant } from './gvariant/value.js';
export type { GVValue, GVMaybe, DictEntry } from './gvariant/value.js';
