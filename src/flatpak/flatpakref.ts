/**
 * `.flatpakref` and `.flatpakrepo` files: GKeyFile documents with one group, `[Flatpak Ref]` or
 * `[Flatpak Repo]` (flatpak 1.14 `doc/flatpak-flatpakref.xml`, `doc/flatpak-flatpakrepo.xml`, and
 * the reader `flatpak_parse_repofile()` in `common/flatpak-utils.c`).
 *
 * Writers validate what the reader would reject: a missing `Url`/`Name`, a bad ID or branch, a
 * `GPGKey` under 10 bytes, and a collection ID without a `GPGKey` (allowed only for `oci+` URLs).
 * Keys are written in the order of the manuals' examples, then the rest.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { KeyFile } from '../format/keyfile.js';
import { validateCollectionId } from '../format/names.js';
import { branchProblem, nameProblem } from './names.js';

/** Group of a `.flatpakref`. */
export const FLATPAKREF_GROUP = 'Flatpak Ref';
/** Group of a `.flatpakrepo`. */
export const FLATPAKREPO_GROUP = 'Flatpak Repo';

/** Fields both files share. */
export interface RepoFileCommon {
  /** `Url` (mandatory): the remote's URL. */
  url: string;
  /** `Title`. */
  title?: string;
  /** `Comment`. */
  comment?: string;
  /** `Description`. */
  description?: string;
  /** `Icon` (URL). */
  icon?: string;
  /** `Homepage`. */
  homepage?: string;
  /** `GPGKey`: the binary public keyring (written base64). */
  gpgKey?: Uint8Array;
  /** `DeployCollectionID` (flatpak ≥ 1.0; read as the remote's collection ID). */
  deployCollectionId?: string;
  /** `DeploySideloadCollectionID` (flatpak ≥ 1.12.8; preferred by newer clients). */
  deploySideloadCollectionId?: string;
  /** `CollectionID` (deprecated). */
  collectionId?: string;
  /** `SignatureLookaside` (OCI). */
  signatureLookaside?: string;
  /** `Version` (must be 1 when present). */
  version?: 1;
}

/** A `.flatpakref` (install one app or runtime). */
export interface FlatpakRef extends RepoFileCommon {
  /** `Name` (mandatory): the application or runtime ID. */
  name: string;
  /** `Branch` (default `master` when absent). */
  branch?: string;
  /** `IsRuntime`. */
  isRuntime?: boolean;
  /** `RuntimeRepo`: URL of a `.flatpakrepo` for the runtime's remote. */
  runtimeRepo?: string;
  /** `SuggestRemoteName`. */
  suggestRemoteName?: string;
}

/** A `.flatpakrepo` (add a remote). */
export interface FlatpakRepo extends RepoFileCommon {
  /** `DefaultBranch`. */
  defaultBranch?: string;
  /** `Subset`. */
  subset?: string;
  /** `Filter` (path of a local filter file). */
  filter?: string;
  /** `NoDeps`. */
  noDeps?: boolean;
  /** `AuthenticatorName`. */
  authenticatorName?: string;
  /** `AuthenticatorInstall`. */
  authenticatorInstall?: boolean;
}

function invalid(msg: string, data: Record<string, unknown> = {}): OstreeError {
  return new OstreeError('REPOFILE_INVALID', msg, { data });
}

function checkCommon(r: RepoFileCommon): void {
  if (typeof r.url !== 'string' || r.url === '') throw invalid('Invalid file format, no Url specified');
  if (r.gpgKey !== undefined && r.gpgKey.length < 10) throw invalid('Invalid gpg key (shorter than 10 bytes)');
  for (const c of [r.deployCollectionId, r.deploySideloadCollectionId, r.collectionId]) {
    if (c === undefined) continue;
    validateCollectionId(c);
    if (r.gpgKey === undefined && !r.url.startsWith('oci+')) throw invalid('Collection ID requires GPG key to be provided', { collectionId: c });
  }
}

function setIf(kf: KeyFile, group: string, key: string, v: string | boolean | undefined): void {
  if (v === undefined) return;
  if (typeof v === 'boolean') kf.setBoolean(group, key, v);
  else kf.setString(group, key, v);
}

function setCommonTail(kf: KeyFile, g: string, r: RepoFileCommon): void {
  if (r.gpgKey !== undefined) kf.setString(g, 'GPGKey', Buffer.from(r.gpgKey).toString('base64'));
  setIf(kf, g, 'DeployCollectionID', r.deployCollectionId);
  setIf(kf, g, 'DeploySideloadCollectionID', r.deploySideloadCollectionId);
  setIf(kf, g, 'CollectionID', r.collectionId);
  setIf(kf, g, 'SignatureLookaside', r.signatureLookaside);
}

