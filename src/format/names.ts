/**
 * Name rules: refs, remote names, refspecs, collection IDs and dirtree entry names.
 *
 * Facts from upstream:
 * - `src/libostree/ostree-core.c`: `OSTREE_REF_FRAGMENT_REGEXP` = `[\w\d][-._\w\d]*`,
 *   `OSTREE_REF_REGEXP` = `(?:fragment/)*fragment`, `OSTREE_REMOTE_NAME_REGEXP` = fragment,
 *   `ostree_parse_refspec()` = `^(remote:)?(ref)$`, `ostree_validate_rev()` (also requires UTF-8),
 *   `ostree_validate_collection_id()` (= `g_dbus_is_interface_name()`).
 *   GLib compiles these with PCRE2 in UTF+UCP mode, so `\w` is Unicode-aware: `[\p{L}\p{N}_]`.
 * - `src/libostree/ostree-repo-refs.c`: a ref name that is itself a valid checksum is refused
 *   ("looks like a checksum").
 * - `src/libotutil/ot-unix-utils.c`: `ot_util_filename_validate()` rejects `.`, `..`, names
 *   containing `/`, and invalid UTF-8.
 *
 * Deviations (all stricter): PCRE's `$` also matches before a final `\n`, so upstream accepts
 * `"ref\n"`; we do not. Filenames that are empty or contain NUL are rejected here (upstream
 * cannot see an embedded NUL and does not check for the empty name).
 *
 * @module
 */

import { OstreeError } from '../errors.js';
import { isChecksum } from './checksum.js';

const FRAGMENT = '[\\p{L}\\p{N}_][\\p{L}\\p{N}_.\\-]*';
const REF = `(?:${FRAGMENT}/)*${FRAGMENT}`;

/** A ref-name fragment (one path component), Unicode-aware like GLib's UCP `\w`. */
export const REF_FRAGMENT_RE = new RegExp(`^${FRAGMENT}$`, 'u');
/** A full ref name: fragments separated by single `/`. */
export const REF_RE = new RegExp(`^${REF}$`, 'u');
/** A remote name: one fragment. */
export const REMOTE_NAME_RE = REF_FRAGMENT_RE;
/** A refspec `[remote:]ref`; group 1 is the remote (if any), group 2 the ref. */
export const REFSPEC_RE = new RegExp(`^(?:(${FRAGMENT}):)?(${REF})$`, 'u');

const COLLECTION_ID_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** Maximum length of a collection ID (D-Bus interface-name limit). */
export const COLLECTION_ID_MAX_LENGTH = 255;

const LONE_SURROGATE_RE = /[\uD800-\uDFFF]/u;

/**
 * True when `s` has no lone surrogate, i.e. it encodes to UTF-8 without replacement characters
 * (`String.prototype.isWellFormed`, which ES2022 typings lack).
 */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE_RE.test(s);
}

