/**
 * `ostree prune`: delete objects no root reaches, drop history, delete single commits.
 *
 * Mirrors `ostree_builtin_prune()` (`src/ostree/ot-builtin-prune.c`), `ostree_repo_prune()`,
 * `ostree_repo_prune_from_reachable()`, `ostree_repo_prune_static_deltas()` and
 * `_ostree_repo_prune_tmp()` (`src/libostree/ostree-repo-prune.c`) and
 * `ostree_repo_delete_object()` (`ostree-repo.c`), v2022.7:
 *
 * - `deleteCommit` runs first: it refuses when a ref (heads, remotes, or a collection ref) points
 *   at the commit, sets `core.tombstone-commits=true`, deletes the commit with its commitmeta and
 *   writes a tombstone; the ordinary prune then follows (with `staticDeltasOnly`, only the deltas
 *   targeting the commit are deleted instead);
 * - roots: with none of `keepYoungerThan` / `retainBranchDepth` / `onlyBranches`, every commit
 *   object (or with `refsOnly` every ref: heads, remotes, mirrors) walked to `depth`; otherwise
 *   the refs (heads and remotes), each with its retained depth, `keepYoungerThan` walk, or `depth`;
 * - candidates: loose `.commit`, `.dirtree`, `.dirmeta`, content and `.payload-link` objects
 *   (commits only with `commitOnly`); tombstones and commitmeta are never candidates;
 * - deletion starts only after the reachable set is complete; an unreachable commit loses its
 *   `.commitpartial` marker and `.commitmeta` too and, with `core.tombstone-commits`, gains a
 *   tombstone;
 * - then deltas whose `to` commit is gone are deleted, and cached summaries of remotes no longer
 *   configured (`tmp/cache/summaries/`).
 *
 * Deviations (each keeps at least what ostree keeps): (1) history walks are union-of-depths, not
 * GHashTable-order dependent (see `traverse.ts`); (2) with `keepYoungerThan` / `retainBranchDepth`
 * / `onlyBranches`, ostree ignores `refs/mirrors` and would delete commits mirror refs point at —
 * here mirror refs are roots walked to `depth`, so no ref is ever left dangling; (3) `noPrune`
 * deletes nothing at all (ostree still deletes orphaned deltas and stale cached summaries).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { ObjectType } from '../format/object-type.js';
import { isChecksum } from '../format/checksum.js';
import { encodeTombstone } from '../format/tombstone.js';
import { deltaDirPath, parseDeltaName } from '../format/summary.js';
import type { Repo } from '../store/repo.js';
import { lockRepo } from '../store/lock.js';
import { Reachable, traverseCommit } from './traverse.js';
import { listDeltaNames } from './summary.js';
import { parseTimestamp } from './commit.js';
import { loadConfigForWrite, saveConfig } from './config.js';

/** Options of {@link prune}, named after `ostree prune`'s. */
export interface PruneOptions {
  /** `--refs-only`: roots are the refs, not every commit object. */
  refsOnly?: boolean;
  /** `--depth`: parents to keep per root, `-1` (default) = all. */
  depth?: number;
  /** `--keep-younger-than`: seconds since the epoch, a Date, or a date string ({@link parsePruneDate}). */
  keepYoungerThan?: bigint | number | Date | string;
  /** `--delete-commit`: a full commit checksum. */
  deleteCommit?: string;
  /** `--static-deltas-only` (with `deleteCommit`): delete only the deltas targeting that commit. */
  staticDeltasOnly?: boolean;
  /** `--only-branch`: prune only these refs (`ref` or `remote:ref`); other refs keep all history. */
  onlyBranches?: readonly string[];
  /** `--retain-branch-depth=BRANCH=DEPTH` entries. */
  retainBranchDepth?: ReadonlyArray<readonly [string, number]>;
  /** `--commit-only`: consider and delete commit objects only. */
  commitOnly?: boolean;
  /** `--no-prune`: report, delete nothing. */
  noPrune?: boolean;
  /** Clock for relative `keepYoungerThan` strings (seconds). */
  now?: () => number;
  signal?: AbortSignal;
  onProgress?: (e: PruneProgress) => void;
}