/**
 * Render a `.flatpakref`.
 *
 * @throws OstreeError `REPOFILE_INVALID` (missing Url/Name, short GPGKey, collection ID without
 *   GPGKey), `INVALID_REF` (bad Name/Branch), `INVALID_COLLECTION_ID`
 */
export function writeFlatpakref(r: FlatpakRef): string {
  checkCommon(r);
  if (typeof r.name !== 'string' || r.name === '') throw invalid('Invalid file format, no Name specified');
  const np = nameProblem(r.name);
  if (np) throw new OstreeError('INVALID_REF', `Invalid name ${r.name}: ${np}`, { data: { name: r.name } });
  if (r.branch !== undefined) {
    const bp = branchProblem(r.branch);
    if (bp) throw new OstreeError('INVALID_REF', `Invalid branch ${r.branch}: ${bp}`, { data: { branch: r.branch } });
  }
  const kf = new KeyFile();
  const g = FLATPAKREF_GROUP;
  kf.addGroup(g);
  if (r.version !== undefined) kf.setInteger(g, 'Version', r.version);
  setIf(kf, g, 'Title', r.title);
  kf.setString(g, 'Name', r.name);
  setIf(kf, g, 'Branch', r.branch);
  kf.setString(g, 'Url', r.url);
  setIf(kf, g, 'SuggestRemoteName', r.suggestRemoteName);
  setIf(kf, g, 'Homepage', r.homepage);
  setIf(kf, g, 'Icon', r.icon);
  setIf(kf, g, 'Comment', r.comment);
  setIf(kf, g, 'Description', r.description);
  setIf(kf, g, 'IsRuntime', r.isRuntime ?? false);
  setIf(kf, g, 'RuntimeRepo', r.runtimeRepo);
  setCommonTail(kf, g, r);
  return kf.toData();
}

/**
 * Render a `.flatpakrepo`.
 *
 * @throws OstreeError `REPOFILE_INVALID`, `INVALID_COLLECTION_ID`
 */
export function writeFlatpakrepo(r: FlatpakRepo): string {
  checkCommon(r);
  const kf = new KeyFile();
  const g = FLATPAKREPO_GROUP;
  kf.addGroup(g);
  if (r.version !== undefined) kf.setInteger(g, 'Version', r.version);
  setIf(kf, g, 'Title', r.title);
  kf.setString(g, 'Url', r.url);
  setIf(kf, g, 'Homepage', r.homepage);
  setIf(kf, g, 'Icon', r.icon);
  setIf(kf, g, 'Comment', r.comment);
  setIf(kf, g, 'Description', r.description);
  setIf(kf, g, 'DefaultBranch', r.defaultBranch);
  setIf(kf, g, 'Subset', r.subset);
  setIf(kf, g, 'Filter', r.filter);
  setIf(kf, g, 'NoDeps', r.noDeps);
  setIf(kf, g, 'AuthenticatorName', r.authenticatorName);
  setIf(kf, g, 'AuthenticatorInstall', r.authenticatorInstall);
  setCommonTail(kf, g, r);
  return kf.toData();
}

function readCommon(kf: KeyFile, g: string): RepoFileCommon {
  const s = (k: string) => kf.getString(g, k);
  const url = s('Url');
  if (url === undefined) throw invalid('Invalid file format, no Url specified');
  const out: RepoFileCommon = { url };
  const version = kf.getString(g, 'Version');
  if (version !== undefined) {
    if (version.trim() !== '1') throw invalid(`Invalid version ${version}, only 1 supported`, { version });
    out.version = 1;
  }
  const opt: Array<[keyof RepoFileCommon, string]> = [
    ['title', 'Title'], ['comment', 'Comment'], ['description', 'Description'], ['icon', 'Icon'], ['homepage', 'Homepage'],
    ['deployCollectionId', 'DeployCollectionID'], ['deploySideloadCollectionId', 'DeploySideloadCollectionID'], ['collectionId', 'CollectionID'],
    ['signatureLookaside', 'SignatureLookaside'],
  ];
  for (const [field, key] of opt) {
    const v = s(key);
    if (v !== undefined) (out as unknown as Record<string, string>)[field] = v;
  }
  const key = s('GPGKey');
  if (key !== undefined) {
    const cleaned = key.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cleaned)) throw invalid('Invalid gpg key (not base64)');
    out.gpgKey = new Uint8Array(Buffer.from(cleaned, 'base64'));
  }
  checkCommon(out);
  return out;
}

