/**
 * flat-manager's commit and publish path, run with ostree-ts in place of `flatpak`: a local build
 * (exported by ostree-ts, from-empty deltas by ostree) is "uploaded" into `BUILD/upload` (an
 * archive repo whose `core.parent` is the main repo), the commit job runs `build-commit-from
 * --timestamp=NOW --no-update-summary --untrusted --force --disable-fsync --src-repo=BUILD/upload
 * --src-ref=C BUILD REF`, the publish job `build-commit-from --force --gpg-sign … --src-repo=BUILD
 * MAIN` (summary update included). The real flatpak client then installs from MAIN (GPG-verified,
 * collection ID from our `.flatpakrepo`) using the re-targeted static deltas, and runs the app.
 */
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { cpSync, writeFileSync } from 'node:fs';
import { flatpakEnv, interopSuite, ostree, run, serveDirectory, tmpdir, tool } from './harness.js';
import { cli } from '../cli/io.js';
import { destroyHome, genKey, gpg, newHome } from '../sign/gpg-helpers.js';
import { hostArch } from '../../src/flatpak/names.js';
import { APP_ID, RUNTIME_ID, makeAppDir, makeRuntimeDir } from './flatpak-util.js';

interopSuite('flat-manager commit/publish path with ostree-ts build-commit-from', ['flatpak', 'ostree', 'bwrap', 'gpg'], () => {
  it('upload → build repo → main repo → flatpak install + run', async () => {
    const flatpak = tool('flatpak').path!;
    const arch = hostArch();
    const d = tmpdir();
    const home = newHome();
    try {
      const fpr = genKey(home, 'Main Key <main@example.com>', 'ed25519');
      writeFileSync(join(d, 'key.gpg'), gpg(home, ['--export', fpr]).stdout);
      const main = join(d, 'main');
      const build = join(d, 'build');
      const upload = join(build, 'upload');
      await ostree(main, 'init', '--mode=archive', '--collection-id=org.test.Main');
      await ostree(build, 'init', '--mode=archive', '--collection-id=org.test.Main.Build1');
      await ostree(build, 'config', 'set', 'core.parent', main);
      await ostree(upload, 'init', '--mode=archive');
      await ostree(upload, 'config', 'set', 'core.parent', main);

      // the developer's local build repo, pushed to the upload repo with its from-empty deltas
      const local = join(d, 'local');
      makeRuntimeDir(join(d, 'rt'), arch);
      makeAppDir(join(d, 'app'), arch, 'published hello');
      expect((await cli(['build-export', '--runtime', '--no-update-summary', local, join(d, 'rt')])).code).toBe(0);
      expect((await cli(['build-export', '--no-update-summary', local, join(d, 'app')])).code).toBe(0);
      const refs = [`app/${APP_ID}/${arch}/master`, `runtime/${RUNTIME_ID}/${arch}/master`];
      const commits = new Map<string, string>();
      for (const ref of refs) {
        commits.set(ref, (await ostree(local, 'rev-parse', ref)).stdout.trim());
        await ostree(local, 'static-delta', 'generate', '--empty', `--to=${ref}`);
        await ostree(upload, 'pull-local', local, ref);
      }
      cpSync(join(local, 'deltas'), join(upload, 'deltas'), { recursive: true });

      // commit job
      for (const ref of refs) {
        const r = await cli(['build-commit-from', '--timestamp=NOW', '--no-update-summary', '--untrusted', '--force', '--disable-fsync',
          '--token-type=0', `--src-repo=${upload}`, `--src-ref=${commits.get(ref)}`, build, ref]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      expect((await ostree(build, 'static-delta', 'list')).stdout.trim().split('\n')).toHaveLength(2);
      // publish job (summary update included)
      const pub = await cli(['build-commit-from', '--force', `--gpg-sign=${fpr}`, `--gpg-homedir=${home}`, '--extra-collection-id=org.test.Main.Extra', `--src-repo=${build}`, main]);
      expect(pub.stderr).toBe('');
      expect(pub.stdout.trim().split('\n')).toHaveLength(2);
      expect((await ostree(main, 'static-delta', 'list')).stdout.trim().split('\n')).toHaveLength(2);
      expect((await ostree(main, 'fsck')).code).toBe(0);

      const server = await serveDirectory(d);
      try {
        const url = `${server.url}/main`;
        expect((await cli(['flatpakrepo', `--url=${url}`, '--gpg-key=key.gpg', '--deploy-collection-id=org.test.Main', '-o', 'main.flatpakrepo'], { cwd: d })).code).toBe(0);
        const env = flatpakEnv(join(d, 'fp'));
        await run(flatpak, ['remote-add', '--user', 'main', join(d, 'main.flatpakrepo')], { env });
        await run(flatpak, ['install', '--user', '-y', '--noninteractive', 'main', APP_ID], { env, timeoutMs: 60_000 });
        const out = await run(flatpak, ['run', '--user', APP_ID], { env, timeoutMs: 30_000 });
        expect(out.stdout.trim()).toBe('published hello');
        const got = (re: RegExp) => server.requests.some((q) => re.test(q.path) && q.status === 200);
        expect(got(/^\/main\/deltas\/.+\/superblock$/)).toBe(true);
        expect(got(/^\/main\/objects\/.+\.commitmeta$/)).toBe(true);
      } finally {
        await server.close();
      }
    } finally {
      destroyHome(home);
    }
  }, 90_000);
});
