/**
 * `flatpak_repo_update()` (flatpak 1.14.10 `common/flatpak-utils.c`): the flatpak flavour of the
 * repository summary, written by `build-update-repo`, `build-export` and `build-commit-from`.
 *
 * 1. refs = `refs/heads` (remotes and mirrors excluded); for every app/runtime/appstream commit
 *    the cached data (`read_commit_data()`: sizes, metadata text, subsets, sparse data), reused
 *    from the previous `summary.idx` + subsummaries when its `xa.cache-version` ≥ 2
 *    (`populate_commit_data_cache()`);
 * 2. the compat `summary` (`xa.cache`, `xa.sparse-cache`, `[flatpak] summary-arches` filter);
 * 3. unless `disableIndex`: one subsummary per (subset, arch), stored gzip'd as
 *    `summaries/SHA256.gz` (an existing non-empty file is reused), the index `summary.idx` with
 *    each subsummary's history (up to `[flatpak] sumary-history-length` — flatpak's spelling — or
 *    16) and `summaries/OLD-NEW.delta` `xadf` diffs;
 * 4. `delta-indexes/` rewritten (`ostree_repo_static_delta_reindex()`);
 * 5. writes: `summaries/DIGEST.idx.sig` (with signers) → `summary.idx` → `summary.idx.sig` (copy,
 *    or deleted) → `summary` → `summary.sig` (deleted; re-created with signers) → GC of
 *    `summaries/` (unreferenced `.gz`, `.delta` not leading to a new subsummary, `.idx.sig` of
 *    neither the new nor the previous index).
 *
 * Deviations: flatpak's "increasing mtime" replacement of `summary`/`summary.idx`/`summary.sig`
 * (for HTTP caches with 1 s resolution) is not reproduced; gzip bytes come from Node's zlib (names
 * are digests of the uncompressed data, so only the `.gz` bytes can differ).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { OstreeError } from '../errors.js';
import { Variant } from '../gvariant/value.js';
import { bswap64 } from '../format/bytes.js';
import { decodeCommit } from '../format/commit.js';
import { ObjectType } from '../format/object-type.js';
import { S_IFMT, S_IFREG } from '../format/mode.js';
import { parseFilez } from '../format/file-header.js';
import type { Dirtree } from '../format/dirtree.js';
import { decodeSummary, deltaSuperblockPath, parseDeltaName } from '../format/summary.js';
import {
  SUMMARY_HISTORY_LENGTH_DEFAULT,
  XA_CACHE_VERSION,
  archForRef,
  buildFlatpakSummary,
  decodeSummaryIndex,
  encodeSummaryIndex,
  flatpakSummaryMetadata,
  isAppRuntimeOrAppstreamRef,
  summaryDiff,
  type CommitFacts,
  type FlatpakCommitData,
  type SubsummaryEntry,
  type SummaryIndex,
} from '../format/flatpak-summary.js';
import type { Repo } from '../store/repo.js';
import { lockRepo } from '../store/lock.js';
import { listAllRefs, listDeltaNames, reindexDeltas } from '../ops/summary.js';
import { signSummaryBytes } from '../ops/sign.js';
import type { Signer } from '../sign/types.js';
import { installedFileSize } from './sizes.js';

export { XA_CACHE_VERSION } from '../format/flatpak-summary.js';

/** Options of {@link updateFlatpakSummary}. */
export interface FlatpakSummaryOptions {
  /** Sign `summary.sig` and the index with these (flatpak: `--gpg-sign`). */
  signers?: readonly Signer[];
  /** Clock (seconds since the epoch) for `ostree.summary.last-modified`. Default: system clock. */
  now?: () => bigint | number;
  /** `--no-summary-index`: no `summary.idx` / subsummaries (an existing index is deleted). */
  disableIndex?: boolean;
  /** Take the repository lock (default true). */
  lock?: boolean;
  /** Concurrent commit reads (default 32). */
  concurrency?: number;
  /** The repository's `refs/heads` (ref → commit), when the caller already listed them. */
  refs?: ReadonlyMap<string, string>;
  /** Object caches shared with other steps of the same run (see {@link FlatpakReadCache}). */
  cache?: FlatpakReadCache;
  signal?: AbortSignal;
}

