import { describe, it, expect } from 'vitest';
import { branchProblem, formatRef, hostArch, isValidBranch, isValidName, nameProblem, parseRef, pathMatchPrefix, tryParseRef } from '../../src/flatpak/names.js';
import { OstreeError } from '../../src/errors.js';

describe('flatpak names (flatpak_is_valid_name/branch)', () => {
  it('accepts and rejects IDs like flatpak', () => {
    for (const ok of ['org.test.App', 'org.test.App-2', '_a.b.c', 'a.b.c_d9', 'org.gnome.Platform.Locale']) expect(isValidName(ok), ok).toBe(true);
    expect(nameProblem('')).toBe("Name can't be empty");
    expect(nameProblem('org.test')).toBe('Names must contain at least 2 periods');
    expect(nameProblem('.org.a.b')).toBe("Name can't start with a period");
    expect(nameProblem('org.a.b.')).toBe("Name can't end with a period");
    expect(nameProblem('org.a-b.c')).toBe('Only last name segment can contain -');
    expect(nameProblem('org.1a.b')).toBe("Name segment can't start with 1");
    expect(nameProblem('org.a.b/c')).toBe("Name can't contain /");
    expect(nameProblem('9org.a.b')).toBe("Name can't start with 9");
    expect(nameProblem('a.b.' + 'c'.repeat(260))).toBe("Name can't be longer than 255 characters");
  });
  it('branches', () => {
    for (const ok of ['master', 'stable', '3.38', '-x', '_y', 'a.b']) expect(isValidBranch(ok), ok).toBe(true);
    expect(branchProblem('')).toBe("Branch can't be empty");
    expect(branchProblem('.x')).toBe("Branch can't start with .");
    expect(branchProblem('a/b')).toBe("Branch can't contain /");
  });
  it('refs', () => {
    expect(parseRef('app/org.a.B/x86_64/stable')).toEqual({ kind: 'app', id: 'org.a.B', arch: 'x86_64', branch: 'stable' });
    expect(formatRef({ kind: 'runtime', id: 'org.a.P', arch: 'aarch64', branch: '1' })).toBe('runtime/org.a.P/aarch64/1');
    for (const bad of ['app/org.a.B/x86_64', 'foo/org.a.B/x86_64/m', 'app/org.a/x86_64/m', 'app/org.a.B/x 86/m', 'app/org.a.B/x86_64/.m']) {
      expect(() => parseRef(bad)).toThrow(OstreeError);
      expect(tryParseRef(bad)).toBeNull();
    }
    expect(hostArch('x64')).toBe('x86_64');
    expect(hostArch('arm64')).toBe('aarch64');
    expect(hostArch('ia32')).toBe('i386');
  });
});

describe('pathMatchPrefix (flatpak_path_match_prefix)', () => {
  const m = (p: string, s: string) => pathMatchPrefix(p, s) >= 0;
  it('matches whole leading path elements', () => {
    expect(m('/lib/debug', '/lib/debug')).toBe(true);
    expect(m('/lib/debug', '/lib/debug/x.so')).toBe(true);
    expect(m('/lib/debug', '/lib/debugx')).toBe(false);
    expect(m('/lib', '/share/lib')).toBe(false);
    expect(m('lib', '///lib/a')).toBe(true);
  });
  it('globs', () => {
    expect(m('/share/*.log', '/share/a.log')).toBe(true);
    expect(m('/share/*.log', '/share/a.txt')).toBe(false);
    expect(m('/share/*.log', '/share/d/a.log')).toBe(false);
    expect(m('/*/x', '/a/x/y')).toBe(true);
    expect(m('/*/x', '/a/b/x')).toBe(false);
    expect(m('/a?c', '/abc')).toBe(true);
    expect(m('/a?c', '/a/c')).toBe(false);
    expect(m('*', '/anything/below')).toBe(true);
    expect(m('/a/*', '/a')).toBe(false);
    expect(pathMatchPrefix('/a/*', '/a/b/c')).toBe(4);
    expect(m('/**.so', '/lib.so')).toBe(true);
  });
  it('never hangs on pathological patterns', () => {
    const p = '/' + '*a'.repeat(12) + 'b';
    expect(m(p, '/' + 'a'.repeat(30))).toBe(false);
  });
});
