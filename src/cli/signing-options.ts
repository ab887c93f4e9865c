/**
 * The signing and verification options every command shares (`--gpg-sign`, `--gpg-homedir`,
 * `--gpg-key-file`, `--gpg-passphrase-file`, `--sign`, `--sign-type`, `--keys-file`, `--keyring`,
 * `--gpg-verify-remote`), their conversion into signers and verifiers, and the text rendering of
 * verification results (modelled on `ostree_gpg_verify_result_describe_variant()` in
 * `src/libostree/ostree-gpg-verify-result.c`).
 *
 * @module
 */
import { resolve } from 'node:path';
import { OstreeError } from '../errors.js';
import type { Signer, VerifyResult } from '../sign/types.js';
import type { GpgKey } from '../sign/gpg.js';
import type { Repo } from '../store/repo.js';
import type { ResolveSignersOptions } from '../ops/sign.js';
import { many, one, type CliIO, type OptionSpec, type Parsed } from './command.js';

/** `--gpg-sign`, `--gpg-homedir`, `--gpg-key-file`, `--gpg-passphrase-file` (ostree/flatpak spellings). */
export const GPG_SIGN_OPTIONS: Record<string, OptionSpec> = {
  'gpg-sign': { type: 'string', multiple: true, arg: 'KEY-ID', description: 'GPG Key ID to sign with (key ID, fingerprint or user ID)' },
  'gpg-homedir': { type: 'string', arg: 'HOMEDIR', description: 'GPG Homedir to use when looking for keyrings' },
  'gpg-key-file': { type: 'string', arg: 'FILE', description: 'Read the GPG secret key(s) from FILE (armored or binary; --gpg-sign selects)' },
  'gpg-passphrase-file': { type: 'string', arg: 'FILE', description: 'Read the GPG key passphrase from FILE' },
};

/** `--sign`, `--sign-type`, `--keys-file` (ed25519). */
export const SIGN_OPTIONS: Record<string, OptionSpec> = {
  sign: { type: 'string', multiple: true, arg: 'KEY-ID', description: 'Key (base64 ed25519 secret key) to sign with' },
  'sign-type': { type: 'string', arg: 'NAME', description: "Signature type to use (defaults to 'ed25519')" },
  'keys-file': { type: 'string', arg: 'FILE', description: 'Read ed25519 secret key(s) from FILE, one base64 key per line' },
};

/** `--keyring`, `--gpg-verify-remote` (with `--gpg-homedir`) for verification. */
export const GPG_VERIFY_OPTIONS: Record<string, OptionSpec> = {
  keyring: { type: 'string', multiple: true, arg: 'FILE', description: 'Trust the GPG public keys in FILE (armored, binary or keyring)' },
  'gpg-verify-remote': { type: 'string', arg: 'REMOTE', description: 'Use REMOTE name for GPG configuration (its trusted keyring)' },
};

function path(io: CliIO, p: string | undefined): string | undefined {
  return p === undefined ? undefined : resolve(io.cwd, p);
}

/** The {@link ResolveSignersOptions} the parsed signing options describe (paths resolved against the cwd). */
export function signingOptionsFrom(values: Parsed['values'], io: CliIO): ResolveSignersOptions {
  return {
    gpgSign: many(values['gpg-sign']),
    gpgHomedir: path(io, one(values['gpg-homedir'])),
    gpgKeyFile: path(io, one(values['gpg-key-file'])),
    passphraseFile: path(io, one(values['gpg-passphrase-file'])),
    env: io.env,
    signType: one(values['sign-type']),
    sign: many(values.sign),
    keysFile: path(io, one(values['keys-file'])),
  };
}

/**
 * Resolve the parsed signing options into signers (empty when no signing was asked for). The
 * signing modules (OpenPGP, ed25519, GnuPG homes) are loaded only when a signing option is given.
 */
export async function signersFromArgs(values: Parsed['values'], io: CliIO): Promise<Signer[]> {
  if (!Object.keys(GPG_SIGN_OPTIONS).concat(Object.keys(SIGN_OPTIONS)).some((k) => values[k] !== undefined)) return [];
  const { resolveSigners } = await import('../ops/sign.js');
  return resolveSigners(signingOptionsFrom(values, io));
}

