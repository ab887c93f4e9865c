import { describe, it, expect } from 'vitest';
import { generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, createPublicKey } from 'node:crypto';
import {
  Ed25519Signer, Ed25519Verifier, ed25519SecretFromSeed, ed25519PublicFromSeed, parseEd25519KeyFile,
  parseEd25519PublicKey, parseEd25519SecretKey, toBase64,
} from '../../src/sign/ed25519.js';
import { isOstreeError } from '../../src/errors.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// RFC 8032 §7.1 test vectors 1–3.
const VECTORS = [
  {
    sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    sk: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pk: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

function expectCode(fn: () => unknown, code: string): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(isOstreeError(err, code), String(err)).toBe(true);
}

describe('ed25519 RFC 8032 vectors', () => {
  for (const [i, v] of VECTORS.entries()) {
    it(`vector ${i + 1}`, async () => {
      expect(Buffer.from(ed25519PublicFromSeed(hex(v.sk))).toString('hex')).toBe(v.pk);
      const secret = ed25519SecretFromSeed(hex(v.sk));
      const signer = new Ed25519Signer(secret);
      expect(signer.engine).toBe('ed25519');
      expect(signer.keyId).toBe(toBase64(hex(v.pk)));
      const sig = await signer.sign(hex(v.msg));
      expect(Buffer.from(sig).toString('hex')).toBe(v.sig);
      const r = await new Ed25519Verifier([hex(v.pk)]).verify(hex(v.msg), [hex(v.sig)]);
      expect(r.anyValid).toBe(true);
      expect(r.checks).toEqual([{ keyId: toBase64(hex(v.pk)), valid: true, expired: false, revoked: false, keyMissing: false }]);
    });
  }
});

describe('ed25519 cross-checks', () => {
  it('node:crypto keys sign for us and verify ours', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const seed = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
    const pub = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
    const data = new Uint8Array(Buffer.from('commit bytes \x00\x01\x02'));
    const signer = new Ed25519Signer(ed25519SecretFromSeed(seed));
    const ours = await signer.sign(data);
    expect(cryptoVerify(null, data, publicKey, ours)).toBe(true);
    const theirs = new Uint8Array(cryptoSign(null, data, privateKey));
    const r = await new Ed25519Verifier([pub]).verify(data, [theirs]);
    expect(r.anyValid).toBe(true);
    expect(createPublicKey(privateKey).export({ format: 'jwk' }).x).toBe(Buffer.from(signer.publicKey).toString('base64url'));
  });

  it('agrees with tweetnacl (libsodium-style 64-byte secret keys)', async () => {
    // tweetnacl is a devDependency kept only for this cross-check (docs/dependencies.md)
    const nacl = (await import('tweetnacl')).default as unknown as typeof import('tweetnacl');
    const kp = nacl.sign.keyPair.fromSeed(hex(VECTORS[1].sk));
    const data = new Uint8Array(4096).map((_, i) => i * 7);
    const ours = await new Ed25519Signer(kp.secretKey).sign(data);
    expect(nacl.sign.detached.verify(data, ours, kp.publicKey)).toBe(true);
    const theirs = nacl.sign.detached(data, kp.secretKey);
    expect(Buffer.from(theirs).equals(Buffer.from(ours))).toBe(true);
  });
});

describe('ed25519 verification outcomes', () => {
  const a = new Ed25519Signer(ed25519SecretFromSeed(hex(VECTORS[0].sk)));
  const b = new Ed25519Signer(ed25519SecretFromSeed(hex(VECTORS[1].sk)));
  const data = new Uint8Array([1, 2, 3]);

  it('tampered data and unknown keys are invalid; any valid signature suffices', async () => {
    const sa = await a.sign(data);
    const sb = await b.sign(data);
    const v = new Ed25519Verifier([a.publicKey]);
    expect((await v.verify(new Uint8Array([1, 2, 4]), [sa])).anyValid).toBe(false);
    const r = await v.verify(data, [sb, sa]);
    expect(r.anyValid).toBe(true);
    expect(r.checks.map((c) => c.valid)).toEqual([false, true]);
    expect(r.checks[0].reason).toMatch(/no trusted key/);
  });

  it('revoked keys are skipped and reported', async () => {
    const sa = await a.sign(data);
    const r = await new Ed25519Verifier([a.publicKey, b.publicKey], { revoked: [a.publicKey] }).verify(data, [sa]);
    expect(r.anyValid).toBe(false);
    expect(r.checks[0]).toMatchObject({ valid: false, revoked: true, keyId: a.keyId });
  });

  it('wrong-length signatures and no keys are reported, not thrown', async () => {
    const r = await new Ed25519Verifier([]).verify(data, [new Uint8Array(63)]);
    expect(r.checks[0]).toMatchObject({ valid: false, keyMissing: true });
    expect(r.checks[0].reason).toMatch(/length/);
  });
});

describe('ed25519 key parsing', () => {
  const pk = toBase64(hex(VECTORS[0].pk));
  const sk = toBase64(ed25519SecretFromSeed(hex(VECTORS[0].sk)));

  it('parses base64 keys of the right size', () => {
    expect(pk).toHaveLength(44);
    expect(sk).toHaveLength(88);
    expect(parseEd25519PublicKey(pk)).toEqual(hex(VECTORS[0].pk));
    expect(parseEd25519SecretKey(sk)).toHaveLength(64);
  });

  it('key files: one key per line, trailing newline fine, empty line an error', () => {
    const pk2 = toBase64(hex(VECTORS[1].pk));
    expect(parseEd25519KeyFile(`${pk}\n${pk2}\n`)).toHaveLength(2);
    expect(parseEd25519KeyFile(`${pk}\r\n${pk2}`)).toHaveLength(2);
    expect(parseEd25519KeyFile('')).toHaveLength(0);
    expectCode(() => parseEd25519KeyFile(`${pk}\n\n${pk2}\n`), 'KEY_INVALID');
    expectCode(() => parseEd25519KeyFile(`${pk}\n\n`), 'KEY_INVALID');
    expect(parseEd25519KeyFile(`${sk}\n`, 'secret')).toHaveLength(1);
    expectCode(() => parseEd25519KeyFile(`${pk}\n`, 'secret'), 'KEY_INVALID');
  });

  it('rejects bad input with KEY_INVALID', () => {
    for (const bad of ['', '!!!!', pk.slice(0, 40), sk, 'AAAA', pk + 'AAAA', 'A===']) {
      expectCode(() => parseEd25519PublicKey(bad), 'KEY_INVALID');
    }
    const skBytes = ed25519SecretFromSeed(hex(VECTORS[0].sk));
    skBytes[40] ^= 1; // public half no longer matches the seed
    expectCode(() => new Ed25519Signer(skBytes), 'KEY_INVALID');
    expectCode(() => new Ed25519Signer(new Uint8Array(32)), 'KEY_INVALID');
    expectCode(() => new Ed25519Verifier([new Uint8Array(31)]), 'KEY_INVALID');
    expectCode(() => parseEd25519SecretKey(pk), 'KEY_INVALID');
  });
});
