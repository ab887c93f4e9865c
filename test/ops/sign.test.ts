/**
 * src/ops/sign.ts: commit signatures in `.commitmeta`, duplicate refusal, deletion, verification
 * results (valid / unknown key / tampered / unsigned / garbage), summary.sig, and key resolution.
 * Keys are made by OpenPGP.js here (no gpg binary needed); test/interop/sign.test.ts covers gpg/ostree.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { isOstreeError } from '../../src/errors.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import {
  deleteCommitSignature, loadEd25519Verifier, loadTrustedGpgKeys, parseGpgKeyring, readCommitSignatureData, resolveSigners, signCommit,
  signSummaryBytes, signatureKey, verifyCommit, verifySummary,
} from '../../src/ops/sign.js';
import { createGpgSigner, GpgVerifier, loadGpgPublicKeys, loadGpgSecretKeys, type GpgSigner } from '../../src/sign/gpg.js';
import { Ed25519Signer, Ed25519Verifier, ed25519SecretFromSeed, toBase64 } from '../../src/sign/ed25519.js';
import { decodeCommitmeta, encodeCommitmeta } from '../../src/format/commitmeta.js';
import { Variant } from '../../src/gvariant/value.js';
import { ObjectType } from '../../src/format/object-type.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-sign-'));
  dirs.push(d);
  return d;
};

async function expectCode(p: Promise<unknown>, code: string): Promise<unknown> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(isOstreeError(err, code), String(err)).toBe(true);
  return err;
}

interface TestKey {
  armoredSecret: string;
  armoredPublic: string;
  binarySecret: Uint8Array;
  keyId: string;
  fingerprint: string;
}

async function makeKey(name: string, passphrase?: string): Promise<TestKey> {
  const k = await openpgp.generateKey({
    type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name, email: `${name.toLowerCase()}@example.com` }], format: 'object', passphrase,
  });
  const priv = k.privateKey;
  return {
    armoredSecret: priv.armor(),
    armoredPublic: k.publicKey.armor(),
    binarySecret: priv.write(),
    keyId: priv.getKeyID().toHex().toUpperCase(),
    fingerprint: priv.getFingerprint().toUpperCase(),
  };
}

const enc = (s: string) => new TextEncoder().encode(s);

async function signerFor(k: TestKey): Promise<GpgSigner> {
  return createGpgSigner(await loadGpgSecretKeys(enc(k.armoredSecret)));
}

async function verifierFor(...ks: TestKey[]): Promise<GpgVerifier> {
  const keys = [];
  for (const k of ks) keys.push(...(await loadGpgPublicKeys(enc(k.armoredPublic))));
  return new GpgVerifier(keys);
}

let A: TestKey;
let B: TestKey;
let C: TestKey;
let P: TestKey; // passphrase-protected
const edSecret = ed25519SecretFromSeed(new Uint8Array(32).fill(7));
const edSecret2 = ed25519SecretFromSeed(new Uint8Array(32).fill(9));

async function newRepo(): Promise<{ repo: Repo; c1: string; c2: string }> {
  const repo = await Repo.init(join(tmp(), 'repo'), { mode: 'archive' });
  const c1 = (await commit(repo, {
    branch: 'main', trees: [{ kind: 'memory', tree: { type: 'dir', entries: { a: { type: 'file', content: 'a\n' } } } }],
    subject: 'one', timestamp: 1_600_000_000n, detachedMetadataStrings: [['note', 'kept']],
  })).checksum;
  const c2 = (await commit(repo, { branch: 'main', trees: [{ kind: 'memory', tree: { type: 'dir' } }], subject: 'two', timestamp: 1_600_000_100n })).checksum;
  return { repo, c1, c2 };
}

beforeAll(async () => {
  [A, B, C, P] = await Promise.all([makeKey('Alice'), makeKey('Bob'), makeKey('Carol'), makeKey('Pat', 'secret pw')]);
}, 20_000);

describe('signCommit / verifyCommit (gpg)', () => {
  it('signs into ostree.gpgsigs, verifies, refuses the same key twice, reports unknown keys', async () => {
    const { repo, c1 } = await newRepo();
    const sa = await signerFor(A);
    const r = await signCommit(repo, c1, sa);
    expect(r.added).toEqual([{ engine: 'gpg', keyId: A.keyId, size: expect.any(Number) }]);
    const { metadata } = await readCommitSignatureData(repo, c1);
    expect(metadata.map(([k]) => k).sort()).toEqual(['note', 'ostree.gpgsigs']);
    const before = await repo.readCommitDetachedMetadata(c1);

    const v = await verifyCommit(repo, c1, { verifier: await verifierFor(A), requireValid: true });
    expect(v.anyValid).toBe(true);
    expect(v.checks).toHaveLength(1);
    expect(v.checks[0]).toMatchObject({ keyId: A.keyId, fingerprint: A.fingerprint, valid: true, expired: false, revoked: false, keyMissing: false });

    await expectCode(signCommit(repo, c1, sa), 'ALREADY_SIGNED');
    expect(await repo.readCommitDetachedMetadata(c1)).toEqual(before);

    await signCommit(repo, c1, await signerFor(B));
    const two = await verifyCommit(repo, c1, { verifier: await verifierFor(A) });
    expect(two.checks.map((c) => [c.keyId, c.valid, c.keyMissing])).toEqual([[A.keyId, true, false], [B.keyId, false, true]]);
    expect(two.anyValid).toBe(true);

    // Only an unknown key: reported, not valid; required → BAD_SIGNATURE with the result attached.
    const unknown = await verifyCommit(repo, c1, { verifier: await verifierFor(C) });
    expect(unknown.anyValid).toBe(false);
    expect(unknown.checks.every((c) => c.keyMissing)).toBe(true);
    const err = (await expectCode(verifyCommit(repo, c1, { verifier: await verifierFor(C), requireValid: true }), 'BAD_SIGNATURE')) as { data: { result: unknown } };
    expect(err.data.result).toBeDefined();
  });

  it('unsigned commit → NO_SIGNATURE; moved signature (tampered data) → bad; tampered .commit → CORRUPT_OBJECT', async () => {
    const { repo, c1, c2 } = await newRepo();
    await expectCode(verifyCommit(repo, c2, { verifier: await verifierFor(A) }), 'NO_SIGNATURE');
    await signCommit(repo, c1, await signerFor(A));
    // c1's signature copied onto c2: signature over other bytes.
    await repo.writeCommitDetachedMetadata(c2, (await repo.readCommitDetachedMetadata(c1))!);
    const moved = await verifyCommit(repo, c2, { verifier: await verifierFor(A) });
    expect(moved.anyValid).toBe(false);
    expect(moved.checks[0]).toMatchObject({ keyId: A.keyId, valid: false, keyMissing: false });
    await expectCode(verifyCommit(repo, c2, { verifier: await verifierFor(A), requireValid: true }), 'BAD_SIGNATURE');
    // Flip a byte in the commit object itself.
    const path = repo.storage.resolve(`objects/${c1.slice(0, 2)}/${c1.slice(2)}.commit`);
    const bytes = readFileSync(path);
    bytes[bytes.length - 40] ^= 1;
    writeFileSync(path, bytes);
    await expectCode(verifyCommit(repo, c1, { verifier: await verifierFor(A) }), 'CORRUPT_OBJECT');
    await expectCode(signCommit(repo, c1, await signerFor(B)), 'CORRUPT_OBJECT');
  });

  it('garbage .commitmeta, a mistyped ostree.gpgsigs and garbage signature bytes are errors, never "unsigned"', async () => {
    const { repo, c1 } = await newRepo();
    await repo.writeCommitDetachedMetadata(c1, new Uint8Array([1, 2, 3, 0xff, 0x00, 0x17]));
    await expectCode(verifyCommit(repo, c1, { verifier: await verifierFor(A) }), 'CORRUPT_OBJECT');
    await expectCode(signCommit(repo, c1, await signerFor(A)), 'CORRUPT_OBJECT');
    await repo.writeCommitDetachedMetadata(c1, encodeCommitmeta([['ostree.gpgsigs', new Variant('s', 'nope')]]));
    await expectCode(verifyCommit(repo, c1, { verifier: await verifierFor(A) }), 'CORRUPT_OBJECT');
    await repo.writeCommitDetachedMetadata(c1, encodeCommitmeta([['ostree.gpgsigs', new Variant('aay', [enc('garbage, not OpenPGP')])]]));
    const r = await verifyCommit(repo, c1, { verifier: await verifierFor(A) });
    expect(r.anyValid).toBe(false);
    expect(r.checks[0].reason).toMatch(/malformed/);
    await expectCode(verifyCommit(repo, c1, { verifier: await verifierFor(A), requireValid: true }), 'BAD_SIGNATURE');
    await expectCode(verifyCommit(repo, 'nothex', { verifier: await verifierFor(A) }), 'INVALID_CHECKSUM');
    await expectCode(verifyCommit(repo, 'ab'.repeat(32), { verifier: await verifierFor(A) }), 'OBJECT_NOT_FOUND');
  });

  it('deleteCommitSignature by long ID, short ID, fingerprint; other entries survive; empty array removed', async () => {
    const { repo, c1 } = await newRepo();
    await signCommit(repo, c1, [await signerFor(A), await signerFor(B), await signerFor(C)]);
    expect(await deleteCommitSignature(repo, c1, 'FFFFFFFFFFFFFFFF')).toBe(0);
    expect(await deleteCommitSignature(repo, c1, A.keyId)).toBe(1);
    expect(await deleteCommitSignature(repo, c1, `0x${B.keyId.slice(-8).toLowerCase()}`)).toBe(1);
    let r = await verifyCommit(repo, c1, { verifier: await verifierFor(A, B, C) });
    expect(r.checks.map((c) => c.keyId)).toEqual([C.keyId]);
    // User-ID specifiers resolve through the given keys.
    const keys = await loadGpgPublicKeys(enc(C.armoredPublic));
    expect(await deleteCommitSignature(repo, c1, '<carol@example.com>', { gpgKeys: keys })).toBe(1);
    const { metadata } = await readCommitSignatureData(repo, c1);
    expect(metadata.map(([k]) => k)).toEqual(['note']);
    await expectCode(verifyCommit(repo, c1, { verifier: await verifierFor(A) }), 'NO_SIGNATURE');
    // Re-sign after deletion works (no stale duplicate).
    await signCommit(repo, c1, await signerFor(A));
    r = await verifyCommit(repo, c1, { verifier: await verifierFor(A), requireValid: true });
    expect(r.checks).toHaveLength(1);
    expect(await deleteCommitSignature(repo, c1, A.fingerprint)).toBe(1);
  });
});

describe('ed25519 commit signatures', () => {
  it('signs into ostree.sign.ed25519 next to gpg, verifies, refuses duplicates, deletes by public key', async () => {
    const { repo, c1 } = await newRepo();
    const ed = new Ed25519Signer(edSecret);
    const ed2 = new Ed25519Signer(edSecret2);
    await signCommit(repo, c1, [await signerFor(A), ed]);
    await expectCode(signCommit(repo, c1, ed), 'ALREADY_SIGNED');
    await signCommit(repo, c1, ed2);
    const { metadata, commitBytes } = await readCommitSignatureData(repo, c1);
    const sigs = metadata.find(([k]) => k === signatureKey('ed25519'))![1].value as Uint8Array[];
    expect(sigs).toHaveLength(2);
    expect(sigs[0]).toEqual(ed.signSync(commitBytes));
    const r = await verifyCommit(repo, c1, { verifier: new Ed25519Verifier([ed2.publicKey]), requireValid: true });
    expect(r.checks.map((c) => c.valid)).toEqual([false, true]);
    expect(r.checks[1].keyId).toBe(ed2.keyId);
    // revoked
    const rv = await verifyCommit(repo, c1, { verifier: new Ed25519Verifier([ed.publicKey], { revoked: [ed.publicKey, ed2.publicKey] }) });
    expect(rv.anyValid).toBe(false);
    expect(await deleteCommitSignature(repo, c1, ed.keyId, { engine: 'ed25519' })).toBe(1);
    await expectCode(verifyCommit(repo, c1, { verifier: new Ed25519Verifier([ed.publicKey]), requireValid: true }), 'BAD_SIGNATURE');
    expect(await deleteCommitSignature(repo, c1, ed2.keyId, { engine: 'ed25519' })).toBe(1);
    await expectCode(verifyCommit(repo, c1, { verifier: new Ed25519Verifier([ed.publicKey]) }), 'NO_SIGNATURE');
    // gpg signature untouched
    expect((await verifyCommit(repo, c1, { verifier: await verifierFor(A) })).anyValid).toBe(true);
    await expectCode(deleteCommitSignature(repo, c1, 'not base64!', { engine: 'ed25519' }), 'KEY_INVALID');
  });
});

describe('summary.sig', () => {
  const summary = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
  it('signs with gpg and ed25519 and verifies each; a flipped byte fails; garbage is SUMMARY_INVALID', async () => {
    const ed = new Ed25519Signer(edSecret);
    const sig = await signSummaryBytes(summary, [await signerFor(A), await signerFor(B), ed]);
    const meta = decodeCommitmeta(sig);
    expect(meta.map(([k]) => k).sort()).toEqual(['ostree.gpgsigs', 'ostree.sign.ed25519']);
    const g = await verifySummary(summary, sig, { verifier: await verifierFor(B), requireValid: true });
    expect(g.checks.map((c) => [c.keyId, c.valid])).toEqual([[A.keyId, false], [B.keyId, true]]);
    expect((await verifySummary(summary, sig, { verifier: new Ed25519Verifier([ed.publicKey]), requireValid: true })).anyValid).toBe(true);
    const bad = summary.slice();
    bad[100] ^= 0x40;
    expect((await verifySummary(bad, sig, { verifier: await verifierFor(A, B) })).anyValid).toBe(false);
    await expectCode(verifySummary(bad, sig, { verifier: await verifierFor(A, B), requireValid: true }), 'BAD_SIGNATURE');
    await expectCode(verifySummary(bad, sig, { verifier: new Ed25519Verifier([ed.publicKey]), requireValid: true }), 'BAD_SIGNATURE');
    await expectCode(verifySummary(summary, sig, { verifier: await verifierFor(C), requireValid: true }), 'BAD_SIGNATURE');
    await expectCode(verifySummary(summary, null, { verifier: await verifierFor(A) }), 'NO_SIGNATURE');
    await expectCode(verifySummary(summary, new Uint8Array(0), { verifier: await verifierFor(A) }), 'NO_SIGNATURE');
    await expectCode(verifySummary(summary, enc('garbage garbage garbage'), { verifier: await verifierFor(A) }), 'SUMMARY_INVALID');
    await expectCode(verifySummary(summary, encodeCommitmeta([['ostree.gpgsigs', new Variant('as', ['x'])]]), { verifier: await verifierFor(A) }), 'SUMMARY_INVALID');
    // Appending to an existing summary.sig keeps its signatures.
    const more = await signSummaryBytes(summary, [await signerFor(C)], { existing: sig });
    expect((await verifySummary(summary, more, { verifier: await verifierFor(C) })).checks.map((c) => c.keyId)).toEqual([A.keyId, B.keyId, C.keyId]);
    await expectCode(signSummaryBytes(summary, [ed], { existing: enc('junk!') }), 'SUMMARY_INVALID');
  });
});

describe('resolveSigners', () => {
  it('key file (armored / binary, KEYID selects), env variable, passphrase sources', async () => {
    const d = tmp();
    writeFileSync(join(d, 'keys.asc'), A.armoredSecret + B.armoredSecret);
    writeFileSync(join(d, 'a.gpg'), A.binarySecret);
    writeFileSync(join(d, 'p.asc'), P.armoredSecret);
    writeFileSync(join(d, 'pw'), 'secret pw\n');
    writeFileSync(join(d, 'trunc.asc'), A.armoredSecret.slice(0, 200));
    writeFileSync(join(d, 'trunc.gpg'), A.binarySecret.slice(0, 40));

    const [sb] = await resolveSigners({ gpgSign: [B.keyId], gpgKeyFile: join(d, 'keys.asc') });
    expect(sb.keyId).toBe(B.keyId);
    const [sa] = await resolveSigners({ gpgKeyFile: join(d, 'a.gpg') });
    expect(sa.keyId).toBe(A.keyId);
    await expectCode(resolveSigners({ gpgKeyFile: join(d, 'keys.asc') }), 'KEY_AMBIGUOUS');
    await expectCode(resolveSigners({ gpgSign: [C.keyId], gpgKeyFile: join(d, 'keys.asc') }), 'KEY_NOT_FOUND');
    await expectCode(resolveSigners({ gpgSign: [A.keyId], gpgKeyFile: join(d, 'nonexistent') }), 'KEY_NOT_FOUND');
    await expectCode(resolveSigners({ gpgSign: [A.keyId], gpgKeyFile: join(d, 'trunc.asc') }), 'KEY_INVALID');
    await expectCode(resolveSigners({ gpgSign: [A.keyId], gpgKeyFile: join(d, 'trunc.gpg') }), 'KEY_INVALID');

    await expectCode(resolveSigners({ gpgSign: ['pat'], gpgKeyFile: join(d, 'p.asc') }), 'PASSPHRASE_REQUIRED');
    await expectCode(resolveSigners({ gpgSign: ['pat'], gpgKeyFile: join(d, 'p.asc'), passphrase: 'wrong' }), 'BAD_PASSPHRASE');
    expect((await resolveSigners({ gpgSign: ['pat'], gpgKeyFile: join(d, 'p.asc'), passphraseFile: join(d, 'pw') }))[0].keyId).toBe(P.keyId);
    expect((await resolveSigners({ gpgSign: ['pat'], gpgKeyFile: join(d, 'p.asc'), env: { OSTREE_TS_GPG_PASSPHRASE: 'secret pw' } }))[0].keyId).toBe(P.keyId);

    const env = { OSTREE_TS_GPG_KEY: Buffer.from(P.armoredSecret).toString('base64'), OSTREE_TS_GPG_PASSPHRASE: 'secret pw\n' };
    expect((await resolveSigners({ gpgSign: [P.fingerprint], env }))[0].keyId).toBe(P.keyId);
    await expectCode(resolveSigners({ gpgSign: [P.fingerprint], env: { OSTREE_TS_GPG_KEY: P.armoredSecret } }), 'PASSPHRASE_REQUIRED');
    await expectCode(resolveSigners({ gpgSign: [P.fingerprint], env: { OSTREE_TS_GPG_KEY: 'not a key' } }), 'KEY_INVALID');
    // No key anywhere: the (empty) default GnuPG home has no such key.
    await expectCode(resolveSigners({ gpgSign: [A.keyId], env: { GNUPGHOME: join(d, 'no-home') } }), 'KEY_NOT_FOUND');
    expect(await resolveSigners({ env })).toEqual([]);
  });

  it('ed25519 keys from --sign, --keys-file and the environment; unknown types rejected', async () => {
    const d = tmp();
    writeFileSync(join(d, 'ed.keys'), `${toBase64(edSecret)}\n${toBase64(edSecret2)}\n`);
    writeFileSync(join(d, 'bad.keys'), `${toBase64(edSecret)}\n\n`);
    const s = await resolveSigners({ sign: [toBase64(edSecret)] });
    expect(s.map((x) => x.engine)).toEqual(['ed25519']);
    expect((await resolveSigners({ keysFile: join(d, 'ed.keys') })).length).toBe(2);
    await expectCode(resolveSigners({ keysFile: join(d, 'bad.keys') }), 'KEY_INVALID');
    await expectCode(resolveSigners({ sign: ['AAAA'] }), 'KEY_INVALID');
    expect((await resolveSigners({ signType: 'ed25519', env: { OSTREE_TS_ED25519_KEY: toBase64(edSecret2) } }))[0].keyId).toBe(new Ed25519Signer(edSecret2).keyId);
    await expectCode(resolveSigners({ signType: 'ed25519' }), 'INVALID_ARGUMENT');
    await expectCode(resolveSigners({ signType: 'spki', sign: ['x'] }), 'INVALID_ARGUMENT');
    // gpg first, then ed25519; duplicates collapse
    const both = await resolveSigners({ sign: [toBase64(edSecret), toBase64(edSecret)], gpgSign: [A.keyId], env: { OSTREE_TS_GPG_KEY: A.armoredSecret } });
    expect(both.map((x) => x.engine)).toEqual(['gpg', 'ed25519']);
    const v = await loadEd25519Verifier({ keysFiles: [join(d, 'ed.keys')] }).catch((e) => e);
    expect(isOstreeError(v, 'KEY_INVALID')).toBe(true); // secret keys are not public keys
  });
});

describe('trusted keys', () => {
  it('keyring files (armored, binary) and remote keyrings in the repo', async () => {
    const { repo } = await newRepo();
    const d = tmp();
    writeFileSync(join(d, 'a.asc'), A.armoredPublic);
    const bkeys = await loadGpgPublicKeys(enc(B.armoredPublic));
    writeFileSync(join(d, 'b.gpg'), bkeys[0].write());
    writeFileSync(repo.storage.resolve('origin.trustedkeys.gpg'), (await loadGpgPublicKeys(enc(C.armoredPublic)))[0].write());
    const fp = (ks: { getFingerprint(): string }[]) => ks.map((k) => k.getFingerprint().toUpperCase()).sort();
    expect(fp(await loadTrustedGpgKeys(repo, { keyrings: [join(d, 'a.asc'), join(d, 'b.gpg')] }))).toEqual([A.fingerprint, B.fingerprint].sort());
    expect(fp(await loadTrustedGpgKeys(repo, {}))).toEqual([C.fingerprint]);
    expect(fp(await loadTrustedGpgKeys(repo, { remote: 'origin' }))).toEqual([C.fingerprint]);
    await expectCode(loadTrustedGpgKeys(repo, { remote: 'nope' }), 'KEY_NOT_FOUND');
    writeFileSync(join(d, 'junk'), 'junk junk');
    await expectCode(loadTrustedGpgKeys(repo, { keyrings: [join(d, 'junk')] }), 'KEY_INVALID');
    writeFileSync(join(d, 'trunc.gpg'), bkeys[0].write().slice(0, 30));
    await expectCode(parseGpgKeyring(readFileSync(join(d, 'trunc.gpg'))), 'KEY_INVALID');
    expect(ObjectType.COMMIT_META).toBeDefined();
  });
});

describe('mutated signature data never crashes', () => {
  it('seeded mutations of a signed .commitmeta and summary.sig give a result or an OstreeError', async () => {
    const { Prng } = await import('../util/prng.js');
    const rng = new Prng('ops/sign mutations');
    const { repo, c1 } = await newRepo();
    await signCommit(repo, c1, [await signerFor(A), new Ed25519Signer(edSecret)]);
    const good = (await repo.readCommitDetachedMetadata(c1))!;
    const gv = await verifierFor(A);
    const ev = new Ed25519Verifier([new Ed25519Signer(edSecret).publicKey]);
    const summary = enc('summary bytes');
    const sig = await signSummaryBytes(summary, [await signerFor(A)]);
    let valid = 0;
    for (let i = 0; i < 120; i++) {
      const m = (i % 2 ? good : sig).slice();
      const n = 1 + (rng.u32() % 4);
      for (let j = 0; j < n; j++) m[rng.u32() % m.length] = rng.u32() & 0xff;
      const cut = rng.u32() % 5 === 0 ? m.subarray(0, rng.u32() % m.length) : m;
      const attempt = async () => {
        if (i % 2) {
          await repo.writeCommitDetachedMetadata(c1, cut);
          return (await verifyCommit(repo, c1, { verifier: i % 4 === 1 ? gv : ev })).anyValid;
        }
        return (await verifySummary(summary, cut, { verifier: gv })).anyValid;
      };
      try {
        if (await attempt()) valid++;
      } catch (e) {
        expect(isOstreeError(e), String((e as Error)?.stack ?? e)).toBe(true);
      }
    }
    // A mutation may hit bytes outside the signatures (e.g. padding), so some stay valid.
    expect(valid).toBeLessThan(120);
  }, 20_000);
});
