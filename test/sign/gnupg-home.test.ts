import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, rmSync, writeFileSync, mkdtempSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agentKeySexp, buildSecretKeyblock, keyblockKeys, parseAgentKeyFile, parseKeybox, protectAgentKey, readPackets, splitKeyring,
} from '../../src/sign/gnupg-home.js';
import { canonicalSexp, parseSexp } from '../../src/sign/sexp.js';
import { GpgVerifier } from '../../src/sign/gpg.js';
import { loadGpgHomePublicKeys, loadGpgHomeSigner, readGpgHomeKeyblocks } from '../../src/store/gpg-home.js';
import { isOstreeError, OstreeError } from '../../src/errors.js';
import { destroyHome, genKey, gpg, gpgTestsEnabled, ids, newHome } from './gpg-helpers.js';

const enabled = gpgTestsEnabled('test/sign/gnupg-home.test.ts');

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let err: unknown;
  try { await (typeof p === 'function' ? p() : p); } catch (e) { err = e; }
  expect(isOstreeError(err, code), String(err)).toBe(true);
}

/** keygrip per fingerprint, as gpg prints them. */
function gpgGrips(home: string): Map<string, string> {
  const out = gpg(home, ['--with-colons', '--with-keygrip', '--list-keys']).stdout.toString().split('\n');
  const m = new Map<string, string>();
  let fpr = '';
  for (const l of out) {
    const f = l.split(':');
    if (f[0] === 'fpr') fpr = f[9];
    if (f[0] === 'grp') m.set(fpr, f[9]);
  }
  return m;
}

describe('S-expressions and agent key files (no gpg needed)', () => {
  it('parses advanced and canonical forms to the same tree', () => {
    const adv = new TextEncoder().encode('(private-key (ecc (curve Ed25519)(flags eddsa)(q #40AB#)(d 2:\x01\x02)(c "a\\x41\\n")))');
    const t = parseSexp(adv).value;
    const canon = canonicalSexp(t);
    expect(Buffer.from(canon).toString('latin1')).toBe('(11:private-key(3:ecc(5:curve7:Ed25519)(5:flags5:eddsa)(1:q2:\x40\xab)(1:d2:\x01\x02)(1:c3:aA\n)))');
    expect(parseSexp(canon).value).toEqual(t);
  });

  it('reads the extended Key: format with continuation lines', () => {
    const file = 'Created: 20260101T000000\nKey: (private-key (ecc (curve Ed25519)(flags eddsa)(q\n  #4011#)\n (d #50A9\n 40C6#)\n ))\nLabel: x\n';
    expect(Buffer.from(canonicalSexp(agentKeySexp(new TextEncoder().encode(file)))).toString('hex'))
      .toBe(Buffer.from(canonicalSexp(parseSexp(new TextEncoder().encode('(private-key(ecc(curve Ed25519)(flags eddsa)(q #4011#)(d #50A940C6#)))')).value)).toString('hex'));
  });

  it('protect/unprotect round trip (OCB and CBC)', () => {
    const plain = new TextEncoder().encode('(private-key (ecc (curve Ed25519)(flags eddsa)(q #4011#)(d #50A940C6#)))');
    for (const mode of ['ocb', 'cbc'] as const) {
      const prot = protectAgentKey(plain, 'pw', mode, new Uint8Array(8).fill(1), new Uint8Array(mode === 'ocb' ? 12 : 16).fill(2));
      expect(parseAgentKeyFile(prot, { passphrase: 'pw' }).params.d).toEqual(Uint8Array.from([0x50, 0xa9, 0x40, 0xc6]));
      expect(() => parseAgentKeyFile(prot)).toThrow(OstreeError);
      try { parseAgentKeyFile(prot, { passphrase: 'nope' }); } catch (e) { expect((e as OstreeError).code).toBe('BAD_PASSPHRASE'); }
    }
  });

  it('malformed inputs throw OstreeError only (bounded fuzz)', () => {
    const base = protectAgentKey(new TextEncoder().encode('(private-key (rsa (n #00C1#)(e #010001#)(d #05#)(p #07#)(q #0B#)(u #03#)))'), 'pw', 'ocb', new Uint8Array(8), new Uint8Array(12));
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    for (let n = 0; n < 400; n++) {
      const m = base.slice(0, rnd() % (base.length + 1));
      for (let k = 0; k < 3; k++) if (m.length) m[rnd() % m.length] = rnd() & 0xff;
      try { parseAgentKeyFile(m, { passphrase: 'pw' }); } catch (e) { expect(e).toBeInstanceOf(OstreeError); }
      try { parseKeybox(m); } catch (e) { expect(e).toBeInstanceOf(OstreeError); }
      try { readPackets(m); } catch (e) { expect(e).toBeInstanceOf(OstreeError); }
    }
    expect(() => parseSexp(new TextEncoder().encode('('.repeat(1000)))).toThrow(OstreeError);
    expect(() => agentKeySexp(new TextEncoder().encode('Created: x\n'))).toThrow(OstreeError);
  });
});

