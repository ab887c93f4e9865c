/**
 * Pull interop with a repository written and signed by the real flatpak 1.14 (`build-export
 * --gpg-sign`, `build-update-repo --generate-static-deltas --gpg-sign`), served by our `serve`:
 * verified pulls (gpg-verify, gpg-verify-summary) of the runtime and app into bare-user-only (static
 * deltas) and archive (objects, `--mirror` of every ref), `ostree fsck` after each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopSuite, ostree, run, tmpdir, tool } from './harness.js';
import { destroyHome, genKey, gpg, ids, newHome } from '../sign/gpg-helpers.js';
import { APP_ID, RUNTIME_ID, makeAppDir, makeRuntimeDir } from './flatpak-util.js';
import { hostArch } from '../../src/flatpak/names.js';
import { serveRepo, type RunningServer } from '../../src/ops/serve.js';
import { pull } from '../../src/ops/pull.js';
import { remoteAdd } from '../../src/ops/remote.js';
import { Repo } from '../../src/store/repo.js';

interopSuite('pull from a flatpak-made, gpg-signed repository', ['flatpak', 'ostree', 'gpg', 'gpgconf'], () => {
  let home = '';
  let key = '';
  let pub = '';
  let repoPath = '';
  let server: RunningServer;
  const arch = hostArch();
  const rtRef = `runtime/${RUNTIME_ID}/${arch}/master`;
  const appRef = `app/${APP_ID}/${arch}/master`;

  beforeAll(async () => {
    home = newHome();
    key = ids(genKey(home, 'Flatpak Repo <fp@example.com>', 'ed25519')).long;
    const d = tmpdir();
    pub = join(d, 'pub.gpg');
    writeFileSync(pub, gpg(home, ['--export', key]).stdout);
    makeRuntimeDir(join(d, 'rt'), arch);
    makeAppDir(join(d, 'app'), arch);
    repoPath = join(d, 'repo');
    const flatpak = tool('flatpak').path!;
    const sign = [`--gpg-homedir=${home}`, `--gpg-sign=${key}`];
    const env = { ...process.env, GNUPGHOME: home };
    await run(flatpak, ['build-export', ...sign, '--runtime', repoPath, join(d, 'rt'), 'master'], { env });
    await run(flatpak, ['build-export', ...sign, repoPath, join(d, 'app'), 'master'], { env });
    // a second app commit so a from→to delta exists too
    writeFileSync(join(d, 'app', 'files', 'share', 'data', 'a.txt'), 'y'.repeat(1500));
    await run(flatpak, ['build-export', ...sign, repoPath, join(d, 'app'), 'master'], { env });
    await run(flatpak, ['build-update-repo', ...sign, '--generate-static-deltas', repoPath], { env });
    server = await serveRepo(repoPath);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (home) destroyHome(home);
  });

  async function client(mode: 'archive' | 'bare-user-only'): Promise<Repo> {
    const path = join(tmpdir(), `client-${mode}`);
    const repo = await Repo.init(path, { mode });
    await remoteAdd(repo, 'origin', server.url, { set: [['gpg-verify', 'true'], ['gpg-verify-summary', 'true']] });
    writeFileSync(join(path, 'origin.trustedkeys.gpg'), readFileSync(pub));
    return Repo.open(path);
  }

  it('bare-user-only client: verified delta pulls of runtime and app; fsck', async () => {
    const repo = await client('bare-user-only');
    const r = await pull(repo, { remote: 'origin', refs: [rtRef, appRef] });
    expect(r.refs.map((x) => x.ref)).toEqual([rtRef, appRef]);
    expect(r.deltasUsed.length).toBe(2);
    await ostree(repo.path, 'fsck');
    const want = (await ostree(repoPath, 'rev-parse', appRef)).stdout.trim();
    expect(await repo.readRef(`origin:${appRef}`)).toBe(want);
    // without the key the same pull is refused (summary first), and nothing is written
    const untrusted = await client('bare-user-only');
    writeFileSync(join(untrusted.path, 'origin.trustedkeys.gpg'), '');
    await expect(pull(untrusted, { remote: 'origin', refs: [appRef] })).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    await expect(pull(untrusted, { remote: 'origin', refs: [appRef], gpgVerifySummary: false })).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    expect(await untrusted.listRefs({ remotes: true })).toEqual([]);
    // ref binding: flatpak binds the commit to its ref; pulling it as another ref is refused
    const rebound = await client('archive');
    const e = await pull(rebound, { remote: 'origin', refs: [`app/${APP_ID}/${arch}/other@${want}`] }).catch((x) => x);
    expect(e).toMatchObject({ code: 'BAD_BINDING' });
    expect(String(e.message)).toContain(`no requested ref ‘app/${APP_ID}/${arch}/other’`);
    const ok = await pull(rebound, { remote: 'origin', refs: [`app/${APP_ID}/${arch}/other@${want}`], disableVerifyBindings: true });
    expect(ok.refs[0]!.checksum).toBe(want);
  }, 60_000);

  it('archive client: --mirror of every ref (objects), summary copied; fsck', async () => {
    const repo = await client('archive');
    const r = await pull(repo, { remote: 'origin', mirror: true, depth: -1 });
    expect(r.deltasUsed).toEqual([]);
    expect(r.refs.map((x) => x.ref)).toEqual(expect.arrayContaining([rtRef, appRef, `appstream/${arch}`]));
    expect(readFileSync(join(repo.path, 'summary')).equals(readFileSync(join(repoPath, 'summary')))).toBe(true);
    await ostree(repo.path, 'fsck');
    const log = await ostree(repo.path, 'log', appRef);
    expect(log.stdout.match(/^commit /gm)).toHaveLength(2);
  }, 60_000);
});
