import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createGpgSigner, findGpgKey, GpgVerifier, loadGpgPublicKeys, loadGpgSecretKeys, parseGpgKeySpec,
} from '../../src/sign/gpg.js';
import { isOstreeError } from '../../src/errors.js';
import { destroyHome, genKey, gpg, gpgTestsEnabled, ids, newHome, revokeKey } from './gpg-helpers.js';

const enabled = gpgTestsEnabled('test/sign/gpg.test.ts');

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let err: unknown;
  try { await (typeof p === 'function' ? p() : p); } catch (e) { err = e; }
  expect(isOstreeError(err, code), String(err)).toBe(true);
}

describe('parseGpgKeySpec', () => {
  it('classifies key specifiers like gpg', () => {
    expect(parseGpgKeySpec('0x1eace38b')).toEqual({ kind: 'short', value: '1EACE38B', exact: false });
    expect(parseGpgKeySpec('E7719ABD1EACE38B!')).toEqual({ kind: 'long', value: 'E7719ABD1EACE38B', exact: true });
    expect(parseGpgKeySpec('9463 912E 2259 77FC AECD  C644 E771 9ABD 1EAC E38B').kind).toBe('fingerprint');
    expect(parseGpgKeySpec('<T@Example.com>')).toEqual({ kind: 'email', value: 't@example.com', exact: false });
    expect(parseGpgKeySpec('Test').kind).toBe('substring');
    expect(parseGpgKeySpec('=Test <t@example.com>').kind).toBe('exact');
  });
  it('rejects an empty key ID', async () => {
    await expectCode(() => parseGpgKeySpec('  '), 'INVALID_ARGUMENT');
  });
});

describe('gpg key loading errors (no gpg needed)', () => {
  it('garbage and truncated input is KEY_INVALID', async () => {
    await expectCode(loadGpgPublicKeys(new Uint8Array(0)), 'KEY_INVALID');
    await expectCode(loadGpgPublicKeys(new Uint8Array([0x99, 0x01, 0x0d, 4, 5])), 'KEY_INVALID');
    await expectCode(loadGpgPublicKeys(new TextEncoder().encode('hello world')), 'KEY_INVALID');
    await expectCode(loadGpgSecretKeys(new TextEncoder().encode('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n')), 'KEY_INVALID');
  });
});

