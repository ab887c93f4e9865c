/**
 * Signing and verifying commits and summaries: where signatures live and how keys are found.
 *
 * Facts from upstream (ostree v2022.7):
 * - a commit signature is a detached signature over the exact `.commit` object bytes, appended to the
 *   `aay` under `ostree.gpgsigs` (gpg) or `ostree.sign.ed25519` in the commit's detached metadata
 *   (`.commitmeta`) through a `GVariantDict`, so the dict comes out in GHashTable order
 *   (`ostree_repo_sign_commit()` in `src/libostree/ostree-repo.c`, `ostree_sign_commit()` in
 *   `src/libostree/ostree-sign.c`);
 * - `ostree_repo_sign_commit()` refuses a key that already signed the commit ("Commit is already
 *   signed with GPG key …", `G_IO_ERROR_EXISTS`);
 * - `ostree gpg-sign --delete` rewrites the array without the signatures whose key matches
 *   (`delete_signatures()` in `src/ostree/ot-builtin-gpg-sign.c`) and drops the key when the array
 *   becomes empty;
 * - verification with no signature under the engine's key fails with "no signatures found"
 *   (`_ostree_repo_gpg_verify_with_metadata()`), data is accepted when any signature is valid;
 * - `summary.sig` is an `a{sv}` with the same keys, each element a signature over the exact `summary`
 *   bytes; gpg signatures are appended first, then the `--sign` engine's
 *   (`ot-builtin-summary.c`, `ostree_repo_add_gpg_signature_summary()`, `ostree_sign_summary()`).
 * - a remote's trusted gpg keys are `<repo>/<remote>.trustedkeys.gpg` (written by
 *   `ostree remote add --gpg-import`); with no remote named, ostree uses the keyrings of all remotes.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { OstreeError } from '../errors.js';
import { Variant } from '../gvariant/value.js';
import { appendSignature, decodeCommitmeta, encodeCommitmeta, vardictUpdate, type Commitmeta } from '../format/commitmeta.js';
import { ObjectType } from '../format/object-type.js';
import { MetadataKeys, SIGNATURES_TYPE } from '../format/types.js';
import { isChecksum } from '../format/checksum.js';
import type { SignEngine, Signer, Verifier, VerifyResult } from '../sign/types.js';
import { GpgVerifier, createGpgSigner, dedupeGpgKeys, findGpgKey, loadGpgPublicKeys, loadGpgSecretKeys, parseGpgKeySpec, type GpgKey } from '../sign/gpg.js';
import { Ed25519Signer, Ed25519Verifier, parseEd25519KeyFile, parseEd25519PublicKey } from '../sign/ed25519.js';
import { isKeybox, parseKeybox, splitKeyring } from '../sign/gnupg-home.js';
import { ED25519_KEY_ENV, GPG_PASSPHRASE_ENV, gpgKeyFromEnv, type EnvLike } from '../sign/env.js';
import { loadGpgHomePublicKeys, loadGpgHomeSigner } from '../store/gpg-home.js';
import { lockRepo } from '../store/lock.js';
import type { Repo } from '../store/repo.js';

/** The metadata key an engine's signatures are stored under (`ostree.gpgsigs`, `ostree.sign.ed25519`). */
export function signatureKey(engine: SignEngine): string {
  if (engine === 'gpg') return MetadataKeys.GPGSIGS;
  if (engine === 'ed25519') return MetadataKeys.SIGN_ED25519;
  throw new RangeError(`unknown signature engine ${String(engine)}`);
}

/**
 * The signatures stored under `key` in a detached-metadata or `summary.sig` dict (empty when absent).
 * @throws OstreeError `code` when the key holds something other than `aay`: a signature array of the
 *   wrong type is reported, never silently treated as "unsigned".
 */
export function signaturesIn(meta: ReadonlyArray<readonly [string, Variant]>, key: string, code = 'CORRUPT_OBJECT'): Uint8Array[] {
  for (const [k, v] of meta) {
    if (k !== key) continue;
    if (v.type !== SIGNATURES_TYPE) throw new OstreeError(code, `${key} has type ${v.type}, expected ${SIGNATURES_TYPE}`, { data: { key, type: v.type } });
    return v.value as Uint8Array[];
  }
  return [];
}

