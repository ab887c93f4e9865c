/**
 * Ed25519 signing and verification as libostree's `ed25519` sign engine does it
 * (`src/libostree/ostree-sign-ed25519.c`, sizes in `src/libotcore/otcore.h`): pure Ed25519 (no
 * prehash) over the exact bytes, 64-byte signatures, 32-byte public keys and 64-byte secret keys laid
 * out as libsodium does (`32-byte seed ‖ 32-byte public key`). Keys are written as standard base64;
 * key files hold one base64 key per line (`ostree-blob-reader-base64.c`).
 *
 * The arithmetic is `node:crypto`'s Ed25519 (OpenSSL), which measured 15–90× faster than tweetnacl.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { OstreeError } from '../errors.js';
import type { SignatureCheck, Signer, Verifier, VerifyResult } from './types.js';

/** Size of an Ed25519 signature (`OSTREE_SIGN_ED25519_SIG_SIZE`). */
export const ED25519_SIGNATURE_SIZE = 64;
/** Size of an Ed25519 public key (`OSTREE_SIGN_ED25519_PUBKEY_SIZE`). */
export const ED25519_PUBLIC_KEY_SIZE = 32;
/** Size of an ostree/libsodium Ed25519 secret key, seed ‖ public (`OSTREE_SIGN_ED25519_SECKEY_SIZE`). */
export const ED25519_SECRET_KEY_SIZE = 64;
/** Size of an Ed25519 seed (the RFC 8032 private key). */
export const ED25519_SEED_SIZE = 32;

// DER prefixes that wrap a raw key into PKCS#8 / SPKI for node:crypto (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function concat(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.concat([a, b]);
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: concat(PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(pub: Uint8Array): KeyObject | null {
  try {
    return createPublicKey({ key: concat(SPKI_PREFIX, pub), format: 'der', type: 'spki' });
  } catch {
    return null; // not a valid curve point
  }
}

/** Derive the 32-byte public key from a 32-byte seed. */
export function ed25519PublicFromSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_SIZE) throw new RangeError('seed must be 32 bytes');
  const der = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - ED25519_PUBLIC_KEY_SIZE));
}

/** Make an ostree-style 64-byte secret key (`seed ‖ public`) from a 32-byte seed. */
export function ed25519SecretFromSeed(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(ED25519_SECRET_KEY_SIZE);
  out.set(seed, 0);
  out.set(ed25519PublicFromSeed(seed), ED25519_SEED_SIZE);
  return out;
}

/** Encode bytes as standard base64 (the form ostree prints and reads keys in). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decode one strict standard-base64 string (surrounding ASCII whitespace allowed).
 * @throws OstreeError `KEY_INVALID` when the text is not base64.
 */
export function decodeBase64Key(text: string): Uint8Array {
  const t = text.trim();
  if (t.length === 0 || !BASE64_RE.test(t)) throw new OstreeError('KEY_INVALID', 'Invalid base64 blob format');
  return new Uint8Array(Buffer.from(t, 'base64'));
}

/**
 * Parse one base64 Ed25519 public key (44 characters, 32 bytes), as given to `ostree sign --verify`
 * or in `verification-ed25519-key`.
 * @throws OstreeError `KEY_INVALID`.
 */
export function parseEd25519PublicKey(text: string): Uint8Array {
  const k = decodeBase64Key(text);
  if (k.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw new OstreeError('KEY_INVALID', `Invalid ed25519 public key: ${k.length} bytes, expected ${ED25519_PUBLIC_KEY_SIZE}`);
  }
  return k;
}

/**
 * Parse one base64 Ed25519 secret key (88 characters, 64 bytes = seed ‖ public). The public half must
 * match the seed (libsodium would otherwise silently make unverifiable signatures).
 * @throws OstreeError `KEY_INVALID`.
 */
export function parseEd25519SecretKey(text: string): Uint8Array {
  const k = decodeBase64Key(text);
  checkSecretKey(k);
  return k;
}

function checkSecretKey(k: Uint8Array): void {
  if (k.length !== ED25519_SECRET_KEY_SIZE) {
    throw new OstreeError('KEY_INVALID', `Invalid ed25519 secret key: ${k.length} bytes, expected ${ED25519_SECRET_KEY_SIZE}`);
  }
  const pub = ed25519PublicFromSeed(k.subarray(0, ED25519_SEED_SIZE));
  if (!Buffer.from(pub).equals(k.subarray(ED25519_SEED_SIZE))) {
    throw new OstreeError('KEY_INVALID', 'Invalid ed25519 secret key: public half does not match the seed');
  }
}

/**
 * Parse an ostree key file (`--keys-file`, `trusted.ed25519`, `revoked.ed25519`, …): one base64 key
 * per line; a trailing newline is fine, an empty line is an error, as in
 * `ostree_blob_reader_base64_read_blob()`. `kind` selects 32-byte public or 64-byte secret keys.
 * @throws OstreeError `KEY_INVALID` naming the 1-based line.
 */