/** Facts of one content object as the size walk needs them. */
export interface ContentFacts {
  regular: boolean;
  /** Uncompressed size. */
  size: bigint;
  /** Size of the stored object (`.filez` in archive repositories). */
  stored: bigint;
}

/**
 * Content-addressed read caches for one run over a repository (objects never change under a
 * checksum, so entries stay valid): commit bytes, decoded dirtrees, content facts.
 */
export interface FlatpakReadCache {
  commits: Map<string, Promise<Uint8Array | null>>;
  dirtrees: Map<string, Promise<Dirtree>>;
  files: Map<string, Promise<ContentFacts>>;
}

/** A new, empty {@link FlatpakReadCache}. */
export function newReadCache(): FlatpakReadCache {
  return { commits: new Map(), dirtrees: new Map(), files: new Map() };
}

function memo<T>(m: Map<string, Promise<T>>, k: string, f: () => Promise<T>): Promise<T> {
  let p = m.get(k);
  if (!p) {
    p = f();
    m.set(k, p);
  }
  return p;
}

/** The bytes of commit `checksum` (cached), or null when it is missing. */
export function readCommitBytes(repo: Repo, checksum: string, cache: FlatpakReadCache): Promise<Uint8Array | null> {
  return memo(cache.commits, checksum, () => repo.readMetadataBytes(ObjectType.COMMIT, checksum));
}

function readDirtree(repo: Repo, checksum: string, cache: FlatpakReadCache): Promise<Dirtree> {
  return memo(cache.dirtrees, checksum, () => repo.loadDirtree(checksum));
}

/** Dirtree `checksum`, decoded once per cache. */
export const readDirtreeCached = readDirtree;

