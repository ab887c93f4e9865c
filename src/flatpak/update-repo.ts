/**
 * `flatpak build-update-repo` (flatpak 1.14.10 `app/flatpak-builtins-build-update-repo.c`), in
 * flatpak's order of steps:
 *
 * 1. repo-config changes, one read-modify-write of `config` (`[flatpak] title`, `comment`,
 *    `description`, `homepage`, `icon`, `redirect-url`, `default-branch`, `authenticator-name`,
 *    `authenticator-install`, `authenticator-options.KEY`, `deploy-sideload-collection-id`,
 *    `deploy-collection-id`, `gpg-keys` (base64 of the concatenated key files), `[core]
 *    collection-id`); an empty string removes the key; an existing different collection ID is
 *    refused;
 * 2. unless `noUpdateAppstream`: the appstream branches ({@link generateAppstream});
 * 3. with `generateStaticDeltas`: for every `app/`/`runtime/` ref (unless its ID matches an
 *    ignore glob) and `appstream2/` ref, the from-empty delta of the head and the parent→head
 *    delta when the parent is present, generated if missing (`minFallbackSize` 1, up to
 *    `staticDeltaJobs` at once); then every delta that is not wanted (wanted: those two, plus the
 *    parent's from-empty and grandparent→parent deltas) is deleted;
 * 4. unless `noUpdateSummary`: {@link updateFlatpakSummary} (`noSummaryIndex` disables the index);
 * 5. with `prune` / `pruneDryRun`: prune unreachable objects from all refs with `pruneDepth`
 *    (ostree-ts's refs-only prune, which also deletes deltas to pruned commits).
 *
 * The hidden single-delta mode (`--generate-static-delta-to/-from/-ref`, used by flat-manager's
 * delta workers) is {@link generateOneDelta}.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { OstreeError } from '../errors.js';
import { decodeCommit } from '../format/commit.js';
import { isValidCollectionId } from '../format/names.js';
import type { Repo } from '../store/repo.js';
import { loadConfigForWrite, saveConfig } from '../ops/config.js';
import { listDeltaNames } from '../ops/summary.js';
import { generateStaticDelta } from '../ops/delta-generate.js';
import { deleteStaticDelta } from '../ops/delta-info.js';
import { prune, type PruneResult } from '../ops/prune.js';
import { listAllRefs } from '../ops/summary.js';
import type { Signer } from '../sign/types.js';
import { generateAppstream, type AppstreamBranch } from './appstream.js';
import { newReadCache, readCommitBytes, updateFlatpakSummary, type FlatpakReadCache, type FlatpakSummaryResult } from './summary.js';
import { lockRepo } from '../store/lock.js';

/** Options of {@link buildUpdateRepo}, named after flatpak's. Config strings: `''` removes the key. */
export interface BuildUpdateRepoOptions {
  title?: string;
  comment?: string;
  description?: string;
  homepage?: string;
  icon?: string;
  redirectUrl?: string;
  defaultBranch?: string;
  authenticatorName?: string;
  /** `--authenticator-install` (true) / `--no-authenticator-install` (false). */
  authenticatorInstall?: boolean;
  /** `--authenticator-option=KEY=VALUE` entries (empty VALUE removes the option). */
  authenticatorOptions?: readonly string[];
  /** `--collection-id` (`''` clears it when none is set). */
  collectionId?: string;
  deploySideloadCollectionId?: boolean;
  deployCollectionId?: boolean;
  /** `--gpg-import`: the key files' bytes, concatenated in order. */
  gpgImport?: readonly Uint8Array[];
  /** `--gpg-sign` keys: appstream commits, `summary.sig`, the index signature. */
  signers?: readonly Signer[];
  generateStaticDeltas?: boolean;
  /** Parallel delta generations (default: number of CPUs). */
  staticDeltaJobs?: number;
  /** GLib-style globs (`*`, `?`) matched against app/runtime IDs. */
  staticDeltaIgnoreRefs?: readonly string[];
  noUpdateSummary?: boolean;
  noUpdateAppstream?: boolean;
  noSummaryIndex?: boolean;
  prune?: boolean;
  pruneDryRun?: boolean;
  /** Parents to keep per ref (-1 = all, default). */
  pruneDepth?: number;
  /** Clock (seconds) for appstream commits and the summaries. */
  now?: () => bigint | number;
  signal?: AbortSignal;
  /** Progress lines (flatpak prints them on stdout; the CLI puts them on stderr). */
  onProgress?: (message: string) => void;
}

