/**
 * Refs on a {@link Storage}: `refs/heads/<ref>`, `refs/remotes/<remote>/<ref>`,
 * `refs/mirrors/<collection-id>/<ref>`, aliases as relative symlinks
 * (`src/libostree/ostree-repo-refs.c`).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { isChecksum } from '../format/checksum.js';
import { validateRef as validateRefName, validateRemoteName, validateCollectionId, isValidRefFragment, parseRefspec } from '../format/names.js';
import { opendir } from 'node:fs/promises';
import { NodeStorage, isAbsent, type DirEntry, type Storage } from './storage.js';

/** Where a ref lives. */
export interface RefLocation {
  /** `undefined` for a local head. */
  remote?: string;
  /** Set for a collection ref in `refs/mirrors/<collection>/`. */
  collectionId?: string;
  ref: string;
}

/** The storage path of a ref. */
export function refPath(loc: RefLocation): string {
  if (loc.collectionId !== undefined) return `refs/mirrors/${loc.collectionId}/${loc.ref}`;
  if (loc.remote !== undefined) return `refs/remotes/${loc.remote}/${loc.ref}`;
  return `refs/heads/${loc.ref}`;
}

/** Parse `ref` or `remote:ref` into a {@link RefLocation} (`ostree_parse_refspec()`). */
export function parseRefLocation(refspec: string): RefLocation {
  const r = parseRefspec(refspec);
  return r.remote === null ? { ref: r.ref } : { remote: r.remote, ref: r.ref };
}

/**
 * Read one ref: returns the checksum, following alias symlinks, or `null` when absent.
 * A ref file must hold 64 hex characters (trailing whitespace is stripped).
 */
export async function readRef(storage: Storage, loc: RefLocation): Promise<string | null> {
  const path = refPath(loc);
  const data = await storage.read(path);
  if (data === null) return null;
  const text = new TextDecoder().decode(data).trim();
  if (!isChecksum(text)) {
    throw new OstreeError('INVALID_REF', `Invalid checksum in ref file ${path}`, { data: { path } });
  }
  return text;
}

/** Alias target of a ref (`refs/heads` symlink), or `null` if the ref is not an alias. */
export async function readRefAlias(storage: Storage, ref: string): Promise<string | null> {
  const st = await storage.lstat(`refs/heads/${ref}`);
  if (!st || st.kind !== 'symlink') return null;
  const target = await storage.readlink(`refs/heads/${ref}`);
  if (target === null) return null;
  // target is relative to the alias' directory
  const base = ref.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '..') base.pop();
    else if (part !== '.' && part !== '') base.push(part);
  }
  return base.join('/');
}

/** Write (or with `null`, delete) a ref atomically. */
export async function writeRef(storage: Storage, loc: RefLocation, checksum: string | null, opts: { fsync?: boolean } = {}): Promise<void> {
  if (loc.remote !== undefined) validateRemoteName(loc.remote);
  if (loc.collectionId !== undefined) validateCollectionId(loc.collectionId);
  validateRefName(loc.ref);
  const path = refPath(loc);
  if (checksum === null) {
    const st = await storage.lstat(path);
    if (st === null) return;
    await storage.unlink(path);
    // prune now-empty parent directories below refs/<kind>/
    const parts = path.split('/');
    const keep = loc.remote !== undefined || loc.collectionId !== undefined ? 3 : 2;
    for (let i = parts.length - 1; i > keep; i--) {
      if (!(await storage.rmdirIfEmpty(parts.slice(0, i).join('/')))) break;
    }
    return;
  }
  if (!isChecksum(checksum)) throw new OstreeError('INVALID_CHECKSUM', `Invalid checksum '${checksum}'`);
  const st = await storage.lstat(path);
  if (st?.kind === 'dir') {
    throw new OstreeError('INVALID_REF', `Cannot write ref ${loc.ref}: a ref directory of that name exists`);
  }
  if (st?.kind === 'symlink' && loc.remote === undefined && loc.collectionId === undefined) {
    throw new OstreeError('INVALID_REF', `Cannot update ref ${loc.ref}: it is an alias`);
  }
  await storage.writeAtomic(path, `${checksum}\n`, { fsync: opts.fsync });
}

