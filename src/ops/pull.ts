/**
 * Pull commits from a remote repository (`ostree pull`, `ostree pull-local`): the summary and its
 * signature, the remote `config`, refs, then per commit `.commitmeta` before `.commit`, then the
 * missing dirtrees, dirmetas and content objects with bounded parallel requests — or a static delta
 * when the local repository is bare-user-only and the remote offers one.
 *
 * Facts from `ostree_repo_pull_with_options()` and friends (`src/libostree/ostree-repo-pull.c`,
 * ostree v2022.7), summarized in docs/ostree-formats.md §8.
 *
 * Crash safety: objects are written atomically one by one as they arrive (never a half-written
 * object), the commit is marked `state/<checksum>.commitpartial` before its objects are fetched, and
 * the marker is removed and refs are written only once everything is present. A killed pull leaves
 * a partial commit that `fsck` accepts and the next pull completes (locally present objects are
 * never requested again; dirtrees of a partial commit are re-walked from the local copies).
 *
 * @module
 */
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { OstreeError } from '../errors.js';
import { sha256Hex } from '../format/checksums.js';
import { isChecksum } from '../format/checksum.js';
import { ObjectType, loosePath, repoModeFromString } from '../format/object-type.js';
import { decodeCommit, type Commit } from '../format/commit.js';
import { decodeDirtree } from '../format/dirtree.js';
import { decodeDirmeta } from '../format/dirmeta.js';
import { decodeCommitmeta } from '../format/commitmeta.js';
import { contentChecksum, createContentHasher, parseFilez, type FileHeader } from '../format/file-header.js';
import { KeyFile } from '../format/keyfile.js';
import { isValidRef, validateRemoteName } from '../format/names.js';
import {
  decodeDeltaIndex,
  decodeSummary,
  deltaIndexPath,
  deltaSuperblockPath,
  formatDeltaName,
  parseDeltaName,
  summaryInfo,
  type Summary,
} from '../format/summary.js';
import { decodeDeltaSuperblock, inlineDeltaParts, unwrapDeltaSuperblock } from '../format/delta.js';
import { MetadataKeys } from '../format/types.js';
import { MAX_METADATA_SIZE, Repo, SYNC_INFLATE_MAX } from '../store/repo.js';
import { LocalFetcher, openRemoteFetcher, type RemoteFetcher } from '../store/http.js';
import { listRefs } from '../store/refs.js';
import { NodeStorage } from '../store/storage.js';
import { GpgVerifier, type Verifier, type VerifyResult } from '../sign/index.js';
import { loadEd25519Verifier, loadTrustedGpgKeys, signatureKey, signaturesIn, verifySummary } from './sign.js';
import { applyStaticDelta, maxPartPayloadSize } from './delta-apply.js';
import { createPartDecoder, type PartDecoder } from './delta-part-worker.js';
import { remoteGroup } from './remote.js';


/** Largest content object accepted (whole objects are held in memory). */
const MAX_CONTENT_SIZE = 2 ** 31 - 1;

/** Progress of {@link pull}. */
export type PullProgress =
  | { phase: 'summary'; found: boolean }
  | { phase: 'refs'; refs: Array<{ ref: string; checksum: string }> }
  | { phase: 'delta'; name: string; parts: number }
  | { phase: 'objects'; fetched: number; requested: number; bytes: number }
  | { phase: 'done'; fetchedMetadata: number; fetchedContent: number; bytes: number };

/** Options of {@link pull}. */
export interface PullOptions {
  /** Configured remote name (its `url`, verification options and keyring are used). */
  remote?: string;
  /** Remote URL or directory, instead of (or overriding) the remote's `url`. */
  url?: string;
  /** Refs to pull (also `ref@commit`, or a bare commit checksum). Default: the remote's `branches`, or every ref with `mirror`. */
  refs?: readonly string[];
  /** Parent commits to follow: 0 (default) none, -1 all. Missing parents are tolerated. */
  depth?: number;
  /** Write refs to `refs/heads/` and copy `summary`/`summary.sig` as-is (when pulling all refs). */
  mirror?: boolean;
  /** Fetch only commit objects and detached metadata; commits stay partial. */
  commitMetadataOnly?: boolean;
  /** Never use static deltas. */
  disableStaticDeltas?: boolean;
  /** Fail unless every commit comes from a static delta. */
  requireStaticDeltas?: boolean;
  /** Override `gpg-verify` of the remote (default: remote config, true when unset). */
  gpgVerify?: boolean;
  /** Override `gpg-verify-summary` (default: remote config, false). */
  gpgVerifySummary?: boolean;
  /** Override `sign-verify` (ed25519 commit signatures; default: remote config, false). */
  signVerify?: boolean;
  /** Override `sign-verify-summary` (default: remote config, false). */
  signVerifySummary?: boolean;
  /** Skip the ref/collection binding checks of commits (`--disable-verify-bindings`). */
  disableVerifyBindings?: boolean;
  /** Write refs as local heads (`pull-local` without `--remote`). */
  localRefs?: boolean;
  /** Parallel requests (default 8). */
  concurrency?: number;
  /** Use this fetcher instead of opening one for the URL (tests, custom transports). */
  fetcher?: RemoteFetcher;
  /**
   * Static deltas: the module the part-decoding worker runs (`createPartDecoder`; default the
   * package's `dist/delta-part-worker.js` when running from the package, else parts are decoded
   * in this thread). `false` decodes in this thread.
   */
  partDecoderUrl?: URL | string | false;
  /** Read objects from this local repository (any mode) instead of fetching archive files. */
  sourceRepo?: Repo;
  signal?: AbortSignal;
  onProgress?: (e: PullProgress) => void;
}

/** One pulled ref. */
export interface PulledRef {
  /** Ref name, or `null` when a bare checksum was pulled. */
  ref: string | null;
  checksum: string;
  /** Previous local value of the written ref, if any. */
  previous: string | null;
  /** `'delta'` when a static delta delivered the commit, `'objects'` otherwise. */
  via: 'delta' | 'objects' | 'unchanged';
}

/** Result of {@link pull}. */
export interface PullResult {
  refs: PulledRef[];
  fetchedMetadata: number;
  fetchedContent: number;
  /** Bytes received from the remote. */
  bytes: number;
  requests: number;
  deltasUsed: string[];
}

interface ResolvedTarget {
  ref: string | null;
  checksum: string;
  commitSize?: number;
}