/** Progress of {@link prune}. */
export type PruneProgress =
  | { phase: 'traverse'; roots: number; done: number }
  | { phase: 'delete'; deleted: number; total: number };

/** Result of {@link prune} (what `ostree prune` prints, plus details). */
export interface PruneResult {
  /** Candidate objects considered (`Total objects`). */
  objectsTotal: number;
  /** Unreachable objects (deleted, or that would be with `noPrune`). */
  objectsPruned: number;
  /** Stored size of those objects in bytes. */
  bytesFreed: number;
  /** The unreachable objects. */
  pruned: Array<{ checksum: string; type: ObjectType }>;
  /** Deltas deleted (or, with `noPrune`, that would be). */
  deltasPruned: string[];
  /** Tombstones written. */
  tombstones: number;
  /** True when `commitOnly` was set (ostree prints `Total (commit only) objects`). */
  commitOnly: boolean;
  noPrune: boolean;
}

const UNITS: Record<string, number> = {
  second: 1, sec: 1, minute: 60, min: 60, hour: 3600, day: 86400, week: 604800, fortnight: 1209600, month: 2592000, year: 31536000,
};

/**
 * Parse a `--keep-younger-than` date: what `parseTimestamp` accepts (`@SECONDS`, ISO 8601,
 * `YYYY-MM-DD [HH:MM[:SS]] [ZONE]`), plus `now`, `today`, `yesterday` and gnulib-style relative
 * phrases `N UNIT[s] [ago]` (`3 days ago`, `-2 weeks`, `1 hour`; month = 30 days, year = 365 days).
 *
 * @throws OstreeError `INVALID_ARGUMENT` ("Could not parse 'X'", as ostree)
 */
export function parsePruneDate(s: string, nowSecs: number = Math.floor(Date.now() / 1000)): bigint {
  const t = s.trim().toLowerCase();
  if (t === 'now') return BigInt(nowSecs);
  if (t === 'today') return BigInt(nowSecs);
  if (t === 'yesterday') return BigInt(nowSecs - 86400);
  const rel = /^([+-]?\d+)\s*(second|sec|minute|min|hour|day|week|fortnight|month|year)s?(\s+ago)?$/.exec(t);
  if (rel) {
    const n = Number(rel[1]) * UNITS[rel[2]!]!;
    return BigInt(rel[3] ? nowSecs - n : nowSecs + n);
  }
  try {
    return parseTimestamp(s);
  } catch {
    throw new OstreeError('INVALID_ARGUMENT', `Could not parse '${s}'`, { data: { date: s } });
  }
}

function toCutoff(v: PruneOptions['keepYoungerThan'], now: () => number): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.floor(v));
  if (v instanceof Date) return BigInt(Math.floor(v.getTime() / 1000));
  return parsePruneDate(String(v), now());
}

function refspec(r: { remote?: string; ref: string }): string {
  return r.remote === undefined ? r.ref : `${r.remote}:${r.ref}`;
}

/** Collection refs other than remotes (`list_collection_refs(EXCLUDE_REMOTES)`): own-ID heads and mirrors. */
async function localCollectionRefs(repo: Repo): Promise<Array<{ name: string; checksum: string }>> {
  const out: Array<{ name: string; checksum: string }> = [];
  const cid = repo.collectionId;
  for (const r of await repo.listRefs({ remotes: false, mirrors: true })) {
    if (r.collectionId !== undefined) out.push({ name: `(${r.collectionId}, ${r.ref})`, checksum: r.checksum });
    else if (cid !== undefined) out.push({ name: `(${cid}, ${r.ref})`, checksum: r.checksum });
  }
  return out;
}

/** Enable `core.tombstone-commits` (`ot_enable_tombstone_commits()`, `src/ostree/ot-main.c`). */
async function enableTombstones(repo: Repo): Promise<void> {
  if (repo.config.getBoolean('core', 'tombstone-commits', false)) return;
  const kf = await loadConfigForWrite(repo);
  kf.setBoolean('core', 'tombstone-commits', true);
  await saveConfig(repo, kf);
}

