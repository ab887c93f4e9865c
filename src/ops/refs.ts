/**
 * `ostree refs`: list, create, alias and delete refs (`src/ostree/ot-builtin-refs.c`,
 * `_ostree_repo_list_refs_internal()` and `ostree_repo_list_collection_refs()` in
 * `src/libostree/ostree-repo-refs.c`).
 *
 * Listing order: ostree prints refs in `GHashTable` iteration order; we reproduce it with
 * {@link ghashOrderEntries}, inserting refs in the same `readdir()` order ostree does (heads, then
 * each remote), so the output is identical even where GLib's table has hash collisions.
 * Collection refs (`-c`) are printed sorted (their hash is not modelled).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { isChecksum } from '../format/checksum.js';
import { ghashOrderEntries } from '../format/ghash-order.js';
import { isValidRefFragment, parseRefspec, validateCollectionId, validateRef, isValidRemoteName, isValidCollectionId } from '../format/names.js';
import type { Repo } from '../store/repo.js';
import { listRefDirInReaddirOrder, readRef, writeRef, writeRefAlias, type RefLocation } from '../store/refs.js';

/** One listed ref. */
export interface RefEntry {
  /** The name as ostree prints it: `ref`, `remote:ref`, or the remainder after a cut prefix. */
  name: string;
  /** The commit it points to (absent for alias listings). */
  checksum?: string;
  /** For `aliases` listings: the alias target as ostree prints it (leading `../` removed). */
  aliasTarget?: string;
}

/** Options of {@link listRefs}. */
export interface ListRefsOptions {
  /** Only refs below this prefix (`ref/prefix`, `remote:prefix`, `remote:`). */
  prefix?: string;
  /**
   * Remove the prefix from the names (what `ostree refs PREFIX` does); `false` is `--list`.
   * Default true.
   */
  cutPrefix?: boolean;
  /** `--alias` listing: only aliases, as name → target. */
  aliases?: boolean;
}

async function readTrimmed(repo: Repo, path: string): Promise<string> {
  const data = await repo.storage.read(path);
  if (data === null) throw new OstreeError('REF_NOT_FOUND', `Listing refs: ${path}: No such file or directory`);
  return new TextDecoder().decode(data).replace(/[\s]+$/u, '');
}

/**
 * Walk `dirRel` (a directory relative to the repo) like `enumerate_refs_recurse()`: names not
 * valid as ref fragments are skipped; `namePrefix` is prepended to each name, `remote:` too.
 */
async function enumerate(
  repo: Repo,
  dirRel: string,
  namePrefix: string,
  remote: string | null,
  aliasesOnly: boolean,
  out: Array<[string, RefEntry]>,
): Promise<void> {
  const ents = (await listRefDirInReaddirOrder(repo.storage, dirRel)) ?? [];
  for (const e of ents) {
    if (!isValidRefFragment(e.name)) continue;
    const rel = `${dirRel}/${e.name}`;
    const name = namePrefix + e.name;
    if (e.kind === 'dir') {
      await enumerate(repo, rel, `${name}/`, remote, aliasesOnly, out);
    } else if (aliasesOnly && e.kind === 'symlink') {
      let target = (await repo.storage.readlink(rel)) ?? '';
      while (target.startsWith('../')) target = target.slice(3);
      out.push([name, { name, aliasTarget: target }]);
    } else if ((!aliasesOnly && e.kind === 'file') || e.kind === 'symlink') {
      const key = remote === null ? name : `${remote}:${name}`;
      out.push([key, { name: key, checksum: await readTrimmed(repo, rel) }]);
    }
  }
}

/**
 * List refs as `ostree refs [--list] [--alias] [PREFIX]` does, in ostree's output order.
 * Mirrored collection refs are not included (see {@link listCollectionRefs}).
 *
 * @throws OstreeError `INVALID_REF` for a malformed prefix
 */