describe.runIf(enabled)('gpg interop', () => {
  let home: string; // keys made by gpg
  let vhome: string; // a second homedir with only public keys, for gpg --verify
  let work: string;
  let rsa: ReturnType<typeof ids>;
  let ed: ReturnType<typeof ids>;
  let pw: ReturnType<typeof ids>;
  let old: ReturnType<typeof ids>;
  let rev: ReturnType<typeof ids>;
  let secretArmored: Uint8Array;
  let secretBinary: Uint8Array;
  let pwSecret: Uint8Array;
  let publicArmored: Uint8Array;
  const data = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);

  beforeAll(() => {
    home = newHome();
    vhome = newHome();
    work = mkdtempSync(join(tmpdir(), 'ostree-ts-gpgwork-'));
    rsa = ids(genKey(home, 'Test RSA <rsa@example.com>', 'rsa3072'));
    ed = ids(genKey(home, 'Test Ed <ed@example.com>', 'ed25519'));
    pw = ids(genKey(home, 'Test Pw <pw@example.com>', 'ed25519', { passphrase: 'sesame' }));
    old = ids(genKey(home, 'Test Old <old@example.com>', 'ed25519', { fakedTime: '20200101T000000', expire: '1y' }));
    rev = ids(genKey(home, 'Test Rev <rev@example.com>', 'ed25519'));
    secretArmored = new Uint8Array(gpg(home, ['--passphrase', '', '--armor', '--export-secret-keys', rsa.fpr, ed.fpr]).stdout);
    secretBinary = new Uint8Array(gpg(home, ['--passphrase', '', '--export-secret-keys', rsa.fpr, ed.fpr]).stdout);
    pwSecret = new Uint8Array(gpg(home, ['--passphrase', 'sesame', '--armor', '--export-secret-keys', pw.fpr]).stdout);
    writeFileSync(join(work, 'data'), data);
    // Signatures made by gpg itself (before revoking rev; old's at a time it was valid).
    for (const [name, k, extra] of [['rsa', rsa, []], ['ed', ed, []], ['old', old, ['--faked-system-time', '20200601T000000']], ['rev', rev, []]] as const) {
      gpg(home, [...extra, '--passphrase', '', '-u', `${k.fpr}!`, '--output', join(work, `${name}.sig`), '--detach-sign', join(work, 'data')]);
    }
    revokeKey(home, rev.fpr);
    publicArmored = new Uint8Array(gpg(home, ['--armor', '--export', rsa.fpr, ed.fpr, pw.fpr, old.fpr, rev.fpr]).stdout);
    gpg(vhome, ['--import'], { input: publicArmored });
  });

  afterAll(() => {
    if (home) destroyHome(home);
    if (vhome) destroyHome(vhome);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const readSig = (name: string) => new Uint8Array(readFileSync(join(work, `${name}.sig`)));

  it('loads several secret keys, armored and binary, and selects like gpg', async () => {
    for (const bytes of [secretArmored, secretBinary]) {
      const keys = await loadGpgSecretKeys(bytes);
      expect(keys.map((k) => k.getFingerprint().toUpperCase()).sort()).toEqual([rsa.fpr, ed.fpr].sort());
      for (const spec of [rsa.fpr, rsa.long, rsa.short, `0x${rsa.long.toLowerCase()}`, '<rsa@example.com>', 'Test RSA']) {
        expect(findGpgKey(keys, spec).key.getFingerprint().toUpperCase()).toBe(rsa.fpr);
      }
      await expectCode(() => findGpgKey(keys, 'Test'), 'KEY_AMBIGUOUS');
      await expectCode(() => findGpgKey(keys, 'DEADBEEF'), 'KEY_NOT_FOUND');
    }
    const only = await loadGpgSecretKeys(secretArmored, { keyId: ed.long });
    expect(only).toHaveLength(1);
    await expectCode(loadGpgSecretKeys(secretArmored, { keyId: pw.long }), 'KEY_NOT_FOUND');
  });

  it('passphrase handling', async () => {
    await expectCode(loadGpgSecretKeys(pwSecret), 'PASSPHRASE_REQUIRED');
    await expectCode(loadGpgSecretKeys(pwSecret, { passphrase: 'wrong' }), 'BAD_PASSPHRASE');
    const [k] = await loadGpgSecretKeys(pwSecret, { passphrase: 'sesame' });
    expect(k.isDecrypted()).toBe(true);
    // createGpgSigner decrypts a still-locked key too.
    const { readPrivateKeys } = await import('openpgp');
    const locked = await readPrivateKeys({ armoredKeys: new TextDecoder().decode(pwSecret) });
    await expectCode(createGpgSigner(locked), 'PASSPHRASE_REQUIRED');
    const s = await createGpgSigner(locked, { passphrase: 'sesame' });
    expect(s.keyId).toBe(pw.long);
  });

  it('truncated key material is KEY_INVALID; public-only input has no secret key', async () => {
    await expectCode(loadGpgSecretKeys(secretBinary.subarray(0, 300)), 'KEY_INVALID');
    await expectCode(loadGpgSecretKeys(publicArmored), 'KEY_NOT_FOUND');
  });

  for (const which of ['rsa', 'ed'] as const) {
    it(`our ${which} signatures verify with gpg --verify (binary, class 0x00, SHA-256)`, async () => {
      const k = which === 'rsa' ? rsa : ed;
      const signer = await createGpgSigner(await loadGpgSecretKeys(secretArmored), { keyId: k.long });
      expect(signer.engine).toBe('gpg');
      expect(signer.keyId).toBe(k.long);
      expect(signer.fingerprint).toBe(k.fpr);
      const sig = await signer.sign(data);
      const sigPath = join(work, `ours-${which}.sig`);
      writeFileSync(sigPath, sig);
      const v = gpg(vhome, ['--status-fd', '1', '--verify', sigPath, join(work, 'data')]);
      expect(v.stdout.toString()).toContain(`[GNUPG:] GOODSIG ${k.long}`);
      // v4, class 00, RSA (1) with SHA-256 (8) as gpg; EdDSA (22) with SHA-512 (10): OpenPGP.js
      // insists on the curve's preferred hash for EdDSA (gpg itself uses SHA-256; both verify).
      expect(v.stdout.toString()).toMatch(new RegExp(`VALIDSIG ${k.fpr} \\S+ \\d+ 0 4 0 ${which === 'rsa' ? '1 8' : '22 10'} 00 ${k.fpr}`));
      // And with our verifier.
      const r = await new GpgVerifier(await loadGpgPublicKeys(publicArmored)).verify(data, [sig]);
      expect(r.anyValid).toBe(true);
      expect(r.checks[0]).toMatchObject({ keyId: k.long, fingerprint: k.fpr, valid: true, expired: false, revoked: false, keyMissing: false });
      // Tampered data fails both.
      const bad = data.slice();
      bad[1000] ^= 1;
      writeFileSync(join(work, 'bad'), bad);
      expect(gpg(vhome, ['--verify', sigPath, join(work, 'bad')], { allowFail: true }).status).not.toBe(0);
      const rb = await new GpgVerifier(await loadGpgPublicKeys(publicArmored)).verify(bad, [sig]);
      expect(rb.anyValid).toBe(false);
      expect(rb.checks[0].valid).toBe(false);
    });
  }

  it('verifies real gpg --detach-sign signatures and reports per key', async () => {
    const keys = await loadGpgPublicKeys(publicArmored);
    const v = new GpgVerifier(keys);
    const r = await v.verify(data, [readSig('rsa'), readSig('ed')]);
    expect(r.anyValid).toBe(true);
    expect(r.checks.map((c) => [c.keyId, c.valid])).toEqual([[rsa.long, true], [ed.long, true]]);
    expect(r.checks[0].signedAt).toBeInstanceOf(Date);
    // ostree concatenates all signatures into one buffer: a packet sequence holding two signatures.
    const both = new Uint8Array([...readSig('rsa'), ...readSig('ed')]);
    const rc = await v.verify(data, [both]);
    expect(rc.checks.map((c) => c.valid)).toEqual([true, true]);
  });

  it('unknown key → keyMissing; expired and revoked keys are reported and not valid', async () => {
    const onlyEd = await loadGpgPublicKeys(new Uint8Array(gpg(home, ['--export', ed.fpr]).stdout));
    const r = await new GpgVerifier(onlyEd).verify(data, [readSig('rsa')]);
    expect(r.anyValid).toBe(false);
    expect(r.checks[0]).toMatchObject({ keyId: rsa.long, keyMissing: true, valid: false });

    const all = new GpgVerifier(await loadGpgPublicKeys(publicArmored));
    const ro = await all.verify(data, [readSig('old')]);
    expect(ro.checks[0]).toMatchObject({ keyId: old.long, expired: true, revoked: false, valid: false });
    expect(gpg(vhome, ['--status-fd', '1', '--verify', join(work, 'old.sig'), join(work, 'data')], { allowFail: true }).stdout.toString()).toContain('EXPKEYSIG');

    const rr = await all.verify(data, [readSig('rev')]);
    expect(rr.checks[0]).toMatchObject({ keyId: rev.long, revoked: true, valid: false });
    expect(gpg(vhome, ['--status-fd', '1', '--verify', join(work, 'rev.sig'), join(work, 'data')], { allowFail: true }).stdout.toString()).toContain('REVKEYSIG');

    // Mixed: one good signature is enough.
    const rm = await all.verify(data, [readSig('rev'), readSig('ed')]);
    expect(rm.anyValid).toBe(true);
  });

  it('garbage signatures are reported, not thrown', async () => {
    const v = new GpgVerifier(await loadGpgPublicKeys(publicArmored));
    const r = await v.verify(data, [new Uint8Array([1, 2, 3]), readSig('ed').subarray(0, 20)]);
    expect(r.anyValid).toBe(false);
    expect(r.checks).toHaveLength(2);
    expect(r.checks.every((c) => !c.valid && c.reason)).toBe(true);
  });

  it('an expired key cannot sign', async () => {
    const sec = new Uint8Array(gpg(home, ['--passphrase', '', '--export-secret-keys', old.fpr]).stdout);
    await expectCode(createGpgSigner(await loadGpgSecretKeys(sec)), 'KEY_UNUSABLE');
  });
});
