/**
 * Dirtrees are written as soon as a walked directory is complete (CommitWriter.finishDir), while the
 * content workers still stage other files. An overlay of several trees must still give the commit of
 * the merged tree, also when the walk offloads files to the workers (more than 1 MiB of content)
 * and a later tree changes a deep directory of an earlier one.
 */
import { describe, it, expect } from 'vitest';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repo } from '../../src/store/repo.js';
import { commit, type MemDir } from '../../src/ops/commit.js';
import { fsck } from '../../src/ops/fsck.js';
import { scratch } from '../util/scratch.js';

/** A tree of `dirs` × `files` files of `size` bytes each under nested directories. */
function makeTree(root: string, dirs: number, files: number, size: number, salt: string): void {
  for (let d = 0; d < dirs; d++) {
    const dir = join(root, `d${d % 4}`, `e${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < files; f++) {
      const b = Buffer.alloc(size, `${salt}:${d}:${f}:`);
      writeFileSync(join(dir, `f${f}`), b);
    }
  }
  mkdirSync(join(root, 'empty', 'deeper'), { recursive: true });
}

/** The directory as an in-memory tree (committed without the walk, hence without finishDir). */
function memTree(path: string): MemDir {
  const st = lstatSync(path);
  const entries: NonNullable<MemDir['entries']> = {};
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    const s = lstatSync(p);
    entries[name] = s.isDirectory() ? memTree(p) : { type: 'file', content: new Uint8Array(readFileSync(p)), mode: s.mode & 0o7777 };
  }
  return { type: 'dir', mode: st.mode & 0o7777, entries };
}

describe('commit: dirtrees written during the walk', () => {
  it('an overlay of two offloaded trees equals the commit of the merged tree', async () => {
    const { dir, done } = scratch('commit-overlay');
    try {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      makeTree(a, 12, 20, 16 * 1024, 'a'); // ≈ 3.8 MB: past the in-thread first MiB
      makeTree(b, 3, 5, 8 * 1024, 'b'); // overrides files of d0..d2/e0..e2 and adds some
      writeFileSync(join(b, 'top'), 'top\n');
      const merged = join(dir, 'merged');
      cpSync(a, merged, { recursive: true });
      cpSync(b, merged, { recursive: true, force: true });
      const repo = await Repo.init(join(dir, 'repo'), { mode: 'bare-user-only' });
      const ts = { timestamp: 1_600_000_000n, subject: 's' };
      const overlay = await commit(repo, { branch: 'o', ...ts, trees: [{ kind: 'dir', path: a }, { kind: 'dir', path: b }] });
      const one = await commit(repo, { branch: 'm', ...ts, trees: [{ kind: 'dir', path: merged }] });
      const mem = await commit(repo, { branch: 'mem', ...ts, trees: [{ kind: 'memory', tree: memTree(merged) }] });
      const onlyA = await commit(repo, { branch: 'a', ...ts, trees: [{ kind: 'dir', path: a }] });
      const c1 = await repo.loadCommit(overlay.checksum);
      const c2 = await repo.loadCommit(one.checksum);
      expect(c1.rootTree).toBe(c2.rootTree);
      expect(c2.rootTree).toBe((await repo.loadCommit(mem.checksum)).rootTree);
      expect((await repo.loadCommit(onlyA.checksum)).rootTree).not.toBe(c1.rootTree);
      expect((await fsck(repo)).problems).toEqual([]);
    } finally {
      done();
    }
  });
});
