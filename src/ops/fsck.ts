/**
 * `ostree fsck`: verify that every object reachable from every commit (and every ref) is present
 * and hashes to its name, and that metadata objects are valid. Mirrors `ot-builtin-fsck.c`:
 * partial commits (`state/<csum>.commitpartial`) may lack objects; everything else must be complete.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { OstreeError } from '../errors.js';
import { ObjectType, objectTypeName } from '../format/object-type.js';
import type { Repo } from '../store/repo.js';
import { contentChecksum } from '../format/file-header.js';

/** One problem found by {@link fsck}. */
export interface FsckProblem {
  kind: 'missing' | 'corrupt' | 'invalid-ref';
  checksum?: string;
  type?: ObjectType;
  /** Ref name for `invalid-ref`. */
  ref?: string;
  message: string;
}

/** Progress of {@link fsck}. */
export type FsckProgress = { phase: 'commits'; total: number } | { phase: 'objects'; checked: number };

/** Options of {@link fsck}. */
export interface FsckOptions {
  /** `--all`: also verify objects no commit reaches. */
  all?: boolean;
  /** `--delete`: delete corrupt objects (missing ones stay missing). */
  deleteCorrupt?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: FsckProgress) => void;
}

/** Result of {@link fsck}. */
export interface FsckResult {
  commits: number;
  objectsChecked: number;
  partialCommits: number;
  problems: FsckProblem[];
}

const CONCURRENCY = 8;

/** Verify the repository. Never throws for problems in the data: they are returned in `problems`. */
export async function fsck(repo: Repo, opts: FsckOptions = {}): Promise<FsckResult> {
  const problems: FsckProblem[] = [];
  const checked = new Set<string>();
  const commits: string[] = [];
  const others: Array<{ checksum: string; type: ObjectType }> = [];
  for await (const o of repo.listObjects()) {
    if (o.type === ObjectType.COMMIT) commits.push(o.checksum);
    else if (opts.all) others.push(o);
  }
  opts.onProgress?.({ phase: 'commits', total: commits.length });

  for (const r of await repo.listRefs({ remotes: true, mirrors: true })) {
    if (!(await repo.hasObject(r.checksum, ObjectType.COMMIT))) {
      const name = r.remote ? `${r.remote}:${r.ref}` : r.ref;
      problems.push({ kind: 'invalid-ref', ref: name, checksum: r.checksum, message: `Ref ${name} points to missing commit ${r.checksum}` });
    }
  }

  const report = (p: FsckProblem) => problems.push(p);
  let count = 0;
  let partialCommits = 0;
  const pending: Promise<void>[] = [];

  const verifyMeta = async (checksum: string, type: ObjectType): Promise<boolean> => {
    const bytes = await repo.readMetadataBytes(type, checksum);
    if (bytes === null) return false;
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== checksum) {
      report({ kind: 'corrupt', checksum, type, message: `Corrupted ${objectTypeName(type)} object ${checksum}: actual checksum ${actual}` });
      if (opts.deleteCorrupt) await repo.deleteObject(checksum, type);
    }
    return true;
  };

  const verifyContent = async (checksum: string): Promise<void> => {
    try {
      const obj = await repo.readContent(checksum);
      const actual = contentChecksum(obj.header, obj.content);
      if (actual !== checksum) {
        report({ kind: 'corrupt', checksum, type: ObjectType.FILE, message: `Corrupted file object ${checksum}: actual checksum ${actual}` });
        if (opts.deleteCorrupt) await repo.deleteObject(checksum, ObjectType.FILE);
      }
    } catch (e) {
      if (e instanceof OstreeError && e.code === 'OBJECT_NOT_FOUND') {
        report({ kind: 'missing', checksum, type: ObjectType.FILE, message: `Missing file object ${checksum}` });
      } else if (e instanceof OstreeError) {
        report({ kind: 'corrupt', checksum, type: ObjectType.FILE, message: e.message });
        if (opts.deleteCorrupt) await repo.deleteObject(checksum, ObjectType.FILE);
      } else throw e;
    }
    count++;
    if (opts.onProgress && (count & 0x3ff) === 0) opts.onProgress({ phase: 'objects', checked: count });
  };

  const queueContent = async (checksum: string) => {
    const key = `${checksum}.file`;
    if (checked.has(key)) return;
    checked.add(key);
    pending.push(verifyContent(checksum));
    if (pending.length >= CONCURRENCY) await Promise.all(pending.splice(0));
  };

  const walkTree = async (tree: string, meta: string, partial: boolean): Promise<void> => {
    opts.signal?.throwIfAborted();
    const metaKey = `${meta}.dirmeta`;
    if (!checked.has(metaKey)) {
      checked.add(metaKey);
      count++;
      try {
        if (!(await verifyMeta(meta, ObjectType.DIR_META))) {
          if (!partial) report({ kind: 'missing', checksum: meta, type: ObjectType.DIR_META, message: `Missing dirmeta object ${meta}` });
        } else await repo.loadDirmeta(meta);
      } catch (e) {
        if (!(e instanceof OstreeError)) throw e;
        report({ kind: 'corrupt', checksum: meta, type: ObjectType.DIR_META, message: e.message });
      }
    }
    const treeKey = `${tree}.dirtree`;
    if (checked.has(treeKey)) return;
    checked.add(treeKey);
    count++;
    let dt;
    try {
      if (!(await verifyMeta(tree, ObjectType.DIR_TREE))) {
        if (!partial) report({ kind: 'missing', checksum: tree, type: ObjectType.DIR_TREE, message: `Missing dirtree object ${tree}` });
        return;
      }
      dt = await repo.loadDirtree(tree);
    } catch (e) {
      if (!(e instanceof OstreeError)) throw e;
      report({ kind: 'corrupt', checksum: tree, type: ObjectType.DIR_TREE, message: e.message });
      return;
    }
    for (const f of dt.files) {
      if (partial && !(await repo.hasObject(f.checksum, ObjectType.FILE))) continue;
      await queueContent(f.checksum);
    }
    for (const d of dt.dirs) await walkTree(d.tree, d.meta, partial);
  };

  for (const c of commits) {
    opts.signal?.throwIfAborted();
    const partial = await repo.isCommitPartial(c);
    if (partial) partialCommits++;
    count++;
    checked.add(`${c}.commit`);
    let commit;
    try {
      await verifyMeta(c, ObjectType.COMMIT);
      commit = await repo.loadCommit(c);
    } catch (e) {
      if (!(e instanceof OstreeError)) throw e;
      report({ kind: 'corrupt', checksum: c, type: ObjectType.COMMIT, message: e.message });
      continue;
    }
    await walkTree(commit.rootTree, commit.rootMeta, partial);
  }
  for (const o of others) {
    if (o.type === ObjectType.FILE) await queueContent(o.checksum);
    else if (!checked.has(`${o.checksum}.${objectTypeName(o.type)}`) && (o.type === ObjectType.DIR_TREE || o.type === ObjectType.DIR_META)) {
      checked.add(`${o.checksum}.${objectTypeName(o.type)}`);
      count++;
      await verifyMeta(o.checksum, o.type);
    }
  }
  await Promise.all(pending);
  return { commits: commits.length, objectsChecked: count, partialCommits, problems };
}