/** Where objects come from. */
interface ObjectSource {
  metadata(type: ObjectType, checksum: string, maxSize: number): Promise<Uint8Array | null>;
  /** Content object: header and content. */
  content(checksum: string): Promise<{ header: FileHeader; content: Uint8Array } | null>;
  /** The raw `.filez` bytes, when the source is an archive (stored as-is in archive repos). */
  filez?(checksum: string): Promise<Uint8Array | null>;
}

/**
 * Inflate a raw-deflate stream whose output is declared to be `size` bytes, synchronously and in one
 * zlib call: the output buffer is `size + 1` bytes (one spare byte, so a stream that ends exactly at
 * `size` does not make zlib allocate a second chunk), and the result is a view of it — no 16 KiB
 * chunks, no thread-pool round trips, no concatenation. Longer output fails (`maxOutputLength`).
 */
function inflateWhole(deflated: Uint8Array, size: number): Buffer {
  return inflateRawSync(deflated, { chunkSize: Math.max(64, size + 1), maxOutputLength: Math.max(size, 1) });
}

/**
 * Verify a `.filez` object's checksum by inflating it chunk by chunk into the hasher (the content
 * is never held whole).
 * @throws OstreeError `CORRUPT_OBJECT`
 */
async function verifyFilez(checksum: string, filez: Uint8Array): Promise<void> {
  const f = parseFilez(filez);
  const hasher = createContentHasher(f.header);
  const size = Number(f.size);
  if ((f.header.mode & 0o170000) === 0o100000) {
    if (size > MAX_CONTENT_SIZE) throw corrupt(checksum, `declares ${size} bytes`);
    let total = 0;
    if (size <= SYNC_INFLATE_MAX) {
      let out: Buffer;
      try {
        out = inflateRawSync(f.deflated, { maxOutputLength: Math.max(size, 1) });
      } catch (e) {
        throw corrupt(checksum, 'bad compressed data', e);
      }
      total = out.byteLength;
      hasher.update(out);
    } else {
      total = await new Promise<number>((resolve, reject) => {
        const inf = createInflateRaw({ chunkSize: 256 * 1024 });
        let n = 0;
        inf.on('data', (c: Buffer) => {
          n += c.byteLength;
          if (n > size) {
            inf.destroy();
            reject(corrupt(checksum, `more data than the declared ${size} bytes`));
            return;
          }
          hasher.update(c);
        });
        inf.on('end', () => resolve(n));
        inf.on('error', (e) => reject(corrupt(checksum, 'bad compressed data', e)));
        inf.end(f.deflated);
      });
    }
    if (total !== size) throw corrupt(checksum, `size mismatch (header ${size}, data ${total})`);
  }
  const actual = hasher.digest();
  if (actual !== checksum) {
    throw new OstreeError('CORRUPT_OBJECT', `Corrupted file object; checksum expected='${checksum}' actual='${actual}'`, { data: { expected: checksum, actual } });
  }
}

class FetcherSource implements ObjectSource {
  constructor(
    private readonly fetcher: RemoteFetcher,
    private readonly signal?: AbortSignal,
  ) {}

  metadata(type: ObjectType, checksum: string, maxSize: number): Promise<Uint8Array | null> {
    return this.fetcher.get(loosePath(checksum, type, 'archive'), { maxSize, signal: this.signal });
  }

  filez(checksum: string): Promise<Uint8Array | null> {
    return this.fetcher.get(loosePath(checksum, ObjectType.FILE, 'archive'), { maxSize: MAX_CONTENT_SIZE, signal: this.signal });
  }

  async content(checksum: string) {
    const filez = await this.filez(checksum);
    if (filez === null) return null;
    const f = parseFilez(filez);
    let content: Uint8Array = new Uint8Array(0);
    if ((f.header.mode & 0o170000) === 0o100000) {
      const size = Number(f.size);
      if (size > MAX_CONTENT_SIZE) throw corrupt(checksum, `declares ${size} bytes`);
      try {
        const out = inflateWhole(f.deflated, size);
        content = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch (e) {
        throw corrupt(checksum, 'bad compressed data', e);
      }
      if (content.byteLength !== size) throw corrupt(checksum, `size mismatch (header ${size}, data ${content.byteLength})`);
    }
    return { header: f.header, content };
  }
}

class RepoSource implements ObjectSource {
  constructor(private readonly src: Repo) {}

  async metadata(type: ObjectType, checksum: string): Promise<Uint8Array | null> {
    if (type === ObjectType.COMMIT_META) return this.src.readCommitDetachedMetadata(checksum);
    return this.src.readMetadataBytes(type, checksum);
  }

  async content(checksum: string) {
    if (!(await this.src.hasObject(checksum, ObjectType.FILE))) return null;
    return this.src.readContent(checksum);
  }
}

function corrupt(checksum: string, why: string, cause?: unknown): OstreeError {
  return new OstreeError('CORRUPT_OBJECT', `Corrupted content object ${checksum}: ${why}`, { data: { checksum }, cause });
}

/**
 * Bounded task pool: at most `limit` tasks run at once. After the first failure nothing new starts,
 * and {@link Pool.drain} rejects with that failure once the tasks already running have settled.
 */
class Pool {
  private running = 0;
  private readonly queue: Array<() => Promise<void>> = [];
  private failure: { e: unknown } | null = null;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(private readonly limit: number) {}

  add(task: () => Promise<void>): void {
    if (this.failure) return;
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    while (!this.failure && this.running < this.limit && this.queue.length > 0) {
      const t = this.queue.shift()!;
      this.running++;
      t().then(
        () => this.settle(),
        (e) => {
          if (!this.failure) {
            this.failure = { e };
            this.queue.length = 0;
          }
          this.settle();
        },
      );
    }
    this.maybeDone();
  }

  private settle(): void {
    this.running--;
    this.pump();
  }

  private maybeDone(): void {
    if (this.running > 0 || (this.queue.length > 0 && !this.failure)) return;
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) {
      if (this.failure) x.reject(this.failure.e);
      else x.resolve();
    }
  }

  /** Resolves when every queued task finished; rejects with the first failure. */
  drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.maybeDone();
    });
  }
}

function configBool(kf: KeyFile, group: string, key: string, dflt: boolean): boolean {
  const v = kf.getString(group, key);
  if (v === undefined) return dflt;
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes') return true;
  if (t === 'false' || t === '0' || t === 'no') return false;
  throw new OstreeError('INVALID_CONFIG', `Invalid boolean ${JSON.stringify(v)} for ${key} in [${group}]`);
}

/** Verification settings of a pull. */
interface Verification {
  gpg: Verifier | null;
  sign: Verifier | null;
  summaryGpg: Verifier | null;
  summarySign: Verifier | null;
}

