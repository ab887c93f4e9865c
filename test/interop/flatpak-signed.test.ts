/**
 * A GPG-signed repository with a collection ID, made entirely by ostree-ts (build-export with
 * `--collection-id --gpg-sign --gpg-homedir`, summary.sig by the summary update, `.flatpakrepo` and
 * `.flatpakref` by the CLI writers), used by the real flatpak client with signature verification
 * on: `remote-add` from our `.flatpakrepo`, `install --from` our `.flatpakref` (the runtime comes
 * from the same remote), `run`.
 */
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { flatpakEnv, interopSuite, run, serveDirectory, tmpdir, tool } from './harness.js';
import { cli } from '../cli/io.js';
import { destroyHome, genKey, gpg, newHome } from '../sign/gpg-helpers.js';
import { hostArch } from '../../src/flatpak/names.js';
import { APP_ID, APP_OUTPUT, RUNTIME_ID, makeAppDir, makeRuntimeDir } from './flatpak-util.js';

interopSuite('flatpak verifies what ostree-ts signs (collection ID, .flatpakrepo, .flatpakref)', ['flatpak', 'bwrap', 'gpg'], () => {
  it('remote-add from .flatpakrepo, install --from .flatpakref, run', async () => {
    const flatpak = tool('flatpak').path!;
    const arch = hostArch();
    const d = tmpdir();
    const home = newHome();
    try {
      const fpr = genKey(home, 'Repo Key <repo@example.com>', 'ed25519');
      writeFileSync(join(d, 'key.gpg'), gpg(home, ['--export', fpr]).stdout);
      makeRuntimeDir(join(d, 'rt'), arch);
      makeAppDir(join(d, 'app'), arch, 'signed hello');
      const repo = join(d, 'repo');
      const sign = [`--gpg-sign=${fpr}`, `--gpg-homedir=${home}`, '--collection-id=org.test.Signed'];
      let r = await cli(['build-export', ...sign, '--runtime', repo, join(d, 'rt')]);
      expect(r.stderr).toBe('');
      r = await cli(['build-export', ...sign, repo, join(d, 'app')]);
      expect(r.stderr).toBe('');

      const server = await serveDirectory(d);
      try {
        const url = `${server.url}/repo`;
        r = await cli(['flatpakrepo', `--url=${url}`, '--title=Signed test repo', '--gpg-key=key.gpg', '--deploy-collection-id=org.test.Signed', '-o', 'test.flatpakrepo'], { cwd: d });
        expect(r.stderr).toBe('');
        r = await cli(['flatpakref', `--name=${APP_ID}`, `--url=${url}`, '--gpg-key=key.gpg', '--deploy-collection-id=org.test.Signed', '--suggest-remote-name=signed',
          `--runtime-repo=${server.url}/test.flatpakrepo`, '-o', 'app.flatpakref'], { cwd: d });
        expect(r.stderr).toBe('');

        const env1 = flatpakEnv(join(d, 'fp1'));
        await run(flatpak, ['remote-add', '--user', 'viarepo', join(d, 'test.flatpakrepo')], { env: env1 });
        const ls = await run(flatpak, ['remote-ls', '--user', '-a', '--columns=ref', 'viarepo'], { env: env1 });
        expect(ls.stdout.split('\n').filter(Boolean).sort()).toEqual([`app/${APP_ID}/${arch}/master`, `runtime/${RUNTIME_ID}/${arch}/master`]);
        const cfg = await run(flatpak, ['remote-info', '--user', '--show-metadata', 'viarepo', APP_ID], { env: env1 });
        expect(cfg.stdout).toContain(`name=${APP_ID}`);

        const env2 = flatpakEnv(join(d, 'fp2'));
        await run(flatpak, ['install', '--user', '-y', '--noninteractive', '--from', join(d, 'app.flatpakref')], { env: env2, timeoutMs: 60_000 });
        const remotes = await run(flatpak, ['remotes', '--user', '--columns=name,options'], { env: env2 });
        expect(remotes.stdout).toMatch(/signed/);
        const out = await run(flatpak, ['run', '--user', APP_ID], { env: env2, timeoutMs: 30_000 });
        expect(out.stdout.trim()).toBe('signed hello');
        expect(server.requests.some((q) => q.path.endsWith('.commitmeta') && q.status === 200)).toBe(true);
        // a summary signature was fetched: the index's (summaries/DIGEST.idx.sig) or summary.sig
        expect(server.requests.some((q) => /^\/repo\/(summary\.sig|summaries\/[0-9a-f]{64}\.idx\.sig|summary\.idx\.sig)$/.test(q.path) && q.status === 200)).toBe(true);
        expect(APP_OUTPUT).not.toBe('signed hello');
      } finally {
        await server.close();
      }
    } finally {
      destroyHome(home);
    }
  }, 60_000);
});
