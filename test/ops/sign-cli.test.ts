/**
 * The signing commands through the CLI, in-process: `commit --gpg-sign/--sign`, `gpg-sign`
 * (`--delete`, `--verify`), `sign` (`--verify`, `--delete`, `--keys-file`), `show --gpg-verify`,
 * and their bad-input errors. Keys are made by OpenPGP.js (test/interop/sign.test.ts uses gpg).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { cli } from '../cli/io.js';
import { ed25519SecretFromSeed, toBase64, ED25519_SEED_SIZE, Ed25519Verifier, parseEd25519PublicKey } from '../../src/sign/ed25519.js';
import { GpgVerifier, loadGpgPublicKeys } from '../../src/sign/gpg.js';
import { verifyCommit, verifySummary } from '../../src/ops/sign.js';
import { Repo } from '../../src/store/repo.js';
import { existsSync } from 'node:fs';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-signcli-'));
  dirs.push(d);
  return d;
};

interface K { secret: string; pub: string; keyId: string }
async function makeKey(name: string, passphrase?: string): Promise<K> {
  const k = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name, email: `${name.toLowerCase()}@example.com` }], format: 'object', passphrase });
  return { secret: k.privateKey.armor(), pub: k.publicKey.armor(), keyId: k.privateKey.getKeyID().toHex().toUpperCase() };
}

let A: K;
let B: K;
let P: K;
let d: string;
let repo: string;
let tree: string;
const edSk = ed25519SecretFromSeed(new Uint8Array(32).fill(3));
const edPk = toBase64(edSk.subarray(ED25519_SEED_SIZE));
const edSk2 = ed25519SecretFromSeed(new Uint8Array(32).fill(4));
const edPk2 = toBase64(edSk2.subarray(ED25519_SEED_SIZE));
const env = { PATH: process.env.PATH };

beforeAll(async () => {
  [A, B, P] = await Promise.all([makeKey('Alice'), makeKey('Bob'), makeKey('Pat', 'pw')]);
  d = tmp();
  writeFileSync(join(d, 'a.asc'), A.secret);
  writeFileSync(join(d, 'ab.asc'), A.secret + B.secret);
  writeFileSync(join(d, 'a-pub.asc'), A.pub);
  writeFileSync(join(d, 'b-pub.asc'), B.pub);
  writeFileSync(join(d, 'p.asc'), P.secret);
  writeFileSync(join(d, 'pw'), 'pw\n');
  writeFileSync(join(d, 'trunc.asc'), A.secret.slice(0, A.secret.length / 2));
  writeFileSync(join(d, 'ed.sk'), `${toBase64(edSk2)}\n`);
  writeFileSync(join(d, 'ed.pk'), `${edPk2}\n`);
  tree = join(d, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'f'), 'f\n');
  repo = join(d, 'repo');
  expect((await cli(['init', `--repo=${repo}`, '--mode=archive'], { env })).code).toBe(0);
}, 20_000);

const r = (...argv: string[]) => cli([...argv, `--repo=${repo}`], { cwd: d, env });

describe('signing CLI', () => {
  it('commit --gpg-sign with --gpg-key-file; gpg-sign --verify; show --gpg-verify', async () => {
    const c = await r('commit', '-b', 'main', '--timestamp=2020-01-01T00:00:00Z', `--gpg-sign=${A.keyId}`, '--gpg-key-file=ab.asc', tree);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const v = await r('gpg-sign', '--verify', '--keyring=a-pub.asc', 'main');
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('Found 1 signature:');
    expect(v.stdout).toContain(`using key ID ${A.keyId}`);
    expect(v.stdout).toContain('Good signature from "Alice <alice@example.com>"');
    const s = await r('show', '--gpg-verify', '--keyring=a-pub.asc', 'main');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^commit [0-9a-f]{64}\n/);
    expect(s.stdout).toContain('Good signature from "Alice <alice@example.com>"');
    const plain = await r('show', 'main');
    expect(plain.stdout).not.toContain('signature');
    const unknown = await r('show', '--gpg-verify', '--keyring=b-pub.asc', 'main');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain("Can't check signature: public key not found");
    const gv = await r('gpg-sign', '--verify', '--keyring=b-pub.asc', 'main');
    expect(gv.code).toBe(1);
    expect((await r('gpg-sign', '--verify', '--keyring=a-pub.asc', 'main', B.keyId)).code).toBe(1);
    expect((await r('gpg-sign', '--verify', '--keyring=a-pub.asc', 'main', A.keyId)).code).toBe(0);
  });

  it('gpg-sign adds, refuses a duplicate, --delete removes', async () => {
    expect((await r('commit', '-b', 'two', '--timestamp=2020-01-02T00:00:00Z', tree)).code).toBe(0);
    const noSig = await r('show', '--gpg-verify', '--keyring=a-pub.asc', 'two');
    expect(noSig.code).toBe(1);
    expect(noSig.stderr).toContain('no signatures found');
    expect((await r('gpg-sign', '--gpg-key-file=ab.asc', 'two', A.keyId, B.keyId)).code).toBe(0);
    const dup = await r('gpg-sign', '--gpg-key-file=ab.asc', 'two', B.keyId);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already signed');
    expect((await r('gpg-sign', '--verify', '--keyring=a-pub.asc', '--keyring=b-pub.asc', 'two')).stdout.match(/Good signature/g)).toHaveLength(2);
    const del = await r('gpg-sign', '--delete', 'two', B.keyId);
    expect(del.stdout).toBe('Signatures deleted: 1\n');
    expect((await r('gpg-sign', '--delete', 'two', B.keyId)).stdout).toBe('Signatures deleted: 0\n');
    expect((await r('gpg-sign', '--verify', '--keyring=b-pub.asc', 'two')).code).toBe(1);
    expect((await r('gpg-sign', 'two')).code).toBe(1);
  });

  it('key sources: environment variable, passphrase file; a protected key without passphrase moves no ref', async () => {
    const before = (await r('rev-parse', 'main')).stdout;
    const e1 = await cli(['commit', `--repo=${repo}`, '-b', 'main', `--gpg-sign=${P.keyId}`, tree], { cwd: d, env: { ...env, OSTREE_TS_GPG_KEY: P.secret } });
    expect(e1.code).toBe(1);
    expect(e1.stderr).toMatch(/^error: .*passphrase/);
    expect((await r('rev-parse', 'main')).stdout).toBe(before);
    const e2 = await cli(['commit', `--repo=${repo}`, '-b', 'env', `--gpg-sign=${P.keyId}`, tree], { cwd: d, env: { ...env, OSTREE_TS_GPG_KEY: P.secret, OSTREE_TS_GPG_PASSPHRASE: 'pw' } });
    expect(e2.code).toBe(0);
    expect((await r('commit', '-b', 'pwfile', `--gpg-sign=${P.keyId}`, '--gpg-key-file=p.asc', '--gpg-passphrase-file=pw', tree)).code).toBe(0);
    const bad = await r('commit', '-b', 'x', `--gpg-sign=${A.keyId}`, '--gpg-key-file=trunc.asc', tree);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: Invalid OpenPGP/);
    expect((await r('rev-parse', 'x')).code).toBe(1);
    const missing = await r('commit', '-b', 'x', `--gpg-sign=${A.keyId}`, '--gpg-key-file=nope.asc', tree);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.asc');
  });

  it('sign (ed25519): sign, --verify, --keys-file, --delete; commit --sign', async () => {
    expect((await r('commit', '-b', 'ed', '--timestamp=2020-01-03T00:00:00Z', '--sign-type=ed25519', `--sign=${toBase64(edSk)}`, tree)).code).toBe(0);
    const ok = await r('sign', '--verify', 'ed', edPk);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`ed25519: Signature verified successfully with key '${edPk}'\n`);
    const wrong = await r('sign', '--verify', 'ed', edPk2);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('No valid signatures found');
    expect((await r('sign', '--keys-file=ed.sk', 'ed')).code).toBe(0);
    expect((await r('sign', '--verify', '--keys-file=ed.pk', 'ed')).stdout).toContain(edPk2);
    expect((await r('sign', '--keys-file=ed.sk', 'ed')).stderr).toContain('already signed');
    expect((await r('sign', '--delete', 'ed', toBase64(edSk))).stdout).toBe('Signatures deleted: 1\n');
    expect((await r('sign', '--verify', 'ed', edPk)).code).toBe(1);
    const env2 = await cli(['sign', `--repo=${repo}`, 'ed'], { cwd: d, env: { ...env, OSTREE_TS_ED25519_KEY: toBase64(edSk) } });
    expect(env2.code).toBe(0);
    expect((await r('sign', '--verify', 'ed', edPk)).code).toBe(0);
    expect((await r('sign', '--sign-type=dummy', 'ed', 'x')).stderr).toContain('not implemented');
    expect((await r('sign', 'ed', 'AAAA')).stderr).toMatch(/^error: .*ed25519 secret key/);
    expect((await r('sign', 'ed')).code).toBe(1);
  });

  it('summary -u --gpg-sign/--sign writes summary.sig; unsigned -u removes it; a bad key writes nothing', async () => {
    const sum = join(repo, 'summary');
    const sig = join(repo, 'summary.sig');
    expect((await r('summary', '-u', `--gpg-sign=${A.keyId}`, '--gpg-key-file=ab.asc', `--sign=${toBase64(edSk)}`)).code).toBe(0);
    const bytes = new Uint8Array(readFileSync(sum));
    const sigBytes = new Uint8Array(readFileSync(sig));
    const keys = await loadGpgPublicKeys(new TextEncoder().encode(A.pub));
    expect((await verifySummary(bytes, sigBytes, { verifier: new GpgVerifier(keys), requireValid: true })).checks[0].keyId).toBe(A.keyId);
    expect((await verifySummary(bytes, sigBytes, { verifier: new Ed25519Verifier([parseEd25519PublicKey(edPk)]), requireValid: true })).anyValid).toBe(true);
    const bad = await r('summary', '-u', `--gpg-sign=${P.keyId}`, '--gpg-key-file=p.asc');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('passphrase');
    expect(new Uint8Array(readFileSync(sum))).toEqual(bytes);
    expect(new Uint8Array(readFileSync(sig))).toEqual(sigBytes);
    expect((await r('summary', '-u')).code).toBe(0);
    expect(existsSync(sig)).toBe(false);
    // A collection repo: the ostree-metadata commit is signed as well.
    const crepo = join(d, 'crepo');
    expect((await cli(['init', `--repo=${crepo}`, '--mode=archive', '--collection-id=org.example.Sign'], { env })).code).toBe(0);
    expect((await cli(['summary', `--repo=${crepo}`, '-u', '--gpg-key-file=a.asc'], { cwd: d, env })).code).toBe(0);
    const cr = await Repo.open(crepo);
    const meta = (await cr.readRef('ostree-metadata'))!;
    expect((await verifyCommit(cr, meta, { verifier: new GpgVerifier(keys), requireValid: true })).anyValid).toBe(true);
  });

  it('garbage .commitmeta is a clear error, not "unsigned"', async () => {
    const csum = (await r('rev-parse', 'main')).stdout.trim();
    const path = join(repo, 'objects', csum.slice(0, 2), `${csum.slice(2)}.commitmeta`);
    const saved = readFileSync(path);
    writeFileSync(path, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]));
    try {
      for (const argv of [['show', '--gpg-verify', '--keyring=a-pub.asc', 'main'], ['gpg-sign', '--verify', '--keyring=a-pub.asc', 'main'], ['gpg-sign', '--gpg-key-file=ab.asc', 'main', B.keyId]]) {
        const x = await r(...argv);
        expect(x.code, argv.join(' ')).toBe(1);
        expect(x.stderr, argv.join(' ')).toMatch(/^error: Invalid detached metadata/);
      }
    } finally {
      writeFileSync(path, saved);
    }
  });
});
