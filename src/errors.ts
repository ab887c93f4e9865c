/**
 * The one error class of ostree-ts.
 *
 * Every failure caused by data (a corrupt object, a malformed summary, a bad ref name, a signature
 * that does not verify) is an {@link OstreeError} with a stable string {@link OstreeError.code}.
 * Argument misuse at the API edge is a `TypeError`/`RangeError`; aborts rethrow `signal.reason`.
 *
 * @module
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type OstreeErrorCode =
  | 'GVARIANT_INVALID'
  | 'GVARIANT_TYPE_INVALID'
  | 'GVARIANT_NOT_NORMAL'
  | 'GVARIANT_TEXT_INVALID'
  | 'CORRUPT_OBJECT'
  | 'OBJECT_NOT_FOUND'
  | 'WRONG_OBJECT_TYPE'
  | 'INVALID_CHECKSUM'
  | 'INVALID_REF'
  | 'REF_NOT_FOUND'
  | 'INVALID_COLLECTION_ID'
  | 'INVALID_FILENAME'
  | 'INVALID_MODE'
  | 'KEYFILE_INVALID'
  | 'CONFIG_INVALID'
  | 'REPO_NOT_FOUND'
  | 'REPO_EXISTS'
  | 'UNSUPPORTED_REPO_MODE'
  | 'LOCKED'
  | 'PATH_ESCAPE'
  | 'EXISTS'
  | 'INVALID_ARGUMENT'
  | 'XZ_CORRUPT'
  | 'XZ_UNSUPPORTED'
  | 'XZ_LIMIT'
  | 'BSPATCH_CORRUPT'
  | 'DELTA_MISMATCH'
  | 'DELTA_CORRUPT'
  | 'SUMMARY_INVALID'
  | 'BAD_SIGNATURE'
  | 'NO_SIGNATURE'
  | 'KEY_INVALID'
  | 'KEY_NOT_FOUND'
  | 'PASSPHRASE_REQUIRED'
  | 'TAR_INVALID'
  | 'FSCK_FAILED'
  | 'HTTP_ERROR'
  | 'NOT_IMPLEMENTED'
  | (string & {});

/** Options for {@link OstreeError}. */
export interface OstreeErrorOptions {
  /** Structured context (object checksum, path, offset, …). */
  data?: Record<string, unknown>;
  /** The underlying error, when this one adds context to it. */
  cause?: unknown;
}

/**
 * An error with a stable machine-readable `code`.
 *
 * @example
 * ```ts
 * try { await repo.readCommit(c) } catch (e) {
 *   if (e instanceof OstreeError && e.code === 'OBJECT_NOT_FOUND') { … }
 * }
 * ```
 */
export class OstreeError extends Error {
  /** Stable code, e.g. `'CORRUPT_OBJECT'`. */
  readonly code: OstreeErrorCode;
  /** Structured context. */
  readonly data: Record<string, unknown>;

  constructor(code: OstreeErrorCode, message: string, options: OstreeErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'OstreeError';
    this.code = code;
    this.data = options.data ?? {};
  }
}

/** True when `e` is an {@link OstreeError} (optionally with the given code). */
export function isOstreeError(e: unknown, code?: OstreeErrorCode): e is OstreeError {
  return e instanceof OstreeError && (code === undefined || e.code === code);
}
