/**
 * Pull interop: a real `ostree pull --require-static-deltas` from 127.0.0.1 consumes deltas written
 * by ostree-ts (generated and listed in the summary by our CLI) — a fresh bare-user-only client
 * uses the scratch delta, then the from→to delta once it holds the old commit — and `ostree fsck`
 * accepts the client. Also `ostree static-delta show` on ours, and the `static-delta` CLI.
 */
import { it, expect } from 'vitest';
import { join } from 'node:path';
import { interopSuite, ostree, serveDirectory, tmpdir } from './harness.js';
import { writeTree } from '../util/trees.js';
import { deltaTrees } from './delta-util.js';
import { generateStaticDelta } from '../../src/ops/delta-generate.js';
import { updateSummary } from '../../src/ops/summary.js';
import { listStaticDeltas, describeStaticDelta, deleteStaticDelta } from '../../src/ops/delta-info.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { deltaDirPath } from '../../src/format/delta.js';

interopSuite('ostree pull --require-static-deltas from our repo', ['ostree'], () => {
  it('fresh client takes the scratch delta, updated client the from→to delta; fsck clean', async () => {
    const dir = tmpdir();
    const { v1, v2 } = deltaTrees();
    writeTree(join(dir, 'v1'), v1);
    writeTree(join(dir, 'v2'), v2);
    const server = join(dir, 'server');
    const repo = await Repo.init(server, { mode: 'archive' });
    const c1 = (await commit(repo, { branch: 'main', subject: 'one', timestamp: '2021-01-01 00:00:00 +0000', trees: [{ kind: 'dir', path: join(dir, 'v1') }] })).checksum;
    await generateStaticDelta(repo, { from: null, to: c1, workers: 0 });
    await updateSummary(repo);
    expect(await listStaticDeltas(repo)).toEqual([c1]);

    const http = await serveDirectory(server);
    try {
      const client = join(dir, 'client');
      await ostree(client, 'init', '--mode=bare-user-only');
      await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', http.url);
      const pull1 = await ostree(client, 'pull', '--require-static-deltas', 'origin', 'main');
      expect(pull1.stdout).toContain('1 delta parts');
      const scratch = `/${deltaDirPath(null, c1)}/superblock`;
      expect(http.requests.map((r) => r.path)).toContain(scratch);
      // ostree's pull scans the commit while the part executes in a thread, so it may also fetch a few
      // loose objects the part is about to write (it does the same with deltas made by ostree)
      await ostree(client, 'fsck');
      expect((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim()).toBe(c1);

      // second commit: from→to delta
      const c2 = (await commit(repo, { branch: 'main', subject: 'two', timestamp: '2021-01-02 00:00:00 +0000', trees: [{ kind: 'dir', path: join(dir, 'v2') }] })).checksum;
      const gen2 = await generateStaticDelta(repo, { from: c1, to: c2, workers: 0 });
      expect(gen2.rollsum).toBe(1);
      await updateSummary(repo);
      http.requests.length = 0;
      const pull2 = await ostree(client, 'pull', '--require-static-deltas', 'origin', 'main');
      expect(pull2.stdout).toContain('1 delta parts');
      const paths = http.requests.map((r) => r.path);
      expect(paths).toContain(`/${deltaDirPath(c1, c2)}/superblock`);
      expect(paths).toContain(`/${deltaDirPath(c1, c2)}/0`);
      await ostree(client, 'fsck');
      expect((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim()).toBe(c2);

      // ostree reads our deltas
      const theirs = (await ostree(server, 'static-delta', 'show', `${c1}-${c2}`)).stdout;
      const info = await describeStaticDelta(repo, `${c1}-${c2}`, { verify: true });
      expect(theirs).toContain(`PartMeta0: nobjects=${info.parts[0]!.objects} size=${info.parts[0]!.size} usize=${info.parts[0]!.usize}`);
      await deleteStaticDelta(repo, c1);
      expect(await listStaticDeltas(repo)).toEqual([`${c1}-${c2}`]);
    } finally {
      await http.close();
    }
  }, 60000);
});