/** A commit's signed bytes and its detached metadata. */
export interface CommitSignatureData {
  /** The exact `.commit` object bytes (what is signed). */
  commitBytes: Uint8Array;
  /** The detached metadata (empty when there is no `.commitmeta`). */
  metadata: Commitmeta;
}

/**
 * Read what signing and verification need: the commit object bytes (checked against `checksum`) and
 * the parsed detached metadata.
 * @throws OstreeError `OBJECT_NOT_FOUND`, `CORRUPT_OBJECT` (commit does not hash to its name, or
 *   unparsable `.commitmeta`), `INVALID_CHECKSUM`.
 */
export async function readCommitSignatureData(repo: Repo, checksum: string): Promise<CommitSignatureData> {
  if (!isChecksum(checksum)) throw new OstreeError('INVALID_CHECKSUM', `Invalid commit checksum "${checksum}"`, { data: { checksum } });
  const commitBytes = await repo.readMetadataBytes(ObjectType.COMMIT, checksum);
  if (commitBytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such metadata object ${checksum}.commit`, { data: { checksum } });
  const actual = createHash('sha256').update(commitBytes).digest('hex');
  if (actual !== checksum) {
    throw new OstreeError('CORRUPT_OBJECT', `Corrupted commit object ${checksum}: actual checksum is ${actual}`, { data: { checksum, actual } });
  }
  const metaBytes = await repo.readCommitDetachedMetadata(checksum);
  let metadata: Commitmeta = [];
  if (metaBytes !== null) {
    try {
      metadata = decodeCommitmeta(metaBytes);
    } catch (e) {
      throw new OstreeError('CORRUPT_OBJECT', `Invalid detached metadata of commit ${checksum}: ${(e as Error).message}`, { data: { checksum }, cause: e });
    }
  }
  return { commitBytes, metadata };
}

/** Which key made one stored signature, as far as it can be told. */
interface SignatureIdentity {
  /** GPG: issuer long key IDs of the packets in this element; ed25519: unused. */
  keyIds: string[];
  fingerprints: string[];
}

async function gpgIdentities(data: Uint8Array, sigs: readonly Uint8Array[], keys: readonly GpgKey[]): Promise<SignatureIdentity[]> {
  const v = new GpgVerifier(keys);
  const out: SignatureIdentity[] = [];
  for (const s of sigs) {
    const r = await v.verify(data, [s]);
    out.push({
      keyIds: r.checks.map((c) => c.keyId).filter((k) => k !== ''),
      fingerprints: r.checks.map((c) => c.fingerprint ?? '').filter((f) => f !== ''),
    });
  }
  return out;
}

async function signerAlreadySigned(data: Uint8Array, meta: Commitmeta, signer: Signer): Promise<boolean> {
  const sigs = signaturesIn(meta, signatureKey(signer.engine));
  if (sigs.length === 0) return false;
  if (signer.engine === 'ed25519') {
    const r = await new Ed25519Verifier([parseEd25519PublicKey(signer.keyId)]).verify(data, sigs);
    return r.anyValid;
  }
  const ids = await gpgIdentities(data, sigs, []);
  return ids.some((i) => i.keyIds.includes(signer.keyId.toUpperCase()));
}

/** Options for {@link signCommit} and {@link deleteCommitSignature}. */
export interface CommitSignOptions {
  /** Take the repository lock while rewriting the detached metadata (default true). */
  lock?: boolean;
  signal?: AbortSignal;
}

/** What {@link signCommit} added. */
export interface SignCommitResult {
  /** One entry per signature added, in order. */
  added: Array<{ engine: SignEngine; keyId: string; size: number }>;
}

/**
 * Sign a commit with each signer (`ostree gpg-sign COMMIT KEYID…`, `ostree sign COMMIT KEY…`,
 * `commit --gpg-sign/--sign`): sign the `.commit` bytes and append to the engine's array in the
 * detached metadata. All signatures are made first and written in one atomic rewrite.
 *
 * @throws OstreeError `ALREADY_SIGNED` when a signer's key already signed the commit (as ostree's
 *   `G_IO_ERROR_EXISTS`; nothing is written then), `OBJECT_NOT_FOUND`, `CORRUPT_OBJECT`.
 */
export async function signCommit(repo: Repo, checksum: string, signers: Signer | readonly Signer[], opts: CommitSignOptions = {}): Promise<SignCommitResult> {
  const list: readonly Signer[] = Array.isArray(signers) ? signers : [signers as Signer];
  if (list.length === 0) throw new RangeError('signCommit: no signer given');
  const lock = opts.lock === false ? null : await lockRepo(repo.path, { timeoutSecs: repo.lockTimeoutSecs, signal: opts.signal });
  try {
    const { commitBytes, metadata } = await readCommitSignatureData(repo, checksum);
    let meta: Commitmeta = metadata;
    const added: SignCommitResult['added'] = [];
    for (const signer of list) {
      opts.signal?.throwIfAborted();
      if (await signerAlreadySigned(commitBytes, meta, signer)) {
        const what = signer.engine === 'gpg' ? 'GPG key' : `${signer.engine} key`;
        throw new OstreeError('ALREADY_SIGNED', `Commit ${checksum} is already signed with ${what} ${signer.keyId}`, {
          data: { checksum, engine: signer.engine, keyId: signer.keyId },
        });
      }
      const sig = await signer.sign(commitBytes);
      meta = appendSignature(meta, signatureKey(signer.engine), sig);
      added.push({ engine: signer.engine, keyId: signer.keyId, size: sig.length });
    }
    opts.signal?.throwIfAborted();
    await repo.writeCommitDetachedMetadata(checksum, encodeCommitmeta(meta));
    return { added };
  } finally {
    await lock?.release();
  }
}

/** Options for {@link deleteCommitSignature}. */
export interface DeleteSignatureOptions extends CommitSignOptions {
  /** Which engine's signatures (default `'gpg'`). */
  engine?: SignEngine;
  /**
   * GPG keys to resolve the given key IDs with (e.g. from `--gpg-homedir`): a specifier that names a
   * key then matches signatures made by any of its (sub)keys, and user-ID specifiers work. Without
   * keys, hex key IDs and fingerprints are matched against the signatures' issuer fields.
   */
  gpgKeys?: readonly GpgKey[];
}

function gpgMatcher(spec: string, keys: readonly GpgKey[]): (id: SignatureIdentity) => boolean {
  const parsed = parseGpgKeySpec(spec);
  let keyIds: Set<string> | null = null;
  if (keys.length > 0) {
    try {
      const { key } = findGpgKey(keys, spec);
      keyIds = new Set(key.getKeys().map((k) => k.getKeyID().toHex().toUpperCase()));
    } catch (e) {
      if (!(e instanceof OstreeError && e.code === 'KEY_NOT_FOUND')) throw e;
    }
  }
  return (id) => {
    if (keyIds && id.keyIds.some((k) => keyIds!.has(k))) return true;
    switch (parsed.kind) {
      case 'short': return id.keyIds.some((k) => k.endsWith(parsed.value));
      case 'long': return id.keyIds.includes(parsed.value);
      case 'fingerprint': return id.fingerprints.includes(parsed.value) || id.keyIds.includes(parsed.value.slice(-16));
      default: return false;
    }
  };
}

/**
 * Delete the commit signatures made by any of `keys` (`ostree gpg-sign --delete COMMIT KEYID…`;
 * for ed25519 the keys are base64 public keys). Returns how many signatures were deleted; no match is
 * not an error (as in ostree). When the array becomes empty its key is removed from the dict.
 *
 * @throws OstreeError `OBJECT_NOT_FOUND`, `CORRUPT_OBJECT`, `KEY_INVALID` (bad ed25519 public key),
 *   `KEY_AMBIGUOUS`.
 */
export async function deleteCommitSignature(repo: Repo, checksum: string, keys: string | readonly string[], opts: DeleteSignatureOptions = {}): Promise<number> {
  const specs: readonly string[] = typeof keys === 'string' ? [keys] : keys;
  const engine = opts.engine ?? 'gpg';
  const metaKey = signatureKey(engine);
  const pubs = engine === 'ed25519' ? specs.map((s) => parseEd25519PublicKey(s)) : [];
  if (engine === 'gpg') for (const s of specs) parseGpgKeySpec(s);
  const lock = opts.lock === false ? null : await lockRepo(repo.path, { timeoutSecs: repo.lockTimeoutSecs, signal: opts.signal });
  try {
    const { commitBytes, metadata } = await readCommitSignatureData(repo, checksum);
    const sigs = signaturesIn(metadata, metaKey);
    if (sigs.length === 0) return 0;
    let keep: boolean[];
    if (engine === 'ed25519') {
      const verifier = new Ed25519Verifier(pubs);
      keep = [];
      for (const s of sigs) keep.push(!(await verifier.verify(commitBytes, [s])).anyValid);
    } else {
      const matchers = specs.map((s) => gpgMatcher(s, opts.gpgKeys ?? []));
      const ids = await gpgIdentities(commitBytes, sigs, opts.gpgKeys ?? []);
      keep = ids.map((id) => !matchers.some((m) => m(id)));
    }
    const remaining = sigs.filter((_, i) => keep[i]);
    const deleted = sigs.length - remaining.length;
    if (deleted === 0) return 0;
    let meta: Commitmeta;
    if (remaining.length > 0) {
      meta = vardictUpdate(metadata, [[metaKey, new Variant(SIGNATURES_TYPE, remaining)]]);
    } else {
      // g_variant_dict_remove(): the other entries keep their hash-table order.
      meta = vardictUpdate(metadata, []).filter(([k]) => k !== metaKey);
    }
    await repo.writeCommitDetachedMetadata(checksum, encodeCommitmeta(meta));
    return deleted;
  } finally {
    await lock?.release();
  }
}

/** Options for {@link verifyCommit} and {@link verifySummary}. */
export interface VerifyOptions {
  /** The engine and trusted keys. */
  verifier: Verifier;
  /** Throw `BAD_SIGNATURE` unless at least one signature is valid (default false: just report). */
  requireValid?: boolean;
}

function noSignature(what: string, engine: SignEngine): OstreeError {
  return new OstreeError('NO_SIGNATURE', `${engine === 'gpg' ? 'GPG' : engine} verification enabled, but no signatures found on ${what}`, {
    data: { engine },
  });
}

function checkRequired(result: VerifyResult, what: string, required: boolean | undefined): VerifyResult {
  if (required && !result.anyValid) {
    const why = result.checks.map((c) => `${c.keyId || '(unknown key)'}: ${c.reason ?? 'not valid'}`).join('; ');
    throw new OstreeError('BAD_SIGNATURE', `No valid ${result.engine === 'gpg' ? 'GPG' : result.engine} signature on ${what}${why ? ` (${why})` : ''}`, {
      data: { result },
    });
  }
  return result;
}

/**
 * Verify a commit's signatures of the verifier's engine (`ostree_repo_verify_commit_ext()`,
 * `ostree sign --verify`). Each stored signature is reported; `anyValid` says whether the commit is
 * accepted.
 *
 * @throws OstreeError `NO_SIGNATURE` when the commit has no signature of that engine,
 *   `BAD_SIGNATURE` with `requireValid` when none is valid (the result is in `data.result`),
 *   `OBJECT_NOT_FOUND`, `CORRUPT_OBJECT` (tampered commit object, garbage `.commitmeta`).
 */
export async function verifyCommit(repo: Repo, checksum: string, opts: VerifyOptions): Promise<VerifyResult> {
  const { commitBytes, metadata } = await readCommitSignatureData(repo, checksum);
  const sigs = signaturesIn(metadata, signatureKey(opts.verifier.engine));
  if (sigs.length === 0) throw noSignature(`commit ${checksum}`, opts.verifier.engine);
  return checkRequired(await opts.verifier.verify(commitBytes, sigs), `commit ${checksum}`, opts.requireValid);
}

/**
 * Parse `summary.sig` bytes (`a{sv}`, normal form).
 * @throws OstreeError `SUMMARY_INVALID`.
 */
export function decodeSummarySignatures(sigBytes: Uint8Array): Commitmeta {
  try {
    return decodeCommitmeta(sigBytes);
  } catch (e) {
    throw new OstreeError('SUMMARY_INVALID', `Invalid summary.sig: ${(e as Error).message}`, { cause: e });
  }
}

/** Options for {@link signSummaryBytes}. */
export interface SignSummaryOptions {
  /** An existing `summary.sig` to append to (ostree appends to the file it finds). */
  existing?: Uint8Array | null;
}

/**
 * Make `summary.sig` bytes for `summary` (`summary -u --gpg-sign/--sign`): one signature per signer
 * over the exact summary bytes, appended in order to the engine's `aay` (GHashTable-ordered dict).
 * Pass gpg signers first to match ostree's order.
 * @throws OstreeError `SUMMARY_INVALID` for a garbage `existing`.
 */
export async function signSummaryBytes(summary: Uint8Array, signers: readonly Signer[], opts: SignSummaryOptions = {}): Promise<Uint8Array> {
  if (!(summary instanceof Uint8Array)) throw new TypeError('summary must be a Uint8Array');
  if (signers.length === 0) throw new RangeError('signSummaryBytes: no signer given');
  let meta: Commitmeta = opts.existing ? decodeSummarySignatures(opts.existing) : [];
  for (const s of signers) meta = appendSignature(meta, signatureKey(s.engine), await s.sign(summary));
  return encodeCommitmeta(meta);
}

/**
 * Verify `summary.sig` over summary bytes (`ostree_repo_verify_summary()`; what `ostree pull` does
 * with `gpg-verify-summary=true`).
 *
 * @throws OstreeError `NO_SIGNATURE` (no `summary.sig`, or none of the engine in it),
 *   `SUMMARY_INVALID` (garbage `summary.sig`), `BAD_SIGNATURE` with `requireValid`.
 */
export async function verifySummary(summary: Uint8Array, sigBytes: Uint8Array | null, opts: VerifyOptions): Promise<VerifyResult> {
  if (!(summary instanceof Uint8Array)) throw new TypeError('summary must be a Uint8Array');
  if (sigBytes === null) throw noSignature('the summary (no summary.sig)', opts.verifier.engine);
  const sigs = signaturesIn(decodeSummarySignatures(sigBytes), signatureKey(opts.verifier.engine), 'SUMMARY_INVALID');
  if (sigs.length === 0) throw noSignature('the summary', opts.verifier.engine);
  return checkRequired(await opts.verifier.verify(summary, sigs), 'the summary', opts.requireValid);
}

// ---------------------------------------------------------------------------------------------
// Keys

async function readKeyFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OstreeError(code === 'ENOENT' ? 'KEY_NOT_FOUND' : 'KEY_INVALID', `Cannot read ${what} ${path}: ${(e as Error).message}`, { data: { path }, cause: e });
  }
}

function stripOneNewline(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

/**
 * Public keys from a keyring file's bytes: armored or binary exports, a legacy keyring
 * (`pubring.gpg`, `<remote>.trustedkeys.gpg`, trust packets dropped) or a keybox (`pubring.kbx`).
 * @throws OstreeError `KEY_INVALID`.
 */
export async function parseGpgKeyring(bytes: Uint8Array): Promise<GpgKey[]> {
  if (bytes.length > 0 && bytes[0] !== 0x2d && !/^\s/.test(String.fromCharCode(bytes[0]))) {
    const blocks = isKeybox(bytes) ? parseKeybox(bytes).flatMap((b) => splitKeyring(b)) : splitKeyring(bytes);
    if (blocks.length === 0) return [];
    return loadGpgPublicKeys(new Uint8Array(Buffer.concat(blocks)));
  }
  return loadGpgPublicKeys(bytes);
}

/** Where {@link loadTrustedGpgKeys} takes keys from. */
export interface TrustedGpgKeysOptions {
  /** Keyring files (`--keyring=FILE`, `--gpg-import`-style exports; armored or binary). */
  keyrings?: readonly string[];
  /** A GnuPG home whose public keys are trusted (`--gpg-homedir`). */
  homedir?: string;
  /** Trust this remote's keyring, `<repo>/<remote>.trustedkeys.gpg` (`--gpg-verify-remote`). */
  remote?: string;
  /**
   * Trust the keyrings of all remotes (`<repo>/*.trustedkeys.gpg`), ostree's default when no
   * remote is named. Default: true when nothing else is given.
   */
  allRemotes?: boolean;
}

/**
 * Collect trusted gpg public keys for verification.
 * @throws OstreeError `KEY_INVALID` (unreadable keyring), `KEY_NOT_FOUND` (missing keyring file or,
 *   with `remote`, no such keyring in the repository).
 */
export async function loadTrustedGpgKeys(repo: Repo | null, opts: TrustedGpgKeysOptions = {}): Promise<GpgKey[]> {
  const keys: GpgKey[] = [];
  for (const path of opts.keyrings ?? []) keys.push(...(await parseGpgKeyring(await readKeyFile(path, 'keyring'))));
  if (opts.homedir !== undefined) keys.push(...(await loadGpgHomePublicKeys(opts.homedir)));
  const nothingElse = (opts.keyrings ?? []).length === 0 && opts.homedir === undefined && opts.remote === undefined;
  if (repo) {
    const names: string[] = [];
    if (opts.remote !== undefined) names.push(`${opts.remote}.trustedkeys.gpg`);
    if (opts.allRemotes ?? nothingElse) {
      for (const e of (await repo.storage.list('')) ?? []) if (e.kind === 'file' && e.name.endsWith('.trustedkeys.gpg') && !names.includes(e.name)) names.push(e.name);
    }
    for (const name of names) {
      const bytes = await repo.storage.read(name);
      if (bytes === null) {
        if (name === `${opts.remote}.trustedkeys.gpg`) {
          throw new OstreeError('KEY_NOT_FOUND', `No keyring for remote "${opts.remote}" (${name}) in ${repo.storage.location}`, { data: { remote: opts.remote } });
        }
        continue;
      }
      if (bytes.length === 0) continue;
      keys.push(...(await parseGpgKeyring(bytes)));
    }
  }
  return dedupeGpgKeys(keys);
}

/** Where ed25519 public keys come from for {@link loadEd25519Verifier}. */
export interface Ed25519TrustOptions {
  /** Base64 public keys. */
  keys?: readonly string[];
  /** Files with one base64 public key per line (`--keys-file`). */
  keysFiles?: readonly string[];
  /** Files with revoked public keys, one per line. */
  revokedFiles?: readonly string[];
}

/**
 * An {@link Ed25519Verifier} from base64 keys and key files.
 * @throws OstreeError `KEY_INVALID`, `KEY_NOT_FOUND` (missing file).
 */
export async function loadEd25519Verifier(opts: Ed25519TrustOptions): Promise<Ed25519Verifier> {
  const trusted = (opts.keys ?? []).map((k) => parseEd25519PublicKey(k));
  for (const f of opts.keysFiles ?? []) trusted.push(...parseEd25519KeyFile(new TextDecoder().decode(await readKeyFile(f, 'key file')), 'public'));
  const revoked: Uint8Array[] = [];
  for (const f of opts.revokedFiles ?? []) revoked.push(...parseEd25519KeyFile(new TextDecoder().decode(await readKeyFile(f, 'key file')), 'public'));
  return new Ed25519Verifier(trusted, { revoked });
}

/** Key sources for {@link resolveSigners}: the options every signing command takes. */
export interface ResolveSignersOptions {
  /** `--gpg-sign=KEYID` (repeatable): key specifiers (key ID, fingerprint, user ID). */
  gpgSign?: readonly string[];
  /** `--gpg-homedir=DIR`: a GnuPG home to read secret keys from. */
  gpgHomedir?: string;
  /** `--gpg-key-file=PATH`: armored or binary secret keys; `gpgSign` selects (optional with one key). */
  gpgKeyFile?: string;
  /** The passphrase of the gpg key. */
  passphrase?: string;
  /** `--gpg-passphrase-file=PATH`: passphrase in a file (one trailing newline ignored). */
  passphraseFile?: string;
  /**
   * Environment (`process.env`): `OSTREE_TS_GPG_KEY` is used when `gpgSign` is given without a key
   * file, `OSTREE_TS_GPG_PASSPHRASE` when no passphrase is given, `OSTREE_TS_ED25519_KEY` when
   * `signType` is given without keys, `GNUPGHOME`/`HOME` for the default GnuPG home.
   */
  env?: EnvLike;
  /** `--sign-type=NAME` (only `ed25519`; the default when `sign`/`keysFile` are given). */
  signType?: string;
  /** `--sign=KEY` (repeatable): base64 ed25519 secret keys. */
  sign?: readonly string[];
  /** `--keys-file=PATH`: ed25519 secret keys, one base64 key per line. */
  keysFile?: string;
}

/**
 * Turn the signing options of a command into signers, gpg first (ostree's order). The gpg key for each
 * `gpgSign` specifier comes from, in order of precedence: `gpgKeyFile`, `gpgHomedir`, the
 * `OSTREE_TS_GPG_KEY` variable, the default GnuPG home (`$GNUPGHOME` or `$HOME/.gnupg`, as gpgme).
 * Returns an empty list when no signing was asked for.
 *
 * @throws OstreeError `KEY_NOT_FOUND`, `KEY_AMBIGUOUS`, `KEY_INVALID` (garbage or truncated key
 *   data), `PASSPHRASE_REQUIRED`, `BAD_PASSPHRASE`, `KEY_UNUSABLE`, `KEY_UNSUPPORTED`,
 *   `INVALID_ARGUMENT` (unknown `signType`, `signType` without any key).
 */
export async function resolveSigners(opts: ResolveSignersOptions): Promise<Signer[]> {
  const env = opts.env ?? {};
  const signers: Signer[] = [];
  const gpgIds = opts.gpgSign ?? [];
  let passphrase = opts.passphrase;
  if (passphrase === undefined && opts.passphraseFile !== undefined) {
    passphrase = stripOneNewline(new TextDecoder().decode(await readKeyFile(opts.passphraseFile, 'passphrase file')));
  }
  if (passphrase === undefined && env[GPG_PASSPHRASE_ENV] !== undefined) passphrase = stripOneNewline(env[GPG_PASSPHRASE_ENV]!);

  if (opts.gpgKeyFile !== undefined) {
    const bytes = await readKeyFile(opts.gpgKeyFile, 'key file');
    if (gpgIds.length === 0) {
      signers.push(await createGpgSigner(await loadGpgSecretKeys(bytes, { passphrase })));
    }
    for (const id of gpgIds) signers.push(await createGpgSigner(await loadGpgSecretKeys(bytes, { keyId: id, passphrase }), { keyId: id }));
  } else if (gpgIds.length > 0) {
    const fromEnv = opts.gpgHomedir === undefined ? gpgKeyFromEnv(env) : null;
    for (const id of gpgIds) {
      if (fromEnv) {
        const keys = await loadGpgSecretKeys(fromEnv.keyBytes, { keyId: id, passphrase: passphrase ?? fromEnv.passphrase });
        signers.push(await createGpgSigner(keys, { keyId: id }));
      } else {
        signers.push(await loadGpgHomeSigner(opts.gpgHomedir ?? defaultGnupgHome(env), id, { passphrase }));
      }
    }
  }

  const edKeys = opts.sign ?? [];
  const wantsOther = opts.signType !== undefined || edKeys.length > 0 || opts.keysFile !== undefined;
  if (wantsOther) {
    const type = opts.signType ?? 'ed25519';
    if (type !== 'ed25519') {
      throw new OstreeError('INVALID_ARGUMENT', `Requested signature type is not implemented: ${type} (ostree-ts supports ed25519)`, { data: { signType: type } });
    }
    for (const k of edKeys) signers.push(new Ed25519Signer(k.trim()));
    if (opts.keysFile !== undefined) {
      const text = new TextDecoder().decode(await readKeyFile(opts.keysFile, 'key file'));
      for (const sk of parseEd25519KeyFile(text, 'secret')) signers.push(new Ed25519Signer(sk));
    }
    if (edKeys.length === 0 && opts.keysFile === undefined) {
      const v = env[ED25519_KEY_ENV];
      if (v === undefined || v.trim() === '') {
        throw new OstreeError('INVALID_ARGUMENT', `--sign-type=${type} needs a key: --sign=KEY, --keys-file=FILE or ${ED25519_KEY_ENV}`);
      }
      signers.push(new Ed25519Signer(v.trim()));
    }
  }
  return dedupeSigners(signers);
}

function dedupeSigners(signers: Signer[]): Signer[] {
  const seen = new Set<string>();
  return signers.filter((s) => {
    const k = `${s.engine}:${s.keyId}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The GnuPG home gpgme uses by default: `$GNUPGHOME`, else `$HOME/.gnupg`. */
export function defaultGnupgHome(env: EnvLike): string {
  const g = env.GNUPGHOME;
  if (g) return isAbsolute(g) ? g : resolve(g);
  return join(env.HOME ?? '/root', '.gnupg');
}
