/**
 * `ostree summary -u` and `ostree summary --view`.
 *
 * Mirrors `ostree_builtin_summary()` (`src/ostree/ot-builtin-summary.c`) and
 * `ostree_repo_regenerate_summary()` / `ostree_repo_static_delta_reindex()`
 * (`src/libostree/ostree-repo.c`, `ostree-repo-static-delta-core.c`), ostree v2022.7:
 *
 * 1. in a repository with `core.collection-id`, a new `ostree-metadata` commit is written first
 *    (empty root tree, root dirmeta 0:0 0755, parent = the previous `ostree-metadata` commit,
 *    metadata = the `--add-metadata` entries + `ostree.collection-binding` + `ostree.ref-binding`
 *    through a GVariantDict, timestamp = now) and the ref is moved to it;
 * 2. refs: without a collection ID, the local heads (`refs/heads`, aliases included; remote refs are
 *    skipped); with one, the collection refs of that ID (`refs/heads`, then
 *    `refs/mirrors/<id>`, then remotes configured with that `collection-id`; later ones win);
 *    refs of other collections go to `ostree.summary.collection-map`;
 * 3. deltas found under `deltas/` (those with a `superblock`) are listed with the SHA-256 of their
 *    superblock unless `core.no-deltas-in-summary`;
 * 4. `core.indexed-deltas=true` is written to the config if not already true, delta indexes are
 *    rewritten when their content changed and stale ones deleted;
 * 5. the summary is written atomically, last; a stale `summary.sig` is deleted (or, with `sign`,
 *    replaced by the new signature just before the summary).
 *
 * Deviations: ostree lists `deltas/` in `readdir` order, which feeds the insertion order of the
 * `ostree.static-deltas` GVariantDict; ostree-ts lists it sorted. The serialized order only
 * differs when two delta names collide in the hash table. ostree takes the repo lock shared for
 * the summary; ostree-ts takes it exclusive (as for every write).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { OstreeError } from '../errors.js';
import { Variant } from '../gvariant/value.js';
import { ObjectType } from '../format/object-type.js';
import { decodeCommit, encodeCommit, type Commit } from '../format/commit.js';
import { encodeDirmeta } from '../format/dirmeta.js';
import { EMPTY_DIRTREE } from '../format/dirtree.js';
import { ghashOrderEntries } from '../format/ghash-order.js';
import { MetadataKeys } from '../format/types.js';
import { compareUtf8, bytesEqual } from '../format/bytes.js';
import { isValidCollectionId, isValidRefFragment } from '../format/names.js';
import { isChecksum } from '../format/checksum.js';
import {
  buildSummaryMetadata,
  decodeSummary,
  deltaIndexPath,
  deltaIndexTargetFromPath,
  deltaNameFromDirs,
  deltaSuperblockPath,
  encodeDeltaIndex,
  encodeSummary,
  parseDeltaName,
  readSummaryRefMetadata,
  summaryInfo,
  summaryRefMetadata,
  type Summary,
  type SummaryInfo,
  type SummaryRef,
  type SummaryRefFacts,
} from '../format/summary.js';
import type { Repo } from '../store/repo.js';
import { lockRepo } from '../store/lock.js';
import { readRef } from '../store/refs.js';
import { loadConfigForWrite, saveConfig } from './config.js';

/** The ref `ostree summary -u` maintains in collection repositories (`OSTREE_REPO_METADATA_REF`). */
export const METADATA_REF = 'ostree-metadata';