async function makeVerification(repo: Repo, remote: string | undefined, opts: PullOptions): Promise<Verification> {
  const g = remote !== undefined ? remoteGroup(remote) : '';
  const kf = repo.config;
  const has = remote !== undefined && kf.hasGroup(g);
  const gpgCommits = opts.gpgVerify ?? (has ? configBool(kf, g, 'gpg-verify', true) : false);
  const gpgSummary = opts.gpgVerifySummary ?? (has ? configBool(kf, g, 'gpg-verify-summary', false) : false);
  const signCommits = opts.signVerify ?? (has ? configBool(kf, g, 'sign-verify', false) : false);
  const signSummary = opts.signVerifySummary ?? (has ? configBool(kf, g, 'sign-verify-summary', false) : false);
  let gpg: Verifier | null = null;
  if (gpgCommits || gpgSummary) {
    const keyrings: string[] = [];
    const keyPath = has ? kf.getString(g, 'gpgkeypath') : undefined;
    if (keyPath) keyrings.push(...keyPath.split(/[;,]/).map((s) => s.trim()).filter(Boolean));
    let keys = await loadTrustedGpgKeys(null, { keyrings });
    if (remote !== undefined) {
      try {
        keys = keys.concat(await loadTrustedGpgKeys(repo, { remote, allRemotes: false }));
      } catch (e) {
        if (!(e instanceof OstreeError && e.code === 'KEY_NOT_FOUND')) throw e;
      }
    }
    gpg = new GpgVerifier(keys);
  }
  let sign: Verifier | null = null;
  if (signCommits || signSummary) {
    const key = has ? kf.getString(g, 'verification-ed25519-key') : undefined;
    const file = has ? kf.getString(g, 'verification-ed25519-file') : undefined;
    sign = await loadEd25519Verifier({ keys: key ? [key.trim()] : [], keysFiles: file ? [file] : [] });
  }
  return { gpg: gpgCommits ? gpg : null, sign: signCommits ? sign : null, summaryGpg: gpgSummary ? gpg : null, summarySign: signSummary ? sign : null };
}

async function checkCommitSignatures(v: Verification, checksum: string, commit: Uint8Array, meta: Uint8Array | null): Promise<void> {
  for (const verifier of [v.gpg, v.sign]) {
    if (verifier === null) continue;
    const md = meta === null ? [] : decodeCommitmeta(meta);
    const sigs = signaturesIn(md, signatureKey(verifier.engine));
    const name = verifier.engine === 'gpg' ? 'GPG' : verifier.engine;
    if (sigs.length === 0) {
      throw new OstreeError('NO_SIGNATURE', `${name} verification enabled, but no signatures found on commit ${checksum} (use gpg-verify=false in remote config to disable)`, {
        data: { checksum, engine: verifier.engine },
      });
    }
    const r: VerifyResult = await verifier.verify(commit, sigs);
    if (!r.anyValid) {
      const why = r.checks.map((c) => `${c.keyId || '(unknown key)'}: ${c.reason ?? 'not valid'}`).join('; ');
      throw new OstreeError('BAD_SIGNATURE', `No valid ${name} signature on commit ${checksum}${why ? ` (${why})` : ''}`, { data: { checksum, result: r } });
    }
  }
}

/**
 * `_ostree_repo_verify_bindings()` (`src/libostree/ostree-repo.c`): a commit's `ostree.ref-binding`
 * must list the ref it was pulled through; with a remote collection ID the binding must exist and
 * `ostree.collection-binding` must equal it.
 */
function verifyBindings(commit: Commit, checksum: string, refs: readonly string[], collectionId: string | undefined): void {
  const ref = refs[0] ?? null;
  const fail = (why: string) => new OstreeError('BAD_BINDING', `Commit ${checksum}: ${why}`, { data: { checksum, ref } });
  const bound = commit.metadata.find(([k]) => k === MetadataKeys.REF_BINDING)?.[1];
  if (bound === undefined || bound.type !== 'as') {
    if (collectionId === undefined) return;
    throw fail('Expected commit metadata to have ref binding information, found none');
  }
  const list = bound.value as string[];
  // ostree scans a commit once, for whichever requesting ref reaches it first: accept any of them
  if (ref !== null && !refs.some((r) => list.includes(r))) {
    throw fail(`Commit has no requested ref ‘${ref}’ in ref binding metadata (${list.length ? list.map((r) => `‘${r}’`).join(', ') : 'no refs'})`);
  }
  if (collectionId !== undefined) {
    const c = commit.metadata.find(([k]) => k === MetadataKeys.COLLECTION_BINDING)?.[1];
    if (c === undefined || c.type !== 's') throw fail('Expected commit metadata to have collection ID binding information, found none');
    if (c.value !== collectionId) throw fail(`Commit has collection ID ‘${c.value as string}’ in collection binding metadata, while the remote it came from has collection ID ‘${collectionId}’`);
  }
}

/** Delta candidates: name → superblock digest (or null when unknown). */
type DeltaMap = Map<string, string | null>;

/**
 * Pull into `repo` (`ostree pull REMOTE [REFS…]`, `ostree pull-local`).
 *
 * @throws OstreeError `NOT_FOUND` (unknown remote / no url), `REF_NOT_FOUND` (ref absent on the
 *   remote), `OBJECT_NOT_FOUND` (commit or object missing on the remote), `CORRUPT_OBJECT`
 *   (checksum mismatch, malformed object), `REMOTE_MODE` (remote not an archive repository),
 *   `NO_SIGNATURE` / `BAD_SIGNATURE`, `DELTA_REQUIRED` (`requireStaticDeltas` and no delta),
 *   `SUMMARY_INVALID`, `FETCH_FAILED`, `FETCH_TOO_LARGE`, delta errors of `applyStaticDelta`.
 */
