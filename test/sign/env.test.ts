import { describe, it, expect, beforeAll } from 'vitest';
import * as openpgp from 'openpgp';
import { decodeGpgKeyValue, ed25519SignerFromEnv, gpgKeyFromEnv, gpgSignerFromEnv } from '../../src/sign/env.js';
import { GpgVerifier, loadGpgPublicKeys } from '../../src/sign/gpg.js';
import { ed25519SecretFromSeed, toBase64 } from '../../src/sign/ed25519.js';
import { isOstreeError } from '../../src/errors.js';

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let err: unknown;
  try { await (typeof p === 'function' ? p() : p); } catch (e) { err = e; }
  expect(isOstreeError(err, code), String(err)).toBe(true);
}

describe('signing keys from environment variables', () => {
  let armored: string;
  let protectedArmored: string;
  let publicArmored: string;
  let binary: Uint8Array;
  beforeAll(async () => {
    const k = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'CI', email: 'ci@example.com' }], format: 'object' });
    armored = k.privateKey.armor();
    publicArmored = k.publicKey.armor();
    binary = k.privateKey.write() as Uint8Array;
    protectedArmored = (await openpgp.encryptKey({ privateKey: k.privateKey, passphrase: 'pw' })).armor();
  });
  const data = new Uint8Array([1, 2, 3]);

  it('unset or empty variables give null', async () => {
    expect(gpgKeyFromEnv({})).toBeNull();
    expect(gpgKeyFromEnv({ OSTREE_TS_GPG_KEY: '  ' })).toBeNull();
    expect(await gpgSignerFromEnv({})).toBeNull();
    expect(ed25519SignerFromEnv({})).toBeNull();
  });

  it('accepts armored text, base64 of armored and base64 of binary keys', async () => {
    const verifier = new GpgVerifier(await loadGpgPublicKeys(new TextEncoder().encode(publicArmored)));
    for (const value of [armored, armored.replace(/\n/g, '\r\n'), Buffer.from(armored).toString('base64'), Buffer.from(binary).toString('base64')]) {
      const signer = await gpgSignerFromEnv({ OSTREE_TS_GPG_KEY: value });
      expect(signer).not.toBeNull();
      expect((await verifier.verify(data, [await signer!.sign(data)])).anyValid).toBe(true);
    }
  });

  it('passphrase variable (trailing newline ignored) and custom names', async () => {
    await expectCode(gpgSignerFromEnv({ OSTREE_TS_GPG_KEY: protectedArmored }), 'PASSPHRASE_REQUIRED');
    await expectCode(gpgSignerFromEnv({ OSTREE_TS_GPG_KEY: protectedArmored, OSTREE_TS_GPG_PASSPHRASE: 'no' }), 'BAD_PASSPHRASE');
    expect(await gpgSignerFromEnv({ OSTREE_TS_GPG_KEY: protectedArmored, OSTREE_TS_GPG_PASSPHRASE: 'pw\n' })).not.toBeNull();
    expect(await gpgSignerFromEnv({ K: protectedArmored, P: 'pw' }, { keyVar: 'K', passphraseVar: 'P', keyId: '<ci@example.com>' })).not.toBeNull();
    await expectCode(gpgSignerFromEnv({ OSTREE_TS_GPG_KEY: armored }, { keyId: 'ABCDEF0123456789' }), 'KEY_NOT_FOUND');
  });

  it('garbage is KEY_INVALID', async () => {
    await expectCode(() => decodeGpgKeyValue('not a key!'), 'KEY_INVALID');
    await expectCode(gpgSignerFromEnv({ OSTREE_TS_GPG_KEY: 'QUJD' }), 'KEY_INVALID');
    await expectCode(() => ed25519SignerFromEnv({ OSTREE_TS_ED25519_KEY: 'QUJD' }), 'KEY_INVALID');
  });

  it('ed25519 secret key variable', async () => {
    const sk = ed25519SecretFromSeed(new Uint8Array(32).fill(7));
    const s = ed25519SignerFromEnv({ OSTREE_TS_ED25519_KEY: `${toBase64(sk)}\n` });
    expect(s!.publicKey).toEqual(sk.subarray(32));
  });
});