export async function listRefs(repo: Repo, opts: ListRefsOptions = {}): Promise<RefEntry[]> {
  const out: Array<[string, RefEntry]> = [];
  const cut = opts.cutPrefix !== false;
  const aliases = opts.aliases === true;
  const prefix = opts.prefix;
  if (prefix !== undefined) {
    let remote: string | null = null;
    let refPrefix: string | null = null;
    const m = /^(.*):\.?$/su.exec(prefix);
    if (m && isValidRemoteName(m[1]!)) {
      remote = m[1]!;
      refPrefix = '.';
    }
    if (refPrefix === null) {
      const r = parseRefspec(prefix);
      remote = r.remote;
      refPrefix = r.ref;
    }
    const base = remote !== null ? `refs/remotes/${remote}` : 'refs/heads';
    const path = `${base}/${refPrefix}`;
    const st = await repo.storage.lstat(path);
    if (st?.kind === 'dir') {
      if (cut) await enumerate(repo, path, '', remote, aliases, out);
      else await enumerate(repo, path, `${refPrefix}/`, remote, aliases, out);
    } else if (st !== null) {
      const key = remote === null ? refPrefix : `${remote}:${refPrefix}`;
      out.push([key, { name: key, checksum: await readTrimmed(repo, path) }]);
    }
  } else {
    await enumerate(repo, 'refs/heads', '', null, aliases, out);
    const remotes = (await listRefDirInReaddirOrder(repo.storage, 'refs/remotes')) ?? [];
    for (const r of remotes) {
      if (r.kind !== 'dir') continue;
      await enumerate(repo, `refs/remotes/${r.name}`, '', r.name, aliases, out);
    }
  }
  return ghashOrderEntries(out).map(([, v]) => v);
}

/** A collection–ref (`OstreeCollectionRef`) with its commit. */
export interface CollectionRefEntry {
  collectionId: string;
  ref: string;
  checksum: string;
}

/**
 * `ostree_repo_list_collection_refs()`: local heads (when the repo has a collection ID), mirrored
 * refs under `refs/mirrors/<collection-id>/`, and refs of remotes whose config has a valid
 * `collection-id`. Sorted by collection ID, then ref.
 *
 * @param matchCollectionId - only refs of this collection
 */
