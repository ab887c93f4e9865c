import { describe, it, expect } from 'vitest';
import {
  ObjectType,
  objectTypeName,
  objectTypeFromName,
  isMeta,
  looseExtension,
  loosePath,
  parseLoosePath,
  repoModeFromString,
  repoModeToString,
  objectToString,
  objectFromString,
} from '../../src/format/object-type.js';
import { OstreeError } from '../../src/errors.js';

const C = '7cbc49f60ce9da632bc3293d5c52a07aac2e69514214d2fe8677b6c83e52d986';

describe('object types', () => {
  it('has the upstream values and names', () => {
    const names = ['file', 'dirtree', 'dirmeta', 'commit', 'tombstone-commit', 'commitmeta', 'payload-link', 'file-xattrs', 'file-xattrs-link'];
    names.forEach((n, i) => {
      expect(objectTypeName((i + 1) as ObjectType)).toBe(n);
      expect(objectTypeFromName(n)).toBe(i + 1);
    });
    expect(ObjectType.COMMIT).toBe(4);
    expect(objectTypeFromName('filez')).toBeUndefined();
    expect(() => objectTypeName(0 as ObjectType)).toThrow(RangeError);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].filter((t) => isMeta(t))).toEqual([2, 3, 4, 5, 6]);
  });
  it('builds loose paths with the archive z suffix for non-meta types only', () => {
    expect(loosePath(C, ObjectType.FILE, 'archive')).toBe(`objects/7c/${C.slice(2)}.filez`);
    expect(loosePath(C, ObjectType.FILE, 'bare-user')).toBe(`objects/7c/${C.slice(2)}.file`);
    expect(loosePath(C, ObjectType.COMMIT, 'archive')).toBe(`objects/7c/${C.slice(2)}.commit`);
    expect(looseExtension(ObjectType.PAYLOAD_LINK, 'archive')).toBe('payload-linkz');
    expect(looseExtension(ObjectType.TOMBSTONE_COMMIT, 'archive')).toBe('tombstone-commit');
    expect(() => loosePath('abc', ObjectType.FILE, 'bare')).toThrow(OstreeError);
  });
  it('parses loose paths back', () => {
    for (const t of [1, 2, 3, 4, 5, 6, 7, 8, 9] as ObjectType[]) {
      for (const mode of ['archive', 'bare'] as const) {
        const p = loosePath(C, t, mode);
        expect(parseLoosePath(p)).toEqual({ checksum: C, type: t, compressed: !isMeta(t) && mode === 'archive' });
        expect(parseLoosePath(p.slice('objects/'.length))?.checksum).toBe(C);
      }
    }
    expect(parseLoosePath(`objects/7c/${C.slice(2)}.commitz`)).toBeNull();
    expect(parseLoosePath(`objects/7c/${C.slice(2)}.bogus`)).toBeNull();
    expect(parseLoosePath(`objects/7c/${C.slice(3)}.file`)).toBeNull();
    expect(parseLoosePath(`objects/7C/${C.slice(2)}.file`)).toBeNull();
    expect(parseLoosePath(`objects/7c/${C.slice(2)}.file.tmp`)).toBeNull();
  });
  it('maps repo modes', () => {
    expect(repoModeFromString('archive-z2')).toBe('archive');
    expect(repoModeFromString('archive')).toBe('archive');
    expect(repoModeFromString('bare-user-only')).toBe('bare-user-only');
    expect(repoModeToString('archive')).toBe('archive-z2');
    try {
      repoModeFromString('zip');
      expect.unreachable();
    } catch (e) {
      expect((e as OstreeError).code).toBe('UNSUPPORTED_REPO_MODE');
    }
  });
  it('formats object names', () => {
    expect(objectToString(C, ObjectType.DIR_META)).toBe(`${C}.dirmeta`);
    expect(objectFromString(`${C}.dirmeta`)).toEqual({ checksum: C, type: ObjectType.DIR_META });
    expect(() => objectFromString(`${C}.nope`)).toThrow(OstreeError);
    expect(() => objectFromString(`zz.file`)).toThrow(OstreeError);
  });
});