function load(text: string | Uint8Array, group: string): KeyFile {
  const kf = KeyFile.parse(text);
  if (!kf.hasGroup(group)) throw invalid(`Invalid file format, no ${group} group`, { group });
  return kf;
}

/**
 * Parse a `.flatpakref`.
 *
 * @throws OstreeError `KEYFILE_INVALID`, `REPOFILE_INVALID`, `INVALID_REF`, `INVALID_COLLECTION_ID`
 */
export function parseFlatpakref(text: string | Uint8Array): FlatpakRef {
  const kf = load(text, FLATPAKREF_GROUP);
  const g = FLATPAKREF_GROUP;
  const common = readCommon(kf, g);
  const name = kf.getString(g, 'Name');
  if (name === undefined) throw invalid('Invalid file format, no Name specified');
  const out: FlatpakRef = { ...common, name };
  const np = nameProblem(name);
  if (np) throw new OstreeError('INVALID_REF', `Invalid name ${name}: ${np}`, { data: { name } });
  const branch = kf.getString(g, 'Branch');
  if (branch !== undefined) {
    const bp = branchProblem(branch);
    if (bp) throw new OstreeError('INVALID_REF', `Invalid branch ${branch}: ${bp}`, { data: { branch } });
    out.branch = branch;
  }
  if (kf.hasKey(g, 'IsRuntime')) out.isRuntime = boolKey(kf, g, 'IsRuntime');
  const rr = kf.getString(g, 'RuntimeRepo');
  if (rr !== undefined) out.runtimeRepo = rr;
  const sr = kf.getString(g, 'SuggestRemoteName');
  if (sr !== undefined) out.suggestRemoteName = sr;
  return out;
}

/**
 * Parse a `.flatpakrepo`.
 *
 * @throws OstreeError `KEYFILE_INVALID`, `REPOFILE_INVALID`, `INVALID_COLLECTION_ID`
 */
export function parseFlatpakrepo(text: string | Uint8Array): FlatpakRepo {
  const kf = load(text, FLATPAKREPO_GROUP);
  const g = FLATPAKREPO_GROUP;
  const out: FlatpakRepo = readCommon(kf, g);
  const strs: Array<[keyof FlatpakRepo, string]> = [['defaultBranch', 'DefaultBranch'], ['subset', 'Subset'], ['filter', 'Filter'], ['authenticatorName', 'AuthenticatorName']];
  for (const [field, key] of strs) {
    const v = kf.getString(g, key);
    if (v !== undefined) (out as unknown as Record<string, string>)[field] = v;
  }
  if (kf.hasKey(g, 'NoDeps')) out.noDeps = boolKey(kf, g, 'NoDeps');
  if (kf.hasKey(g, 'AuthenticatorInstall')) out.authenticatorInstall = boolKey(kf, g, 'AuthenticatorInstall');
  return out;
}

function boolKey(kf: KeyFile, g: string, key: string): boolean {
  try {
    return kf.getBoolean(g, key) ?? false;
  } catch (cause) {
    if (cause instanceof OstreeError) throw cause;
    throw invalid(`Invalid boolean for ${key}`, { key });
  }
}

/**
 * The binary form of an OpenPGP public key file: ASCII armor is removed (base64 body decoded,
 * headers and the `=CRC` line dropped); binary input is returned as is. This is what `GPGKey=`
 * holds (base64 of `gpg --export KEYID`).
 *
 * @throws OstreeError `KEY_INVALID` for an armor block without a valid base64 body
 */
export function dearmorPublicKey(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  const m = /-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n([\s\S]*?)-----END PGP PUBLIC KEY BLOCK-----/.exec(text);
  if (!m) return bytes;
  const lines = m[1]!.split(/\r?\n/);
  // Armor headers end at the first empty line (if any header lines are present).
  let start = 0;
  const blank = lines.findIndex((l) => l.trim() === '');
  if (blank >= 0 && lines.slice(0, blank).every((l) => /^[A-Za-z-]+: /.test(l))) start = blank + 1;
  const body = lines
    .slice(start)
    .filter((l) => !l.startsWith('='))
    .join('')
    .replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new OstreeError('KEY_INVALID', 'Armored public key has no valid base64 body');
  return new Uint8Array(Buffer.from(body, 'base64'));
}