describe.runIf(enabled)('GnuPG home directories made by gpg', () => {
  let home: string; // extended key format (gpg 2.2 default), OCB protection
  let oldHome: string; // bare canonical key files, CBC protection, legacy pubring.gpg
  let work: string;
  const k: Record<string, ReturnType<typeof ids>> = {};
  const data = new TextEncoder().encode('summary bytes '.repeat(1000));

  beforeAll(() => {
    home = newHome();
    k.rsa = ids(genKey(home, 'Home RSA <rsa@example.com>', 'rsa2048'));
    k.ed = ids(genKey(home, 'Home Ed <ed@example.com>', 'ed25519'));
    k.pw = ids(genKey(home, 'Home Pw <pw@example.com>', 'ed25519', { passphrase: 'sesame' }));
    // A key whose primary secret is offline: certify-only primary + signing subkey, primary .key removed.
    k.sub = ids(genKey(home, 'Home Sub <sub@example.com>', 'ed25519'));
    gpg(home, ['--passphrase', '', '--quick-add-key', k.sub.fpr, 'ed25519', 'sign', 'never']);
    unlinkSync(join(home, 'private-keys-v1.d', `${gpgGrips(home).get(k.sub.fpr)}.key`));
    // A public-only key.
    const other = newHome();
    const o = genKey(other, 'Other <o@example.com>', 'ed25519');
    gpg(home, ['--import'], { input: gpg(other, ['--export', o]).stdout });
    k.other = ids(o);
    destroyHome(other);

    oldHome = newHome('ostree-ts-gpgold-', 'disable-extended-key-format\n');
    writeFileSync(join(oldHome, 'pubring.gpg'), new Uint8Array(0)); // gpg 2.2 then keeps a legacy keyring
    k.oed = ids(genKey(oldHome, 'Old Ed <oed@example.com>', 'ed25519'));
    k.opw = ids(genKey(oldHome, 'Old Pw <opw@example.com>', 'ed25519', { passphrase: 'sesame' }));
    k.orsa = ids(genKey(oldHome, 'Old RSA <orsa@example.com>', 'rsa2048', { passphrase: 'sesame' }));
    work = mkdtempSync(join(tmpdir(), 'ostree-ts-gpghome-'));
    writeFileSync(join(work, 'data'), data);
  });

  afterAll(() => {
    if (home) destroyHome(home);
    if (oldHome) destroyHome(oldHome);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the homes have the expected on-disk formats', () => {
    const f = (h: string, fpr: string) => readFileSync(join(h, 'private-keys-v1.d', `${gpgGrips(h).get(fpr)}.key`));
    expect(f(home, k.pw.fpr).toString('latin1')).toMatch(/^Created: .*\nKey: \(protected-private-key[\s\S]*openpgp-s2k3-ocb-aes/);
    expect(f(oldHome, k.oed.fpr)[0]).toBe(0x28);
    expect(f(oldHome, k.opw.fpr).toString('latin1')).toContain('openpgp-s2k3-sha1-aes-cbc');
    expect(readFileSync(join(oldHome, 'pubring.gpg')).length).toBeGreaterThan(0);
  });

  it('keygrips match gpg --with-keygrip (RSA and Ed25519, keybox and legacy keyring)', async () => {
    for (const h of [home, oldHome]) {
      const want = gpgGrips(h);
      const got = new Map<string, string>();
      for (const kb of await readGpgHomeKeyblocks(h)) for (const i of keyblockKeys(kb)) got.set(i.fingerprint, i.keygrip!);
      expect(got).toEqual(want);
    }
  });

  it('loads all public keys of a home', async () => {
    const fprs = (await loadGpgHomePublicKeys(home)).map((x) => x.getFingerprint().toUpperCase()).sort();
    expect(fprs).toEqual([k.rsa.fpr, k.ed.fpr, k.pw.fpr, k.sub.fpr, k.other.fpr].sort());
    expect((await loadGpgHomePublicKeys(oldHome)).length).toBe(3);
    expect(await loadGpgHomePublicKeys(work)).toEqual([]);
  });

  const cases: [string, string, string | undefined][] = [
    ['rsa (extended, unprotected)', 'rsa', undefined],
    ['ed25519 (extended, unprotected)', 'ed', undefined],
    ['ed25519 (extended, OCB)', 'pw', 'sesame'],
    ['ed25519 (canonical, unprotected, legacy keyring)', 'oed', undefined],
    ['ed25519 (canonical, CBC)', 'opw', 'sesame'],
    ['rsa (canonical, CBC)', 'orsa', 'sesame'],
  ];
  for (const [label, name, pass] of cases) {
    it(`signs with ${label}; gpg --verify accepts it`, async () => {
      const h = name.startsWith('o') ? oldHome : home;
      const signer = await loadGpgHomeSigner(h, k[name].long, { passphrase: pass });
      expect(signer.keyId).toBe(k[name].long);
      const sig = await signer.sign(data);
      writeFileSync(join(work, `${name}.sig`), sig);
      const v = gpg(h, ['--status-fd', '1', '--verify', join(work, `${name}.sig`), join(work, 'data')]);
      expect(v.stdout.toString()).toContain(`GOODSIG ${k[name].long}`);
      const r = await new GpgVerifier(await loadGpgHomePublicKeys(h)).verify(data, [sig]);
      expect(r.anyValid).toBe(true);
    });
  }

  it('passphrase errors', async () => {
    await expectCode(loadGpgHomeSigner(home, k.pw.fpr), 'PASSPHRASE_REQUIRED');
    await expectCode(loadGpgHomeSigner(home, k.pw.fpr, { passphrase: 'wrong' }), 'BAD_PASSPHRASE');
    await expectCode(loadGpgHomeSigner(oldHome, k.opw.short, { passphrase: 'wrong' }), 'BAD_PASSPHRASE');
    await expectCode(loadGpgHomeSigner(oldHome, '<orsa@example.com>'), 'PASSPHRASE_REQUIRED');
  });

  it('signs with the subkey when the primary secret is offline', async () => {
    const signer = await loadGpgHomeSigner(home, k.sub.fpr);
    expect(signer.keyId).not.toBe(k.sub.long);
    expect(signer.primaryFingerprint).toBe(k.sub.fpr);
    const sig = await signer.sign(data);
    writeFileSync(join(work, 'sub.sig'), sig);
    const v = gpg(home, ['--status-fd', '1', '--verify', join(work, 'sub.sig'), join(work, 'data')]);
    expect(v.stdout.toString()).toMatch(new RegExp(`VALIDSIG \\S+ .* ${k.sub.fpr}`));
  });

  it('missing keys', async () => {
    await expectCode(loadGpgHomeSigner(home, 'DEADBEEFDEADBEEF'), 'KEY_NOT_FOUND');
    await expectCode(loadGpgHomeSigner(home, k.other.long), 'KEY_NOT_FOUND');
    await expectCode(loadGpgHomeSigner(work, k.rsa.long), 'KEY_NOT_FOUND');
  });

  it('corrupt files are KEY_INVALID', async () => {
    const bad = newHome();
    try {
      const kbx = readFileSync(join(home, 'pubring.kbx'));
      writeFileSync(join(bad, 'pubring.kbx'), kbx.subarray(0, kbx.length - 100));
      await expectCode(loadGpgHomePublicKeys(bad), 'KEY_INVALID');
      writeFileSync(join(bad, 'pubring.kbx'), kbx);
      const grip = gpgGrips(home).get(k.ed.fpr)!;
      const keyFile = readFileSync(join(home, 'private-keys-v1.d', `${grip}.key`), 'latin1');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(bad, 'private-keys-v1.d'));
      writeFileSync(join(bad, 'private-keys-v1.d', `${grip}.key`), keyFile.slice(0, keyFile.length - 30));
      await expectCode(loadGpgHomeSigner(bad, k.ed.long), 'KEY_INVALID');
    } finally {
      destroyHome(bad);
    }
  });

  it('buildSecretKeyblock keeps non-key packets and drops trust packets', async () => {
    const [kb] = splitKeyring(readFileSync(join(oldHome, 'pubring.gpg')));
    const out = readPackets(buildSecretKeyblock(kb, new Map()));
    expect(out.map((p) => p.tag)).toEqual(readPackets(kb).map((p) => (p.tag === 6 ? 5 : p.tag === 14 ? 7 : p.tag)));
  });
});

