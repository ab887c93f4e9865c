/**
 * Pick signing keys from environment-variable values, for CI where a secret is exposed as an
 * environment variable. Pure: callers pass the environment (`process.env`) in.
 *
 * Variables (names overridable per call):
 * - `OSTREE_TS_GPG_KEY`: one or more OpenPGP secret keys, ASCII-armored (`gpg --armor
 *   --export-secret-keys KEYID`), or that text / the binary export encoded as base64 (`base64 -w0`).
 * - `OSTREE_TS_GPG_PASSPHRASE`: passphrase of that key, when protected (one trailing newline is
 *   ignored).
 * - `OSTREE_TS_ED25519_KEY`: an ostree ed25519 secret key, base64 of 64 bytes (seed ‖ public), as
 *   `ostree sign --keys-file` takes it.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { Ed25519Signer, parseEd25519SecretKey } from './ed25519.js';
import { createGpgSigner, loadGpgSecretKeys, type GpgSigner } from './gpg.js';

/** Default variable holding armored (or base64) OpenPGP secret keys. */
export const GPG_KEY_ENV = 'OSTREE_TS_GPG_KEY';
/** Default variable holding the passphrase of the OpenPGP key. */
export const GPG_PASSPHRASE_ENV = 'OSTREE_TS_GPG_PASSPHRASE';
/** Default variable holding a base64 ed25519 secret key. */
export const ED25519_KEY_ENV = 'OSTREE_TS_ED25519_KEY';

/** An environment: variable name → value (like `process.env`). */
export type EnvLike = Readonly<Record<string, string | undefined>>;

/** Names of the variables to read. */
export interface GpgEnvOptions {
  /** Variable with the key (default {@link GPG_KEY_ENV}). */
  keyVar?: string;
  /** Variable with the passphrase (default {@link GPG_PASSPHRASE_ENV}). */
  passphraseVar?: string;
}

/** Key bytes and passphrase found in an environment. */
export interface GpgEnvKey {
  /** Armored text (UTF-8) or binary OpenPGP key bytes. */
  keyBytes: Uint8Array;
  /** The passphrase, when its variable is set. */
  passphrase?: string;
}

function stripOneNewline(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

/**
 * Decode an environment value holding an OpenPGP key: armored text as is; otherwise base64 of the
 * armored text or of the binary key.
 * @throws OstreeError `KEY_INVALID` when it is neither.
 */
export function decodeGpgKeyValue(value: string): Uint8Array {
  if (typeof value !== 'string') throw new TypeError('value must be a string');
  if (value.includes('-----BEGIN PGP')) return new TextEncoder().encode(value.replace(/\r\n/g, '\n'));
  const compact = value.replace(/\s+/g, '');
  if (compact.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact) && compact.length % 4 === 0) {
    const bytes = new Uint8Array(Buffer.from(compact, 'base64'));
    if (bytes.length > 0) return bytes;
  }
  throw new OstreeError('KEY_INVALID', 'The key variable holds neither an ASCII-armored OpenPGP key nor base64');
}

/**
 * Read the OpenPGP key (and passphrase) variables. Returns null when the key variable is unset or
 * empty.
 * @throws OstreeError `KEY_INVALID`.
 */
export function gpgKeyFromEnv(env: EnvLike, options: GpgEnvOptions = {}): GpgEnvKey | null {
  const value = env[options.keyVar ?? GPG_KEY_ENV];
  if (value === undefined || value.trim() === '') return null;
  const pass = env[options.passphraseVar ?? GPG_PASSPHRASE_ENV];
  const out: GpgEnvKey = { keyBytes: decodeGpgKeyValue(value) };
  if (pass !== undefined) out.passphrase = stripOneNewline(pass);
  return out;
}

/**
 * A {@link GpgSigner} from the environment, choosing `keyId` among the keys (optional when the
 * variable holds one key). Returns null when the key variable is unset.
 * @throws OstreeError `KEY_INVALID`, `KEY_NOT_FOUND`, `KEY_AMBIGUOUS`, `PASSPHRASE_REQUIRED`,
 *   `BAD_PASSPHRASE`, `KEY_UNUSABLE`.
 */
export async function gpgSignerFromEnv(env: EnvLike, options: GpgEnvOptions & { keyId?: string } = {}): Promise<GpgSigner | null> {
  const found = gpgKeyFromEnv(env, options);
  if (!found) return null;
  const keys = await loadGpgSecretKeys(found.keyBytes, { keyId: options.keyId, passphrase: found.passphrase });
  return createGpgSigner(keys, { keyId: options.keyId });
}

/**
 * An {@link Ed25519Signer} from a base64 secret key variable (default {@link ED25519_KEY_ENV});
 * null when unset or empty.
 * @throws OstreeError `KEY_INVALID`.
 */
export function ed25519SignerFromEnv(env: EnvLike, options: { keyVar?: string } = {}): Ed25519Signer | null {
  const value = env[options.keyVar ?? ED25519_KEY_ENV];
  if (value === undefined || value.trim() === '') return null;
  return new Ed25519Signer(parseEd25519SecretKey(value));
}