/** `ostree_repo_delete_object()`: the object, plus for a commit its commitmeta, partial marker and tombstone. */
async function deleteObject(repo: Repo, checksum: string, type: ObjectType, tombstones: boolean): Promise<boolean> {
  const removed = await repo.deleteObject(checksum, type);
  if (type === ObjectType.COMMIT && tombstones) {
    await repo.storage.writeAtomic(repo.objectPath(checksum, ObjectType.TOMBSTONE_COMMIT), encodeTombstone({ commit: checksum }));
  }
  return removed;
}

const CANDIDATE_TYPES = new Set([ObjectType.FILE, ObjectType.DIR_TREE, ObjectType.DIR_META, ObjectType.COMMIT, ObjectType.PAYLOAD_LINK]);

/**
 * Prune the repository like `ostree prune` (see the module notes). The repository lock is held
 * throughout; nothing is deleted before the reachable set is complete.
 *
 * @throws OstreeError `INVALID_ARGUMENT` for conflicting options or a commit still referenced,
 *   `OBJECT_NOT_FOUND` when a complete commit lacks objects (nothing is deleted then),
 *   `REF_NOT_FOUND` for an unknown `onlyBranches` ref
 */
export async function prune(repo: Repo, opts: PruneOptions = {}): Promise<PruneResult> {
  const depth = opts.depth ?? -1;
  if (!Number.isInteger(depth) || depth < -1) throw new RangeError('prune: depth must be an integer ≥ -1');
  if (opts.deleteCommit !== undefined && opts.noPrune) {
    throw new OstreeError('INVALID_ARGUMENT', 'Cannot specify both --delete-commit and --no-prune');
  }
  if (opts.staticDeltasOnly && opts.deleteCommit === undefined) {
    throw new OstreeError('INVALID_ARGUMENT', '--static-deltas-only requires --delete-commit; see https://github.com/ostreedev/ostree/issues/1479');
  }
  for (const [, d] of opts.retainBranchDepth ?? []) {
    if (!Number.isInteger(d) || d < -1) throw new RangeError('prune: retained depths must be integers ≥ -1');
  }
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const cutoff = opts.keepYoungerThan !== undefined ? toCutoff(opts.keepYoungerThan, now) : undefined;
  const signal = opts.signal;
  const lock = await lockRepo(repo.path, { timeoutSecs: repo.lockTimeoutSecs, signal });
  const result: PruneResult = {
    objectsTotal: 0, objectsPruned: 0, bytesFreed: 0, pruned: [], deltasPruned: [], tombstones: 0,
    commitOnly: opts.commitOnly === true, noPrune: opts.noPrune === true,
  };
  try {
    await repo.reloadConfig();
    if (opts.deleteCommit !== undefined) {
      const c = opts.deleteCommit;
      if (!isChecksum(c)) throw new OstreeError('INVALID_CHECKSUM', `Invalid checksum '${c}'`);
      if (opts.staticDeltasOnly) {
        result.deltasPruned.push(...(await pruneDeltas(repo, (to) => Promise.resolve(to === c), false)));
      } else {
        for (const r of await repo.listRefs({ remotes: true })) {
          if (r.checksum === c) throw new OstreeError('INVALID_ARGUMENT', `Commit '${c}' is referenced by '${refspec(r)}'`, { data: { ref: refspec(r) } });
        }
        for (const r of await localCollectionRefs(repo)) {
          if (r.checksum === c) throw new OstreeError('INVALID_ARGUMENT', `Commit '${c}' is referenced by ${r.name}`, { data: { ref: r.name } });
        }
        await enableTombstones(repo);
        if (!(await repo.storage.lstat(repo.objectPath(c, ObjectType.COMMIT)))) {
          throw new OstreeError('OBJECT_NOT_FOUND', `Deleting object ${c}.commit: No such file or directory`, { data: { checksum: c } });
        }
        await deleteObject(repo, c, ObjectType.COMMIT, true);
        result.tombstones++;
      }
    }

    // Candidates first (cheap), then the reachable set, then deletion.
    const candidates: Array<{ checksum: string; type: ObjectType }> = [];
    for await (const o of repo.listObjects()) {
      if (!CANDIDATE_TYPES.has(o.type)) continue;
      if (opts.commitOnly && o.type !== ObjectType.COMMIT) continue;
      candidates.push(o);
    }
    const reachable = new Reachable();
    const travOpts = { commitOnly: opts.commitOnly === true, signal };
    const complex = cutoff !== undefined || (opts.retainBranchDepth?.length ?? 0) > 0 || (opts.onlyBranches?.length ?? 0) > 0;
    const allRefs = await repo.listRefs({ remotes: true, mirrors: true });
    let roots: Array<{ checksum: string; depth: number | 'younger' }> = [];
    if (!complex) {
      if (opts.refsOnly) {
        // heads + remotes (ostree_repo_list_refs) and heads/mirrors as collection refs
        roots = allRefs.map((r) => ({ checksum: r.checksum, depth }));
      } else {
        roots = candidates.filter((o) => o.type === ObjectType.COMMIT).map((o) => ({ checksum: o.checksum, depth }));
      }
    } else {
      const retain = new Map<string, number>();
      for (const [b, d] of opts.retainBranchDepth ?? []) retain.set(b, d);
      const named = allRefs.filter((r) => r.collectionId === undefined);
      if (opts.onlyBranches && opts.onlyBranches.length > 0) {
        const only = new Set<string>();
        for (const b of opts.onlyBranches) {
          await repo.resolveRev(b, false);
          only.add(b);
        }
        for (const r of named) {
          const name = refspec(r);
          if (!only.has(name) && !retain.has(name)) retain.set(name, -1);
        }
      }
      for (const r of named) {
        const d = retain.get(refspec(r));
        roots.push({ checksum: r.checksum, depth: d !== undefined ? d : cutoff !== undefined ? 'younger' : depth });
      }
      // Deviation (2): mirror refs are roots too.
      for (const r of allRefs) if (r.collectionId !== undefined) roots.push({ checksum: r.checksum, depth });
    }
    let done = 0;
    for (const root of roots) {
      signal?.throwIfAborted();
      if (root.depth === 'younger') await traverseYounger(repo, root.checksum, cutoff!, reachable, travOpts);
      else await traverseCommit(repo, root.checksum, { ...travOpts, depth: root.depth }, reachable);
      done++;
      if (opts.onProgress && (done & 0xff) === 0) opts.onProgress({ phase: 'traverse', roots: roots.length, done });
    }

    // Safety net: no ref may end up pointing at a commit we are about to delete.
    const candidateCommits = new Set(candidates.filter((o) => o.type === ObjectType.COMMIT).map((o) => o.checksum));
    for (const r of allRefs) {
      if (candidateCommits.has(r.checksum) && !reachable.has(r.checksum, ObjectType.COMMIT)) {
        throw new OstreeError('INTERNAL', `prune: ref ${refspec(r)} would be left pointing at pruned commit ${r.checksum}`);
      }
    }

    const tombstones = repo.config.getBoolean('core', 'tombstone-commits', false);
    const threshold = payloadLinkThreshold(repo);
    for (const o of candidates) {
      if (reachable.has(o.checksum, o.type)) {
        result.objectsTotal++;
        continue;
      }
      if (o.type === ObjectType.PAYLOAD_LINK && (await payloadLinkKept(repo, o.checksum, reachable, threshold))) {
        result.objectsTotal++;
        continue;
      }
      const st = await repo.storage.lstat(repo.objectPath(o.checksum, o.type));
      result.bytesFreed += st?.size ?? 0;
      result.objectsTotal++;
      result.objectsPruned++;
      result.pruned.push(o);
    }
    if (!opts.noPrune) {
      let deleted = 0;
      // Commits first, then trees and metas, then content: a prune killed half-way leaves only
      // orphans, never a commit whose objects are gone (ostree fsck walks from commits).
      const rank = (t: ObjectType) =>
        t === ObjectType.COMMIT ? 0 : t === ObjectType.DIR_TREE ? 1 : t === ObjectType.DIR_META ? 2 : 3;
      const order = [...result.pruned].sort((a, b) => rank(a.type) - rank(b.type));
      for (const o of order) {
        signal?.throwIfAborted();
        await deleteObject(repo, o.checksum, o.type, tombstones && o.type === ObjectType.COMMIT);
        if (o.type === ObjectType.COMMIT && tombstones) result.tombstones++;
        deleted++;
        if (opts.onProgress && (deleted & 0x3ff) === 0) opts.onProgress({ phase: 'delete', deleted, total: result.pruned.length });
      }
    }
    result.deltasPruned.push(...(await pruneDeltas(repo, async (to) => !(await repo.hasObject(to, ObjectType.COMMIT)), opts.noPrune === true)));
    if (!opts.noPrune) await pruneSummaryCache(repo);
    return result;
  } finally {
    await lock.release();
  }
}

