/**
 * Signing interop with the real ostree 2022.7 and gpg 2.2:
 * - a commit and a summary signed by ostree-ts (keys from `gpg --quick-gen-key`, RSA and ed25519,
 *   read through `--gpg-homedir`) are pulled by `ostree pull` with `gpg-verify=true` and
 *   `gpg-verify-summary=true` after `remote add --gpg-import`; `ostree show --gpg-verify-remote`
 *   reports good signatures; a byte flipped in the served summary, or an untrusted key, makes a fresh
 *   client's pull fail;
 * - signatures made by `ostree commit --gpg-sign` / `ostree summary --gpg-sign` /
 *   `ostree gpg-sign` verify in ostree-ts, and `ostree gpg-sign --delete` sees ours.
 *
 * ostree's own gpg use is isolated: HOME and GNUPGHOME of the ostree processes point into temp dirs
 * (ostree verifies with temporary homes built from `<repo>/<remote>.trustedkeys.gpg` and the
 * `--gpg-homedir` keyrings). gpg-agents of the temp homes are killed in afterAll.
 */
import { beforeAll, afterAll, it, expect } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { interopSuite, ostree, serveDirectory, tmpdir, type StaticServer } from './harness.js';
import { destroyHome, genKey, gpg, ids, newHome } from '../sign/gpg-helpers.js';
import { isOstreeError } from '../../src/errors.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { updateSummary } from '../../src/ops/summary.js';
import { loadTrustedGpgKeys, resolveSigners, signCommit, signSummaryBytes, verifyCommit, verifySummary } from '../../src/ops/sign.js';
import { GpgVerifier, loadGpgPublicKeys } from '../../src/sign/gpg.js';
import { loadGpgHomePublicKeys } from '../../src/store/gpg-home.js';
import { cli } from '../cli/io.js';