function shown(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** True when `name` matches the ref-fragment rule (used to filter `refs/` directory listings). */
export function isValidRefFragment(name: string): boolean {
  return typeof name === 'string' && REF_FRAGMENT_RE.test(name);
}

/**
 * True when `ref` is a valid ref name (`ostree_validate_rev()`) and does not look like a checksum.
 */
export function isValidRef(ref: string): boolean {
  return typeof ref === 'string' && isWellFormed(ref) && REF_RE.test(ref) && !isChecksum(ref);
}

/**
 * Validate a ref name: `ostree_validate_rev()` plus the "looks like a checksum" refusal of
 * `ostree-repo-refs.c`.
 *
 * @throws OstreeError `INVALID_REF`
 */
export function validateRef(ref: string): void {
  if (typeof ref !== 'string' || !isWellFormed(ref)) {
    throw new OstreeError('INVALID_REF', 'Invalid ref name: not valid UTF-8', { data: { ref } });
  }
  if (isChecksum(ref)) {
    throw new OstreeError('INVALID_REF', `Rev name '${ref}' looks like a checksum`, { data: { ref } });
  }
  if (!REF_RE.test(ref)) {
    throw new OstreeError('INVALID_REF', `Invalid ref name ${shown(ref)}`, { data: { ref } });
  }
}

/** True when `name` is a valid remote name (`ostree_validate_remote_name()`). */
export function isValidRemoteName(name: string): boolean {
  return typeof name === 'string' && REMOTE_NAME_RE.test(name);
}

/**
 * Validate a remote name (`ostree_validate_remote_name()`).
 *
 * @throws OstreeError `INVALID_REF`
 */
export function validateRemoteName(name: string): void {
  if (!isValidRemoteName(name)) {
    throw new OstreeError('INVALID_REF', `Invalid remote name ${shown(String(name))}`, { data: { remote: name } });
  }
}

/** A parsed refspec. */
export interface Refspec {
  /** The remote, or `null` for a local ref. */
  readonly remote: string | null;
  /** The ref name. */
  readonly ref: string;
}

/**
 * Split `remote:ref` or `ref` (`ostree_parse_refspec()`).
 *
 * This does not apply the "looks like a checksum" rule (upstream callers check for a checksum
 * first and treat it as a revision).
 *
 * @throws OstreeError `INVALID_REF`
 */
export function parseRefspec(refspec: string): Refspec {
  const m = typeof refspec === 'string' && isWellFormed(refspec) ? REFSPEC_RE.exec(refspec) : null;
  if (!m) {
    throw new OstreeError('INVALID_REF', `Invalid refspec ${shown(String(refspec))}`, { data: { refspec } });
  }
  return { remote: m[1] ?? null, ref: m[2]! };
}

/** Format a refspec: `remote:ref` or `ref`. */
export function formatRefspec(remote: string | null, ref: string): string {
  return remote === null ? ref : `${remote}:${ref}`;
}

/**
 * True when `id` is a valid collection ID (`ostree_validate_collection_id()`): ≥ 2 dot-separated
 * elements of `[A-Za-z0-9_]` not starting with a digit, at most 255 characters.
 */
export function isValidCollectionId(id: string): boolean {
  return typeof id === 'string' && id.length <= COLLECTION_ID_MAX_LENGTH && COLLECTION_ID_RE.test(id);
}

/**
 * Validate a collection ID.
 *
 * @throws OstreeError `INVALID_COLLECTION_ID`
 */
export function validateCollectionId(id: string): void {
  if (!isValidCollectionId(id)) {
    throw new OstreeError('INVALID_COLLECTION_ID', `Invalid collection ID ${shown(String(id))}`, {
      data: { collectionId: id },
    });
  }
}

/**
 * Why `name` is not a valid dirtree entry name, or `null` when it is valid.
 * Upstream `ot_util_filename_validate()` plus our extra empty/NUL rules.
 */
export function filenameProblem(name: string): string | null {
  if (typeof name !== 'string') return 'not a string';
  const n = name.length;
  if (n === 0) return 'empty filename';
  if (n <= 2 && (name === '.' || name === '..')) return name === '.' ? "self-referential filename '.'" : "path uplink filename '..'";
  let surrogate = false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === 47) return '/ in filename';
    if (c === 0) return 'NUL in filename';
    if (c >= 0xd800 && c <= 0xdfff) surrogate = true;
  }
  if (surrogate && !isWellFormed(name)) return 'invalid UTF-8 in filename';
  return null;
}

/**
 * Validate a dirtree entry name (`ot_util_filename_validate()`; we also reject the empty name and
 * NUL).
 *
 * @throws OstreeError `INVALID_FILENAME`
 */
export function validateFilename(name: string): void {
  const p = filenameProblem(name);
  if (p !== null) {
    throw new OstreeError('INVALID_FILENAME', `Invalid filename ${JSON.stringify(shown(String(name)))}: ${p}`, {
      data: { filename: name },
    });
  }
}