/** `traverse_keep_younger_than()`: the tip always, then ancestors while `timestamp ≥ cutoff`. */
async function traverseYounger(repo: Repo, tip: string, cutoff: bigint, into: Reachable, o: { commitOnly: boolean; signal?: AbortSignal }): Promise<void> {
  await traverseCommit(repo, tip, { ...o, depth: 0 }, into);
  let next: string | null = tip;
  while (next !== null) {
    o.signal?.throwIfAborted();
    if ((await repo.readMetadataBytes(ObjectType.COMMIT, next)) === null) break;
    const c = await repo.loadCommit(next);
    if (c.timestamp < cutoff) break;
    await traverseCommit(repo, next, { ...o, depth: 0 }, into);
    next = c.parent;
  }
}

function payloadLinkThreshold(repo: Repo): bigint {
  const v = repo.config.getString('core', 'payload-link-threshold');
  if (v === undefined || v.trim() === '-1') return (1n << 64n) - 1n;
  try {
    return BigInt(v.trim());
  } catch {
    return (1n << 64n) - 1n;
  }
}

/** A payload link survives when its target file object is reachable and at least the threshold in size. */
async function payloadLinkKept(repo: Repo, checksum: string, reachable: Reachable, threshold: bigint): Promise<boolean> {
  const target = await repo.storage.readlink(repo.objectPath(checksum, ObjectType.PAYLOAD_LINK));
  if (target === null || target.length < 3 + 2 + 1 + 62) return false;
  const csum = target.slice(3, 5) + target.slice(6, 68);
  if (!isChecksum(csum) || !reachable.has(csum, ObjectType.FILE)) return false;
  const size = await repo.storedObjectSize(csum, ObjectType.FILE);
  return size !== null && BigInt(size) >= threshold;
}

/** `ostree_repo_prune_static_deltas()`: delete the deltas whose target matches `drop`. */
async function pruneDeltas(repo: Repo, drop: (to: string) => Promise<boolean>, dryRun: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const name of await listDeltaNames(repo)) {
    const { from, to } = parseDeltaName(name);
    if (!(await drop(to))) continue;
    if (!dryRun) await repo.storage.rmrf(deltaDirPath(from, to));
    out.push(name);
  }
  return out;
}

/** `_ostree_repo_prune_tmp()`: cached summaries of remotes that are no longer configured. */
async function pruneSummaryCache(repo: Repo): Promise<void> {
  const dir = 'tmp/cache/summaries';
  const ents = await repo.storage.list(dir);
  if (!ents) return;
  const remotes = new Set<string>();
  for (const g of repo.config.groups()) {
    const m = /^remote "(.+)"$/.exec(g);
    if (m) remotes.add(m[1]!);
  }
  for (const e of ents) {
    const base = e.name.length > 4 && e.name.endsWith('.sig') ? e.name.slice(0, -4) : e.name;
    if (!remotes.has(base)) await repo.storage.unlink(`${dir}/${e.name}`);
  }
}