function contentFacts(repo: Repo, checksum: string, cache: FlatpakReadCache): Promise<ContentFacts> {
  return memo(cache.files, checksum, async () => {
    if (repo.mode === 'archive') {
      // one read: the archive header gives type and size, the byte length is the stored size
      const bytes = await repo.storage.read(repo.objectPath(checksum, ObjectType.FILE));
      if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such content object ${checksum}`, { data: { checksum } });
      const f = parseFilez(bytes);
      return { regular: (f.header.mode & S_IFMT) === S_IFREG, size: f.size, stored: BigInt(bytes.byteLength) };
    }
    const stored = await repo.storedObjectSize(checksum, ObjectType.FILE);
    const obj = await repo.readContent(checksum);
    return { regular: (obj.header.mode & S_IFMT) === S_IFREG, size: BigInt(obj.content.byteLength), stored: BigInt(stored ?? 0) };
  });
}

/**
 * `flatpak_repo_collect_sizes()`: per regular-file entry, installed += size rounded up to 512,
 * download += stored object size (same rules as `collectTreeSizes` in `sizes.ts`, with the caches).
 */
async function treeSizes(repo: Repo, root: Dirtree, cache: FlatpakReadCache, signal?: AbortSignal): Promise<{ installedSize: bigint; downloadSize: bigint }> {
  let installedSize = 0n;
  let downloadSize = 0n;
  const walk = async (dt: Dirtree): Promise<void> => {
    signal?.throwIfAborted();
    const [files, dirs] = await Promise.all([Promise.all(dt.files.map((f) => contentFacts(repo, f.checksum, cache))), Promise.all(dt.dirs.map((d) => readDirtree(repo, d.tree, cache)))]);
    for (const f of files) {
      if (!f.regular) continue;
      installedSize += installedFileSize(f.size);
      downloadSize += f.stored;
    }
    await Promise.all(dirs.map(walk));
  };
  await walk(root);
  return { installedSize, downloadSize };
}

/** One subsummary of the index, as written. */
export interface WrittenSubsummary {
  /** `ARCH` or `SUBSET-ARCH`. */
  name: string;
  digest: string;
  /** False when an identical `.gz` already existed. */
  written: boolean;
  /** Older digests kept in the history (newest first). */
  history: string[];
}

/** What {@link updateFlatpakSummary} wrote. */
export interface FlatpakSummaryResult {
  /** Compat `summary` bytes. */
  summary: Uint8Array;
  /** `summary.idx` bytes (absent with `disableIndex`). */
  index?: Uint8Array;
  subsummaries: WrittenSubsummary[];
  /** Refs listed in the compat summary. */
  refs: number;
  /** Commits whose data was computed (not taken from the previous index). */
  commitsRead: number;
  /** Files deleted from `summaries/`. */
  removed: string[];
  deltaIndexesWritten: number;
  deltaIndexesDeleted: number;
  signed: boolean;
}

/** Per-ref data flatpak caches in the summary (`read_commit_data()`), without commit facts. */
export interface FlatpakRefData {
  installedSize: bigint;
  downloadSize: bigint;
  metadata: string;
  /** Sparse entries (`eol`, `eolr`, `tokt`, `eds`) that apply. */
  sparse: Array<[string, Variant]>;
}

/** Whether flatpak caches data for `ref` (app, runtime and appstream refs). */
export function isCachedRef(ref: string): boolean {
  return isAppRuntimeOrAppstreamRef(ref);
}

function metaGet(meta: ReadonlyArray<readonly [string, Variant]>, key: string, type: string): Variant['value'] | undefined {
  const e = meta.find(([k]) => k === key);
  return e && e[1].type === type ? e[1].value : undefined;
}

/**
 * `read_commit_data()` for one commit: sizes (from `xa.installed-size`/`xa.download-size`, else
 * walked, plus extra-data sizes), metadata text (`xa.metadata`, else the tree's `/metadata`, else
 * ""), `xa.subsets`, sparse data, commit size and timestamp.
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` / `CORRUPT_OBJECT`
 */
export async function readFlatpakCommitData(repo: Repo, checksum: string, signal?: AbortSignal, cache: FlatpakReadCache = newReadCache()): Promise<FlatpakCommitData> {
  const bytes = await readCommitBytes(repo, checksum, cache);
  if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such metadata object ${checksum}.commit`, { data: { checksum } });
  const c = decodeCommit(bytes);
  const m = c.metadata;
  let installedSize = metaGet(m, 'xa.installed-size', 't') as bigint | undefined;
  let downloadSize = metaGet(m, 'xa.download-size', 't') as bigint | undefined;
  let metadata = metaGet(m, 'xa.metadata', 's') as string | undefined;
  const root = await readDirtree(repo, c.rootTree, cache);
  const mf = metadata === undefined ? root.files.find((e) => e.name === 'metadata') : undefined;
  let mdText: Promise<string> | null = null;
  if (mf && repo.mode === 'archive' && !cache.files.has(mf.checksum)) {
    // read the metadata object once for both its text and its size facts
    const raw = repo.storage.read(repo.objectPath(mf.checksum, ObjectType.FILE));
    const parsed = raw.then((b) => {
      if (b === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such content object ${mf.checksum}`, { data: { checksum: mf.checksum } });
      return { b, f: parseFilez(b) };
    });
    const facts = parsed.then(({ b, f }) => ({ regular: (f.header.mode & S_IFMT) === S_IFREG, size: f.size, stored: BigInt(b.byteLength) }));
    facts.catch(() => undefined); // awaited by the walk if it runs; mdText reports the error otherwise
    cache.files.set(mf.checksum, facts);
    mdText = parsed.then(({ f }) => {
      if ((f.header.mode & S_IFMT) !== S_IFREG) return '';
      try {
        return new TextDecoder().decode(inflateRawSync(f.deflated, { maxOutputLength: Math.max(Number(f.size), 1) }));
      } catch (e) {
        throw new OstreeError('CORRUPT_OBJECT', `Corrupt compressed content in ${mf.checksum}.filez`, { cause: e });
      }
    });
  }
  const walk = installedSize === undefined || downloadSize === undefined ? treeSizes(repo, root, cache, signal) : null;
  if (metadata === undefined) {
    metadata = '';
    if (mdText) metadata = await mdText;
    else if (mf) {
      const obj = await repo.readContent(mf.checksum);
      if ((obj.header.mode & S_IFMT) === S_IFREG) metadata = new TextDecoder().decode(obj.content);
    }
  }
  if (walk) {
    const s = await walk;
    installedSize = s.installedSize;
    downloadSize = s.downloadSize;
  } else {
    installedSize = bswap64(installedSize!);
    downloadSize = bswap64(downloadSize!);
  }
  const subsets = metaGet(m, 'xa.subsets', 'as') as string[] | undefined;
  const sparse: Array<[string, Variant]> = [];
  const eol = metaGet(m, 'ostree.endoflife', 's');
  if (eol !== undefined) sparse.push(['eol', new Variant('s', eol)]);
  const eolr = metaGet(m, 'ostree.endoflife-rebase', 's');
  if (eolr !== undefined) sparse.push(['eolr', new Variant('s', eolr)]);
  const tokt = metaGet(m, 'xa.token-type', 'i') as number | undefined;
  if (tokt !== undefined && tokt >= 0) sparse.push(['tokt', new Variant('i', tokt)]);
  const eds = metaGet(m, 'xa.extra-data-sources', 'a(ayttays)') as unknown[][] | undefined;
  if (eds !== undefined) {
    let total = 0n;
    for (const e of eds) {
      const dl = bswap64(e[1] as bigint);
      total += dl;
      installedSize += bswap64(e[2] as bigint);
      downloadSize += dl;
    }
    if (eds.length > 0) sparse.push(['eds', new Variant('(ut)', [eds.length, total])]);
  }
  return {
    installedSize,
    downloadSize,
    metadata,
    ...(subsets !== undefined ? { subsets } : {}),
    sparse: sparse.length ? sparse : null,
    commitSize: BigInt(bytes.byteLength),
    timestamp: c.timestamp,
  };
}