describe('extended key files with raw bytes in quoted strings', () => {
  // Two .key files written by gpg-agent 2.2.40 for ed25519 keys with passphrase "sesame": their S2K
  // salt / IV were written as quoted strings holding raw bytes >= 0x80 (and a \' escape). Decoding the
  // file as UTF-8 mangled them; about one generated key in ten hit this.
  const files = [
    'Q3JlYXRlZDogMjAyNjExMjJUMDMzODMxCktleTogKHByb3RlY3RlZC1wcml2YXRlLWtleSAoZWNjIChjdXJ2ZSBFZDI1NTE5KShmbGFncyBlZGRzYSkocQogICM0MEJENzU5REQ4QUE5QzNEOUMyQTE1NjI2MUU4QTQ3OTYwQTFEQ0E5OTFBMEQ1MDlERDZENTBBNEZDOEFGQzI3QjIjKQogKHByb3RlY3RlZCBvcGVucGdwLXMyazMtb2NiLWFlcyAoKHNoYTEgIlvMZyP+S35AIgogICIzOTk2NTQ5MTIiKSNCOUREOUYxNTBGRjFGRDRCMUJGREUyNTYjKSNEMUFERjJENDI1REU3RTQ2QkEwODBDNTJGNTI4MQogN0U0MTcwNDJGRkZGREQ0MTk4N0M3QzQwNDc0NzFBQ0ZCMjQ3NjU4MEQ0RkYyQTE0NkQ0QzhFN0EwNTcyMTlBMzNBRDM0QQogRUUwNDYyRjI2QTE1RTVDMDg2QUM1IykocHJvdGVjdGVkLWF0ICIyMDI2MTEyMlQwMzM4MzEiKSkpCg==',
    'Q3JlYXRlZDogMjAyNjExMjJUMDMzODIyCktleTogKHByb3RlY3RlZC1wcml2YXRlLWtleSAoZWNjIChjdXJ2ZSBFZDI1NTE5KShmbGFncyBlZGRzYSkocQogICM0MDAwQ0E5NTM4N0IwNzU4RjJBRDZDQTM4NTMyQTJCMTY3NzlEOTVBQzlBNjdCMEQzNEFFQjM2NDZDOUZCMDE5MDMjKQogKHByb3RlY3RlZCBvcGVucGdwLXMyazMtb2NiLWFlcyAoKHNoYTEgIzE4MjgyN0Q2QUYyOTdGRTgjCiAgIjM5Mzc5MjUxMiIpIlwnMS0rPfrHxHlGpiUiKSMxMjdENjQ2RjBBODU3ODI1RDdFNjQ1N0JGNzc3NDM2RTNDMkNCQjQ3CiA2NkQ4MUMzNTdCNjBBNTI2Mzk3REM0QkI0RkE5NkNGRDkwRjA4RkI1NjhCMERFMUNBOEQ3MEVGMzkyMzBFRUNCNjU0MkEwCiAxQ0Q0MkVFRDIyIykocHJvdGVjdGVkLWF0ICIyMDI2MTEyMlQwMzM4MjIiKSkpCg==',
  ];
  it('are read byte for byte and unlock with the passphrase', () => {
    for (const b64 of files) {
      const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
      expect(bytes.some((b) => b >= 0x80)).toBe(true);
      const key = parseAgentKeyFile(bytes, { passphrase: 'sesame' });
      expect(key.algorithm).toBe('ecc');
      expect(() => parseAgentKeyFile(bytes, { passphrase: 'nope' })).toThrow(expect.objectContaining({ code: 'BAD_PASSPHRASE' }));
    }
  });
});
