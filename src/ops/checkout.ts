/**
 * `ostree checkout`: materialize a commit (or a subpath of it) into a directory.
 *
 * Follows `src/libostree/ostree-repo-checkout.c`: directories are created, filled, then given their
 * mode (so read-only directories can be filled) and, outside user mode, their owner; user mode
 * (`-U`) drops setuid/setgid bits from files and never chowns; bare-user-only repositories mask
 * directory modes with 0775.
 *
 * Safety: every name is validated (no `.`, `..`, `/`, NUL, empty), every directory we enter is
 * checked with `lstat` not to be a symlink, and files are written to a temporary name and renamed
 * into place, so a hostile tree can never make checkout write outside the destination.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OstreeError } from '../errors.js';
import { filenameProblem } from '../format/names.js';
import { S_IFMT, S_IFREG, S_IFLNK, S_ISGID, S_ISUID } from '../format/mode.js';
import type { Repo } from '../store/repo.js';

/** Progress events of {@link checkout}. */
export type CheckoutProgress = { phase: 'write'; files: number; bytes: number } | { phase: 'done'; files: number; bytes: number };

/** Options of {@link checkout}, named after `ostree checkout`'s. */
export interface CheckoutOptions {
  /** `-U/--user-mode`: do not chown; drop setuid/setgid. Default: true unless running as root. */
  userMode?: boolean;
  /** `--union`: overwrite existing files and merge into existing directories. */
  union?: boolean;
  /** `--union-add`: keep existing files, add the missing ones. */
  unionAdd?: boolean;
  /** `--subpath`: check out only this path of the commit. */
  subpath?: string;
  signal?: AbortSignal;
  onProgress?: (e: CheckoutProgress) => void;
}

interface State {
  repo: Repo;
  opts: CheckoutOptions;
  userMode: boolean;
  files: number;
  bytes: number;
}

function checkName(name: string, where: string): void {
  const p = filenameProblem(name);
  if (p !== null) throw new OstreeError('PATH_ESCAPE', `Refusing to check out invalid name ${JSON.stringify(name)} in ${where}: ${p}`, { data: { name } });
}

/** Fail unless `path` is a real directory (not a symlink to one). */
async function assertRealDir(path: string): Promise<void> {
  const st = await fsp.lstat(path);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new OstreeError('PATH_ESCAPE', `Refusing to write through ${path}: not a plain directory`, { data: { path } });
  }
}

const tmpName = () => `.ostree-ts-${randomBytes(6).toString('hex')}`;

