/**
 * A pull SIGKILLed at several points (the CLI in a child process) leaves a repository `ostree fsck`
 * accepts, with no ref to an incomplete commit, and the next pull completes it.
 */
import { beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { interopSuite, ostree, tmpdir } from './harness.js';
import { generateTreeSpec, writeTree } from '../util/trees.js';
import { serveRepo } from '../../src/ops/serve.js';
import { Repo } from '../../src/store/repo.js';
import { cliBundle, spawnCli, type CliRun } from '../reliability/cli.js';



/** Run the CLI in a child process (killable). */
const runCli = (args: string[], killAfterMs?: number): Promise<CliRun> => spawnCli(args, { killAfterMs });

interopSuite('pull killed with SIGKILL', ['ostree'], () => {
  // bundle once up front so kill timings are not skewed by the first build
  beforeAll(async () => {
    await cliBundle();
  }, 60_000);

  it('each killed pull leaves an fsck-clean repo without the ref; the next pull completes', async () => {
    const dir = tmpdir();
    writeTree(join(dir, 't'), generateTreeSpec({ seed: 31, files: 150, safeModes: true, bigFileSize: 1_000_000, manyFiles: 40, deepDepth: 4 }));
    const src = join(dir, 'src');
    await ostree(src, 'init', '--mode=archive');
    await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-01');
    await ostree(src, 'summary', '-u');
    const head = (await ostree(src, 'rev-parse', 'main')).stdout.trim();
    const server = await serveRepo(src);
    try {
      for (const mode of ['archive', 'bare-user-only'] as const) {
        const client = join(dir, `client-${mode}`);
        await Repo.init(client, { mode });
        await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
        // a complete pull into a scratch client tells how long a whole pull takes
        const probe = join(dir, `probe-${mode}`);
        await Repo.init(probe, { mode });
        await ostree(probe, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
        const full = await runCli(['pull', `--repo=${probe}`, '-q', 'origin', 'main']);
        expect(full.code, full.stderr).toBe(0);
        let killed = 0;
        for (const frac of [0.3, 0.6, 0.85]) {
          const r = await runCli(['pull', `--repo=${client}`, '-q', 'origin', 'main'], Math.round(full.ms * frac));
          if (r.signal === 'SIGKILL') {
            killed++;
            const ref = await ostree(client, 'rev-parse', 'origin:main', { allowFail: true });
            if (ref.code === 0) expect(ref.stdout.trim()).toBe(head); // written only at the very end
          } else {
            expect(r.code, r.stderr).toBe(0);
          }
          await ostree(client, 'fsck');
        }
        const done = await runCli(['pull', `--repo=${client}`, '-q', 'origin', 'main']);
        expect(done.code, done.stderr).toBe(0);
        expect((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim()).toBe(head);
        expect(await (await Repo.open(client)).isCommitPartial(head)).toBe(false);
        await ostree(client, 'fsck');
        expect(killed).toBeGreaterThan(0);
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});