/** Options of {@link updateSummary}. */
export interface UpdateSummaryOptions {
  /** `--add-metadata` entries (key, value), in order. */
  addMetadata?: ReadonlyArray<readonly [string, Variant]>;
  /**
   * Clock in seconds since the epoch. ostree reads the clock once for the `ostree-metadata` commit
   * (collection repositories only) and then once for `ostree.summary.last-modified`; this function
   * is called the same way, so a test can replay ostree's two readings. Default: the system clock.
   */
  now?: () => bigint | number;
  /** Write the `ostree-metadata` commit in collection repositories (default true, as ostree 2022.7's CLI). */
  metadataCommit?: boolean;
  /** Produce `summary.sig` bytes for the new summary bytes (signing is a later layer). */
  sign?: (summary: Uint8Array) => Promise<Uint8Array>;
  /** Take the repository lock (default true). */
  lock?: boolean;
  signal?: AbortSignal;
}

/** Result of {@link updateSummary}. */
export interface UpdateSummaryResult {
  /** The summary bytes written. */
  bytes: Uint8Array;
  summary: Summary;
  /** Number of deltas listed. */
  deltas: number;
  /** The new `ostree-metadata` commit, if one was written. */
  metadataCommit?: string;
  /** Delta index files written (unchanged ones are not rewritten) and deleted. */
  indexesWritten: number;
  indexesDeleted: number;
}

function clockSeconds(now: (() => bigint | number) | undefined): bigint {
  const v = now ? now() : Math.floor(Date.now() / 1000);
  if (typeof v === 'bigint') return v;
  if (!Number.isFinite(v)) throw new RangeError('updateSummary: now() returned a non-finite value');
  return BigInt(Math.floor(v));
}

/** A collection ref as listed for the summary. */
interface CollectionRef {
  collectionId: string;
  ref: string;
  checksum: string;
}

/** A ref as listed here: a head, a remote ref or a mirrored collection ref. */
interface AnyRef {
  remote?: string;
  collectionId?: string;
  ref: string;
  checksum: string;
}

async function walkRefNames(repo: Repo, dir: string, prefix: string, out: string[]): Promise<void> {
  const ents = await repo.storage.list(dir);
  if (!ents) return;
  const subdirs: Promise<void>[] = [];
  for (const e of ents) {
    if (!isValidRefFragment(e.name)) continue;
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.kind === 'dir') subdirs.push(walkRefNames(repo, `${dir}/${e.name}`, name, out));
    else if (e.kind === 'file' || e.kind === 'symlink') out.push(name);
  }
  await Promise.all(subdirs);
}

/**
 * Every ref of the repository (heads incl. aliases, remote refs, mirrors), read concurrently:
 * the same set as `Repo.listRefs({ remotes: true, mirrors: true })`, several times faster on
 * repositories with thousands of refs. Unreadable or invalid ref files are skipped, as there.
 */