/** Create an alias `ref` → `target` in `refs/heads` (a relative symlink, as ostree does). */
export async function writeRefAlias(storage: Storage, ref: string, target: string): Promise<void> {
  validateRefName(ref);
  validateRefName(target);
  const depth = ref.split('/').length - 1;
  await storage.symlinkAtomic('../'.repeat(depth) + target, `refs/heads/${ref}`);
}

/** A listed ref. */
export interface ListedRef extends RefLocation {
  checksum: string;
  /** Target ref name when this is an alias. */
  aliasOf?: string;
}

async function walk(storage: Storage, dir: string, prefix: string, out: Array<{ name: string; symlink: boolean }>): Promise<void> {
  const ents = await storage.list(dir);
  if (!ents) return;
  for (const e of ents) {
    if (!isValidRefFragment(e.name)) continue;
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.kind === 'dir') await walk(storage, `${dir}/${e.name}`, name, out);
    else if (e.kind === 'file' || e.kind === 'symlink') out.push({ name, symlink: e.kind === 'symlink' });
  }
}

/** List local heads, remote refs and (optionally) mirrored collection refs. */
export async function listRefs(storage: Storage, opts: { remotes?: boolean; mirrors?: boolean } = {}): Promise<ListedRef[]> {
  const out: ListedRef[] = [];
  const heads: Array<{ name: string; symlink: boolean }> = [];
  await walk(storage, 'refs/heads', '', heads);
  for (const h of heads) {
    const checksum = await readRef(storage, { ref: h.name }).catch(() => null);
    if (!checksum) continue;
    const r: ListedRef = { ref: h.name, checksum };
    if (h.symlink) {
      const a = await readRefAlias(storage, h.name);
      if (a) r.aliasOf = a;
    }
    out.push(r);
  }
  if (opts.remotes !== false) {
    for (const rem of (await storage.list('refs/remotes')) ?? []) {
      if (rem.kind !== 'dir') continue;
      const refs: Array<{ name: string; symlink: boolean }> = [];
      await walk(storage, `refs/remotes/${rem.name}`, '', refs);
      for (const h of refs) {
        const checksum = await readRef(storage, { remote: rem.name, ref: h.name }).catch(() => null);
        if (checksum) out.push({ remote: rem.name, ref: h.name, checksum });
      }
    }
  }
  if (opts.mirrors) {
    for (const col of (await storage.list('refs/mirrors')) ?? []) {
      if (col.kind !== 'dir') continue;
      const refs: Array<{ name: string; symlink: boolean }> = [];
      await walk(storage, `refs/mirrors/${col.name}`, '', refs);
      for (const h of refs) {
        const checksum = await readRef(storage, { collectionId: col.name, ref: h.name }).catch(() => null);
        if (checksum) out.push({ collectionId: col.name, ref: h.name, checksum });
      }
    }
  }
  return out;
}

/**
 * List a refs directory in the filesystem's `readdir()` order (not sorted), as ostree enumerates
 * it — the order it inserts refs into its `GHashTable`, which decides `ostree refs` output order
 * when hashes collide. Node's `readdir` sorts names, so this uses `opendir`. Non-Node storages fall
 * back to {@link Storage.list}. Returns `null` when the directory does not exist.
 */
export async function listRefDirInReaddirOrder(storage: Storage, path: string): Promise<DirEntry[] | null> {
  if (!(storage instanceof NodeStorage)) return storage.list(path);
  let dir;
  try {
    dir = await opendir(storage.resolve(path));
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
  const out: DirEntry[] = [];
  for await (const d of dir) {
    out.push({ name: d.name, kind: d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'symlink' : d.isFile() ? 'file' : 'other' });
  }
  return out;
}
