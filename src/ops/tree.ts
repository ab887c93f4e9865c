/**
 * Read-only access to the tree of a commit, entry by entry, the way `OstreeRepoFile` exposes it
 * (`src/libostree/ostree-repo-file.c`): paths are resolved from the root, a directory's children are
 * its files (in dirtree order) followed by its subdirectories (in dirtree order), a directory's
 * "checksum" is its dirmeta checksum and its "contents checksum" its dirtree checksum.
 *
 * Shared by `ls`, `cat` and `diff`.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { ObjectType } from '../format/object-type.js';
import { parseFilez, type FileHeader } from '../format/file-header.js';
import type { Xattrs } from '../format/xattrs.js';
import type { Repo } from '../store/repo.js';

/** One entry of a commit's tree (a directory, regular file or symlink). */
export interface TreeEntry {
  /** Absolute path inside the commit, `/` for the root. */
  path: string;
  /** Base name (`''` for the root). */
  name: string;
  /** `'dir'`, `'file'` (regular) or `'symlink'`. */
  type: 'dir' | 'file' | 'symlink';
  /** Full mode including the file type bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Content size for regular files; 0 for directories and symlinks. */
  size: number;
  /** Content object checksum (files, symlinks) or dirmeta checksum (directories). */
  checksum: string;
  /** Dirtree checksum (directories only). */
  contentsChecksum?: string;
  /** Symlink target (symlinks only). */
  symlinkTarget?: string;
  /** Extended attributes (`[name incl. NUL, value]`). */
  xattrs: Xattrs;
}

/** Metadata of a content object without its content. */
export interface ContentInfo {
  header: FileHeader;
  size: number;
}

/**
 * Header and size of a content object. Archive objects are parsed without inflating the content;
 * other modes (and objects found only in a parent repository) go through {@link Repo.readContent}.
 */
export async function readContentInfo(repo: Repo, checksum: string): Promise<ContentInfo> {
  if (repo.mode === 'archive' && !repo.inTransaction) {
    const raw = await repo.storage.read(repo.objectPath(checksum, ObjectType.FILE));
    if (raw !== null) {
      try {
        const f = parseFilez(raw);
        return { header: f.header, size: (f.header.mode & 0o170000) === 0o100000 ? Number(f.size) : 0 };
      } catch (e) {
        if (e instanceof OstreeError) throw e;
        throw new OstreeError('CORRUPT_OBJECT', `Corrupt content object ${checksum}: ${(e as Error).message}`, { cause: e, data: { checksum } });
      }
    }
  }
  const c = await repo.readContent(checksum);
  return { header: c.header, size: (c.header.mode & 0o170000) === 0o100000 ? c.content.byteLength : 0 };
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Resolve a revision to a commit and return the entry for its root directory. */
export async function commitRoot(repo: Repo, rev: string): Promise<{ commit: string; root: TreeEntry }> {
  const commit = (await repo.resolveRev(rev, false))!;
  const c = await repo.loadCommit(commit);
  const meta = await repo.loadDirmeta(c.rootMeta);
  return {
    commit,
    root: { path: '/', name: '', type: 'dir', mode: meta.mode, uid: meta.uid, gid: meta.gid, size: 0, checksum: c.rootMeta, contentsChecksum: c.rootTree, xattrs: meta.xattrs },
  };
}

/** The children of a directory entry: files first, then subdirectories, each in dirtree order. */
export async function listChildren(repo: Repo, dir: TreeEntry): Promise<TreeEntry[]> {
  if (dir.type !== 'dir' || dir.contentsChecksum === undefined) throw new RangeError('listChildren: not a directory entry');
  const tree = await repo.loadDirtree(dir.contentsChecksum);
  const out: TreeEntry[] = [];
  for (const f of tree.files) out.push(await fileEntry(repo, join(dir.path, f.name), f.name, f.checksum));
  for (const d of tree.dirs) {
    const meta = await repo.loadDirmeta(d.meta);
    out.push({ path: join(dir.path, d.name), name: d.name, type: 'dir', mode: meta.mode, uid: meta.uid, gid: meta.gid, size: 0, checksum: d.meta, contentsChecksum: d.tree, xattrs: meta.xattrs });
  }
  return out;
}

async function fileEntry(repo: Repo, path: string, name: string, checksum: string): Promise<TreeEntry> {
  const { header, size } = await readContentInfo(repo, checksum);
  const isLink = (header.mode & 0o170000) === 0o120000;
  const e: TreeEntry = { path, name, type: isLink ? 'symlink' : 'file', mode: header.mode, uid: header.uid, gid: header.gid, size, checksum, xattrs: header.xattrs };
  if (isLink) e.symlinkTarget = header.symlinkTarget;
  return e;
}

/**
 * Look up `path` starting at `from` (default: the root) the way `g_file_resolve_relative_path()`
 * and `OstreeRepoFile` do: a leading `/` restarts at the root (also after `//` inside a path), every
 * other component is a literal child name — `.` and `..` are not special, so they are never found.
 * No symlinks are followed. Throws `OstreeError('NOT_FOUND')` "No such file or directory: P" (P
 * being the path up to the first missing component) or "Not a directory".
 */
export async function lookupPath(repo: Repo, root: TreeEntry, path: string, from: TreeEntry = root): Promise<TreeEntry> {
  let cur = from;
  let rest = path;
  for (;;) {
    while (rest.startsWith('/')) {
      cur = root;
      rest = rest.slice(1);
    }
    if (rest === '') return cur;
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash + 1);
    const here = join(cur.path, name);
    if (cur.type !== 'dir') throw new OstreeError('NOT_FOUND', 'Not a directory', { data: { path: here } });
    const tree = await repo.loadDirtree(cur.contentsChecksum!);
    const f = tree.files.find((x) => x.name === name);
    if (f) {
      cur = await fileEntry(repo, here, name, f.checksum);
      continue;
    }
    const d = tree.dirs.find((x) => x.name === name);
    if (!d) throw new OstreeError('NOT_FOUND', `No such file or directory: ${here}`, { data: { path: here } });
    const meta = await repo.loadDirmeta(d.meta);
    cur = { path: here, name, type: 'dir', mode: meta.mode, uid: meta.uid, gid: meta.gid, size: 0, checksum: d.meta, contentsChecksum: d.tree, xattrs: meta.xattrs };
  }
}