/** What {@link buildUpdateRepo} did. */
export interface BuildUpdateRepoResult {
  /** Config keys written (`group.key`) and removed. */
  configSet: string[];
  configRemoved: string[];
  appstream: AppstreamBranch[];
  deltasGenerated: string[];
  deltasDeleted: string[];
  summary?: FlatpakSummaryResult;
  prune?: Pick<PruneResult, 'objectsTotal' | 'objectsPruned' | 'bytesFreed' | 'deltasPruned' | 'noPrune'>;
}

/** GLib `GPatternSpec` matching (`*` any run, `?` one character) of a whole string. */
export function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('')}$`, 's');
  return re.test(s);
}

function clock(now: (() => bigint | number) | undefined): bigint {
  const v = now ? now() : Math.floor(Date.now() / 1000);
  return typeof v === 'bigint' ? v : BigInt(Math.floor(v));
}

/** Step 1: the config changes. */
async function applyConfig(repo: Repo, o: BuildUpdateRepoOptions, res: BuildUpdateRepoResult): Promise<void> {
  const kf = await loadConfigForWrite(repo);
  let changed = false;
  const set = (group: string, key: string, value: string | undefined): void => {
    changed = true;
    if (value === undefined || value === '') {
      kf.removeKey(group, key);
      res.configRemoved.push(`${group}.${key}`);
    } else {
      kf.setString(group, key, value);
      res.configSet.push(`${group}.${key}`);
    }
  };
  const texts: Array<[keyof BuildUpdateRepoOptions, string]> = [
    ['title', 'title'],
    ['comment', 'comment'],
    ['description', 'description'],
    ['homepage', 'homepage'],
    ['icon', 'icon'],
    ['redirectUrl', 'redirect-url'],
    ['defaultBranch', 'default-branch'],
    ['authenticatorName', 'authenticator-name'],
  ];
  for (const [opt, key] of texts) if (o[opt] !== undefined) set('flatpak', key, o[opt] as string);
  if (o.authenticatorInstall !== undefined) {
    changed = true;
    kf.setBoolean('flatpak', 'authenticator-install', o.authenticatorInstall);
    res.configSet.push('flatpak.authenticator-install');
  }
  for (const kv of o.authenticatorOptions ?? []) {
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? undefined : kv.slice(eq + 1);
    set('flatpak', `authenticator-options.${key}`, value);
  }
  if (o.collectionId !== undefined) {
    const old = repo.collectionId;
    const neu = o.collectionId === '' ? undefined : o.collectionId;
    if (old !== undefined && old !== neu) {
      throw new OstreeError('COLLECTION_ID_CHANGE', 'The collection ID of an existing repository cannot be changed. Recreate the repository to change or clear its collection ID.', {
        data: { old, new: neu },
      });
    }
    if (neu !== undefined && !isValidCollectionId(neu)) throw new OstreeError('INVALID_COLLECTION_ID', `Invalid collection ID ‘${neu}’`, { data: { collectionId: neu } });
    set('core', 'collection-id', neu);
  }
  if (o.deploySideloadCollectionId) {
    changed = true;
    kf.setBoolean('flatpak', 'deploy-sideload-collection-id', true);
    res.configSet.push('flatpak.deploy-sideload-collection-id');
  }
  if (o.deployCollectionId) {
    changed = true;
    kf.setBoolean('flatpak', 'deploy-collection-id', true);
    res.configSet.push('flatpak.deploy-collection-id');
  }
  if (o.gpgImport !== undefined) {
    set('flatpak', 'gpg-keys', Buffer.concat(o.gpgImport.map((b) => Buffer.from(b))).toString('base64'));
  }
  if (changed) await saveConfig(repo, kf);
}

/** Options of {@link generateOneDelta}. */
export interface OneDeltaOptions {
  from?: string | null;
  to: string;
  /** Only used in the progress line. */
  ref?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Compression workers (see `generateStaticDelta`). */
  workers?: number;
}

/**
 * The hidden single-delta mode (`--generate-static-delta-to=TO [--generate-static-delta-from=FROM]
 * [--generate-static-delta-ref=REF]`): generate exactly that delta with `min-fallback-size` 1.
 *
 * @throws OstreeError from `generateStaticDelta`, prefixed "Failed to generate delta …"
 */
export async function generateOneDelta(repo: Repo, o: OneDeltaOptions): Promise<string> {
  const from = o.from ?? null;
  const ref = o.ref ?? '';
  const label = from === null ? `${ref} (${o.to.slice(0, 10)})` : `${ref} (${from.slice(0, 10)}-${o.to.slice(0, 10)})`;
  o.onProgress?.(`Generating delta: ${label}`);
  try {
    await generateStaticDelta(repo, { from, to: o.to, minFallbackSize: 1, ...(o.workers !== undefined ? { workers: o.workers } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  } catch (e) {
    if (e instanceof OstreeError) throw new OstreeError(e.code, `Failed to generate delta ${label}: ${e.message}`, { data: e.data, cause: e });
    throw e;
  }
  return from === null ? o.to : `${from}-${o.to}`;
}

async function commitParent(repo: Repo, checksum: string, cache: FlatpakReadCache): Promise<{ ok: boolean; parent: string | null }> {
  const bytes = await readCommitBytes(repo, checksum, cache);
  if (bytes === null) return { ok: false, parent: null };
  return { ok: true, parent: decodeCommit(bytes).parent };
}

/** Step 3: `generate_all_deltas()` plus the deletion of unwanted deltas. */
async function allDeltas(repo: Repo, o: BuildUpdateRepoOptions, res: BuildUpdateRepoResult, heads: ReadonlyMap<string, string>, cache: FlatpakReadCache): Promise<void> {
  o.onProgress?.('Generating static deltas');
  const existing = await listDeltaNames(repo);
  const have = new Set(existing);
  const wanted = new Set<string>();
  const jobs: Array<{ ref: string; from: string | null; to: string }> = [];
  for (const [ref, commit] of heads) {
    let ignore: boolean;
    if (ref.startsWith('app/') || ref.startsWith('runtime/')) {
      const id = ref.split('/')[1] ?? '';
      ignore = (o.staticDeltaIgnoreRefs ?? []).some((p) => globMatch(p, id));
    } else ignore = !ref.startsWith('appstream2/');
    if (ignore) continue;
    const c = await commitParent(repo, commit, cache);
    if (!c.ok) {
      o.onProgress?.(`Couldn't load commit ${commit}`);
      continue;
    }
    if (!have.has(commit)) jobs.push({ ref, from: null, to: commit });
    wanted.add(commit);
    if (c.parent === null) continue;
    const p = await commitParent(repo, c.parent, cache);
    if (!p.ok) continue;
    const fromParent = `${c.parent}-${commit}`;
    if (!have.has(fromParent)) jobs.push({ ref, from: c.parent, to: commit });
    wanted.add(fromParent);
    wanted.add(c.parent);
    if (p.parent !== null) wanted.add(`${p.parent}-${c.parent}`);
  }
  const n = o.staticDeltaJobs && o.staticDeltaJobs > 0 ? o.staticDeltaJobs : availableParallelism();
  const seen = new Set<string>();
  const unique = jobs.filter((j) => {
    const k = `${j.from}-${j.to}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  let next = 0;
  // each generation uses compression workers of its own; keep the total near `n`
  const workers = Math.max(0, Math.floor(n / Math.max(1, Math.min(n, unique.length))) - 1);
  await Promise.all(
    Array.from({ length: Math.min(n, unique.length) }, async () => {
      while (next < unique.length) {
        const j = unique[next++]!;
        res.deltasGenerated.push(await generateOneDelta(repo, { ...j, workers, ...(o.signal ? { signal: o.signal } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) }));
      }
    }),
  );
  for (const d of existing) {
    if (wanted.has(d)) continue;
    o.onProgress?.(`Deleting unwanted delta: ${d}`);
    try {
      await deleteStaticDelta(repo, d);
      res.deltasDeleted.push(d);
    } catch (e) {
      o.onProgress?.(`Unable to delete delta ${d}: ${(e as Error).message}`);
    }
  }
}

/**
 * `flatpak build-update-repo LOCATION` (see the module notes for the steps and their order).
 *
 * @throws OstreeError `COLLECTION_ID_CHANGE`, `INVALID_COLLECTION_ID`, and whatever the steps throw
 */
export async function buildUpdateRepo(repo: Repo, o: BuildUpdateRepoOptions = {}): Promise<BuildUpdateRepoResult> {
  const res: BuildUpdateRepoResult = { configSet: [], configRemoved: [], appstream: [], deltasGenerated: [], deltasDeleted: [] };
  // one lock and one listing of refs/heads for the config, appstream, delta and summary steps
  const lock = await lockRepo(repo.path, { timeoutSecs: repo.lockTimeoutSecs, ...(o.signal ? { signal: o.signal } : {}) });
  try {
    await applyConfig(repo, o, res);
    await repo.reloadConfig();
    const signers = o.signers ?? [];
    const heads = new Map<string, string>();
    for (const r of await listAllRefs(repo)) if (r.remote === undefined && r.collectionId === undefined) heads.set(r.ref, r.checksum);
    const cache = newReadCache();
    const sig = o.signal ? { signal: o.signal } : {};
    if (!o.noUpdateAppstream) {
      o.onProgress?.('Updating appstream branch');
      res.appstream = await generateAppstream(repo, { signers, timestamp: clock(o.now), refs: heads, cache, lock: false, ...(o.onProgress ? { onMessage: o.onProgress } : {}), ...sig });
      for (const b of res.appstream) if (b.commit) heads.set(b.branch, b.commit);
    }
    if (o.generateStaticDeltas) await allDeltas(repo, o, res, heads, cache);
    if (!o.noUpdateSummary) {
      o.onProgress?.('Updating summary');
      res.summary = await updateFlatpakSummary(repo, {
        signers,
        disableIndex: o.noSummaryIndex === true,
        refs: heads,
        cache,
        lock: false,
        ...(o.now ? { now: o.now } : {}),
        ...sig,
      });
    }
  } finally {
    await lock.release();
  }
  if (o.prune || o.pruneDryRun) {
    o.onProgress?.(o.pruneDryRun ? 'Pruning old commits (dry-run)' : 'Pruning old commits');
    const p = await prune(repo, { refsOnly: true, depth: o.pruneDepth ?? -1, noPrune: o.pruneDryRun === true, ...(o.signal ? { signal: o.signal } : {}) });
    res.prune = { objectsTotal: p.objectsTotal, objectsPruned: p.objectsPruned, bytesFreed: p.bytesFreed, deltasPruned: p.deltasPruned, noPrune: p.noPrune };
    o.onProgress?.(`Total objects: ${p.objectsTotal}`);
    o.onProgress?.(p.objectsPruned === 0 ? 'No unreachable objects' : `Deleted ${p.objectsPruned} objects, ${p.bytesFreed} bytes freed`);
  }
  return res;
}