/** Trusted gpg keys from `--keyring`, `--gpg-homedir`, `--gpg-verify-remote` (else all remotes' keyrings). */
export async function trustedKeysFromArgs(values: Parsed['values'], io: CliIO, repo: Repo | null): Promise<GpgKey[]> {
  const { loadTrustedGpgKeys } = await import('../ops/sign.js');
  return loadTrustedGpgKeys(repo, {
    keyrings: many(values.keyring).map((k) => resolve(io.cwd, k)),
    homedir: path(io, one(values['gpg-homedir'])),
    remote: one(values['gpg-verify-remote']),
  });
}

function userIdOf(keys: readonly GpgKey[], keyId: string): { uid?: string; primaryId?: string } {
  for (const k of keys) {
    const parts = k.getKeys();
    if (!parts.some((p) => p.getKeyID().toHex().toUpperCase() === keyId)) continue;
    const uid = k.users.find((u) => u.userID)?.userID?.userID;
    return { uid, primaryId: k.getKeyID().toHex().toUpperCase() };
  }
  return {};
}

/**
 * Describe a verification result like `ostree show` does (`Found N signatures:` then one block per
 * signature, lines prefixed with two spaces).
 */
export function formatVerifyResult(result: VerifyResult, keys: readonly GpgKey[] = []): string {
  const n = result.checks.length;
  let s = `Found ${n} signature${n === 1 ? '' : 's'}:\n`;
  for (const c of result.checks) {
    s += '\n';
    if (result.engine === 'ed25519') {
      s += c.valid ? `  ed25519: Signature verified successfully with key '${c.keyId}'\n` : `  ed25519: ${c.reason ?? 'Signature could not be verified'}\n`;
      continue;
    }
    const { uid, primaryId } = userIdOf(keys, c.keyId);
    const when = c.signedAt ? c.signedAt.toUTCString() : 'at an unknown time';
    s += `  Signature made ${when} using key ID ${c.keyId || '(none)'}\n`;
    const who = uid ? ` from "${uid}"` : '';
    if (c.keyMissing) s += "  Can't check signature: public key not found\n";
    else if (c.valid) s += `  Good signature${who}\n`;
    else if (c.revoked) s += `  Key revoked${who ? ` (signature${who})` : ''}\n`;
    else if (c.expired) s += `  Good signature${who}, but the key has expired\n`;
    else s += `  BAD signature${who}${c.reason ? ` (${c.reason})` : ''}\n`;
    if (primaryId && primaryId !== c.keyId) s += `  Primary key ID ${primaryId}\n`;
  }
  return s;
}

/**
 * The commit-signature part of `show`: verify `checksum`'s gpg signatures against the keys the options
 * name and print the report. A commit without signatures prints nothing, unless `require` is set.
 * Returns the exit code: 0, or 1 with `require` when no signature is valid.
 *
 * @throws OstreeError `NO_SIGNATURE` (with `require`), `KEY_INVALID`, `KEY_NOT_FOUND`, `CORRUPT_OBJECT`.
 */
export async function showCommitSignatures(repo: Repo, checksum: string, values: Parsed['values'], io: CliIO, require = values['gpg-verify'] === true): Promise<number> {
  const wanted = require || values.keyring !== undefined || values['gpg-verify-remote'] !== undefined || values['gpg-homedir'] !== undefined;
  if (!wanted) return 0;
  const keys = await trustedKeysFromArgs(values, io, repo);
  let result: VerifyResult;
  try {
    const [{ verifyCommit }, { GpgVerifier }] = await Promise.all([import('../ops/sign.js'), import('../sign/gpg.js')]);
    result = await verifyCommit(repo, checksum, { verifier: new GpgVerifier(keys) });
  } catch (e) {
    if (e instanceof OstreeError && e.code === 'NO_SIGNATURE' && !require) return 0;
    throw e;
  }
  io.stdout.write(formatVerifyResult(result, keys));
  if (require && !result.anyValid) {
    io.stderr.write(`error: No valid GPG signature on commit ${checksum}\n`);
    return 1;
  }
  return 0;
}
