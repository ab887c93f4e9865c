/**
 * `ostree diff`: the paths modified, removed and added between two commits
 * (`ostree_diff_dirs_with_options()` in `src/libostree/ostree-diff.c`).
 *
 * Walk order follows upstream: for each directory, the source's children (files, then directories)
 * are compared — a missing child is "removed", a child whose type or checksum differs is
 * "modified" (for a directory the checksum is its dirmeta), and directories present on both sides
 * are recursed into unless their dirtree checksums are equal — then the target's children missing
 * from the source are "added", each added directory followed by its whole subtree.
 *
 * @module
 */
import type { Repo } from '../store/repo.js';
import { commitRoot, listChildren, type TreeEntry } from './tree.js';

/** One modified path, with both sides. */
export interface DiffItem {
  path: string;
  src: TreeEntry;
  target: TreeEntry;
}

/** Result of {@link diffCommits}. */
export interface DiffResult {
  /** Resolved source commit. */
  src: string;
  /** Resolved target commit. */
  target: string;
  modified: DiffItem[];
  removed: TreeEntry[];
  added: TreeEntry[];
}

/** Options of {@link diffCommits}. */
export interface DiffOptions {
  signal?: AbortSignal;
}

/**
 * Compare the trees of commits `srcRev` and `targetRev`. `ostree diff REV` (one argument)
 * compares `REV^` with `REV`: pass `` `${rev}^` `` as `srcRev`.
 *
 * @throws OstreeError `REF_NOT_FOUND` for an unknown rev
 */
export async function diffCommits(repo: Repo, srcRev: string, targetRev: string, opts: DiffOptions = {}): Promise<DiffResult> {
  const a = await commitRoot(repo, srcRev);
  const b = await commitRoot(repo, targetRev);
  const res: DiffResult = { src: a.commit, target: b.commit, modified: [], removed: [], added: [] };

  const addAll = async (dir: TreeEntry): Promise<void> => {
    for (const c of await listChildren(repo, dir)) {
      res.added.push(c);
      if (c.type === 'dir') await addAll(c);
    }
  };
  const diffDirs = async (da: TreeEntry, db: TreeEntry): Promise<void> => {
    opts.signal?.throwIfAborted();
    if (da.contentsChecksum === db.contentsChecksum) return;
    const ca = await listChildren(repo, da);
    const cb = await listChildren(repo, db);
    const bByName = new Map(cb.map((e) => [e.name, e]));
    const aNames = new Set(ca.map((e) => e.name));
    for (const x of ca) {
      const y = bByName.get(x.name);
      if (!y) {
        res.removed.push(x);
        continue;
      }
      if (x.type !== y.type) {
        res.modified.push({ path: x.path, src: x, target: y });
        continue;
      }
      if (x.checksum !== y.checksum) res.modified.push({ path: x.path, src: x, target: y });
      if (x.type === 'dir') await diffDirs(x, y);
    }
    for (const y of cb) {
      if (aNames.has(y.name)) continue;
      res.added.push(y);
      if (y.type === 'dir') await addAll(y);
    }
  };
  await diffDirs(a.root, b.root);
  return res;
}
