/**
 * OpenPGP ("gpg" engine) signing and verification over given bytes, with key loading.
 *
 * libostree signs through gpgme with `GPGME_SIG_MODE_DETACH` and no armor (`sign_data()` in
 * `src/libostree/ostree-repo.c`): the result is a binary detached signature of class 0x00 (binary
 * document) over the exact bytes (the `.commit` object or the `summary` file). gpg 2.2 hashes with
 * SHA-256 by default; so do we. Verification (`_ostree_repo_gpg_verify_with_metadata()`) feeds all
 * signatures to gpgme and counts a signature as valid when gpgme reports it good and neither the key
 * nor the signature is expired or revoked (`signature_is_valid()` in `ostree-gpg-verify-result.c`).
 *
 * The OpenPGP implementation is the `openpgp` package (OpenPGP.js).
 *
 * @module
 */
import type { Config as PgpConfig, Key, KeyID, PrivateKey, PublicKey, PublicKeyPacket, Signature, SignaturePacket, Subkey } from 'openpgp';
import { OstreeError } from '../errors.js';
import type { SignatureCheck, Signer, Verifier, VerifyResult } from './types.js';

let openpgpModule: Promise<typeof import('openpgp')> | null = null;

/**
 * openpgp.js, loaded on first use: it is the largest module we depend on (≈ 80 ms and 13 MB to load),
 * and most commands never sign or verify.
 */
export function loadOpenpgp(): Promise<typeof import('openpgp')> {
  openpgpModule ??= import('openpgp');
  return openpgpModule;
}

/** An OpenPGP public or secret key as OpenPGP.js represents it. */
export type GpgKey = Key;
/** An OpenPGP secret key as OpenPGP.js represents it. */
export type GpgPrivateKey = PrivateKey;

const ARMOR_BLOCK_RE = /-----BEGIN PGP ([A-Z ]+)-----[\s\S]*?-----END PGP \1-----/g;

function isArmored(bytes: Uint8Array): boolean {
  // Armored input starts (after optional whitespace) with "-----BEGIN PGP"; binary OpenPGP packets
  // always have the high bit of their first byte set.
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes.length - i >= 5 && bytes[i] === 0x2d && bytes[i + 1] === 0x2d && bytes[i + 4] === 0x2d;
}