export function parseEd25519KeyFile(text: string, kind: 'public' | 'secret' = 'public'): Uint8Array[] {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const keys: Uint8Array[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    try {
      keys.push(kind === 'public' ? parseEd25519PublicKey(line) : parseEd25519SecretKey(line));
    } catch (e) {
      throw new OstreeError('KEY_INVALID', `line ${i + 1}: ${(e as Error).message}`, { data: { line: i + 1 }, cause: e });
    }
  });
  return keys;
}

/**
 * Signs with an ostree/libsodium 64-byte Ed25519 secret key (`ostree_sign_ed25519_data()`).
 */
export class Ed25519Signer implements Signer {
  /** Always `'ed25519'`. */
  readonly engine = 'ed25519' as const;
  /** The base64 public key. */
  readonly keyId: string;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  readonly #key: KeyObject;

  /**
   * @param secretKey 64 bytes (seed ‖ public) or a base64 string of them.
   * @throws OstreeError `KEY_INVALID`.
   */
  constructor(secretKey: Uint8Array | string) {
    const sk = typeof secretKey === 'string' ? parseEd25519SecretKey(secretKey) : secretKey;
    if (!(sk instanceof Uint8Array)) throw new TypeError('secretKey must be a Uint8Array or a base64 string');
    checkSecretKey(sk);
    this.publicKey = sk.slice(ED25519_SEED_SIZE);
    this.keyId = toBase64(this.publicKey);
    this.#key = privateKeyObject(sk.subarray(0, ED25519_SEED_SIZE));
  }

  /** Make the 64-byte signature over `data`. */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    return this.signSync(data);
  }

  /** Synchronous {@link Ed25519Signer.sign}. */
  signSync(data: Uint8Array): Uint8Array {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
    return new Uint8Array(cryptoSign(null, data, this.#key));
  }
}

/** Options for {@link Ed25519Verifier}. */
export interface Ed25519VerifierOptions {
  /** Revoked public keys: never accepted, even when also trusted (`revoked.ed25519`). */
  revoked?: readonly Uint8Array[];
}

/**
 * Verifies Ed25519 signatures against trusted public keys, skipping revoked ones
 * (`ostree_sign_ed25519_data_verify()`): data is accepted when any signature verifies with any
 * trusted, non-revoked key.
 *
 * A check's `keyMissing` is true only when there is no usable trusted key at all (Ed25519 signatures
 * name no key, so "unknown key" and "tampered data" cannot be told apart).
 */
export class Ed25519Verifier implements Verifier {
  /** Always `'ed25519'`. */
  readonly engine = 'ed25519' as const;
  readonly #trusted: { pub: Uint8Array; obj: KeyObject | null }[] = [];
  readonly #revoked: { pub: Uint8Array; obj: KeyObject | null }[] = [];

  /**
   * @param trusted 32-byte public keys.
   * @throws OstreeError `KEY_INVALID` for a key of the wrong size.
   */
  constructor(trusted: readonly Uint8Array[], options: Ed25519VerifierOptions = {}) {
    const revokedSet = new Set<string>();
    for (const r of options.revoked ?? []) {
      checkPublic(r);
      revokedSet.add(toBase64(r));
      this.#revoked.push({ pub: r, obj: publicKeyObject(r) });
    }
    for (const t of trusted) {
      checkPublic(t);
      if (!revokedSet.has(toBase64(t))) this.#trusted.push({ pub: t, obj: publicKeyObject(t) });
    }
  }

  /** Verify each 64-byte signature over `data`. */
  async verify(data: Uint8Array, signatures: Uint8Array[]): Promise<VerifyResult> {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
    const checks: SignatureCheck[] = signatures.map((sig) => this.#check(data, sig));
    return { engine: 'ed25519', checks, anyValid: checks.some((c) => c.valid) };
  }

  #check(data: Uint8Array, sig: Uint8Array): SignatureCheck {
    const base = { keyId: '', valid: false, expired: false, revoked: false, keyMissing: this.#trusted.length === 0 };
    if (!(sig instanceof Uint8Array) || sig.length !== ED25519_SIGNATURE_SIZE) {
      return { ...base, reason: `Invalid signature length of ${sig?.length ?? 0} bytes, expected ${ED25519_SIGNATURE_SIZE}` };
    }
    for (const k of this.#trusted) {
      if (k.obj && cryptoVerify(null, data, k.obj, sig)) return { ...base, keyId: toBase64(k.pub), valid: true };
    }
    for (const k of this.#revoked) {
      if (k.obj && cryptoVerify(null, data, k.obj, sig)) {
        return { ...base, keyId: toBase64(k.pub), revoked: true, reason: 'signed with a revoked key' };
      }
    }
    return {
      ...base,
      reason: this.#trusted.length === 0 ? 'no trusted ed25519 keys' : 'no trusted key verifies this signature',
    };
  }
}

function checkPublic(k: Uint8Array): void {
  if (!(k instanceof Uint8Array)) throw new TypeError('public keys must be Uint8Arrays');
  if (k.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw new OstreeError('KEY_INVALID', `Invalid ed25519 public key: ${k.length} bytes, expected ${ED25519_PUBLIC_KEY_SIZE}`);
  }
}