export async function pull(repo: Repo, opts: PullOptions): Promise<PullResult> {
  const signal = opts.signal;
  const remote = opts.remote;
  if (remote !== undefined) validateRemoteName(remote);
  if (opts.depth !== undefined && (!Number.isInteger(opts.depth) || opts.depth < -1)) throw new RangeError('depth must be an integer >= -1');
  if (opts.disableStaticDeltas && opts.requireStaticDeltas) throw new OstreeError('INVALID_ARGUMENT', 'Cannot use both --disable-static-deltas and --require-static-deltas');
  let url = opts.url;
  if (url === undefined && opts.fetcher === undefined && opts.sourceRepo === undefined) {
    if (remote === undefined) throw new TypeError('pull: remote or url is required');
    const g = remoteGroup(remote);
    if (!repo.config.hasGroup(g)) throw new OstreeError('NOT_FOUND', `Remote "${remote}" not found`, { data: { remote } });
    url = repo.config.getString(g, 'url');
    if (url === undefined) throw new OstreeError('NOT_FOUND', `No "url" option in remote "${remote}"`, { data: { remote } });
  }
  const fetcher = opts.fetcher ?? (opts.sourceRepo ? new LocalFetcher(opts.sourceRepo.path) : openRemoteFetcher(url!, { concurrency: opts.concurrency }));
  const ownsFetcher = opts.fetcher === undefined;
  // `contenturl`: objects, deltas and delta indexes come from there; summary, config, refs from `url`
  const contentUrl = opts.fetcher === undefined && opts.url === undefined && !opts.sourceRepo && remote !== undefined && repo.config.hasGroup(remoteGroup(remote))
    ? repo.config.getString(remoteGroup(remote), 'contenturl')?.trim() || undefined
    : undefined;
  const contentFetcher = contentUrl !== undefined ? openRemoteFetcher(contentUrl, { concurrency: opts.concurrency }) : fetcher;
  const isLocal = opts.sourceRepo !== undefined || fetcher instanceof LocalFetcher;
  const verification = await makeVerification(repo, remote, opts);
  const { summaryGpg, summarySign } = verification;
  const result: PullResult = { refs: [], fetchedMetadata: 0, fetchedContent: 0, bytes: 0, requests: 0, deltasUsed: [] };
  try {
    // 1. summary.sig, then summary
    // (a local source repository is read directly: its refs, not a possibly stale summary)
    const readSummaryFiles = !opts.sourceRepo || opts.mirror === true;
    const sigBytes = readSummaryFiles ? await fetcher.get('summary.sig', { signal, maxSize: MAX_METADATA_SIZE }) : null;
    // ostree's summary cache (`tmp/cache/summaries/<remote>` + `.sig`): an unchanged signature
    // means the cached summary is current, so it is not downloaded again
    const cacheName = remote !== undefined && opts.url === undefined && opts.fetcher === undefined && !opts.sourceRepo ? `tmp/cache/summaries/${remote}` : null;
    let summaryBytes: Uint8Array | null = null;
    let fromCache = false;
    if (cacheName !== null && sigBytes !== null) {
      const cachedSig = await repo.storage.read(`${cacheName}.sig`);
      if (cachedSig !== null && Buffer.from(cachedSig).equals(Buffer.from(sigBytes))) {
        summaryBytes = await repo.storage.read(cacheName);
        fromCache = summaryBytes !== null;
      }
    }
    if (!fromCache && readSummaryFiles) summaryBytes = await fetcher.get('summary', { signal, maxSize: MAX_METADATA_SIZE });
    opts.onProgress?.({ phase: 'summary', found: summaryBytes !== null });
    const checkSummary = async (bytes: Uint8Array | null): Promise<Summary | null> => {
      const decoded = bytes !== null && !opts.sourceRepo ? decodeSummary(bytes) : null;
      for (const v of [summaryGpg, summarySign]) {
        if (v === null) continue;
        if (bytes === null) throw new OstreeError('NO_SIGNATURE', 'Signature verification of the summary is enabled, but the remote has no summary', {});
        await verifySummary(bytes, sigBytes, { verifier: v, requireValid: true });
      }
      return decoded;
    };
    let summary: Summary | null;
    try {
      summary = await checkSummary(summaryBytes);
    } catch (e) {
      if (!fromCache) throw e;
      // a bad cached copy: download once more, without the cache (as ostree)
      fromCache = false;
      summaryBytes = await fetcher.get('summary', { signal, maxSize: MAX_METADATA_SIZE });
      summary = await checkSummary(summaryBytes);
    }
    const info = summary ? summaryInfo(summary) : null;
    if (cacheName !== null && !fromCache && summaryBytes !== null && sigBytes !== null) {
      await repo.storage.writeAtomic(cacheName, summaryBytes);
      await repo.storage.writeAtomic(`${cacheName}.sig`, sigBytes);
    }

    // 2. config (not for a local source repository, whose mode we read directly)
    let indexedDeltas = info?.indexedDeltas === true;
    let localNonArchive: Repo | null = null;
    if (!opts.sourceRepo) {
      const cfgBytes = await fetcher.get('config', { signal, maxSize: 1 << 20 });
      if (cfgBytes !== null) {
        const kf = KeyFile.parse(new TextDecoder().decode(cfgBytes));
        const modeStr = kf.getString('core', 'mode') ?? 'bare';
        const mode = repoModeFromString(modeStr.trim());
        if (mode !== 'archive') {
          // a local (file://) repository of another mode is read through its Repo, as pull-local does
          if (fetcher instanceof LocalFetcher) localNonArchive = await Repo.open(fetcher.location);
          else throw new OstreeError('REMOTE_MODE', `Can't pull from archives with mode "${modeStr}"`, { data: { mode: modeStr } });
        }
        if (configBool(kf, 'core', 'indexed-deltas', false)) indexedDeltas = true;
      } else if (summary === null) {
        throw new OstreeError('NOT_FOUND', `No repository at ${fetcher.location} (neither summary nor config found)`, { data: { url: fetcher.location } });
      }
    }
    const source: ObjectSource = localNonArchive
      ? new RepoSource(localNonArchive)
      : opts.sourceRepo && opts.sourceRepo.mode !== 'archive'
        ? new RepoSource(opts.sourceRepo)
        : new FetcherSource(contentFetcher, signal);

    // 3. resolve refs
    let wanted = opts.refs ? [...opts.refs] : [];
    const allRefs = wanted.length === 0;
    if (allRefs) {
      const branches = remote !== undefined && repo.config.hasGroup(remoteGroup(remote)) ? repo.config.getStringList(remoteGroup(remote), 'branches') : undefined;
      if (!opts.mirror && branches && branches.length > 0) wanted = branches;
      else if (!opts.mirror && !opts.sourceRepo && remote !== undefined) {
        throw new OstreeError('INVALID_ARGUMENT', `No configured branches for remote ${remote}`, { data: { remote } });
      } else if (summary) wanted = summary.refs.map((r) => r.name);
      else if (opts.sourceRepo) wanted = (await opts.sourceRepo.listRefs()).filter((r) => r.remote === undefined).map((r) => r.ref);
      else if (opts.mirror) wanted = await listRemoteRefs(fetcher, signal);
      else throw new OstreeError('INVALID_ARGUMENT', `No refs given and remote ${remote ?? fetcher.location} has no summary and no configured branches`);
    }
    const targets: ResolvedTarget[] = [];
    for (const spec of wanted) targets.push(opts.sourceRepo ? await resolveLocalTarget(opts.sourceRepo, spec) : await resolveTarget(spec, summary, fetcher, signal));
    opts.onProgress?.({ phase: 'refs', refs: targets.map((t) => ({ ref: t.ref ?? t.checksum, checksum: t.checksum })) });

    // 4. delta candidates
    const deltas: DeltaMap = new Map();
    for (const [name, digest] of info?.staticDeltas ?? []) deltas.set(name, digest);
    const deltasAllowed = !opts.disableStaticDeltas && !opts.commitMetadataOnly && !isLocal && repo.mode !== 'archive';
    if (opts.requireStaticDeltas && !deltasAllowed) {
      throw new OstreeError('DELTA_REQUIRED', repo.mode === 'archive' ? "Can't use static deltas when pulling into an archive repository" : 'Static deltas cannot be used for this pull');
    }

    const collectionId = remote !== undefined && repo.config.hasGroup(remoteGroup(remote)) ? repo.config.getString(remoteGroup(remote), 'collection-id')?.trim() || undefined : undefined;
    const ctx: PullContext = { repo, fetcher: contentFetcher, source, opts, verification, result, depth: opts.depth ?? 0, seenCommits: new Set(), pending: 0, collectionId, refs: [] };
    const refLoc = (ref: string) => (opts.mirror || opts.localRefs || remote === undefined ? { ref } : { remote, ref });
    for (const t of targets) {
      signal?.throwIfAborted();
      const previous = t.ref !== null ? await repo.readRef(opts.mirror || opts.localRefs || remote === undefined ? t.ref : `${remote}:${t.ref}`) : null;
      ctx.refs = targets.filter((x) => x.checksum === t.checksum && x.ref !== null).map((x) => x.ref!);
      let via: PulledRef['via'] = 'objects';
      const complete = (await repo.hasObject(t.checksum, ObjectType.COMMIT)) && !(await repo.isCommitPartial(t.checksum));
      if (complete && !opts.requireStaticDeltas) via = 'unchanged';
      let usedDelta = false;
      if (deltasAllowed && !complete) {
        if (indexedDeltas) {
          const idx = await contentFetcher.get(deltaIndexPath(t.checksum), { signal, maxSize: MAX_METADATA_SIZE });
          if (idx !== null) for (const [name, digest] of decodeDeltaIndex(idx)) deltas.set(name, digest);
        }
        const choice = await chooseDelta(repo, t.checksum, deltas, previous, summary !== null);
        if (choice !== null) usedDelta = await pullDelta(ctx, choice.from, t.checksum, choice.digest);
        if (usedDelta) via = 'delta';
      }
      if (!usedDelta && opts.requireStaticDeltas && !complete) {
        throw new OstreeError('DELTA_REQUIRED', `Static deltas required, but none found for ${t.checksum}`, { data: { checksum: t.checksum } });
      }
      if (!usedDelta) await pullCommitChain(ctx, t.checksum, t.commitSize, true);
      else if (ctx.depth !== 0) {
        const c = await repo.loadCommit(t.checksum);
        if (c.parent) await pullCommitChain(ctx, c.parent, undefined, false, ctx.depth < 0 ? -1 : ctx.depth - 1);
      }
      result.refs.push({ ref: t.ref, checksum: t.checksum, previous, via });
    }

    // 5. refs last (then mirror copies of summary and signature)
    signal?.throwIfAborted();
    for (const r of result.refs) {
      if (r.ref === null) continue;
      if (r.previous !== r.checksum) await repo.setRef(refLoc(r.ref), r.checksum);
    }
    if (opts.mirror && allRefs && summaryBytes !== null) {
      await repo.storage.writeAtomic('summary', summaryBytes);
      if (sigBytes !== null) await repo.storage.writeAtomic('summary.sig', sigBytes);
      else await repo.storage.unlink('summary.sig');
    }
    result.bytes = fetcher.bytesTransferred + (contentFetcher !== fetcher ? contentFetcher.bytesTransferred : 0);
    result.requests = fetcher.requests + (contentFetcher !== fetcher ? contentFetcher.requests : 0);
    opts.onProgress?.({ phase: 'done', fetchedMetadata: result.fetchedMetadata, fetchedContent: result.fetchedContent, bytes: result.bytes });
    return result;
  } finally {
    if (ownsFetcher) fetcher.close();
    if (contentFetcher !== fetcher) contentFetcher.close();
  }
}