export async function listAllRefs(repo: Repo): Promise<AnyRef[]> {
  const jobs: Array<{ base: string; remote?: string; collectionId?: string }> = [{ base: 'refs/heads' }];
  for (const e of (await repo.storage.list('refs/remotes')) ?? []) if (e.kind === 'dir') jobs.push({ base: `refs/remotes/${e.name}`, remote: e.name });
  for (const e of (await repo.storage.list('refs/mirrors')) ?? []) if (e.kind === 'dir') jobs.push({ base: `refs/mirrors/${e.name}`, collectionId: e.name });
  const named: Array<{ job: (typeof jobs)[number]; name: string }> = [];
  await Promise.all(
    jobs.map(async (job) => {
      const names: string[] = [];
      await walkRefNames(repo, job.base, '', names);
      for (const name of names) named.push({ job, name });
    }),
  );
  const out: Array<AnyRef | null> = new Array(named.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < named.length) {
      const i = next++;
      const { job, name } = named[i]!;
      const data = await repo.storage.read(`${job.base}/${name}`);
      if (data === null) continue;
      const text = new TextDecoder().decode(data).trim();
      if (!isChecksum(text)) continue;
      out[i] = { ...(job.remote !== undefined ? { remote: job.remote } : {}), ...(job.collectionId !== undefined ? { collectionId: job.collectionId } : {}), ref: name, checksum: text };
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return out.filter((r): r is AnyRef => r !== null);
}

/** `ostree_repo_list_collection_refs(NULL, NONE)`: heads (own ID), mirrors, remotes with a collection-id. */
function collectionRefs(repo: Repo, listed: readonly AnyRef[]): CollectionRef[] {
  const all = new Map<string, CollectionRef>();
  const put = (r: CollectionRef) => all.set(`${r.collectionId}\0${r.ref}`, r);
  const main = repo.collectionId;
  if (main !== undefined) {
    for (const r of listed) if (r.remote === undefined && r.collectionId === undefined) put({ collectionId: main, ref: r.ref, checksum: r.checksum });
  }
  for (const r of listed) if (r.collectionId !== undefined) put({ collectionId: r.collectionId, ref: r.ref, checksum: r.checksum });
  for (const r of listed) {
    if (r.remote === undefined) continue;
    const cid = repo.config.getString(`remote "${r.remote}"`, 'collection-id');
    if (cid === undefined || !isValidCollectionId(cid)) continue;
    put({ collectionId: cid, ref: r.ref, checksum: r.checksum });
  }
  return [...all.values()];
}

/** Delta names (hex `TO` or `FROM-TO`) that have a superblock, in sorted directory order. */
export async function listDeltaNames(repo: Repo): Promise<string[]> {
  const out: string[] = [];
  const prefixes = (await repo.storage.list('deltas')) ?? [];
  prefixes.sort((a, b) => compareUtf8(a.name, b.name));
  for (const p of prefixes) {
    if (p.kind !== 'dir') continue;
    const subs = (await repo.storage.list(`deltas/${p.name}`)) ?? [];
    subs.sort((a, b) => compareUtf8(a.name, b.name));
    for (const s of subs) {
      if (s.kind !== 'dir') continue;
      const name = deltaNameFromDirs(p.name, s.name);
      if (name === null) continue;
      if ((await repo.storage.lstat(`deltas/${p.name}/${s.name}/superblock`)) === null) continue;
      out.push(name);
    }
  }
  return out;
}

/** Targets that have a delta index file (`ostree_repo_list_static_delta_indexes()`). */
export async function listDeltaIndexes(repo: Repo): Promise<string[]> {
  const out: string[] = [];
  for (const p of (await repo.storage.list('delta-indexes')) ?? []) {
    if (p.kind !== 'dir' || p.name.length !== 2) continue;
    for (const f of (await repo.storage.list(`delta-indexes/${p.name}`)) ?? []) {
      if (f.kind !== 'file') continue;
      const t = deltaIndexTargetFromPath(p.name, f.name);
      if (t !== null) out.push(t);
    }
  }
  return out;
}

async function superblockDigest(repo: Repo, name: string): Promise<string> {
  const { from, to } = parseDeltaName(name);
  const path = deltaSuperblockPath(from, to);
  const data = await repo.storage.read(path);
  if (data === null) throw new OstreeError('OBJECT_NOT_FOUND', `Delta superblock ${path} not found`, { data: { path } });
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Rewrite `delta-indexes/` from `deltas/` (`ostree_repo_static_delta_reindex(NULL)`): one index per
 * target, rewritten only when its bytes change; indexes of targets without deltas are deleted.
 * Sets `core.indexed-deltas=true`. The caller holds the lock.
 */
export async function reindexDeltas(repo: Repo, names?: readonly string[], digests?: ReadonlyMap<string, string>): Promise<{ written: number; deleted: number }> {
  if (repo.config.getBoolean('core', 'indexed-deltas', false) !== true) {
    // ostree copies the config as loaded without G_KEY_FILE_KEEP_COMMENTS, sets the key, writes it
    const kf = await loadConfigForWrite(repo);
    kf.setBoolean('core', 'indexed-deltas', true);
    await saveConfig(repo, kf);
  }
  const byTarget = new Map<string, Array<string | null>>();
  for (const t of await listDeltaIndexes(repo)) byTarget.set(t, []);
  for (const name of names ?? (await listDeltaNames(repo))) {
    const { from, to } = parseDeltaName(name);
    const list = byTarget.get(to) ?? [];
    list.push(from);
    byTarget.set(to, list);
  }
  let written = 0;
  let deleted = 0;
  for (const [to, froms] of byTarget) {
    const path = deltaIndexPath(to);
    if (froms.length === 0) {
      if (await repo.storage.unlink(path)) deleted++;
      continue;
    }
    const entries: Array<[string | null, string]> = [];
    for (const from of froms) {
      const name = from === null ? to : `${from}-${to}`;
      entries.push([from, digests?.get(name) ?? (await superblockDigest(repo, name))]);
    }
    const bytes = encodeDeltaIndex(to, entries);
    const old = await repo.storage.read(path);
    if (old !== null && bytesEqual(old, bytes)) continue;
    await repo.storage.writeAtomic(path, bytes);
    written++;
  }
  return { written, deleted };
}

/** Write the `ostree-metadata` commit (see the module notes); returns its checksum. */
async function writeMetadataCommit(repo: Repo, collectionId: string, additional: ReadonlyArray<readonly [string, Variant]>, timestamp: bigint, signal?: AbortSignal): Promise<string> {
  const parent = await readRef(repo.storage, { ref: METADATA_REF });
  const metadata = ghashOrderEntries<Variant>([
    ...additional.map(([k, v]) => [k, v] as [string, Variant]),
    [MetadataKeys.COLLECTION_BINDING, new Variant('s', collectionId)],
    [MetadataKeys.REF_BINDING, new Variant('as', [METADATA_REF])],
  ]);
  return repo.transaction(
    async () => {
      const meta = await repo.writeMetadata(ObjectType.DIR_META, encodeDirmeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }));
      const tree = await repo.writeMetadata(ObjectType.DIR_TREE, EMPTY_DIRTREE);
      const commit: Commit = { metadata, parent, related: [], subject: '', body: '', timestamp, rootTree: tree, rootMeta: meta };
      const csum = await repo.writeMetadata(ObjectType.COMMIT, encodeCommit(commit));
      await repo.setRef({ ref: METADATA_REF }, csum);
      return csum;
    },
    { lock: false, signal },
  );
}