/** {@link readFlatpakCommitData} in the older shape (sizes, metadata, sparse list). */
export async function readFlatpakRefData(repo: Repo, checksum: string, signal?: AbortSignal): Promise<FlatpakRefData> {
  const d = await readFlatpakCommitData(repo, checksum, signal);
  return { installedSize: d.installedSize, downloadSize: d.downloadSize, metadata: d.metadata, sparse: d.sparse ?? [] };
}

/** The flatpak global summary keys from the repo config (`add_summary_metadata()`), minus ostree's. */
export function flatpakConfigMetadata(repo: Repo): Array<[string, Variant]> {
  return flatpakSummaryMetadata({ config: repo.config, ...(repo.collectionId !== undefined ? { collectionId: repo.collectionId } : {}), lastModified: 0n }).filter(
    ([k]) => !k.startsWith('ostree.summary.'),
  );
}

function clockSeconds(now: (() => bigint | number) | undefined): bigint {
  const v = now ? now() : Math.floor(Date.now() / 1000);
  return typeof v === 'bigint' ? v : BigInt(Math.floor(v));
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

async function loadDigested(repo: Repo, digest: string): Promise<Uint8Array | null> {
  const gz = await repo.storage.read(`summaries/${digest}.gz`);
  if (gz === null) return null;
  try {
    return new Uint8Array(gunzipSync(gz, { maxOutputLength: 1 << 30 }));
  } catch {
    return null;
  }
}

/** `populate_commit_data_cache()`: commit data from the previous index's subsummaries, or null. */
async function cacheFromIndex(repo: Repo, idx: SummaryIndex): Promise<Map<string, FlatpakCommitData> | null> {
  const cv = idx.metadata.find(([k]) => k === 'xa.cache-version')?.[1];
  if (!cv || cv.type !== 'u' || (cv.value as number) < XA_CACHE_VERSION) return null;
  const cache = new Map<string, FlatpakCommitData>();
  for (const [name, entry] of idx.subsummaries) {
    const dash = name.lastIndexOf('-');
    const subset = dash >= 0 ? name.slice(0, dash) : '';
    const bytes = await loadDigested(repo, entry.digest);
    if (bytes === null) return null;
    let refs;
    try {
      refs = decodeSummary(bytes).refs;
    } catch {
      return null;
    }
    for (const r of refs) {
      if (!isAppRuntimeOrAppstreamRef(r.name)) continue;
      const xa = r.metadata.find(([k]) => k === 'xa.data')?.[1];
      if (!xa || xa.type !== '(tts)') return null;
      let d = cache.get(r.checksum);
      if (!d) {
        const [inst, dl, md] = xa.value as [bigint, bigint, string];
        const ts = r.metadata.find(([k]) => k === 'ot.ts')?.[1];
        const sparse = r.metadata.filter(([k]) => !k.startsWith('ot.') && !k.startsWith('ostree.') && k !== 'xa.data');
        d = {
          installedSize: bswap64(inst),
          downloadSize: bswap64(dl),
          metadata: md,
          sparse: sparse.length ? sparse : null,
          commitSize: r.commitSize,
          timestamp: ts && ts.type === 't' ? bswap64(ts.value as bigint) : 0n,
        };
        cache.set(r.checksum, d);
      }
      if (subset !== '') {
        d.subsets ??= [];
        if (!d.subsets.includes(subset)) d.subsets.push(subset);
      }
    }
  }
  return cache;
}

async function pool<T>(items: readonly T[], n: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}

/** Whether `path` exists with exactly these bytes. */
async function sameBytes(repo: Repo, path: string, data: Uint8Array): Promise<boolean> {
  const st = await repo.storage.lstat(path);
  if (!st || st.size !== data.byteLength) return false;
  const cur = await repo.storage.read(path);
  return cur !== null && Buffer.from(cur.buffer, cur.byteOffset, cur.byteLength).equals(data);
}

/**
 * Write the files of one update: all to temporary names and synced side by side (one journal
 * wait), then renamed — or deleted, for `null` — in the given order, so a crash leaves the same
 * states as writing them one after another would.
 */
async function writeGroup(repo: Repo, files: ReadonlyArray<{ path: string; data: Uint8Array | null }>): Promise<void> {
  const st = repo.storage;
  if (st.writeAtomicGroup) return st.writeAtomicGroup(files, { fsync: repo.fsyncEnabled });
  for (const f of files) {
    if (f.data === null) await st.unlink(f.path);
    else await st.writeAtomic(f.path, f.data, { fsync: repo.fsyncEnabled });
  }
}

/**
 * Regenerate `summary`, `summary.idx`, `summaries/` and `delta-indexes/` as
 * `flatpak build-update-repo` does (see the module notes).
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` when a ref's commit is missing (nothing is written then)
 */
export async function updateFlatpakSummary(repo: Repo, opts: FlatpakSummaryOptions = {}): Promise<FlatpakSummaryResult> {
  const lock = opts.lock === false ? null : await lockRepo(repo.path, { timeoutSecs: repo.lockTimeoutSecs, signal: opts.signal });
  try {
    await repo.reloadConfig();
    const cfg = repo.config;
    const signers = opts.signers ?? [];
    const rc = opts.cache ?? newReadCache();
    const refs = new Map<string, string>(opts.refs ?? []);
    if (!opts.refs) for (const r of await listAllRefs(repo)) if (r.remote === undefined && r.collectionId === undefined) refs.set(r.ref, r.checksum);

    const oldIndexBytes = await repo.storage.read('summary.idx');
    let oldIndex: SummaryIndex | null = null;
    if (oldIndexBytes !== null) {
      try {
        oldIndex = decodeSummaryIndex(oldIndexBytes);
      } catch {
        oldIndex = null;
      }
    }
    const data = (oldIndex && (await cacheFromIndex(repo, oldIndex))) ?? new Map<string, FlatpakCommitData>();
    const deltaNames = await listDeltaNames(repo);
    const summaryArches = cfg.hasKey('flatpak', 'summary-arches') ? cfg.getStringList('flatpak', 'summary-arches') ?? null : null;

    const arches = new Set<string>();
    const subsets = new Set<string>(['']);
    const toRead = new Set<string>();
    const plain = new Set<string>();
    for (const [ref, rev] of refs) {
      const arch = archForRef(ref);
      if (arch !== null) arches.add(arch);
      if (isAppRuntimeOrAppstreamRef(ref)) {
        if (!data.has(rev)) toRead.add(rev);
      } else plain.add(rev);
    }
    const reads = [...toRead];
    await pool(reads, opts.concurrency ?? 32, async (rev) => {
      opts.signal?.throwIfAborted();
      data.set(rev, await readFlatpakCommitData(repo, rev, opts.signal, rc));
    });
    for (const [ref, rev] of refs) if (isAppRuntimeOrAppstreamRef(ref)) for (const s of data.get(rev)!.subsets ?? []) subsets.add(s);
    const facts = new Map<string, CommitFacts>();
    await pool([...plain], opts.concurrency ?? 32, async (rev) => {
      const d = data.get(rev);
      if (d) return void facts.set(rev, d);
      const bytes = await readCommitBytes(repo, rev, rc);
      if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such metadata object ${rev}.commit`, { data: { checksum: rev } });
      facts.set(rev, { commitSize: BigInt(bytes.byteLength), timestamp: decodeCommit(bytes).timestamp });
    });

    const digests = new Map<string, string>();
    for (const n of deltaNames) {
      const { from, to } = parseDeltaName(n);
      const sb = await repo.storage.read(deltaSuperblockPath(from, to));
      if (sb !== null) digests.set(n, sha256(sb));
    }
    const now = clockSeconds(opts.now);
    const globalMetadata = flatpakSummaryMetadata({ config: cfg, ...(repo.collectionId !== undefined ? { collectionId: repo.collectionId } : {}), lastModified: now });
    const compat = buildFlatpakSummary({
      compat: true,
      refs,
      data,
      facts,
      deltas: deltaNames.filter((n) => digests.has(n)).map((n) => [n, digests.get(n)!] as [string, string]),
      subset: '',
      arches: summaryArches,
      globalMetadata,
    });

    const written: WrittenSubsummary[] = [];
    const removed: string[] = [];
    let indexBytes: Uint8Array | undefined;
    const generated = new Set<string>();
    const referenced = new Map<string, { bytes: Uint8Array; names: string[] } | null>();
    // every file of the update, in flatpak's order of writes (null: delete); written as one group
    const staged: Array<{ path: string; data: Uint8Array | null }> = [];
    if (!opts.disableIndex) {
      await repo.storage.mkdirp('summaries');
      const subs = new Map<string, { digest: string; bytes: Uint8Array; names: string[] }>();
      for (const subset of subsets) {
        for (const arch of arches) {
          const name = subset === '' ? arch : `${subset}-${arch}`;
          const s = buildFlatpakSummary({ compat: false, refs, data, facts, deltas: null, subset, arches: [arch], globalMetadata: [] });
          const digest = sha256(s.bytes);
          const path = `summaries/${digest}.gz`;
          const st = await repo.storage.lstat(path);
          const fresh = !(st && st.size > 0);
          if (fresh) staged.push({ path, data: gzipSync(s.bytes) });
          subs.set(name, { digest, bytes: s.bytes, names: s.refs.map((r) => r.name) });
          generated.add(digest);
          referenced.set(digest, { bytes: s.bytes, names: s.refs.map((r) => r.name) });
          written.push({ name, digest, written: fresh, history: [] });
        }
      }
      let maxHistory = 0;
      try {
        maxHistory = cfg.getInteger('flatpak', 'sumary-history-length') ?? 0;
      } catch {
        maxHistory = 0;
      }
      if (maxHistory <= 0) maxHistory = SUMMARY_HISTORY_LENGTH_DEFAULT;
      const entries: Array<[string, SubsummaryEntry]> = [];
      for (const w of written) {
        const cur = subs.get(w.name)!;
        const old = oldIndex?.subsummaries.find(([n]) => n === w.name)?.[1];
        if (old) {
          for (const cand of [old.digest, ...old.history]) {
            if (w.history.length >= maxHistory) break;
            if (cand === cur.digest) continue;
            let oc = referenced.get(cand);
            if (oc === undefined) {
              const b = await loadDigested(repo, cand);
              let names: string[] | null = null;
              if (b) {
                try {
                  names = decodeSummary(b).refs.map((r) => r.name);
                } catch {
                  names = null;
                }
              }
              oc = b && names ? { bytes: b, names } : null;
              referenced.set(cand, oc);
            }
            if (!oc) continue;
            const diff = gzipSync(summaryDiff(oc.bytes, oc.names, cur.bytes, cur.names), { level: 9 });
            const path = `summaries/${cand}-${cur.digest}.delta`;
            const st = await repo.storage.lstat(path);
            if (!(st && st.size === diff.byteLength)) staged.push({ path, data: diff });
            w.history.push(cand);
          }
        }
        entries.push([w.name, { digest: cur.digest, history: w.history, metadata: [] }]);
      }
      indexBytes = encodeSummaryIndex({ subsummaries: entries, metadata: globalMetadata.map(([k, v]) => [k, v]) });
    }

    opts.signal?.throwIfAborted();
    const idx = await reindexDeltas(repo, deltaNames.filter((n) => digests.has(n)), digests);
    const indexDigest = indexBytes ? sha256(indexBytes) : null;
    const oldIndexDigest = oldIndexBytes ? sha256(oldIndexBytes) : null;
    // a file whose current bytes are the new ones is left alone (a rerun within the same second)
    const put = async (path: string, data: Uint8Array): Promise<void> => {
      if (!(await sameBytes(repo, path, data))) staged.push({ path, data });
    };
    if (indexBytes) {
      const sig = signers.length ? await signSummaryBytes(indexBytes, signers) : null;
      if (sig) staged.push({ path: `summaries/${indexDigest}.idx.sig`, data: sig });
      await put('summary.idx', indexBytes);
      staged.push({ path: 'summary.idx.sig', data: sig });
    } else {
      staged.push({ path: 'summary.idx', data: null }, { path: 'summary.idx.sig', data: null });
    }
    await put('summary', compat.bytes);
    // flatpak deletes summary.sig, then writes the new one: here the new one replaces it
    staged.push({ path: 'summary.sig', data: signers.length ? await signSummaryBytes(compat.bytes, signers) : null });
    await writeGroup(repo, staged);

    if (!opts.disableIndex) {
      for (const e of (await repo.storage.list('summaries')) ?? []) {
        if (e.kind !== 'file') continue;
        const n = e.name;
        const dot = n.indexOf('.');
        if (dot < 0) continue;
        const ext = n.slice(dot);
        let remove = false;
        if (ext === '.gz' && n.length === 67) remove = !referenced.has(n.slice(0, 64)) || referenced.get(n.slice(0, 64)) === null;
        else if (ext === '.delta') {
          const dash = n.indexOf('-');
          if (dash >= 0 && dash < dot && dot - dash === 65) remove = !generated.has(n.slice(dash + 1, dot));
        } else if (ext === '.idx.sig') {
          const d = n.slice(0, -'.idx.sig'.length);
          remove = d !== indexDigest && d !== oldIndexDigest;
        }
        if (remove && (await repo.storage.unlink(`summaries/${n}`))) removed.push(n);
      }
    }
    return {
      summary: compat.bytes,
      ...(indexBytes ? { index: indexBytes } : {}),
      subsummaries: written,
      refs: compat.refs.length,
      commitsRead: reads.length,
      removed,
      deltaIndexesWritten: idx.written,
      deltaIndexesDeleted: idx.deleted,
      signed: signers.length > 0,
    };
  } finally {
    await lock?.release();
  }
}

/** Alias of {@link updateFlatpakSummary} named after flatpak's function. */
export const flatpakRepoUpdate = updateFlatpakSummary;
