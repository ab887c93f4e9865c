import { describe, it, expect } from 'vitest';
import {
  S_IFREG,
  S_IFDIR,
  S_IFLNK,
  S_IFCHR,
  validateStatModePerms,
  validateFileMode,
  validateDirMode,
  validateBareUserOnlyMode,
  canonicalizePermissions,
  modeRoExecutables,
  bareUserContentMode,
} from '../../src/format/mode.js';
import { codeOf } from '../util/errors.js';

const code = codeOf;

describe('mode validation', () => {
  it('validate_stat_mode_perms', () => {
    expect(() => validateStatModePerms(S_IFREG | 0o7777)).not.toThrow();
    expect(code(() => validateStatModePerms(0o200000 | 0o644))).toBe('INVALID_MODE');
    expect(code(() => validateStatModePerms(-1))).toBe('INVALID_MODE');
    expect(code(() => validateStatModePerms(2 ** 32))).toBe('INVALID_MODE');
  });
  it('file and dir modes', () => {
    expect(() => validateFileMode(S_IFREG | 0o644)).not.toThrow();
    expect(() => validateFileMode(S_IFLNK | 0o777)).not.toThrow();
    expect(code(() => validateFileMode(S_IFDIR | 0o755))).toBe('INVALID_MODE');
    expect(code(() => validateFileMode(S_IFCHR | 0o644))).toBe('INVALID_MODE');
    expect(() => validateDirMode(S_IFDIR | 0o755)).not.toThrow();
    expect(code(() => validateDirMode(S_IFREG | 0o755))).toBe('INVALID_MODE');
  });
  it('bare-user-only rule', () => {
    expect(() => validateBareUserOnlyMode(S_IFREG | 0o775)).not.toThrow();
    expect(() => validateBareUserOnlyMode(S_IFLNK | 0o777)).not.toThrow();
    for (const m of [0o4755, 0o2755, 0o1755, 0o777, 0o646]) expect(code(() => validateBareUserOnlyMode(S_IFREG | m))).toBe('INVALID_MODE');
  });
});

describe('canonicalization', () => {
  it('canonical permissions', () => {
    expect(canonicalizePermissions({ uid: 1000, gid: 100, mode: S_IFREG | 0o4777 })).toEqual({ uid: 0, gid: 0, mode: S_IFREG | 0o755 });
    expect(canonicalizePermissions({ uid: 1, gid: 1, mode: S_IFDIR | 0o1777 })).toEqual({ uid: 0, gid: 0, mode: S_IFDIR | 0o755 });
    expect(canonicalizePermissions({ uid: 1, gid: 1, mode: S_IFLNK | 0o777 })).toEqual({ uid: 0, gid: 0, mode: S_IFLNK | 0o777 });
  });
  it('mode-ro-executables and bare-user disk mode', () => {
    expect(modeRoExecutables(S_IFREG | 0o755)).toBe(S_IFREG | 0o555);
    expect(modeRoExecutables(S_IFREG | 0o744)).toBe(S_IFREG | 0o544);
    expect(modeRoExecutables(S_IFREG | 0o644)).toBe(S_IFREG | 0o644);
    expect(modeRoExecutables(S_IFDIR | 0o755)).toBe(S_IFDIR | 0o755);
    expect(bareUserContentMode(S_IFREG | 0o4000)).toBe(S_IFREG | 0o400);
    expect(bareUserContentMode(S_IFREG | 0o777)).toBe(S_IFREG | 0o775);
  });
});
