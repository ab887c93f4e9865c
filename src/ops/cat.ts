/**
 * `ostree cat`: the content of files in a commit (`src/ostree/ot-builtin-cat.c`).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import type { Repo } from '../store/repo.js';
import { commitRoot, lookupPath, type TreeEntry } from './tree.js';

/** Most symlinks followed while resolving one path (like Linux's `MAXSYMLINKS`). */
const MAX_SYMLINKS = 40;

/**
 * Read the content of `path` in commit `rev`. Symlinks are followed inside the commit as reading an
 * `OstreeRepoFile` does: the target is resolved from the link's directory (absolute targets from
 * the commit root) with {@link lookupPath}'s rules, so `..` components are not found, as in ostree.
 *
 * @throws OstreeError `NOT_FOUND` for a missing path, `IS_DIRECTORY` ("Can't open directory") for
 *   a directory, `SYMLINK_LOOP` after too many symlinks, `REF_NOT_FOUND` for an unknown rev
 */
export async function catFile(repo: Repo, rev: string, path: string): Promise<Uint8Array> {
  const { root } = await commitRoot(repo, rev);
  let e = await lookupPath(repo, root, path);
  for (let hops = 0; e.type === 'symlink'; hops++) {
    if (hops >= MAX_SYMLINKS) throw new OstreeError('SYMLINK_LOOP', `Too many levels of symbolic links: ${e.path}`);
    const parentPath = e.path.slice(0, e.path.lastIndexOf('/')) || '/';
    const parent: TreeEntry = await lookupPath(repo, root, parentPath);
    e = await lookupPath(repo, root, e.symlinkTarget ?? '', parent);
  }
  if (e.type === 'dir') throw new OstreeError('IS_DIRECTORY', "Can't open directory", { data: { path: e.path } });
  const c = await repo.readContent(e.checksum);
  return c.content;
}
