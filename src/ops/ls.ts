/**
 * `ostree ls`: list the entries of a commit's tree (`src/ostree/ot-builtin-ls.c`).
 *
 * For each path argument the entry itself is listed, then — when it is a directory — its children
 * (one level), or its whole subtree with `recursive`, or nothing with `dirOnly`. Children come in
 * `OstreeRepoFile` enumeration order: files, then directories, each sorted by name as stored.
 *
 * @module
 */
import type { Repo } from '../store/repo.js';
import { commitRoot, listChildren, lookupPath, type TreeEntry } from './tree.js';
import { OstreeError } from '../errors.js';

export type { TreeEntry } from './tree.js';

/** Options of {@link ls}, named after `ostree ls`'s. */
export interface LsOptions {
  /** Paths inside the commit to list (default `['/']`). Relative paths start at `/`. */
  paths?: string[];
  /** `-R/--recursive`: list directories recursively. */
  recursive?: boolean;
  /** `-d/--dironly`: do not list the children of directory arguments. */
  dirOnly?: boolean;
  signal?: AbortSignal;
}

/** Result of {@link ls}. */
export interface LsResult {
  /** The resolved commit checksum. */
  commit: string;
  /** Entries in output order. */
  entries: TreeEntry[];
}

/**
 * List entries of commit `rev`.
 *
 * @throws OstreeError `REF_NOT_FOUND` for an unknown rev, `NOT_FOUND` ("Inspecting path 'P': No
 *   such file or directory: /P") for a missing path
 */
export async function ls(repo: Repo, rev: string, opts: LsOptions = {}): Promise<LsResult> {
  const { commit, root } = await commitRoot(repo, rev);
  const entries: TreeEntry[] = [];
  const walk = async (dir: TreeEntry, depth: number): Promise<void> => {
    if (depth === 0) return;
    for (const child of await listChildren(repo, dir)) {
      opts.signal?.throwIfAborted();
      entries.push(child);
      if (child.type === 'dir') await walk(child, depth < 0 ? depth : depth - 1);
    }
  };
  const paths = opts.paths && opts.paths.length > 0 ? opts.paths : null;
  for (const arg of paths ?? ['/']) {
    let e: TreeEntry;
    try {
      e = await lookupPath(repo, root, arg);
    } catch (err) {
      if (paths && err instanceof OstreeError && err.code === 'NOT_FOUND') {
        throw new OstreeError('NOT_FOUND', `Inspecting path '${arg}': ${err.message}`, { data: err.data, cause: err });
      }
      throw err;
    }
    entries.push(e);
    if (e.type === 'dir') {
      if (opts.recursive) await walk(e, -1);
      else if (!opts.dirOnly) await walk(e, 1);
    }
  }
  return { commit, entries };
}
