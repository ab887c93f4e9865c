/**
 * Unix mode bits as OSTree stores them, their validation and the canonicalizations applied at
 * commit time.
 *
 * Facts from upstream:
 * - `src/libostree/ostree-core.c`: `validate_stat_mode_perms()` (no bits outside
 *   `S_IFMT|07777`), `ostree_validate_structureof_file_mode()` (regular file or symlink),
 *   `_ostree_validate_bareuseronly_mode()` (regular files: no bits outside `0775`).
 * - `src/libostree/ostree-repo-commit.c`: `_ostree_repo_commit_modifier_apply()` with
 *   `CANONICAL_PERMISSIONS` (uid = gid = 0; files `& (S_IFREG|0755)`, dirs `& (S_IFDIR|0755)`,
 *   symlinks unchanged); bare-user on-disk mode `(mode & (S_IFREG|0775)) | S_IRUSR`.
 * - `src/ostree/ot-builtin-commit.c` `commit_filter()`: `--mode-ro-executables` clears the write
 *   bits of regular files that have any execute bit.
 *
 * @module
 */

import { OstreeError } from '../errors.js';

/** File-type mask. */
export const S_IFMT = 0o170000;
/** Socket. */
export const S_IFSOCK = 0o140000;
/** Symbolic link. */
export const S_IFLNK = 0o120000;
/** Regular file. */
export const S_IFREG = 0o100000;
/** Block device. */
export const S_IFBLK = 0o060000;
/** Directory. */
export const S_IFDIR = 0o040000;
/** Character device. */
export const S_IFCHR = 0o020000;
/** FIFO. */
export const S_IFIFO = 0o010000;
/** Set-user-ID bit. */
export const S_ISUID = 0o4000;
/** Set-group-ID bit. */
export const S_ISGID = 0o2000;
/** Sticky bit. */
export const S_ISVTX = 0o1000;
/** Owner read. */
export const S_IRUSR = 0o400;
/** Any write bit. */
export const S_IWANY = 0o222;
/** Any execute bit. */
export const S_IXANY = 0o111;

/** True for a regular-file mode. */
export function isRegularMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}
/** True for a directory mode. */
export function isDirMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFDIR;
}
/** True for a symlink mode. */
export function isSymlinkMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFLNK;
}

function modeError(mode: number, why: string): OstreeError {
  return new OstreeError('INVALID_MODE', `Invalid mode 0${(mode >>> 0).toString(8)}: ${why}`, { data: { mode } });
}

/**
 * `validate_stat_mode_perms()`: no bits set outside `S_IFMT | 07777`.
 *
 * @throws OstreeError `INVALID_MODE`
 */
export function validateStatModePerms(mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0xffffffff) throw modeError(mode, 'not a u32');
  if (((mode >>> 0) & ~(S_IFMT | 0o7777)) !== 0) throw modeError(mode, 'invalid bits in mode');
}

/**
 * `ostree_validate_structureof_file_mode()`: a regular file or symlink with valid permission bits.
 *
 * @throws OstreeError `INVALID_MODE`
 */
export function validateFileMode(mode: number): void {
  validateStatModePerms(mode);
  if (!isRegularMode(mode) && !isSymlinkMode(mode)) throw modeError(mode, 'not a valid file type');
}

/**
 * Dirmeta mode rule (`ostree_validate_structureof_dirmeta()`): a directory with valid permission
 * bits.
 *
 * @throws OstreeError `INVALID_MODE`
 */
export function validateDirMode(mode: number): void {
  validateStatModePerms(mode);
  if (!isDirMode(mode)) throw modeError(mode, 'not a directory');
}

/**
 * `_ostree_validate_bareuseronly_mode()`: regular files may not carry setuid/setgid/sticky or
 * world-write bits (`(mode & ~S_IFMT) & ~0775` must be 0); symlinks are always fine.
 *
 * @throws OstreeError `INVALID_MODE` (also for a mode that is neither file nor symlink)
 */
export function validateBareUserOnlyMode(mode: number): void {
  validateFileMode(mode);
  if (isRegularMode(mode)) {
    const bad = mode & ~S_IFMT & ~0o775;
    if (bad !== 0) throw modeError(mode, `invalid bits 0${bad.toString(8)} for bare-user-only`);
  }
}

/** Owner and mode of a file-system entry as OSTree records them. */
export interface Ownership {
  /** User ID. */
  readonly uid: number;
  /** Group ID. */
  readonly gid: number;
  /** Full `st_mode` including the file-type bits. */
  readonly mode: number;
}

/**
 * Canonical permissions (`--canonical-permissions`, and every commit into a bare-user-only repo):
 * uid = gid = 0; regular files `& (S_IFREG|0755)`, directories `& (S_IFDIR|0755)`, symlinks keep
 * their mode.
 */
export function canonicalizePermissions(o: Ownership): Ownership {
  let mode = o.mode;
  if (isRegularMode(mode)) mode &= S_IFREG | 0o755;
  else if (isDirMode(mode)) mode &= S_IFDIR | 0o755;
  return { uid: 0, gid: 0, mode };
}

/**
 * `--mode-ro-executables`: a regular file with any execute bit loses all write bits; other modes
 * are returned unchanged.
 */
export function modeRoExecutables(mode: number): number {
  if (isRegularMode(mode) && (mode & S_IXANY) !== 0) return mode & ~S_IWANY;
  return mode;
}

/**
 * The real on-disk mode of a regular file's content in a bare-user repo:
 * `(mode & (S_IFREG|0775)) | S_IRUSR`.
 */
export function bareUserContentMode(mode: number): number {
  return (mode & (S_IFREG | 0o775)) | S_IRUSR;
}
