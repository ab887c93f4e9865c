/**
 * The flatpak flavour of the compat `summary` file (the first part of `flatpak_repo_update()`,
 * flatpak 1.14 `common/flatpak-utils.c`): ostree's summary plus flatpak's cached per-ref data, so
 * `flatpak remote-ls` can show sizes and metadata without fetching commits.
 *
 * Global metadata added to ostree's: `xa.cache` (a variant holding a variant holding
 * `a{s(tts)}` — ref → installed size BE, download size BE, metadata text), `xa.sparse-cache`
 * (`a{sa{sv}}` — `eol`, `eolr`, `tokt` LE, `eds`), `xa.cache-version` (`u` 2), and the
 * `[flatpak]` repo-config keys (`xa.title`, `xa.comment`, `xa.description`, `xa.homepage`,
 * `xa.icon`, `xa.redirect-url`, `xa.default-branch`, `xa.authenticator-*`, `xa.gpg-keys`,
 * `ostree.deploy-collection-id` / `xa.deploy-collection-id`).
 *
 * Not yet done here (issue part 3): `summary.idx` + `summaries/` subsummaries, appstream
 * branches, `summary-arches` filtering, byte-identical key order with flatpak's own writer. No
 * `ostree-metadata` commit is written (flatpak does not write one).
 *
 * @module
 */
import { Variant } from '../gvariant/value.js';
import { bswap64 } from '../format/bytes.js';
import { decodeCommit } from '../format/commit.js';
import { ObjectType } from '../format/object-type.js';
import { S_IFMT, S_IFREG } from '../format/mode.js';
import type { Repo } from '../store/repo.js';
import { listAllRefs, updateSummary, type UpdateSummaryResult } from '../ops/summary.js';
import { signSummaryBytes } from '../ops/sign.js';
import type { Signer } from '../sign/types.js';
import { collectTreeSizes } from './sizes.js';

/** `FLATPAK_XA_CACHE_VERSION` (common/flatpak-utils-private.h). */
export const XA_CACHE_VERSION = 2;

/** Options of {@link updateFlatpakSummary}. */
export interface FlatpakSummaryOptions {
  /** Sign `summary.sig` with these. */
  signers?: readonly Signer[];
  /** Clock (seconds), as {@link updateSummary}'s `now`. */
  now?: () => bigint | number;
  signal?: AbortSignal;
}

/** Per-ref data flatpak caches in the summary (`read_commit_data()`). */
export interface FlatpakRefData {
  installedSize: bigint;
  downloadSize: bigint;
  metadata: string;
  /** Sparse entries (`eol`, `eolr`, `tokt`, `eds`) that apply. */
  sparse: Array<[string, Variant]>;
}

const PREFIXES = ['app/', 'runtime/', 'appstream/', 'appstream2/'];

/** Whether flatpak caches data for `ref` (app, runtime and appstream refs). */
export function isCachedRef(ref: string): boolean {
  return PREFIXES.some((p) => ref.startsWith(p));
}

function metaGet(meta: ReadonlyArray<readonly [string, Variant]>, key: string, type: string): Variant['value'] | undefined {
  const e = meta.find(([k]) => k === key);
  return e && e[1].type === type ? e[1].value : undefined;
}

/**
 * `read_commit_data()`: sizes (from `xa.installed-size`/`xa.download-size`, else walked), the
 * metadata text (`xa.metadata`, else the tree's `/metadata` file, else ""), and the sparse data.
 */
export async function readFlatpakRefData(repo: Repo, checksum: string, signal?: AbortSignal): Promise<FlatpakRefData> {
  const c = await repo.loadCommit(checksum);
  const m = c.metadata;
  let installedSize = metaGet(m, 'xa.installed-size', 't') as bigint | undefined;
  let downloadSize = metaGet(m, 'xa.download-size', 't') as bigint | undefined;
  if (installedSize !== undefined && downloadSize !== undefined) {
    installedSize = bswap64(installedSize);
    downloadSize = bswap64(downloadSize);
  } else {
    const s = await collectTreeSizes(repo, c.rootTree, signal);
    installedSize = s.installedSize;
    downloadSize = s.downloadSize;
  }
  let metadata = metaGet(m, 'xa.metadata', 's') as string | undefined;
  if (metadata === undefined) {
    metadata = '';
    const root = await repo.loadDirtree(c.rootTree);
    const f = root.files.find((e) => e.name === 'metadata');
    if (f) {
      const obj = await repo.readContent(f.checksum);
      if ((obj.header.mode & S_IFMT) === S_IFREG) metadata = new TextDecoder().decode(obj.content);
    }
  }
  const sparse: Array<[string, Variant]> = [];
  const eol = metaGet(m, 'ostree.endoflife', 's');
  if (eol !== undefined) sparse.push(['eol', new Variant('s', eol)]);
  const eolr = metaGet(m, 'ostree.endoflife-rebase', 's');
  if (eolr !== undefined) sparse.push(['eolr', new Variant('s', eolr)]);
  const tokt = metaGet(m, 'xa.token-type', 'i');
  if (tokt !== undefined) sparse.push(['tokt', new Variant('i', tokt)]);
  const eds = metaGet(m, 'xa.extra-data-sources', 'a(ayttays)') as unknown[][] | undefined;
  if (eds !== undefined) {
    let total = 0n;
    for (const e of eds) {
      const dl = bswap64(e[1] as bigint);
      const inst = bswap64(e[2] as bigint);
      total += dl;
      installedSize += inst;
      downloadSize += dl;
    }
    sparse.push(['eds', new Variant('(ut)', [eds.length, total])]);
  }
  return { installedSize, downloadSize, metadata, sparse };
}

