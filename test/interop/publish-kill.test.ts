/**
 * `publish` SIGKILLed at 10 seeded-random points
 * while a real `ostree pull` client keeps pulling from the destination (served by our `serve`): every
 * pull succeeds with either the previous or the new commit, and `ostree fsck` stays clean.
 */
import { beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { interopSuite, ostree } from './harness.js';
import { Prng } from '../util/prng.js';
import { publish } from '../../src/ops/publish.js';
import { serveRepo } from '../../src/ops/serve.js';
import { cliBundle, spawnCli, type CliRun } from '../reliability/cli.js';
import { makeSource } from './publish-util.js';



/** Run the CLI in a child process (killable); a non-zero exit is an error. */
async function runCli(args: string[], killAfterMs?: number): Promise<CliRun> {
  const r = await spawnCli(args, { killAfterMs });
  if (r.code !== 0 && r.code !== null) throw new Error(`publish exited ${r.code}: ${r.stderr}`);
  return r;
}


interopSuite('publish killed with SIGKILL', ['ostree'], () => {
  // bundle once up front so kill timings are not skewed by the first build
  beforeAll(async () => {
    await cliBundle();
  }, 60_000);

  it('SIGKILLed publishes never break a pulling client (real ostree pull after each kill)', async () => {
    const { src, dir, v1, commitV2 } = await makeSource();
    const dest = join(dir, 'dest');
    await publish(src, dest);
    const server = await serveRepo(dest);
    try {
      const client = join(dir, 'client');
      await ostree(client, 'init', '--mode=archive');
      await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
      await ostree(client, 'pull', 'origin', 'main');
      const v2 = await commitV2();
      // how long does a whole publish take (into a scratch copy in the same state)?
      const probe = join(dir, 'probe');
      await publish(dest, probe);
      const full = (await runCli(['publish', '--delete', '--no-fsync', src, probe])).ms;
      const kills = 10;
      const rng = new Prng('publish-kill');
      let killed = 0;
      for (let i = 0; i < kills; i++) {
        // a seeded random point inside the i-th tenth of a whole publish's duration
        const delay = Math.round(((i + rng.float()) / kills) * full);
        const r = await runCli(['publish', '--delete', '--no-fsync', '-q', src, dest], delay);
        if (r.signal === 'SIGKILL') killed++;
        const fresh = join(dir, `fresh-${i}`);
        await ostree(fresh, 'init', '--mode=bare-user-only');
        await ostree(fresh, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
        await ostree(fresh, 'pull', 'origin', 'main');
        const got = (await ostree(fresh, 'rev-parse', 'origin:main')).stdout.trim();
        expect([v1, v2]).toContain(got);
        await ostree(fresh, 'fsck');
        if (i % 3 === 0) {
          await ostree(client, 'pull', 'origin', 'main');
          expect([v1, v2]).toContain((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim());
        }
      }
      expect(killed).toBeGreaterThan(0);
      await runCli(['publish', '--delete', src, dest]);
      await ostree(client, 'pull', 'origin', 'main');
      expect((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim()).toBe(v2);
      await ostree(client, 'fsck');
      expect((await publish(src, dest, { delete: true })).copied).toEqual([]);
    } finally {
      await server.close();
    }
  }, 120_000);
});