async function listRemoteRefs(fetcher: RemoteFetcher, signal?: AbortSignal): Promise<string[]> {
  if (!(fetcher instanceof LocalFetcher)) {
    throw new OstreeError('INVALID_ARGUMENT', `Remote ${fetcher.location} has no summary; name the refs to pull`);
  }
  signal?.throwIfAborted();
  const refs = await listRefs(new NodeStorage(fetcher.location), {});
  return refs.filter((r) => r.remote === undefined).map((r) => r.ref);
}

async function resolveLocalTarget(src: Repo, spec: string): Promise<ResolvedTarget> {
  if (isChecksum(spec as unknown)) return { ref: null, checksum: spec };
  if (!isValidRef(spec)) throw new OstreeError('INVALID_REF', `Invalid ref name ${spec}`, { data: { ref: spec } });
  const csum = await src.resolveRev(spec, true);
  if (csum === null) throw new OstreeError('REF_NOT_FOUND', `Refspec '${spec}' not found in ${src.path}`, { data: { ref: spec } });
  return { ref: spec, checksum: csum };
}

async function resolveTarget(spec: string, summary: Summary | null, fetcher: RemoteFetcher, signal?: AbortSignal): Promise<ResolvedTarget> {
  if (isChecksum(spec as unknown)) return { ref: null, checksum: spec };
  const at = spec.lastIndexOf('@');
  if (at > 0 && isChecksum(spec.slice(at + 1))) {
    const ref = spec.slice(0, at);
    if (!isValidRef(ref)) throw new OstreeError('INVALID_REF', `Invalid ref name ${ref}`, { data: { ref } });
    return { ref, checksum: spec.slice(at + 1) };
  }
  if (!isValidRef(spec)) throw new OstreeError('INVALID_REF', `Invalid ref name ${spec}`, { data: { ref: spec } });
  if (summary) {
    const r = summary.refs.find((x) => x.name === spec);
    if (!r) throw new OstreeError('REF_NOT_FOUND', `No such branch '${spec}' in repository summary`, { data: { ref: spec } });
    return { ref: spec, checksum: r.checksum, commitSize: r.commitSize > 0n && r.commitSize < BigInt(MAX_METADATA_SIZE) ? Number(r.commitSize) : undefined };
  }
  const body = await fetcher.get(`refs/heads/${spec}`, { signal, maxSize: 4096 });
  if (body === null) throw new OstreeError('REF_NOT_FOUND', `Couldn't find remote ref ${spec}`, { data: { ref: spec } });
  const csum = new TextDecoder().decode(body).trim();
  if (!isChecksum(csum)) throw new OstreeError('CORRUPT_REF', `Remote ref ${spec} does not hold a checksum`, { data: { ref: spec } });
  return { ref: spec, checksum: csum };
}