export async function listCollectionRefs(repo: Repo, matchCollectionId?: string): Promise<CollectionRefEntry[]> {
  if (matchCollectionId !== undefined) validateCollectionId(matchCollectionId);
  const found = new Map<string, CollectionRefEntry>();
  const add = async (collectionId: string, dir: string): Promise<void> => {
    const refs: Array<[string, RefEntry]> = [];
    await enumerate(repo, dir, '', null, false, refs);
    for (const [name, e] of refs) found.set(`${collectionId}\0${name}`, { collectionId, ref: name, checksum: e.checksum! });
  };
  const main = repo.collectionId;
  if (main !== undefined && (matchCollectionId === undefined || matchCollectionId === main)) await add(main, 'refs/heads');
  for (const m of (await repo.storage.list('refs/mirrors')) ?? []) {
    if (m.kind !== 'dir') continue;
    if (matchCollectionId !== undefined && matchCollectionId !== m.name) continue;
    await add(m.name, `refs/mirrors/${m.name}`);
  }
  for (const r of (await repo.storage.list('refs/remotes')) ?? []) {
    if (r.kind !== 'dir') continue;
    const cid = repo.config.getString(`remote "${r.name}"`, 'collection-id');
    if (cid === undefined || !isValidCollectionId(cid)) continue;
    if (matchCollectionId !== undefined && matchCollectionId !== cid) continue;
    await add(cid, `refs/remotes/${r.name}`);
  }
  return [...found.values()].sort((a, b) => cmp(a.collectionId, b.collectionId) || cmp(a.ref, b.ref));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Options of {@link createRef}. */
export interface CreateRefOptions {
  /** `--alias`: make `newRef` a symlink alias of the existing local ref `rev`. */
  alias?: boolean;
  /** `--force`: overwrite an existing ref. */
  force?: boolean;
  /** `--collections`: `newRef` is `COLLECTION-ID:REF` (a mirror ref, or a head for the repo's own ID). */
  collections?: boolean;
}

/** Read a ref without remote fallback; a directory in the way reads as absent. */
async function existingRef(repo: Repo, loc: RefLocation): Promise<string | null> {
  const path = loc.collectionId !== undefined ? `refs/mirrors/${loc.collectionId}/${loc.ref}` : loc.remote !== undefined ? `refs/remotes/${loc.remote}/${loc.ref}` : `refs/heads/${loc.ref}`;
  const st = await repo.storage.lstat(path);
  if (st === null || st.kind === 'dir') return null;
  return readRef(repo.storage, loc);
}

/**
 * `ostree refs --create=NEWREF REV` (with `--alias`, `--force`, `--collections`). Returns the
 * checksum written (for an alias, the target's checksum).
 *
 * @throws OstreeError `EXISTS` ("--create specified but ref X already exists"), `INVALID_REF`,
 *   `REF_NOT_FOUND` ("Cannot create alias to non-existent ref: X")
 */
export async function createRef(repo: Repo, newRef: string, rev: string, opts: CreateRefOptions = {}): Promise<string> {
  if (opts.collections) {
    const colon = newRef.indexOf(':');
    const collectionId = colon < 0 ? newRef : newRef.slice(0, colon);
    const ref = colon < 0 ? '' : newRef.slice(colon + 1);
    validateCollectionId(collectionId);
    const isMain = collectionId === repo.collectionId;
    const loc: RefLocation = isMain ? { ref } : { collectionId, ref };
    validateRef(ref);
    if (!opts.force && (await existingRef(repo, loc).catch(() => null)) !== null) {
      throw new OstreeError('EXISTS', `--create specified but ref ${newRef} already exists`);
    }
    const checksum = (await repo.resolveRev(rev, false))!;
    await writeRef(repo.storage, loc, checksum);
    return checksum;
  }
  const spec = parseRefspec(newRef);
  const loc: RefLocation = spec.remote === null ? { ref: spec.ref } : { remote: spec.remote, ref: spec.ref };
  const existing = isChecksum(newRef) ? newRef : await existingRef(repo, loc);
  const aliases = opts.alias ? await listRefs(repo, { aliases: true }) : [];
  const replacingAlias = opts.alias === true && aliases.some((a) => a.name === newRef);
  if (!replacingAlias && !opts.force && existing !== null) {
    throw new OstreeError('EXISTS', `--create specified but ref ${newRef} already exists`, { data: { ref: newRef } });
  }
  if (opts.alias) {
    if (spec.remote !== null) throw new OstreeError('INVALID_REF', `Cannot create alias to remote ref: ${spec.remote}`);
    const all = await listRefs(repo, { cutPrefix: false });
    const target = all.find((r) => r.name === rev);
    if (!target) throw new OstreeError('REF_NOT_FOUND', `Cannot create alias to non-existent ref: ${rev}`, { data: { ref: rev } });
    await writeRefAlias(repo.storage, spec.ref, rev);
    return target.checksum!;
  }
  const checksum = (await repo.resolveRev(rev, false))!;
  await writeRef(repo.storage, loc, checksum);
  return checksum;
}

/**
 * `ostree refs --delete PREFIX`: delete every ref the prefix lists (a single ref, or all refs
 * below a directory). Refuses (before or part-way, in ostree's order) a ref that an alias points
 * to. Returns the deleted names.
 *
 * @throws OstreeError `REF_HAS_ALIAS` ("Ref 'X' has an active alias: 'A'")
 */
export async function deleteRefs(repo: Repo, prefix: string, opts: { collections?: boolean } = {}): Promise<string[]> {
  if (opts.collections) {
    const refs = await listCollectionRefs(repo, prefix);
    for (const r of refs) {
      const loc: RefLocation = r.collectionId === repo.collectionId ? { ref: r.ref } : { collectionId: r.collectionId, ref: r.ref };
      await writeRef(repo.storage, loc, null);
    }
    return refs.map((r) => `(${r.collectionId}, ${r.ref})`);
  }
  const aliases = await listRefs(repo, { aliases: true });
  const refs = await listRefs(repo, { prefix, cutPrefix: false });
  const deleted: string[] = [];
  for (const r of refs) {
    const spec = parseRefspec(r.name);
    const a = aliases.find((x) => x.aliasTarget === spec.ref);
    if (a) throw new OstreeError('REF_HAS_ALIAS', `Ref '${spec.ref}' has an active alias: '${a.name}'`, { data: { ref: spec.ref, alias: a.name } });
    await writeRef(repo.storage, spec.remote === null ? { ref: spec.ref } : { remote: spec.remote, ref: spec.ref }, null);
    deleted.push(r.name);
  }
  return deleted;
}
