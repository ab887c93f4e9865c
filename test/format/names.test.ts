import { describe, it, expect } from 'vitest';
import {
  isValidRef,
  validateRef,
  isValidRemoteName,
  parseRefspec,
  formatRefspec,
  isValidCollectionId,
  validateCollectionId,
  validateFilename,
  isValidRefFragment,
  validateRemoteName,
} from '../../src/format/names.js';
import { codeOf } from '../util/errors.js';

const code = codeOf;

describe('ref names (§4.4, §10)', () => {
  it('accepts what ostree refs --create accepted', () => {
    for (const r of ['tést/x', '日本', 'a.b-c_d/9', 'test/main', 'app/org.example.App/x86_64/stable', '0abc', '_x']) {
      expect(isValidRef(r), r).toBe(true);
      expect(() => validateRef(r)).not.toThrow();
    }
  });
  it('rejects what ostree refs --create rejected', () => {
    for (const r of ['-bad', '.bad', 'a//b', 'a/', 'ok/.hidden', 'x y', '', '/a', 'a:b', 'ref\n', 'a\u0000b', '\ud800x']) {
      expect(isValidRef(r), JSON.stringify(r)).toBe(false);
      expect(code(() => validateRef(r))).toBe('INVALID_REF');
    }
  });
  it('rejects a ref that looks like a checksum', () => {
    const c = '39677580cdcc26007bce18424914ea695798261860338a3ad3cfb7bc9f2521c7';
    expect(isValidRef(c)).toBe(false);
    expect(code(() => validateRef(c))).toBe('INVALID_REF');
    expect(isValidRef(c.slice(1))).toBe(true);
  });
  it('validates remote names and fragments', () => {
    expect(isValidRemoteName('origin')).toBe(true);
    expect(isValidRemoteName('flat-hub.org')).toBe(true);
    expect(isValidRemoteName('a/b')).toBe(false);
    expect(isValidRemoteName('-x')).toBe(false);
    expect(isValidRefFragment('ok')).toBe(true);
    expect(isValidRefFragment('.hidden')).toBe(false);
    expect(code(() => validateRemoteName('a b'))).toBe('INVALID_REF');
  });
  it('parses refspecs', () => {
    expect(parseRefspec('origin:test/main')).toEqual({ remote: 'origin', ref: 'test/main' });
    expect(parseRefspec('test/main')).toEqual({ remote: null, ref: 'test/main' });
    expect(parseRefspec('日本:tést/x')).toEqual({ remote: '日本', ref: 'tést/x' });
    expect(formatRefspec('o', 'r')).toBe('o:r');
    expect(formatRefspec(null, 'r')).toBe('r');
    for (const bad of [':x', 'a:', 'a:b:c', 'a/b:c', 'o:-x', '']) expect(code(() => parseRefspec(bad))).toBe('INVALID_REF');
  });
});

describe('collection IDs (§4.2)', () => {
  it('follows D-Bus interface-name rules', () => {
    for (const ok of ['org.example.Os', 'a.b', '_a._b', 'A1.b2_c']) expect(isValidCollectionId(ok), ok).toBe(true);
    for (const bad of ['org', '.org.x', 'org.', 'org..x', '1a.b', 'a.1b', 'org.ex-ample', 'org.exämple', 'a.' + 'b'.repeat(254), ''])
      expect(isValidCollectionId(bad), bad).toBe(false);
    expect(isValidCollectionId('a.' + 'b'.repeat(253))).toBe(true);
    expect(code(() => validateCollectionId('nope'))).toBe('INVALID_COLLECTION_ID');
  });
});

describe('dirtree filenames', () => {
  it('accepts ordinary names, rejects . .. / (upstream) and empty/NUL (ours)', () => {
    for (const ok of ['a', '.hidden', '...', 'é', '\u{1F600}', 'a b', '-', 'x'.repeat(300)]) expect(() => validateFilename(ok)).not.toThrow();
    for (const bad of ['.', '..', 'a/b', '/', '', 'a\0b', '\udc00']) expect(code(() => validateFilename(bad))).toBe('INVALID_FILENAME');
  });
});