/**
 * `get_best_static_delta_start_for()`: among deltas to `to`, the locally complete `from` commit
 * with the newest timestamp; else the scratch delta when the ref does not exist locally.
 */
async function chooseDelta(repo: Repo, to: string, deltas: DeltaMap, previous: string | null, haveSummary: boolean): Promise<{ from: string | null; digest: string | null } | null> {
  let best: { from: string; ts: bigint; digest: string | null } | null = null;
  let scratch: { digest: string | null } | null = null;
  for (const [name, digest] of deltas) {
    let d;
    try {
      d = parseDeltaName(name);
    } catch {
      continue;
    }
    if (d.to !== to) continue;
    if (d.from === null) {
      scratch = { digest };
      continue;
    }
    if (!(await repo.hasObject(d.from, ObjectType.COMMIT)) || (await repo.isCommitPartial(d.from))) continue;
    const ts = (await repo.loadCommit(d.from)).timestamp;
    if (best === null || ts > best.ts) best = { from: d.from, ts, digest };
  }
  if (best) return { from: best.from, digest: best.digest };
  if (scratch && previous === null) return { from: null, digest: scratch.digest };
  if (!haveSummary) {
    // legacy probe without a summary: from the local ref, else scratch (404 ⇒ objects)
    if (previous !== null && previous !== to && (await repo.hasObject(previous, ObjectType.COMMIT))) return { from: previous, digest: null };
    if (previous === null) return { from: null, digest: null };
  }
  return null;
}

interface PullContext {
  repo: Repo;
  fetcher: RemoteFetcher;
  source: ObjectSource;
  opts: PullOptions;
  verification: Verification;
  result: PullResult;
  depth: number;
  seenCommits: Set<string>;
  pending: number;
  /** The remote's `collection-id`, for binding checks. */
  collectionId: string | undefined;
  /** The refs being pulled that point at the current tip commit (binding checks). */
  refs: string[];
}

function progress(ctx: PullContext): void {
  const r = ctx.result;
  ctx.opts.onProgress?.({ phase: 'objects', fetched: r.fetchedMetadata + r.fetchedContent, requested: ctx.pending, bytes: ctx.fetcher.bytesTransferred });
}

/** Apply the delta `from`→`to`; false when the remote turns out not to have it (404). */
async function pullDelta(ctx: PullContext, from: string | null, to: string, digest: string | null): Promise<boolean> {
  const { fetcher, repo, opts } = ctx;
  const signal = opts.signal;
  const sbBytes = await fetcher.get(deltaSuperblockPath(from, to), { signal, maxSize: MAX_METADATA_SIZE });
  if (sbBytes === null) return false;
  if (digest !== null) {
    const actual = sha256Hex(sbBytes);
    if (actual !== digest) {
      throw new OstreeError('DELTA_MISMATCH', `Invalid checksum for static delta ${formatDeltaName(from, to)}: expected ${digest}, actual ${actual}`, { data: { expected: digest, actual } });
    }
  } else if (ctx.verification.summaryGpg !== null || ctx.verification.summarySign !== null) {
    throw new OstreeError('DELTA_MISMATCH', 'Static delta superblock digest unknown, but summary verification is required');
  }
  let sb;
  try {
    sb = decodeDeltaSuperblock(unwrapDeltaSuperblock(sbBytes).superblock);
  } catch (e) {
    if (e instanceof OstreeError) throw e;
    throw new OstreeError('DELTA_CORRUPT', `Invalid delta superblock: ${(e as Error).message}`, { cause: e });
  }
  if (sb.to !== to || sb.from !== from) throw new OstreeError('DELTA_MISMATCH', `Delta superblock is for ${formatDeltaName(sb.from, sb.to)}, expected ${formatDeltaName(from, to)}`);
  const name = formatDeltaName(from, to);
  opts.onProgress?.({ phase: 'delta', name, parts: sb.parts.length });
  const dir = deltaSuperblockPath(from, to).slice(0, -'superblock'.length);
  const prefetched = new Map<number, Promise<Uint8Array | null>>();
  const inlineParts = inlineDeltaParts(sb);
  const fetchPart = (i: number) => {
    let p = prefetched.get(i);
    if (!p) {
      const h = sb.parts[i];
      if (!h || inlineParts.has(i)) return Promise.resolve(null);
      p = fetcher.get(`${dir}${i}`, { signal, maxSize: Math.min(MAX_CONTENT_SIZE, h.size) });
      p.catch(() => undefined);
      prefetched.set(i, p);
    }
    return p;
  };
  // Parts are decompressed on a worker (the first as soon as it is fetched, then one ahead of the
  // part executing here) while this thread fetches the fallback objects — all in one transaction.
  const worker = opts.partDecoderUrl === false || sb.parts.every((h) => h.usize < DECODER_MIN_USIZE)
    ? null
    : createPartDecoder({ workerUrl: opts.partDecoderUrl });
  const decoder = worker && sharedDecodes(worker);
  let meta: Uint8Array | null;
  try {
    if (decoder) {
      // decoding writes nothing, so it may start before the signatures are checked
      const h = sb.parts[0]!;
      void fetchPart(0).then((f) => f && decoder.decode(f, h.checksum, maxPartPayloadSize(h)), () => undefined);
    }
    // signatures of the target commit (carried by the superblock) before anything is written
    meta = await fetcher.get(loosePath(to, ObjectType.COMMIT_META, 'archive'), { signal, maxSize: MAX_METADATA_SIZE });
    if (sha256Hex(sb.commit) !== to) throw new OstreeError('DELTA_MISMATCH', `Delta superblock embeds a commit that is not ${to}`);
    await checkCommitSignatures(ctx.verification, to, sb.commit, meta);
    if (!opts.disableVerifyBindings) verifyBindings(decodeCommit(sb.commit), to, ctx.refs, ctx.collectionId);
    await repo.inOpenTransaction(async () => {
      void fetchPart(0); // before the fallbacks take the connections (no-op when started above)
      const pool = new Pool(Math.max(1, opts.concurrency ?? 8));
      for (const f of sb.fallbacks) {
        pool.add(async () => {
          if (await repo.hasObject(f.checksum, f.type)) return;
          if (f.type === ObjectType.FILE) await fetchContent(ctx, f.checksum);
          else await fetchMetadata(ctx, f.type, f.checksum);
        });
      }
      const parts = applyStaticDelta(repo, sbBytes, {
        allowFallbacks: true,
        signal,
        partDecoder: decoder ?? undefined,
        readPart: async (i) => {
          const p = fetchPart(i);
          void fetchPart(i + 1);
          prefetched.delete(i);
          const b = await p;
          if (b === null) throw new OstreeError('OBJECT_NOT_FOUND', `Delta part ${dir}${i} not found on the remote`, { data: { part: i } });
          return b;
        },
      });
      // both settle before the transaction ends either way; the parts' error first
      const [a, b] = await Promise.allSettled([parts, pool.drain()]);
      if (a.status === 'rejected') throw a.reason;
      if (b.status === 'rejected') throw b.reason;
    }, { signal });
  } finally {
    await worker?.close();
  }
  if (meta !== null) await repo.writeCommitDetachedMetadata(to, meta);
  // the delta delivered every object: a marker from an earlier commit-only pull is stale now
  await repo.storage.unlink(`state/${to}.commitpartial`);
  ctx.result.deltasUsed.push(name);
  return true;
}

