/**
 * ed25519 verification of pulls (`sign-verify`, `sign-verify-summary`; Debian's ostree has no
 * ed25519, so the signing side is ours): a signed commit and summary verify, an unknown key and an
 * unsigned commit are refused, nothing is written then. Also pull-local between our own repos and
 * `--depth` with a missing parent on the remote.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { updateSummary } from '../../src/ops/summary.js';
import { signCommit, signSummaryBytes } from '../../src/ops/sign.js';
import { remoteAdd } from '../../src/ops/remote.js';
import { pull } from '../../src/ops/pull.js';
import { serveRepo } from '../../src/ops/serve.js';
import { Ed25519Signer, ed25519SecretFromSeed, toBase64 } from '../../src/sign/index.js';
import { isOstreeError } from '../../src/errors.js';
import { ObjectType } from '../../src/format/object-type.js';

function signer(seedByte: number): Ed25519Signer {
  return new Ed25519Signer(ed25519SecretFromSeed(new Uint8Array(32).fill(seedByte)));
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isOstreeError(e) ? e.code : String(e);
  }
}

describe('pull with ed25519 verification', () => {
  it('signed commit and summary verify; wrong key / unsigned refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-pull-sign-'));
    try {
      const server = await Repo.init(join(dir, 'server'), { mode: 'archive' });
      const tree = { type: 'dir' as const, entries: { a: { type: 'file' as const, content: 'hello\n' }, sub: { type: 'dir' as const, entries: { b: { type: 'file' as const, content: 'b', mode: 0o755 } } } } };
      const good = signer(7);
      const c1 = (await commit(server, { branch: 'main', subject: 'one', timestamp: 1_700_000_000n, trees: [{ kind: 'memory', tree }] })).checksum;
      await signCommit(server, c1, [good]);
      const c2 = (await commit(server, { branch: 'main', subject: 'two', timestamp: 1_700_000_100n, trees: [{ kind: 'memory', tree }] })).checksum;
      await signCommit(server, c2, [good]);
      await commit(server, { branch: 'unsigned', subject: 'u', timestamp: 1_700_000_000n, trees: [{ kind: 'memory', tree }] });
      await updateSummary(server, { sign: (b) => signSummaryBytes(b, [good]) });
      const srv = await serveRepo(server.path);
      try {
        const mk = async (name: string, key: string) => {
          const r = await Repo.init(join(dir, name), { mode: 'bare-user-only' });
          await remoteAdd(r, 'origin', srv.url, { set: [['gpg-verify', 'false'], ['sign-verify', 'true'], ['sign-verify-summary', 'true'], ['verification-ed25519-key', key]] });
          return Repo.open(join(dir, name));
        };
        const ok = await mk('ok', good.keyId);
        const r = await pull(ok, { remote: 'origin', refs: ['main'], depth: -1 });
        expect(r.refs[0]!.checksum).toBe(c2);
        expect((await ok.loadCommit(c2)).parent).toBe(c1);
        expect(await ok.hasObject(c1, ObjectType.COMMIT)).toBe(true);
        expect(await code(pull(ok, { remote: 'origin', refs: ['unsigned'] }))).toBe('NO_SIGNATURE');

        const bad = await mk('bad', toBase64(signer(9).publicKey));
        expect(await code(pull(bad, { remote: 'origin', refs: ['main'] }))).toBe('BAD_SIGNATURE');
        expect(await code(pull(bad, { remote: 'origin', refs: ['main'], signVerifySummary: false }))).toBe('BAD_SIGNATURE');
        expect(await bad.listRefs({ remotes: true })).toEqual([]);

        // a parent missing on the remote ends --depth quietly
        unlinkSync(join(server.path, 'objects', c1.slice(0, 2), `${c1.slice(2)}.commit`));
        const shallow = await mk('shallow', good.keyId);
        const r2 = await pull(shallow, { remote: 'origin', refs: ['main'], depth: -1 });
        expect(r2.refs[0]!.checksum).toBe(c2);
        expect(await shallow.hasObject(c1, ObjectType.COMMIT)).toBe(false);

        // pull-local from the bare-user-only client into a fresh archive repo
        const back = await Repo.init(join(dir, 'back'), { mode: 'archive' });
        const pl = await pull(back, { sourceRepo: ok, refs: [c2], gpgVerify: false });
        expect(pl.fetchedContent).toBeGreaterThan(0);
        expect((await back.readContent((await back.loadDirtree((await back.loadCommit(c2)).rootTree)).files[0]!.checksum)).content.length).toBe(6);
        // a file:// remote that is bare-user-only is read through its Repo
        const viaFile = await Repo.init(join(dir, 'via-file'), { mode: 'archive' });
        await remoteAdd(viaFile, 'local', `file://${ok.path}`, { noGpgVerify: true });
        const rf = await pull(await Repo.open(viaFile.path), { remote: 'local', refs: [c2] });
        expect(rf.fetchedContent).toBeGreaterThan(0);
      } finally {
        await srv.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
