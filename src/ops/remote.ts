/**
 * `ostree remote add|delete|list|show-url`: remotes in the repository `config`
 * (`src/ostree/ot-remote-builtin-*.c`, `impl_repo_remote_add/_delete/_replace()` and
 * `ostree_repo_remote_list()` in `src/libostree/ostree-repo.c`). Only the config is handled here:
 * `remotes.d` files and GPG keyring import are not.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { KeyFile } from '../format/keyfile.js';
import { validateRemoteName } from '../format/names.js';
import type { Repo } from '../store/repo.js';
import { loadConfigForWrite, saveConfig, type ConfigWriteOptions } from './config.js';

/** The config group of a remote: `remote "NAME"`. */
export function remoteGroup(name: string): string {
  return `remote "${name}"`;
}

const GROUP_RE = /^remote "(.+)"$/su;

/** Options of {@link remoteAdd}, named after `ostree remote add`'s. */
export interface RemoteAddOptions extends ConfigWriteOptions {
  /** `BRANCH...` arguments: stored as the `branches` string list. */
  branches?: readonly string[];
  /** `--contenturl=URL`. */
  contentUrl?: string;
  /** `--custom-backend=NAME` (the URL may then be omitted). */
  customBackend?: string;
  /** `--set=KEY=VALUE`, in order. */
  set?: ReadonlyArray<readonly [string, string]>;
  /** `--no-gpg-verify` (also implied by `noSignVerify`). */
  noGpgVerify?: boolean;
  /** `--no-sign-verify`. */
  noSignVerify?: boolean;
  /** `--collection-id=ID`. */
  collectionId?: string;
  /** `--if-not-exists`: do nothing when the remote exists. */
  ifNotExists?: boolean;
  /** `--force`: replace an existing remote's whole group. */
  force?: boolean;
}

/**
 * `ostree remote add NAME URL [BRANCH...]`. A `metalink=` URL is stored as `metalink`.
 * Keys are written in ostree's order: url, branches, contenturl, custom-backend, `--set` pairs,
 * gpg-verify, sign-verify, collection-id. Returns false when `ifNotExists` skipped an existing one.
 *
 * @throws OstreeError `EXISTS` ('Remote configuration for "N" already exists: (in config)'),
 *   `INVALID_REF` for a bad name, `INVALID_ARGUMENT` for `ifNotExists` with `force`
 */
export async function remoteAdd(repo: Repo, name: string, url: string | undefined, opts: RemoteAddOptions = {}): Promise<boolean> {
  if (opts.ifNotExists && opts.force) throw new OstreeError('INVALID_ARGUMENT', 'Can only specify one of --if-not-exists and --force');
  if (url === undefined && opts.customBackend === undefined) throw new OstreeError('INVALID_ARGUMENT', 'NAME and URL must be specified');
  validateRemoteName(name);
  const group = remoteGroup(name);
  const exists = repo.config.hasGroup(group);
  if (exists && opts.ifNotExists) return false;
  if (exists && !opts.force) {
    throw new OstreeError('EXISTS', `Remote configuration for "${name}" already exists: (in config)`, { data: { remote: name } });
  }
  const entries = new KeyFile();
  if (url !== undefined) {
    if (url.startsWith('metalink=')) entries.setString(group, 'metalink', url.slice('metalink='.length));
    else entries.setString(group, 'url', url);
  }
  if (opts.branches && opts.branches.length > 0) entries.setStringList(group, 'branches', opts.branches);
  if (opts.contentUrl !== undefined) entries.setString(group, 'contenturl', opts.contentUrl);
  if (opts.customBackend !== undefined) entries.setString(group, 'custom-backend', opts.customBackend);
  for (const [k, v] of opts.set ?? []) entries.setString(group, k, v);
  if (opts.noGpgVerify || opts.noSignVerify) entries.setBoolean(group, 'gpg-verify', false);
  if (opts.noSignVerify) entries.setBoolean(group, 'sign-verify', false);
  if (opts.collectionId !== undefined) entries.setString(group, 'collection-id', opts.collectionId);

  const kf = await loadConfigForWrite(repo, opts);
  if (exists) kf.removeGroup(group);
  kf.addGroup(group);
  for (const k of entries.keys(group) ?? []) kf.setRaw(group, k, entries.getRaw(group, k)!);
  await saveConfig(repo, kf);
  return true;
}

/**
 * `ostree remote delete [--if-exists] NAME`: remove the group and the remote's keyring file
 * (`NAME.trustedkeys.gpg`). Returns false when `ifExists` found nothing.
 *
 * @throws OstreeError `NOT_FOUND` ('Remote "N" not found')
 */
export async function remoteDelete(repo: Repo, name: string, opts: ConfigWriteOptions & { ifExists?: boolean } = {}): Promise<boolean> {
  validateRemoteName(name);
  const group = remoteGroup(name);
  if (!repo.config.hasGroup(group)) {
    if (opts.ifExists) return false;
    throw new OstreeError('NOT_FOUND', `Remote "${name}" not found`, { data: { remote: name } });
  }
  const kf = await loadConfigForWrite(repo, opts);
  if (kf.removeGroup(group)) await saveConfig(repo, kf);
  await repo.storage.unlink(`${name}.trustedkeys.gpg`);
  return true;
}

/** A configured remote. */
export interface RemoteInfo {
  name: string;
  /** The `url` option, if set. */
  url?: string;
}

/** `ostree remote list [-u]`: remotes sorted by name (`strcmp`). */
export function remoteList(repo: Repo): RemoteInfo[] {
  const out: RemoteInfo[] = [];
  for (const g of repo.config.groups()) {
    const m = GROUP_RE.exec(g);
    if (!m) continue;
    const info: RemoteInfo = { name: m[1]! };
    const url = repo.config.getString(g, 'url');
    if (url !== undefined) info.url = url;
    out.push(info);
  }
  const enc = new TextEncoder();
  return out.sort((a, b) => Buffer.compare(enc.encode(a.name), enc.encode(b.name)));
}

/**
 * `ostree remote show-url NAME` (`ostree_repo_remote_get_url()`); a `file://` name is its own URL.
 *
 * @throws OstreeError `NOT_FOUND` ('Remote "N" not found', 'No "url" option in remote "N"')
 */
export function remoteGetUrl(repo: Repo, name: string): string {
  if (name.startsWith('file://')) return name;
  const group = remoteGroup(name);
  if (!repo.config.hasGroup(group)) throw new OstreeError('NOT_FOUND', `Remote "${name}" not found`, { data: { remote: name } });
  const url = repo.config.getString(group, 'url');
  if (url === undefined) throw new OstreeError('NOT_FOUND', `No "url" option in remote "${name}"`, { data: { remote: name } });
  return url;
}
