/**
 * Reachability: the objects a commit (and up to N of its ancestors) needs.
 *
 * Mirrors `ostree_repo_traverse_commit_with_flags()` (`src/libostree/ostree-repo-traverse.c`,
 * v2022.7): the commit, then its root dirmeta and dirtree and, recursively, every dirtree,
 * dirmeta and content object below; parents are followed while the depth allows (`-1` =
 * unlimited, `0` = the commit only, `N` = N ancestors). A missing commit ends the walk (partial
 * histories are normal); a commit marked partial (`state/<csum>.commitpartial`) may lack
 * dirtrees. Commitmeta and tombstones are not part of the set (they belong to their commit).
 *
 * Deviation: ostree stops a walk as soon as it meets a commit already in the set, even when the
 * current walk would have gone deeper, so what survives `prune --refs-only --depth=N` depends on
 * GHashTable iteration order when refs share history. Here a commit met again with a larger
 * remaining depth is walked further, so the result is the union over all roots (never less than
 * what ostree keeps).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { ObjectType } from '../format/object-type.js';
import type { Repo } from '../store/repo.js';

/** Key of an object in a {@link Reachable} set. */
export function objectKey(checksum: string, type: ObjectType): string {
  return `${checksum}.${type}`;
}

/** A set of reachable objects, plus what the walk needs to be order-independent. */
export class Reachable {
  private readonly set = new Set<string>();
  /** Largest remaining depth each commit was visited with (`Infinity` for unlimited). */
  private readonly commitDepth = new Map<string, number>();
  /** Dirtrees already descended into. */
  private readonly walkedTrees = new Set<string>();

  /** True when the object is in the set. */
  has(checksum: string, type: ObjectType): boolean {
    return this.set.has(objectKey(checksum, type));
  }

  /** Add an object. */
  add(checksum: string, type: ObjectType): void {
    this.set.add(objectKey(checksum, type));
  }

  /** Number of objects. */
  get size(): number {
    return this.set.size;
  }

  /** Every object as `{ checksum, type }`. */
  *objects(): Generator<{ checksum: string; type: ObjectType }> {
    for (const k of this.set) {
      const dot = k.lastIndexOf('.');
      yield { checksum: k.slice(0, dot), type: Number(k.slice(dot + 1)) as ObjectType };
    }
  }

  /** @internal */
  visitCommit(checksum: string, depth: number): boolean {
    const prev = this.commitDepth.get(checksum);
    if (prev !== undefined && prev >= depth) return false;
    this.commitDepth.set(checksum, depth);
    this.add(checksum, ObjectType.COMMIT);
    return true;
  }

  /** @internal */
  firstWalk(tree: string): boolean {
    if (this.walkedTrees.has(tree)) return false;
    this.walkedTrees.add(tree);
    return true;
  }
}

/** Options of {@link traverseCommit}. */
export interface TraverseOptions {
  /** Parents to follow: `-1` (default) unlimited, `0` the commit only. */
  depth?: number;
  /** Add commits only; do not descend into trees (`OSTREE_REPO_COMMIT_TRAVERSE_FLAG_COMMIT_ONLY`). */
  commitOnly?: boolean;
  signal?: AbortSignal;
}

/**
 * Add everything reachable from `commit` to `into` (created when omitted) and return it.
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` when a complete (non-partial) commit lacks a dirtree,
 *   `CORRUPT_OBJECT` for an unreadable object
 */
export async function traverseCommit(repo: Repo, commit: string, opts: TraverseOptions = {}, into: Reachable = new Reachable()): Promise<Reachable> {
  const depthOpt = opts.depth ?? -1;
  if (!Number.isInteger(depthOpt) || depthOpt < -1) throw new RangeError('traverseCommit: depth must be an integer ≥ -1');
  let depth = depthOpt === -1 ? Infinity : depthOpt;
  let current: string | null = commit;
  while (current !== null) {
    opts.signal?.throwIfAborted();
    const bytes = await repo.readMetadataBytes(ObjectType.COMMIT, current);
    if (bytes === null) break; // a missing parent (or tip) ends the walk
    if (!into.visitCommit(current, depth)) break;
    const c = await repo.loadCommit(current);
    if (!opts.commitOnly) {
      const partial = await repo.isCommitPartial(current);
      await traverseTree(repo, c.rootTree, c.rootMeta, partial, into, opts.signal);
    }
    if (depth === 0 || c.parent === null) break;
    depth -= 1;
    current = c.parent;
  }
  return into;
}

async function traverseTree(repo: Repo, rootTree: string, rootMeta: string, partial: boolean, into: Reachable, signal?: AbortSignal): Promise<void> {
  const stack: Array<[string, string]> = [[rootTree, rootMeta]];
  while (stack.length > 0) {
    const [tree, meta] = stack.pop()!;
    into.add(meta, ObjectType.DIR_META);
    if (!into.firstWalk(tree)) continue;
    into.add(tree, ObjectType.DIR_TREE); // added even when a partial commit lacks it, as ostree does
    signal?.throwIfAborted();
    let dt;
    try {
      dt = await repo.loadDirtree(tree);
    } catch (e) {
      if (partial && e instanceof OstreeError && e.code === 'OBJECT_NOT_FOUND') continue;
      throw e;
    }
    for (const f of dt.files) into.add(f.checksum, ObjectType.FILE);
    for (let i = dt.dirs.length - 1; i >= 0; i--) stack.push([dt.dirs[i]!.tree, dt.dirs[i]!.meta]);
  }
}
