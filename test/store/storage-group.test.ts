/**
 * `NodeStorage.writeAtomicGroup`: files staged and synced first, then renamed (or, for `null`,
 * deleted) in order; a failure before the renames changes nothing and leaves no temporary files.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch } from '../util/scratch.js';
import { NodeStorage } from '../../src/store/storage.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);


describe('NodeStorage.writeAtomicGroup', () => {
  it('writes, replaces and deletes in one group, creating missing directories', async () => {
    const { dir, done } = scratch('group');
    try {
      writeFileSync(join(dir, 'a'), 'old a');
      writeFileSync(join(dir, 'gone'), 'x');
      const st = new NodeStorage(dir);
      await st.writeAtomicGroup([
        { path: 'sub/deeper/b', data: enc('new b') },
        { path: 'a', data: enc('new a') },
        { path: 'gone', data: null },
        { path: 'never-there', data: null },
      ], { fsync: true });
      expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('new a');
      expect(readFileSync(join(dir, 'sub/deeper/b'), 'utf8')).toBe('new b');
      expect(existsSync(join(dir, 'gone'))).toBe(false);
      expect(readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    } finally {
      done();
    }
  });

  it('changes nothing when a file cannot be written', async () => {
    const { dir, done } = scratch('group');
    try {
      writeFileSync(join(dir, 'a'), 'old a');
      writeFileSync(join(dir, 'gone'), 'x');
      writeFileSync(join(dir, 'file'), 'a file, not a directory');
      const st = new NodeStorage(dir);
      await expect(
        st.writeAtomicGroup([
          { path: 'a', data: enc('new a') },
          { path: 'gone', data: null },
          { path: 'file/b', data: enc('b') },
        ]),
      ).rejects.toThrow();
      expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('old a');
      expect(existsSync(join(dir, 'gone'))).toBe(true);
      expect(readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    } finally {
      done();
    }
  });
});