async function placeFile(st: State, dir: string, name: string, checksum: string): Promise<void> {
  const dest = join(dir, name);
  const existing = await fsp.lstat(dest).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (existing) {
    if (st.opts.unionAdd) return;
    if (!st.opts.union) throw new OstreeError('EXISTS', `Checkout target ${dest} already exists`, { data: { path: dest } });
    if (existing.isDirectory()) throw new OstreeError('EXISTS', `Cannot replace directory ${dest} with a file`, { data: { path: dest } });
  }
  const obj = await st.repo.readContent(checksum);
  const h = obj.header;
  const tmp = join(dir, tmpName());
  try {
    if ((h.mode & S_IFMT) === S_IFLNK) {
      await fsp.symlink(h.symlinkTarget, tmp);
      if (!st.userMode) await fsp.lchown(tmp, h.uid, h.gid);
    } else if ((h.mode & S_IFMT) === S_IFREG) {
      let mode = h.mode & 0o7777;
      if (st.userMode) mode &= ~(S_ISUID | S_ISGID);
      const fh = await fsp.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(obj.content);
        if (!st.userMode) await fh.chown(h.uid, h.gid);
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
      st.bytes += obj.content.byteLength;
    } else {
      throw new OstreeError('CORRUPT_OBJECT', `Content object ${checksum} has unsupported mode 0${h.mode.toString(8)}`);
    }
    await fsp.rename(tmp, dest);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  st.files++;
  if (st.opts.onProgress && (st.files & 0xff) === 0) st.opts.onProgress({ phase: 'write', files: st.files, bytes: st.bytes });
}

async function checkoutDir(st: State, treeCsum: string, metaCsum: string, dest: string, where: string, ancestors: ReadonlySet<string> = new Set()): Promise<void> {
  st.opts.signal?.throwIfAborted();
  if (ancestors.has(treeCsum) || ancestors.size > 4096) {
    throw new OstreeError('CORRUPT_OBJECT', `Dirtree ${treeCsum} at ${where} contains itself`, { data: { checksum: treeCsum } });
  }
  const inner = new Set(ancestors).add(treeCsum);
  const [tree, meta] = await Promise.all([st.repo.loadDirtree(treeCsum), st.repo.loadDirmeta(metaCsum)]);
  let created = false;
  try {
    await fsp.mkdir(dest, { mode: 0o700 });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (!st.opts.union && !st.opts.unionAdd && where !== '/') {
      throw new OstreeError('EXISTS', `Checkout target ${dest} already exists`, { data: { path: dest } });
    }
  }
  await assertRealDir(dest);
  const seen = new Set<string>();
  const queue: Promise<void>[] = [];
  for (const f of tree.files) {
    checkName(f.name, where);
    if (seen.has(f.name)) throw new OstreeError('CORRUPT_OBJECT', `Duplicate name ${f.name} in dirtree ${treeCsum}`);
    seen.add(f.name);
    queue.push(placeFile(st, dest, f.name, f.checksum));
    if (queue.length >= 16) await Promise.all(queue.splice(0));
  }
  await Promise.all(queue);
  for (const d of tree.dirs) {
    checkName(d.name, where);
    if (seen.has(d.name)) throw new OstreeError('CORRUPT_OBJECT', `Duplicate name ${d.name} in dirtree ${treeCsum}`);
    seen.add(d.name);
    await checkoutDir(st, d.tree, d.meta, join(dest, d.name), where === '/' ? `/${d.name}` : `${where}/${d.name}`, inner);
  }
  if (created) {
    let mode = meta.mode & 0o7777;
    if (st.repo.mode === 'bare-user-only') mode &= 0o775;
    await fsp.chmod(dest, mode);
    if (!st.userMode) await fsp.chown(dest, meta.uid, meta.gid);
  }
  await fsp.utimes(dest, 0, 0).catch(() => undefined);
}

/**
 * Check out commit `rev` into `destination` (which must not exist unless `union`/`unionAdd`).
 *
 * @returns counts of files and bytes written
 */
export async function checkout(repo: Repo, rev: string, destination: string, opts: CheckoutOptions = {}): Promise<{ files: number; bytes: number }> {
  const checksum = (await repo.resolveRev(rev))!;
  const c = await repo.loadCommit(checksum);
  const userMode = opts.userMode ?? (typeof process.getuid === 'function' ? process.getuid() !== 0 : true);
  const st: State = { repo, opts, userMode, files: 0, bytes: 0 };
  let tree = c.rootTree;
  let meta = c.rootMeta;
  const parts = (opts.subpath ?? '/').split('/').filter((p) => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i];
    checkName(name, 'subpath');
    const dt = await repo.loadDirtree(tree);
    const d = dt.dirs.find((x) => x.name === name);
    if (d) {
      tree = d.tree;
      meta = d.meta;
      continue;
    }
    const f = dt.files.find((x) => x.name === name);
    if (f && i === parts.length - 1) {
      // a single file: destination is the file path
      const parent = join(destination, '..');
      await fsp.mkdir(parent, { recursive: true });
      await assertRealDir(parent);
      await placeFile(st, parent, destination.split('/').pop()!, f.checksum);
      opts.onProgress?.({ phase: 'done', files: st.files, bytes: st.bytes });
      return { files: st.files, bytes: st.bytes };
    }
    throw new OstreeError('OBJECT_NOT_FOUND', `No such file or directory: ${opts.subpath}`, { data: { subpath: opts.subpath } });
  }
  const exists = await fsp.lstat(destination).then(() => true, () => false);
  if (exists && !opts.union && !opts.unionAdd) {
    throw new OstreeError('EXISTS', `Destination ${destination} already exists`, { data: { path: destination } });
  }
  await checkoutDir(st, tree, meta, destination, '/');
  opts.onProgress?.({ phase: 'done', files: st.files, bytes: st.bytes });
  return { files: st.files, bytes: st.bytes };
}