/**
 * Regenerate the repository summary like `ostree summary -u` (see the module notes for the
 * exact steps and their order).
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` when a ref points at a missing commit (nothing is written
 *   then, except the `ostree-metadata` commit which precedes it, as in ostree)
 */
export async function updateSummary(repo: Repo, opts: UpdateSummaryOptions = {}): Promise<UpdateSummaryResult> {
  const lock = opts.lock === false ? null : await lockRepo(repo.path, { timeoutSecs: repo.lockTimeoutSecs, signal: opts.signal });
  try {
    await repo.reloadConfig();
    const additional = opts.addMetadata ?? [];
    for (const [k] of additional) if (typeof k !== 'string' || k.length === 0) throw new RangeError('updateSummary: empty metadata key');
    const mainCid = repo.collectionId;
    let metadataCommit: string | undefined;
    if (mainCid !== undefined && opts.metadataCommit !== false) {
      metadataCommit = await writeMetadataCommit(repo, mainCid, additional, clockSeconds(opts.now), opts.signal);
    }

    const commitCache = new Map<string, { size: bigint; facts: SummaryRefFacts }>();
    const entry = async (ref: string, checksum: string): Promise<SummaryRef> => {
      let c = commitCache.get(checksum);
      if (!c) {
        opts.signal?.throwIfAborted();
        const bytes = await repo.readMetadataBytes(ObjectType.COMMIT, checksum);
        if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such metadata object ${checksum}.commit (ref ${ref})`, { data: { checksum, ref } });
        const commit = decodeCommit(bytes);
        const facts: SummaryRefFacts = { timestamp: commit.timestamp };
        for (const [k, v] of commit.metadata) {
          if (k === MetadataKeys.VERSION) {
            if (v.type === 's') facts.version = v.value as string;
            break;
          }
        }
        c = { size: BigInt(bytes.byteLength), facts };
        commitCache.set(checksum, c);
      }
      return { name: ref, commitSize: c.size, checksum, metadata: summaryRefMetadata(c.facts) };
    };

    const refs: SummaryRef[] = [];
    const foreign = new Map<string, SummaryRef[]>();
    const listed = await listAllRefs(repo);
    if (mainCid === undefined) {
      const heads = listed.filter((r) => r.remote === undefined && r.collectionId === undefined).sort((a, b) => compareUtf8(a.ref, b.ref));
      for (const h of heads) refs.push(await entry(h.ref, h.checksum));
    }
    const crefs = collectionRefs(repo, listed).sort((a, b) => compareUtf8(a.collectionId, b.collectionId) || compareUtf8(a.ref, b.ref));
    for (const r of crefs) {
      const e = await entry(r.ref, r.checksum);
      if (r.collectionId === mainCid) refs.push(e);
      else {
        const list = foreign.get(r.collectionId) ?? [];
        list.push(e);
        foreign.set(r.collectionId, list);
      }
    }

    const deltaNames = await listDeltaNames(repo);
    const digests = new Map<string, string>();
    for (const n of deltaNames) digests.set(n, await superblockDigest(repo, n));
    const withDeltas = repo.config.getBoolean('core', 'no-deltas-in-summary', false) !== true;
    const metadata = buildSummaryMetadata({
      additional,
      staticDeltas: withDeltas ? deltaNames.map((n) => [n, digests.get(n)!] as [string, string]) : [],
      lastModified: clockSeconds(opts.now),
      mode: repo.config.getString('core', 'mode') ?? 'bare',
      tombstoneCommits: repo.config.getBoolean('core', 'tombstone-commits', false),
      collectionId: mainCid,
      collectionMap: [...foreign.entries()],
    });
    const summary: Summary = { refs, metadata };
    const bytes = encodeSummary(summary);

    opts.signal?.throwIfAborted();
    const idx = await reindexDeltas(repo, deltaNames, digests);
    if (opts.sign) {
      const sig = await opts.sign(bytes);
      await repo.storage.writeAtomic('summary.sig', sig, { fsync: repo.fsyncEnabled });
    } else {
      await repo.storage.unlink('summary.sig');
    }
    await repo.storage.writeAtomic('summary', bytes, { fsync: repo.fsyncEnabled });
    return { bytes, summary, deltas: deltaNames.length, metadataCommit, indexesWritten: idx.written, indexesDeleted: idx.deleted };
  } finally {
    await lock?.release();
  }
}

/** A summary as {@link viewSummary} returns it. */
export interface SummaryView {
  summary: Summary;
  info: SummaryInfo;
  /** Refs of the main list with their decoded per-ref facts. */
  refs: Array<SummaryRef & SummaryRefFacts>;
}

/**
 * Decode summary bytes for display (`ostree summary --view`).
 *
 * @throws OstreeError `SUMMARY_INVALID`
 */
export function viewSummary(bytes: Uint8Array): SummaryView {
  const summary = decodeSummary(bytes);
  const info = summaryInfo(summary);
  return { summary, info, refs: summary.refs.map((r) => ({ ...r, ...readSummaryRefMetadata(r.metadata) })) };
}

/**
 * The bytes of the repository's `summary`.
 *
 * @throws OstreeError `SUMMARY_NOT_FOUND` when there is none
 */
export async function readSummary(repo: Repo): Promise<Uint8Array> {
  const data = await repo.storage.read('summary');
  if (data === null) throw new OstreeError('SUMMARY_NOT_FOUND', `No summary file in ${repo.storage.location}`);
  return data;
}