/**
 * A delta gets a part-decoding worker when one of its parts holds at least this many bytes of
 * objects: below it, starting the worker costs about what decompressing in this thread does.
 */
const DECODER_MIN_USIZE = 4 << 20;

/**
 * A decoder that decodes each part file (by identity) once: the part fetched and decoded ahead
 * by the pull is the same promise when `applyStaticDelta` asks for it.
 */
function sharedDecodes(decoder: PartDecoder): PartDecoder {
  const started = new WeakMap<Uint8Array, Promise<Uint8Array | null>>();
  return {
    decode(file, expected, maxOutput) {
      let p = started.get(file);
      if (!p) {
        p = decoder.decode(file, expected, maxOutput);
        started.set(file, p);
      }
      return p;
    },
    close: () => decoder.close(),
  };
}

async function markPartial(repo: Repo, checksum: string): Promise<void> {
  await repo.storage.writeAtomic(`state/${checksum}.commitpartial`, '');
}

/** Fetch a commit (detached metadata first) and, unless commit-only, everything it references. */
async function pullCommitChain(ctx: PullContext, checksum: string, commitSize: number | undefined, isTip: boolean, depth = ctx.depth): Promise<void> {
  const { opts } = ctx;
  let current: string | null = checksum;
  let remaining = depth;
  let first = isTip;
  while (current !== null) {
    opts.signal?.throwIfAborted();
    if (ctx.seenCommits.has(current)) return;
    ctx.seenCommits.add(current);
    const commit = await pullOneCommit(ctx, current, first ? commitSize : undefined, first);
    if (commit === null) return; // missing parent tolerated
    first = false;
    if (remaining === 0 || commit.parent === null) return;
    if (remaining > 0) remaining--;
    current = commit.parent;
  }
}

