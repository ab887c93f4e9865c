/**
 * End to end with the real flatpak client: a runtime (dash + its libraries) and an app (a shell
 * script) exported by ostree-ts, summary written by ostree-ts (`updateFlatpakSummary` through
 * `build-export`), served over HTTP on 127.0.0.1 → `flatpak remote-add --user --no-gpg-verify` →
 * `remote-ls -d` shows both refs with the sizes flatpak itself computes for the same build dirs →
 * `install --user` → `flatpak run` prints the app's output.
 */
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { flatpakEnv, interopSuite, run, serveDirectory, tmpdir, tool } from './harness.js';
import { cli } from '../cli/io.js';
import { Repo } from '../../src/store/repo.js';
import { readFlatpakRefData } from '../../src/flatpak/summary.js';
import { hostArch } from '../../src/flatpak/names.js';
import { gFormatSize } from '../../src/cli/commands/summary.js';
import { APP_ID, APP_OUTPUT, RUNTIME_ID, makeAppDir, makeRuntimeDir } from './flatpak-util.js';

interopSuite('flatpak client installs and runs what ostree-ts exports', ['flatpak', 'bwrap'], () => {
  it('remote-add, remote-ls (sizes), install, run', async () => {
    const flatpak = tool('flatpak').path!;
    const arch = hostArch();
    const d = tmpdir();
    makeRuntimeDir(join(d, 'rt'), arch);
    makeAppDir(join(d, 'app'), arch);
    const repo = join(d, 'repo');
    // through the CLI, as a user would
    let r = await cli(['build-export', '--runtime', repo, join(d, 'rt')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    r = await cli(['build-export', '--exclude=/share/data/*.log', repo, join(d, 'app')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Commit: [0-9a-f]{64}\n/);

    // flatpak's own export of the same directories, for the sizes it computes
    const theirs = join(d, 'theirs');
    await run(flatpak, ['build-export', '--no-update-summary', '--runtime', theirs, join(d, 'rt')]);
    await run(flatpak, ['build-export', '--no-update-summary', '--disable-sandbox', '--exclude=/share/data/*.log', theirs, join(d, 'app')]);
    const theirRepo = await Repo.open(theirs);
    const sizes = new Map<string, { installed: string; download: string }>();
    for (const ref of [`runtime/${RUNTIME_ID}/${arch}/master`, `app/${APP_ID}/${arch}/master`]) {
      const c = (await theirRepo.resolveRev(ref))!;
      const data = await readFlatpakRefData(theirRepo, c);
      sizes.set(ref, { installed: gFormatSize(data.installedSize), download: gFormatSize(data.downloadSize) });
    }

    const server = await serveDirectory(repo);
    try {
      const env = flatpakEnv(join(d, 'fp'));
      await run(flatpak, ['remote-add', '--user', '--no-gpg-verify', 'ts', server.url], { env });
      const ls = await run(flatpak, ['remote-ls', '--user', '-a', '--columns=ref,installed-size,download-size', 'ts'], { env });
      for (const [ref, s] of sizes) {
        const line = ls.stdout.split('\n').find((l) => l.startsWith(ref));
        expect(line, ls.stdout).toBeDefined();
        const cols = line!.split('\t').map((c) => c.trim());
        expect(cols.slice(1)).toEqual([s.installed, s.download]);
      }
      const lsd = await run(flatpak, ['remote-ls', '--user', '-d', 'ts'], { env });
      expect(lsd.stdout).toContain(APP_ID);
      await run(flatpak, ['install', '--user', '-y', '--noninteractive', 'ts', APP_ID], { env, timeoutMs: 60_000 });
      const out = await run(flatpak, ['run', '--user', APP_ID], { env, timeoutMs: 30_000 });
      expect(out.stdout.trim()).toBe(APP_OUTPUT);
      // what the client fetched: the summary index (or, without one, the compat summary)
      expect(server.requests.some((q) => (q.path === '/summary.idx' || q.path === '/summary') && q.status === 200)).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);
});