const CONFIG_KEYS: Array<[string, string]> = [
  ['title', 'xa.title'],
  ['comment', 'xa.comment'],
  ['description', 'xa.description'],
  ['homepage', 'xa.homepage'],
  ['icon', 'xa.icon'],
  ['redirect-url', 'xa.redirect-url'],
  ['default-branch', 'xa.default-branch'],
  ['authenticator-name', 'xa.authenticator-name'],
];

/** The flatpak global summary keys from the repo config (`add_summary_metadata()`), minus ostree's. */
export function flatpakConfigMetadata(repo: Repo): Array<[string, Variant]> {
  const out: Array<[string, Variant]> = [];
  const cfg = repo.config;
  for (const [key, name] of CONFIG_KEYS) {
    const v = cfg.getString('flatpak', key);
    if (v !== undefined) out.push([name, new Variant('s', v)]);
  }
  const cid = repo.collectionId;
  if (cid !== undefined && cfg.getBoolean('flatpak', 'deploy-collection-id', false)) out.push(['ostree.deploy-collection-id', new Variant('s', cid)]);
  else if (cid !== undefined && cfg.getBoolean('flatpak', 'deploy-sideload-collection-id', false)) out.push(['xa.deploy-collection-id', new Variant('s', cid)]);
  if (cfg.hasKey('flatpak', 'authenticator-install')) out.push(['xa.authenticator-install', new Variant('b', cfg.getBoolean('flatpak', 'authenticator-install', false))]);
  out.push(['xa.cache-version', new Variant('u', XA_CACHE_VERSION)]);
  for (const k of cfg.keys('flatpak') ?? []) {
    if (k.startsWith('authenticator-options.')) out.push([`xa.${k}`, new Variant('s', cfg.getString('flatpak', k) ?? '')]);
  }
  const keys = cfg.getString('flatpak', 'gpg-keys');
  if (keys !== undefined) out.push(['xa.gpg-keys', new Variant('ay', new Uint8Array(Buffer.from(keys, 'base64')))]);
  return out;
}

/**
 * Regenerate `summary` (and `summary.sig` with signers) with flatpak's cached data. See the module
 * notes for what is and is not written.
 */
export async function updateFlatpakSummary(repo: Repo, opts: FlatpakSummaryOptions = {}): Promise<UpdateSummaryResult> {
  await repo.reloadConfig();
  const refs = (await listAllRefs(repo)).filter((r) => r.remote === undefined && (r.collectionId === undefined || r.collectionId === repo.collectionId));
  const names = [...new Set(refs.map((r) => r.ref))].filter(isCachedRef).sort();
  const cache: unknown[] = [];
  const sparse: unknown[] = [];
  const seen = new Map<string, FlatpakRefData>();
  for (const name of names) {
    const checksum = refs.find((r) => r.ref === name)!.checksum;
    let d = seen.get(checksum);
    if (!d) {
      d = await readFlatpakRefData(repo, checksum, opts.signal);
      seen.set(checksum, d);
    }
    cache.push([name, [bswap64(d.installedSize), bswap64(d.downloadSize), d.metadata]]);
    if (d.sparse.length) sparse.push([name, d.sparse]);
  }
  const extra: Array<[string, Variant]> = [
    ...flatpakConfigMetadata(repo),
    ['xa.cache', new Variant('v', new Variant('a{s(tts)}', cache as never))],
    ['xa.sparse-cache', new Variant('a{sa{sv}}', sparse as never)],
  ];
  const signers = opts.signers ?? [];
  return updateSummary(repo, {
    addMetadata: extra,
    metadataCommit: false,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(signers.length ? { sign: (bytes: Uint8Array) => signSummaryBytes(bytes, signers) } : {}),
  });
}