interopSuite('signing interop (ostree, gpg)', ['ostree', 'gpg', 'gpgconf'], () => {
  let home: string; // GNUPGHOME with the keys, made by gpg
  let work: string;
  let rsa: ReturnType<typeof ids>;
  let ed: ReturnType<typeof ids>;
  let pw: ReturnType<typeof ids>;
  let other: ReturnType<typeof ids>;
  let pubFile: string; // armored public keys of rsa + ed
  let otherPub: string;
  let keyringDir: string; // a dir with a binary keyring, for ostree --gpg-homedir verification
  let ostreeEnv: NodeJS.ProcessEnv;
  const homes: string[] = [];

  beforeAll(() => {
    home = newHome();
    const otherHome = newHome();
    homes.push(home, otherHome);
    work = tmpdir();
    rsa = ids(genKey(home, 'Repo RSA <rsa@example.com>', 'rsa2048'));
    ed = ids(genKey(home, 'Repo Ed <ed@example.com>', 'ed25519'));
    pw = ids(genKey(home, 'Repo Pw <pw@example.com>', 'ed25519', { passphrase: 'sesame' }));
    other = ids(genKey(otherHome, 'Other <other@example.com>', 'ed25519'));
    pubFile = join(work, 'repo-pub.asc');
    writeFileSync(pubFile, gpg(home, ['--armor', '--export', rsa.fpr, ed.fpr]).stdout);
    otherPub = join(work, 'other-pub.asc');
    writeFileSync(otherPub, gpg(otherHome, ['--armor', '--export', other.fpr]).stdout);
    keyringDir = join(work, 'keyring');
    mkdirSync(keyringDir);
    writeFileSync(join(keyringDir, 'trusted.gpg'), gpg(home, ['--export', rsa.fpr, ed.fpr]).stdout);
    const isolated = join(work, 'ostree-home');
    mkdirSync(isolated, { mode: 0o700 });
    ostreeEnv = { ...process.env, HOME: isolated, GNUPGHOME: join(isolated, '.gnupg') };
  }, 60_000);

  afterAll(() => {
    for (const h of homes) destroyHome(h);
  });

  /** A repo made by ostree-ts, commit signed with both keys from the GnuPG home, summary too. */
  async function ourSignedRepo(): Promise<{ path: string; checksum: string }> {
    const path = join(tmpdir(), 'server');
    const repo = await Repo.init(path, { mode: 'archive' });
    const { checksum } = await commit(repo, {
      branch: 'main', subject: 'signed by ostree-ts', timestamp: 1_700_000_000n,
      trees: [{ kind: 'memory', tree: { type: 'dir', entries: { hello: { type: 'file', content: 'hello world\n' }, bin: { type: 'dir', entries: { tool: { type: 'file', content: '#!/bin/sh\n', mode: 0o755 } } } } } }],
    });
    const signers = await resolveSigners({ gpgSign: [rsa.long, `<ed@example.com>`], gpgHomedir: home });
    expect(signers.map((s) => s.keyId)).toEqual([rsa.long, ed.long]);
    await signCommit(repo, checksum, signers);
    await updateSummary(repo, { sign: (bytes) => signSummaryBytes(bytes, signers) });
    return { path, checksum };
  }

  async function client(url: string, keyFile: string, name = 'client'): Promise<string> {
    const c = join(tmpdir(), name);
    await ostree(c, 'init', '--mode=archive', { env: ostreeEnv });
    await ostree(c, 'remote', 'add', `--gpg-import=${keyFile}`, '--set=gpg-verify=true', '--set=gpg-verify-summary=true', 'origin', url, { env: ostreeEnv });
    return c;
  }

  it('ostree pulls an ostree-ts-signed commit and summary with gpg-verify and gpg-verify-summary', async () => {
    const { path, checksum } = await ourSignedRepo();
    const server: StaticServer = await serveDirectory(path);
    try {
      const c = await client(server.url, pubFile);
      await ostree(c, 'pull', 'origin', 'main', { env: ostreeEnv });
      expect((await ostree(c, 'rev-parse', 'origin:main', { env: ostreeEnv })).stdout.trim()).toBe(checksum);
      expect(server.requests.some((r) => r.path === '/summary.sig' && r.status === 200)).toBe(true);
      const show = await ostree(c, 'show', '--gpg-verify-remote=origin', checksum, { env: ostreeEnv });
      expect(show.stdout).toContain('Found 2 signatures');
      expect(show.stdout).toContain('Good signature from "Repo RSA <rsa@example.com>"');
      expect(show.stdout).toContain('Good signature from "Repo Ed <ed@example.com>"');
      // The same through a --gpg-homedir keyring directory on the server repo.
      const show2 = await ostree(path, 'show', `--gpg-homedir=${keyringDir}`, 'main', { env: ostreeEnv });
      expect(show2.stdout.match(/Good signature/g)).toHaveLength(2);

      // An untrusted key: a fresh client trusting only "other" refuses the summary.
      const c2 = await client(server.url, otherPub, 'client-other');
      const bad = await ostree(c2, 'pull', 'origin', 'main', { env: ostreeEnv, allowFail: true });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/signature|gpg|key/i);

      // Flip one byte of a commit checksum inside the served summary (still a valid GVariant).
      const summaryPath = join(path, 'summary');
      const bytes = readFileSync(summaryPath);
      const at = bytes.indexOf(Buffer.from(checksum, 'hex'));
      expect(at).toBeGreaterThan(0);
      bytes[at + 5] ^= 0x01;
      writeFileSync(summaryPath, bytes);
      const c3 = await client(server.url, pubFile, 'client-tampered');
      const tampered = await ostree(c3, 'pull', 'origin', 'main', { env: ostreeEnv, allowFail: true });
      expect(tampered.code).not.toBe(0);
      expect(tampered.stderr).toMatch(/signature|gpg/i);
      // And ostree-ts agrees.
      const keys = await loadGpgPublicKeys(readFileSync(pubFile));
      const sig = new Uint8Array(readFileSync(join(path, 'summary.sig')));
      const r = await verifySummary(new Uint8Array(bytes), sig, { verifier: new GpgVerifier(keys) });
      expect(r.anyValid).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('through the ostree-ts CLI: commit --gpg-sign --gpg-homedir, summary -u --gpg-sign from OSTREE_TS_GPG_KEY; ostree pulls', async () => {
    const path = join(tmpdir(), 'cli-server');
    const tree = join(tmpdir(), 'cli-tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'file'), 'from the CLI\n');
    const env = { PATH: process.env.PATH };
    expect((await cli(['init', `--repo=${path}`, '--mode=archive'], { env })).code).toBe(0);
    const c = await cli(['commit', `--repo=${path}`, '-b', 'main', `--gpg-sign=${rsa.fpr}`, `--gpg-homedir=${home}`, tree], { env });
    expect(c.stderr).toBe('');
    const checksum = c.stdout.trim();
    const secret = gpg(home, ['--passphrase', '', '--armor', '--export-secret-keys', ed.fpr]).stdout.toString();
    const u = await cli(['summary', `--repo=${path}`, '-u', `--gpg-sign=${ed.long}`], { env: { ...env, OSTREE_TS_GPG_KEY: secret } });
    expect(u.stderr).toBe('');
    const server = await serveDirectory(path);
    try {
      const cl = await client(server.url, pubFile);
      await ostree(cl, 'pull', 'origin', 'main', { env: ostreeEnv });
      const show = await ostree(cl, 'show', '--gpg-verify-remote=origin', checksum, { env: ostreeEnv });
      expect(show.stdout).toContain('Good signature from "Repo RSA <rsa@example.com>"');
      // ostree-ts's own show reads the keyring ostree wrote for the remote.
      const ours = await cli(['show', `--repo=${cl}`, '--gpg-verify', '--gpg-verify-remote=origin', checksum], { env });
      expect(ours.code).toBe(0);
      expect(ours.stdout).toContain('Good signature from "Repo RSA <rsa@example.com>"');
    } finally {
      await server.close();
    }
  }, 60_000);

  it('an unsigned commit fails a gpg-verify pull even with a signed summary', async () => {
    const path = join(tmpdir(), 'unsigned');
    const repo = await Repo.init(path, { mode: 'archive' });
    await commit(repo, { branch: 'main', trees: [{ kind: 'memory', tree: { type: 'dir' } }], timestamp: 1_700_000_000n });
    const signers = await resolveSigners({ gpgSign: [ed.fpr], gpgHomedir: home });
    await updateSummary(repo, { sign: (b) => signSummaryBytes(b, signers) });
    const server = await serveDirectory(path);
    try {
      const c = await client(server.url, pubFile);
      const r = await ostree(c, 'pull', 'origin', 'main', { env: ostreeEnv, allowFail: true });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/no signatures found/i);
    } finally {
      await server.close();
    }
  }, 60_000);

  for (const which of ['rsa', 'ed'] as const) {
    it(`signatures by ostree commit/summary --gpg-sign (${which}) verify in ostree-ts`, async () => {
      const k = which === 'rsa' ? rsa : ed;
      const path = join(tmpdir(), `ostree-${which}`);
      const tree = join(tmpdir(), 'tree');
      mkdirSync(tree);
      writeFileSync(join(tree, 'f'), 'content\n');
      await ostree(path, 'init', '--mode=archive', { env: ostreeEnv });
      const checksum = (await ostree(path, 'commit', '-b', 'main', `--gpg-sign=${k.long}`, `--gpg-homedir=${home}`, tree, { env: ostreeEnv })).stdout.trim();
      await ostree(path, 'summary', '-u', `--gpg-sign=${k.long}`, `--gpg-homedir=${home}`, { env: ostreeEnv });
      const repo = await Repo.open(path);
      const keys = await loadGpgHomePublicKeys(home);
      const v = await verifyCommit(repo, checksum, { verifier: new GpgVerifier(keys), requireValid: true });
      expect(v.checks).toEqual([expect.objectContaining({ keyId: k.long, fingerprint: k.fpr, valid: true })]);
      const s = await verifySummary(new Uint8Array(readFileSync(join(path, 'summary'))), new Uint8Array(readFileSync(join(path, 'summary.sig'))), {
        verifier: new GpgVerifier(keys), requireValid: true,
      });
      expect(s.checks[0]).toMatchObject({ keyId: k.long, valid: true });
      // ostree-ts refuses to add a second signature by the same key; another key is appended, and
      // ostree sees both and deletes ours with gpg-sign --delete.
      const other = which === 'rsa' ? ed : rsa;
      await expect(signCommit(repo, checksum, await resolveSigners({ gpgSign: [k.fpr], gpgHomedir: home }))).rejects.toSatisfy((e) => isOstreeError(e, 'ALREADY_SIGNED'));
      await signCommit(repo, checksum, await resolveSigners({ gpgSign: [other.long], gpgHomedir: home }));
      const show = await ostree(path, 'show', `--gpg-homedir=${keyringDir}`, checksum, { env: ostreeEnv });
      expect(show.stdout.match(/Good signature/g)).toHaveLength(2);
      // ostree's --delete matches key IDs through the keys of the repo's remote keyrings (it ignores
      // --gpg-homedir when verifying), so trust the keys through a remote first.
      await ostree(path, 'remote', 'add', `--gpg-import=${pubFile}`, 'origin', 'http://127.0.0.1:1/', { env: ostreeEnv });
      const del = await ostree(path, 'gpg-sign', '--delete', `--gpg-homedir=${home}`, checksum, other.long, { env: ostreeEnv });
      expect(del.stdout).toContain('Signatures deleted: 1');
      const after = await verifyCommit(repo, checksum, { verifier: new GpgVerifier(keys) });
      expect(after.checks.map((c) => c.keyId)).toEqual([k.long]);
      // ostree 2022.7 only detects a duplicate when the key is in a `*.gpg` keyring of --gpg-homedir;
      // a gpg 2.2 home holds pubring.kbx, so it signs again. ostree-ts reports both signatures.
      const dup = await ostree(path, 'gpg-sign', `--gpg-homedir=${home}`, checksum, k.long, { env: ostreeEnv, allowFail: true });
      if (dup.code === 0) {
        const both = await verifyCommit(repo, checksum, { verifier: new GpgVerifier(keys), requireValid: true });
        expect(both.checks.map((c) => [c.keyId, c.valid])).toEqual([[k.long, true], [k.long, true]]);
      } else {
        expect(dup.stderr).toContain('already signed');
      }
    }, 60_000);
  }

  it('remote keyrings written by ostree remote add --gpg-import are read by ostree-ts', async () => {
    const { path, checksum } = await ourSignedRepo();
    const copy = join(tmpdir(), 'copy');
    cpSync(path, copy, { recursive: true });
    await ostree(copy, 'remote', 'add', `--gpg-import=${pubFile}`, 'origin', 'http://127.0.0.1:1/', { env: ostreeEnv });
    await ostree(copy, 'remote', 'add', `--gpg-import=${otherPub}`, 'elsewhere', 'http://127.0.0.1:1/', { env: ostreeEnv });
    const repo = await Repo.open(copy);
    const originKeys = await loadTrustedGpgKeys(repo, { remote: 'origin' });
    expect(originKeys.map((k) => k.getFingerprint().toUpperCase()).sort()).toEqual([rsa.fpr, ed.fpr].sort());
    const r = await verifyCommit(repo, checksum, { verifier: new GpgVerifier(originKeys), requireValid: true });
    expect(r.checks.every((c) => c.valid)).toBe(true);
    const elsewhere = await verifyCommit(repo, checksum, { verifier: new GpgVerifier(await loadTrustedGpgKeys(repo, { remote: 'elsewhere' })) });
    expect(elsewhere.anyValid).toBe(false);
    expect((await loadTrustedGpgKeys(repo)).length).toBe(3);
  }, 60_000);

  it('a passphrase-protected key in the GnuPG home needs its passphrase', async () => {
    await expect(resolveSigners({ gpgSign: [pw.long], gpgHomedir: home })).rejects.toSatisfy((e) => isOstreeError(e, 'PASSPHRASE_REQUIRED'));
    await expect(resolveSigners({ gpgSign: [pw.long], gpgHomedir: home, passphrase: 'nope' })).rejects.toSatisfy((e) => isOstreeError(e, 'BAD_PASSPHRASE'));
    const pwFile = join(work, 'pw.txt');
    writeFileSync(pwFile, 'sesame\n');
    const [s] = await resolveSigners({ gpgSign: [pw.long], gpgHomedir: home, passphraseFile: pwFile });
    const sig = await s.sign(new TextEncoder().encode('data'));
    writeFileSync(join(work, 'd'), 'data');
    writeFileSync(join(work, 'd.sig'), sig);
    const out = gpg(home, ['--status-fd', '1', '--verify', join(work, 'd.sig'), join(work, 'd')]);
    expect(out.stdout.toString()).toContain(`GOODSIG ${pw.long}`);
  }, 30_000);
});
