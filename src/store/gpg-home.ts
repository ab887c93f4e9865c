/**
 * Read signing and verification keys from a GnuPG 2.x home directory (`--gpg-homedir=DIR`), without
 * running gpg or gpg-agent: public keys from `pubring.kbx` (or legacy `pubring.gpg`), secret keys
 * from `private-keys-v1.d/<KEYGRIP>.key`. All parsing is in `src/sign/gnupg-home.ts`; this module
 * only reads files.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrivateKey } from 'openpgp';
import { OstreeError } from '../errors.js';
import {
  buildSecretKeyblock, isKeybox, keyblockKeys, parseAgentKeyFile, parseKeybox, splitKeyring, type AgentSecretKey,
} from '../sign/gnupg-home.js';
import { createGpgSigner, findGpgKey, loadGpgPublicKeys, loadOpenpgp, type GpgKey, type GpgSigner } from '../sign/gpg.js';

async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * The public keyblocks of a GnuPG home: `pubring.kbx` when present, else `pubring.gpg` (what gpg 2.2
 * uses). A home with neither holds no keys.
 * @throws OstreeError `KEY_INVALID` for a corrupt keyring.
 */
export async function readGpgHomeKeyblocks(homedir: string): Promise<Uint8Array[]> {
  if (typeof homedir !== 'string' || homedir === '') throw new TypeError('homedir must be a non-empty string');
  const kbx = await readIfExists(join(homedir, 'pubring.kbx'));
  if (kbx && kbx.length > 0) {
    if (!isKeybox(kbx)) throw new OstreeError('KEY_INVALID', `${join(homedir, 'pubring.kbx')} is not a keybox file`);
    return parseKeybox(kbx).flatMap((kb) => splitKeyring(kb));
  }
  const legacy = await readIfExists(join(homedir, 'pubring.gpg'));
  if (legacy && legacy.length > 0) {
    if (isKeybox(legacy)) return parseKeybox(legacy).flatMap((kb) => splitKeyring(kb));
    return splitKeyring(legacy);
  }
  return [];
}

/**
 * All public keys of a GnuPG home directory, for a {@link GpgVerifier}.
 * @throws OstreeError `KEY_INVALID`.
 */
export async function loadGpgHomePublicKeys(homedir: string): Promise<GpgKey[]> {
  const blocks = await readGpgHomeKeyblocks(homedir);
  if (blocks.length === 0) return [];
  return loadGpgPublicKeys(new Uint8Array(Buffer.concat(blocks)));
}

/** Options for {@link loadGpgHomeSigner}. */
export interface LoadGpgHomeSignerOptions {
  /** Passphrase for protected secret keys. */
  passphrase?: string;
}

/**
 * A signer for `--gpg-homedir=homedir --gpg-sign=keyId`: finds the key in the public keyring,
 * reads the secret parts of its primary key and subkeys from `private-keys-v1.d`, and picks the
 * signing (sub)key as gpg does.
 * @throws OstreeError `KEY_NOT_FOUND` (no such key, or no secret key for it), `KEY_AMBIGUOUS`,
 *   `PASSPHRASE_REQUIRED`, `BAD_PASSPHRASE`, `KEY_UNSUPPORTED` (smartcard keys, other algorithms),
 *   `KEY_INVALID`, `KEY_UNUSABLE`.
 */
export async function loadGpgHomeSigner(homedir: string, keyId: string, options: LoadGpgHomeSignerOptions = {}): Promise<GpgSigner> {
  const blocks = await readGpgHomeKeyblocks(homedir);
  const parsed: { block: Uint8Array; key: GpgKey }[] = [];
  for (const block of blocks) {
    const [key] = await loadGpgPublicKeys(block);
    if (key) parsed.push({ block, key });
  }
  const match = findGpgKey(parsed.map((p) => p.key), keyId);
  const block = parsed.find((p) => p.key === match.key)!.block;
  const secrets = new Map<string, AgentSecretKey>();
  const unsupported: OstreeError[] = [];
  for (const info of keyblockKeys(block)) {
    if (!info.keygrip) continue;
    const file = await readIfExists(join(homedir, 'private-keys-v1.d', `${info.keygrip}.key`));
    if (!file) continue;
    try {
      secrets.set(info.keygrip, parseAgentKeyFile(file, { passphrase: options.passphrase }));
    } catch (e) {
      if (e instanceof OstreeError && e.code === 'KEY_UNSUPPORTED') { unsupported.push(e); continue; }
      if (e instanceof OstreeError) {
        throw new OstreeError(e.code, `${e.message} (key ${info.keyId}, ${info.keygrip}.key)`, { data: { ...e.data, keyId: info.keyId, keygrip: info.keygrip }, cause: e });
      }
      throw e;
    }
  }
  if (secrets.size === 0) {
    if (unsupported.length > 0) throw unsupported[0];
    throw new OstreeError('KEY_NOT_FOUND', `No secret key for "${keyId}" in ${join(homedir, 'private-keys-v1.d')}`, { data: { keyId } });
  }
  let priv: PrivateKey;
  try {
    priv = await (await loadOpenpgp()).readPrivateKey({ binaryKey: buildSecretKeyblock(block, secrets) });
  } catch (e) {
    throw new OstreeError('KEY_INVALID', `Cannot rebuild secret key for "${keyId}": ${(e as Error)?.message ?? e}`, { cause: e });
  }
  return createGpgSigner(priv, { keyId });
}