async function pullOneCommit(ctx: PullContext, checksum: string, commitSize: number | undefined, required: boolean): Promise<Commit | null> {
  const { repo, source, opts } = ctx;
  const haveCommit = await repo.hasObject(checksum, ObjectType.COMMIT);
  const wasPartial = haveCommit && (await repo.isCommitPartial(checksum));
  // detached metadata is always (re)fetched, before the commit (new signatures)
  const meta = await source.metadata(ObjectType.COMMIT_META, checksum, MAX_METADATA_SIZE);
  let bytes: Uint8Array | null;
  if (haveCommit) {
    bytes = await repo.readMetadataBytes(ObjectType.COMMIT, checksum);
  } else {
    bytes = await source.metadata(ObjectType.COMMIT, checksum, commitSize ?? MAX_METADATA_SIZE);
    if (bytes === null) {
      if (!required) return null;
      throw new OstreeError('OBJECT_NOT_FOUND', `Commit ${checksum} not found on the remote`, { data: { checksum } });
    }
    ctx.result.fetchedMetadata++;
  }
  if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such commit ${checksum}`, { data: { checksum } });
  const actual = sha256Hex(bytes);
  if (actual !== checksum) {
    throw new OstreeError('CORRUPT_OBJECT', `Corrupted commit object; checksum expected='${checksum}' actual='${actual}'`, { data: { expected: checksum, actual } });
  }
  const commit = decodeCommit(bytes);
  if (meta !== null) decodeCommitmeta(meta);
  if (!opts.disableVerifyBindings) verifyBindings(commit, checksum, required ? ctx.refs : [], ctx.collectionId);
  await checkCommitSignatures(ctx.verification, checksum, bytes, meta);
  const needTree = !opts.commitMetadataOnly && (!haveCommit || wasPartial);
  if (!haveCommit) {
    await markPartial(repo, checksum);
    if (meta !== null) await repo.writeCommitDetachedMetadata(checksum, meta);
    await repo.writeMetadata(ObjectType.COMMIT, bytes, checksum);
  } else if (meta !== null) {
    const old = await repo.readCommitDetachedMetadata(checksum);
    if (old === null || sha256Hex(old) !== sha256Hex(meta)) await repo.writeCommitDetachedMetadata(checksum, meta);
  }
  if (needTree) {
    await pullTree(ctx, commit.rootTree, commit.rootMeta);
    await repo.storage.unlink(`state/${checksum}.commitpartial`);
  }
  return commit;
}

async function fetchMetadata(ctx: PullContext, type: ObjectType, checksum: string): Promise<Uint8Array> {
  const bytes = await ctx.source.metadata(type, checksum, MAX_METADATA_SIZE);
  if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `Object ${checksum}.${ObjectType[type].toLowerCase()} not found on the remote`, { data: { checksum, type } });
  const actual = sha256Hex(bytes);
  if (actual !== checksum) {
    throw new OstreeError('CORRUPT_OBJECT', `Corrupted ${ObjectType[type].toLowerCase()} object; checksum expected='${checksum}' actual='${actual}'`, { data: { expected: checksum, actual } });
  }
  if (type === ObjectType.DIR_TREE) decodeDirtree(bytes);
  else if (type === ObjectType.DIR_META) decodeDirmeta(bytes);
  await ctx.repo.writeMetadata(type, bytes, checksum);
  ctx.result.fetchedMetadata++;
  progress(ctx);
  return bytes;
}

async function fetchContent(ctx: PullContext, checksum: string): Promise<void> {
  const repo = ctx.repo;
  if (repo.mode === 'archive' && ctx.source.filez && !repo.inTransaction) {
    // archive → archive: verify by streaming, store the fetched bytes as they are
    const filez = await ctx.source.filez(checksum);
    if (filez === null) throw new OstreeError('OBJECT_NOT_FOUND', `Content object ${checksum} not found on the remote`, { data: { checksum } });
    await verifyFilez(checksum, filez);
    await repo.writeVerifiedObjectBytes(checksum, ObjectType.FILE, filez);
    ctx.result.fetchedContent++;
    progress(ctx);
    return;
  }
  const obj = await ctx.source.content(checksum);
  if (obj === null) throw new OstreeError('OBJECT_NOT_FOUND', `Content object ${checksum} not found on the remote`, { data: { checksum } });
  const actual = contentChecksum(obj.header, obj.content);
  if (actual !== checksum) {
    throw new OstreeError('CORRUPT_OBJECT', `Corrupted file object; checksum expected='${checksum}' actual='${actual}'`, { data: { expected: checksum, actual } });
  }
  await repo.writeContent(obj.header, obj.content, checksum);
  ctx.result.fetchedContent++;
  progress(ctx);
}

/** Walk a tree: fetch missing dirtrees/dirmetas/content with a bounded pool. */
async function pullTree(ctx: PullContext, rootTree: string, rootMeta: string): Promise<void> {
  const { repo, opts } = ctx;
  // twice as many tasks as parallel requests: while some tasks decompress and write their object,
  // the others keep every request slot of the fetcher busy
  const pool = new Pool(2 * Math.max(1, opts.concurrency ?? 8));
  const seen = new Set<string>();
  // Each object is checked once (`seen`), before this walk writes it: an object whose
  // `objects/XX` did not exist when the walk began is absent without an lstat (a fresh repository).
  const absent = await repo.absentObjectPrefixes();
  const have = (csum: string, type: ObjectType): Promise<boolean> =>
    absent?.has(csum.slice(0, 2)) ? Promise.resolve(false) : repo.hasObject(csum, type);
  const visitMeta = (csum: string) => {
    const key = `${csum}.m`;
    if (seen.has(key)) return;
    seen.add(key);
    pool.add(async () => {
      if (await have(csum, ObjectType.DIR_META)) return;
      ctx.pending++;
      await fetchMetadata(ctx, ObjectType.DIR_META, csum);
    });
  };
  const visitFile = (csum: string) => {
    const key = `${csum}.f`;
    if (seen.has(key)) return;
    seen.add(key);
    pool.add(async () => {
      if (await have(csum, ObjectType.FILE)) return;
      ctx.pending++;
      await fetchContent(ctx, csum);
    });
  };
  const visitTree = (csum: string) => {
    const key = `${csum}.t`;
    if (seen.has(key)) return;
    seen.add(key);
    pool.add(async () => {
      opts.signal?.throwIfAborted();
      let bytes = await repo.readMetadataBytes(ObjectType.DIR_TREE, csum);
      if (bytes === null) {
        ctx.pending++;
        bytes = await fetchMetadata(ctx, ObjectType.DIR_TREE, csum);
      }
      const t = decodeDirtree(bytes);
      for (const f of t.files) visitFile(f.checksum);
      for (const d of t.dirs) {
        visitMeta(d.meta);
        visitTree(d.tree);
      }
    });
  };
  visitMeta(rootMeta);
  visitTree(rootTree);
  await pool.drain();
}

/** Options of {@link fetchRemoteSummary}. */
export interface RemoteSummaryOptions {
  /** Use this fetcher instead of the remote's URL. */
  fetcher?: RemoteFetcher;
  /** Verify `summary.sig` per the remote's `gpg-verify-summary` / `sign-verify-summary` (default true). */
  verify?: boolean;
  signal?: AbortSignal;
}

/** The remote's summary and signature bytes. */
export interface RemoteSummary {
  summary: Uint8Array;
  signature: Uint8Array | null;
}

/**
 * Fetch a remote's `summary` and `summary.sig` (`ostree remote summary`, `ostree_repo_remote_fetch_summary()`).
 *
 * @throws OstreeError `NOT_FOUND` (unknown remote, or the remote has no summary), signature errors
 */
export async function fetchRemoteSummary(repo: Repo, remote: string, opts: RemoteSummaryOptions = {}): Promise<RemoteSummary> {
  validateRemoteName(remote);
  let fetcher = opts.fetcher;
  if (!fetcher) {
    const g = remoteGroup(remote);
    if (!repo.config.hasGroup(g)) throw new OstreeError('NOT_FOUND', `Remote "${remote}" not found`, { data: { remote } });
    const url = repo.config.getString(g, 'url');
    if (url === undefined) throw new OstreeError('NOT_FOUND', `No "url" option in remote "${remote}"`, { data: { remote } });
    fetcher = openRemoteFetcher(url);
  }
  try {
    const signature = await fetcher.get('summary.sig', { signal: opts.signal, maxSize: MAX_METADATA_SIZE });
    const summary = await fetcher.get('summary', { signal: opts.signal, maxSize: MAX_METADATA_SIZE });
    if (summary === null) throw new OstreeError('NOT_FOUND', `Remote "${remote}" has no summary`, { data: { remote } });
    if (opts.verify !== false) {
      const v = await makeVerification(repo, remote, { gpgVerify: false, signVerify: false });
      for (const verifier of [v.summaryGpg, v.summarySign]) if (verifier) await verifySummary(summary, signature, { verifier, requireValid: true });
    }
    return { summary, signature };
  } finally {
    if (!opts.fetcher) fetcher.close();
  }
}

/**
 * The refs a remote advertises in its summary (`ostree remote refs`): `[ref, checksum]` sorted by
 * name, main list then collection refs as `(collection-id, ref)`.
 */
export async function listRemoteSummaryRefs(repo: Repo, remote: string, opts: RemoteSummaryOptions = {}): Promise<Array<{ ref: string; checksum: string; collectionId?: string }>> {
  const { summary } = await fetchRemoteSummary(repo, remote, opts);
  const s = decodeSummary(summary);
  const info = summaryInfo(s);
  const out: Array<{ ref: string; checksum: string; collectionId?: string }> = s.refs.map((r) => ({ ref: r.name, checksum: r.checksum }));
  for (const [cid, refs] of info.collectionMap) for (const r of refs) out.push({ ref: r.name, checksum: r.checksum, collectionId: cid });
  return out;
}