function wrapKeyError(e: unknown, what: string): OstreeError {
  if (e instanceof OstreeError) return e;
  return new OstreeError('KEY_INVALID', `Invalid OpenPGP ${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/** Parse all keys (public or secret) from armored (one or several blocks) or binary bytes. */
async function parseKeys(bytes: Uint8Array, what: string): Promise<Key[]> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  if (bytes.length === 0) throw new OstreeError('KEY_INVALID', `Invalid OpenPGP ${what}: empty input`);
  const pg = await loadOpenpgp();
  try {
    if (isArmored(bytes)) {
      const text = new TextDecoder().decode(bytes);
      const blocks = text.match(ARMOR_BLOCK_RE) ?? [];
      const keyBlocks = blocks.filter((b) => /^-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----/.test(b));
      if (keyBlocks.length === 0) throw new Error('no armored key block found');
      const out: Key[] = [];
      for (const b of keyBlocks) out.push(...(await pg.readKeys({ armoredKeys: b })));
      return out;
    }
    return await pg.readKeys({ binaryKeys: bytes });
  } catch (e) {
    throw wrapKeyError(e, what);
  }
}

/**
 * Load public keys (a keyring: armored or binary, several keys; secret keys are reduced to their
 * public part), as `gpg --import` would read them for verification.
 * @throws OstreeError `KEY_INVALID` for truncated or garbage input.
 */
export async function loadGpgPublicKeys(bytes: Uint8Array): Promise<GpgKey[]> {
  const keys = await parseKeys(bytes, 'public key');
  return dedupeGpgKeys(keys.map((k) => (k.isPrivate() ? k.toPublic() : k)));
}

/** Keys in order, without repeats of a fingerprint seen earlier. */
export function dedupeGpgKeys<T extends Key>(keys: T[]): T[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const f = k.getFingerprint();
    if (seen.has(f)) return false;
    seen.add(f);
    return true;
  });
}

/** Options for {@link loadGpgSecretKeys}. */
export interface LoadGpgSecretKeysOptions {
  /** Passphrase for protected keys. */
  passphrase?: string;
  /** Keep only the key this specifier selects (see {@link findGpgKey}). */
  keyId?: string;
}

/**
 * Load secret keys (armored or binary, several keys), optionally select one by `keyId`, and decrypt
 * them.
 * @throws OstreeError `KEY_INVALID` (garbage/truncated), `KEY_NOT_FOUND` (no secret key, or none
 *   matching `keyId`), `KEY_AMBIGUOUS`, `PASSPHRASE_REQUIRED` (protected key, no passphrase),
 *   `BAD_PASSPHRASE` (wrong passphrase).
 */
export async function loadGpgSecretKeys(bytes: Uint8Array, options: LoadGpgSecretKeysOptions = {}): Promise<GpgPrivateKey[]> {
  const all = await parseKeys(bytes, 'secret key');
  let keys = dedupeGpgKeys(all.filter((k): k is PrivateKey => k.isPrivate()));
  if (keys.length === 0) throw new OstreeError('KEY_NOT_FOUND', 'No secret key in the given key data');
  if (options.keyId !== undefined) keys = [findGpgKey(keys, options.keyId).key];
  return Promise.all(keys.map((k) => unlockGpgKey(k, options.passphrase)));
}

/**
 * Decrypt a protected secret key (returns it unchanged when already usable).
 * @throws OstreeError `PASSPHRASE_REQUIRED`, `BAD_PASSPHRASE`, `KEY_INVALID`.
 */
export async function unlockGpgKey(key: GpgPrivateKey, passphrase?: string): Promise<GpgPrivateKey> {
  if (key.isDecrypted()) return key;
  const id = key.getKeyID().toHex().toUpperCase();
  if (passphrase === undefined) {
    throw new OstreeError('PASSPHRASE_REQUIRED', `Secret key ${id} is protected by a passphrase and none was given`, { data: { keyId: id } });
  }
  const pg = await loadOpenpgp();
  try {
    return await pg.decryptKey({ privateKey: key, passphrase });
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    if (/passphrase/i.test(msg)) {
      throw new OstreeError('BAD_PASSPHRASE', `Wrong passphrase for secret key ${id}`, { data: { keyId: id }, cause: e });
    }
    throw new OstreeError('KEY_INVALID', `Cannot decrypt secret key ${id}: ${msg}`, { data: { keyId: id }, cause: e });
  }
}

/** A parsed gpg key specifier (the `KEYID` of `--gpg-sign=KEYID`). */
export interface GpgKeySpec {
  /** How the specifier matches. */
  kind: 'short' | 'long' | 'fingerprint' | 'email' | 'exact' | 'substring';
  /** Upper-case hex for the hex kinds; the text otherwise. */
  value: string;
  /** A trailing `!`: use exactly this (sub)key, not the best signing subkey of its key. */
  exact: boolean;
}

/**
 * Parse a key specifier the way gpg does for the hex and user-ID forms (`classify_user_id()` in
 * gnupg's `common/userids.c`): optional `0x`, 8 hex digits (short key ID), 16 (long key ID), 40 or
 * 64 (fingerprint, spaces allowed), optional trailing `!`; `<addr>` (exact e-mail), `=uid` (exact
 * user ID), anything else a case-insensitive user-ID substring.
 * @throws OstreeError `INVALID_ARGUMENT` for an empty specifier.
 */
export function parseGpgKeySpec(spec: string): GpgKeySpec {
  if (typeof spec !== 'string') throw new TypeError('key specifier must be a string');
  let s = spec.trim();
  if (s === '') throw new OstreeError('INVALID_ARGUMENT', 'Empty GPG key ID');
  let exact = false;
  if (s.endsWith('!')) {
    exact = true;
    s = s.slice(0, -1);
  }
  let hex = s.replace(/^0x/i, '');
  if (/^[0-9a-f]+(\s+[0-9a-f]+)*$/i.test(hex)) hex = hex.replace(/\s+/g, '');
  if (/^[0-9a-f]+$/i.test(hex)) {
    const v = hex.toUpperCase();
    if (v.length === 8) return { kind: 'short', value: v, exact };
    if (v.length === 16) return { kind: 'long', value: v, exact };
    if (v.length === 40 || v.length === 64) return { kind: 'fingerprint', value: v, exact };
  }
  if (s.startsWith('<') && s.endsWith('>')) return { kind: 'email', value: s.slice(1, -1).toLowerCase(), exact: false };
  if (s.startsWith('=')) return { kind: 'exact', value: s.slice(1), exact: false };
  if (s.startsWith('*')) s = s.slice(1);
  return { kind: 'substring', value: s.toLowerCase(), exact: false };
}

/** A key chosen by a specifier. */
export interface GpgKeyMatch<K extends Key = Key> {
  /** The whole key (primary key with subkeys). */
  key: K;
  /** The long key ID of the (sub)key the specifier named when it named a subkey with `!`. */
  subkeyId?: string;
}

function keyIdHex(k: { getKeyID(): KeyID }): string {
  return k.getKeyID().toHex().toUpperCase();
}

function userIdMatches(key: Key, spec: GpgKeySpec): boolean {
  for (const u of key.users) {
    const uid = u.userID;
    if (!uid) continue;
    const text = uid.userID;
    if (spec.kind === 'exact' && text === spec.value) return true;
    if (spec.kind === 'email' && (uid.email.toLowerCase() === spec.value || text.toLowerCase().includes(`<${spec.value}>`))) return true;
    if (spec.kind === 'substring' && text.toLowerCase().includes(spec.value)) return true;
  }
  return false;
}

/**
 * Select the one key a specifier names among `keys` (primary or subkey IDs/fingerprints, or user
 * IDs), like `gpgme_get_key()` does for ostree's `--gpg-sign=KEYID`.
 * @throws OstreeError `KEY_NOT_FOUND`, `KEY_AMBIGUOUS` (several different keys match), `INVALID_ARGUMENT`.
 */
export function findGpgKey<K extends Key>(keys: readonly K[], keyId: string): GpgKeyMatch<K> {
  const spec = parseGpgKeySpec(keyId);
  const found: GpgKeyMatch<K>[] = [];
  for (const key of keys) {
    if (spec.kind === 'short' || spec.kind === 'long' || spec.kind === 'fingerprint') {
      const parts: (Key | Subkey)[] = [key, ...key.getSubkeys()];
      for (const p of parts) {
        const id = keyIdHex(p);
        const fpr = p.getFingerprint().toUpperCase();
        const hit = spec.kind === 'short' ? id.endsWith(spec.value) : spec.kind === 'long' ? id === spec.value : fpr === spec.value;
        if (hit) {
          found.push(spec.exact ? { key, subkeyId: id } : { key });
          break;
        }
      }
    } else if (userIdMatches(key, spec)) {
      found.push({ key });
    }
  }
  const distinct = new Set(found.map((f) => f.key.getFingerprint()));
  if (distinct.size === 0) throw new OstreeError('KEY_NOT_FOUND', `No GPG key matches "${keyId}"`, { data: { keyId } });
  if (distinct.size > 1) throw new OstreeError('KEY_AMBIGUOUS', `Several GPG keys match "${keyId}"`, { data: { keyId } });
  return found[0];
}

/** Options for {@link createGpgSigner}. */
export interface CreateGpgSignerOptions {
  /** Key specifier choosing among several keys (required when there are several). */
  keyId?: string;
  /** Passphrase when the key is protected. */
  passphrase?: string;
}

/**
 * Make a {@link GpgSigner} from secret keys: select by `keyId`, decrypt, and pick the signing
 * (sub)key as gpg does (the newest valid signing-capable subkey, or the primary key; exactly the
 * named subkey with a trailing `!`).
 * @throws OstreeError `KEY_NOT_FOUND`, `KEY_AMBIGUOUS`, `PASSPHRASE_REQUIRED`, `BAD_PASSPHRASE`,
 *   `KEY_UNUSABLE` (no valid signing key: expired, revoked, no secret part).
 */
export async function createGpgSigner(keys: GpgPrivateKey | readonly GpgPrivateKey[], options: CreateGpgSignerOptions = {}): Promise<GpgSigner> {
  const list: readonly GpgPrivateKey[] = Array.isArray(keys) ? keys : [keys as GpgPrivateKey];
  let match: GpgKeyMatch<GpgPrivateKey>;
  if (options.keyId !== undefined) match = findGpgKey(list, options.keyId);
  else if (list.length === 1) match = { key: list[0] };
  else if (list.length === 0) throw new OstreeError('KEY_NOT_FOUND', 'No secret key given');
  else throw new OstreeError('KEY_AMBIGUOUS', 'Several secret keys given and no key ID to choose one');
  const key = await unlockGpgKey(match.key, options.passphrase);
  let signing: PrivateKey | Subkey;
  try {
    const named = match.subkeyId ? key.getKeys().find((p) => keyIdHex(p) === match.subkeyId) : undefined;
    signing = await key.getSigningKey(named?.getKeyID());
  } catch (e) {
    throw new OstreeError('KEY_UNUSABLE', `GPG key ${keyIdHex(key)} has no usable signing key: ${(e as Error)?.message ?? e}`, {
      data: { keyId: keyIdHex(key) }, cause: e,
    });
  }
  if (!signing.isDecrypted()) {
    throw new OstreeError('KEY_UNUSABLE', `The secret part of signing key ${keyIdHex(signing)} is not available`, {
      data: { keyId: keyIdHex(signing) },
    });
  }
  return new GpgSigner(key, signing.getKeyID(), signing.getFingerprint().toUpperCase());
}

/**
 * Makes binary detached OpenPGP signatures (class 0x00, SHA-256) like `gpg --detach-sign` and
 * ostree's `sign_data()`. Create with {@link createGpgSigner}.
 */
export class GpgSigner implements Signer {
  /** Always `'gpg'`. */
  readonly engine = 'gpg' as const;
  /** Long key ID (16 upper-case hex digits) of the (sub)key that signs. */
  readonly keyId: string;
  /** Fingerprint (upper-case hex) of the (sub)key that signs. */
  readonly fingerprint: string;
  /** Fingerprint (upper-case hex) of the primary key. */
  readonly primaryFingerprint: string;
  readonly #key: GpgPrivateKey;
  readonly #signingKeyId: KeyID;

  /** Use {@link createGpgSigner}; this expects a decrypted key and the chosen signing key's ID. */
  constructor(key: GpgPrivateKey, signingKeyId: KeyID, signingFingerprint: string) {
    this.#key = key;
    this.#signingKeyId = signingKeyId;
    this.keyId = signingKeyId.toHex().toUpperCase();
    this.fingerprint = signingFingerprint;
    this.primaryFingerprint = key.getFingerprint().toUpperCase();
  }

  /** Sign `data`; returns one binary detached signature packet. */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
    const pg = await loadOpenpgp();
    const message = await pg.createMessage({ binary: data });
    return pg.sign({
      message,
      signingKeys: this.#key,
      signingKeyIDs: [this.#signingKeyId],
      detached: true,
      format: 'binary',
      config: { preferredHashAlgorithm: pg.enums.hash.sha256 },
    });
  }
}

/** Options for {@link GpgVerifier}. */
export interface GpgVerifierOptions {
  /**
   * Accept SHA-1 data signatures (gpg 2.2 and so ostree 2022.7 still do; OpenPGP.js rejects them by
   * default as SHA-1 is broken). Default false.
   */
  allowSha1?: boolean;
  /** "Now", for expiry checks (default: the current time). */
  now?: Date;
}

/**
 * Verifies detached OpenPGP signatures against a set of trusted public keys. Each element of
 * `signatures` may hold one or more signature packets; every packet is reported as one check.
 * A check is valid when the signature is cryptographically good and its key is known, not expired and
 * not revoked now (gpgme's `GPGME_SIGSUM_VALID`/`GREEN`, as ostree counts them).
 */
export class GpgVerifier implements Verifier {
  /** Always `'gpg'`. */
  readonly engine = 'gpg' as const;
  readonly #keys: PublicKey[];
  readonly #options: GpgVerifierOptions;

  /** @param keys trusted keys (secret keys are reduced to their public part). */
  constructor(keys: readonly GpgKey[], options: GpgVerifierOptions = {}) {
    this.#keys = keys.map((k) => (k.isPrivate() ? k.toPublic() : (k as PublicKey)));
    this.#options = options;
  }

  /** Verify each signature over `data`; never throws for bad signatures. */
  async verify(data: Uint8Array, signatures: Uint8Array[]): Promise<VerifyResult> {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
    const checks: SignatureCheck[] = [];
    const pg = await loadOpenpgp();
    for (const sigBytes of signatures) {
      let sig: Signature;
      try {
        sig = await pg.readSignature({ binarySignature: sigBytes });
      } catch (e) {
        checks.push({ keyId: '', valid: false, expired: false, revoked: false, keyMissing: false, reason: `malformed signature: ${(e as Error)?.message ?? e}` });
        continue;
      }
      const packets = sig.packets.filter((p): p is SignaturePacket => p instanceof pg.SignaturePacket);
      if (packets.length === 0) {
        checks.push({ keyId: '', valid: false, expired: false, revoked: false, keyMissing: false, reason: 'no signature packet' });
        continue;
      }
      for (const p of packets) checks.push(await this.#checkPacket(data, p));
    }
    return { engine: 'gpg', checks, anyValid: checks.some((c) => c.valid) };
  }

  async #checkPacket(data: Uint8Array, packet: SignaturePacket): Promise<SignatureCheck> {
    const pg = await loadOpenpgp();
    const keyId = packet.issuerKeyID.toHex().toUpperCase();
    const issuerFpr = packet.issuerFingerprint ? Buffer.from(packet.issuerFingerprint as Uint8Array).toString('hex').toUpperCase() : undefined;
    const check: SignatureCheck = { keyId, valid: false, expired: false, revoked: false, keyMissing: false, signedAt: packet.created ?? undefined };
    if (issuerFpr) check.fingerprint = issuerFpr;
    if (packet.signatureType !== pg.enums.signature.binary && packet.signatureType !== pg.enums.signature.text) {
      check.reason = `not a data signature (class 0x${(packet.signatureType ?? 0).toString(16).padStart(2, '0')})`;
      return check;
    }
    const primary = this.#keys.find((k) => k.getKeys(packet.issuerKeyID).length > 0);
    if (!primary) {
      check.keyMissing = true;
      check.reason = `no public key for key ID ${keyId}`;
      return check;
    }
    const part = primary.getKeys(packet.issuerKeyID)[0];
    check.fingerprint = part.getFingerprint().toUpperCase();
    const now = this.#options.now ?? new Date();
    const config: Partial<PgpConfig> = {};
    if (this.#options.allowSha1) config.rejectMessageHashAlgorithms = new Set([pg.enums.hash.md5, pg.enums.hash.ripemd]);
    // Key state now (gpg reports EXPKEYSIG / REVKEYSIG for a good signature by such a key).
    try {
      check.revoked = await primary.isRevoked(undefined, undefined, now);
      if (!check.revoked && part !== primary) {
        check.revoked = await (part as Subkey).isRevoked(undefined as unknown as SignaturePacket, undefined as unknown as PublicKeyPacket, now);
      }
    } catch { /* no revocation information we can evaluate */ }
    check.expired = await isExpired(primary, part, now);
    let good = false;
    try {
      const sig = new pg.Signature(new pg.PacketList<SignaturePacket>());
      sig.packets.push(packet);
      const message = await pg.createMessage({ binary: data });
      const result = await pg.verify({ message, signature: sig, verificationKeys: [primary], date: packet.created ?? now, config, expectSigned: false });
      if (result.signatures.length === 0) throw new Error('signature was not evaluated');
      good = await result.signatures[0].verified;
    } catch (e) {
      check.reason = (e as Error)?.message ?? String(e);
    }
    if (good) {
      if (check.revoked) check.reason = 'good signature by a revoked key';
      else if (check.expired) check.reason = 'good signature by an expired key';
      else check.valid = true;
    } else if (!check.reason) {
      check.reason = 'bad signature';
    }
    return check;
  }
}

async function isExpired(primary: PublicKey, part: PublicKey | Subkey, now: Date): Promise<boolean> {
  const expiredAt = (t: Date | number | null) => t instanceof Date && t.getTime() <= now.getTime();
  try {
    if (expiredAt(await primary.getExpirationTime())) return true;
  } catch { /* no valid self-signature: not an expiry */ }
  if (part !== primary) {
    try {
      if (expiredAt(await (part as Subkey).getExpirationTime(now))) return true;
    } catch { /* ditto */ }
  }
  return false;
}
