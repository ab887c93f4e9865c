/**
 * Concurrency (issue 8): two processes commit to the same repository (branches `a` and `b`, one
 * commit process after another) while a third updates the summary in a loop. The repository lock
 * must serialise the writers (the loop alternates `summary -u` and `build-update-repo`, which also
 * commits the appstream branches): afterwards real `ostree fsck` passes, every commit printed by a
 * committer exists, each branch's parent chain holds all of its commits in order, and a final
 * `summary -u` names both branch heads. `CONC_COMMITS=N` sets the commits per committer.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { Repo } from '../../src/store/repo.js';
import { ObjectType } from '../../src/format/object-type.js';
import { decodeSummary } from '../../src/format/summary.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopSuite } from '../interop/harness.js';
import { cliBundle, cliOk, spawnCli, repoProblems, removeCliBundle } from './cli.js';
import { CrashRepo, removeCrashRepos } from './crash-harness.js';

const N = Number(process.env.CONC_COMMITS) > 0 ? Number(process.env.CONC_COMMITS) : 4;

interopSuite('concurrent writers', ['ostree'], () => {
  let r: CrashRepo;
  afterAll(removeCliBundle);
  afterAll(removeCrashRepos);
  beforeAll(async () => {
    await cliBundle();
    r = await new CrashRepo().init();
  });

  it(`two committers (${N} commits each) and a summary -u / build-update-repo loop`, async () => {
    const trees = { a: [] as string[], b: [] as string[] };
    for (let i = 0; i < N; i++) {
      trees.a.push(r.tree(`conc-a-${i}`, 120));
      trees.b.push(r.tree(`conc-b-${i}`, 120));
    }
    const committer = async (branch: 'a' | 'b'): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < N; i++) out.push((await cliOk(['commit', `--repo=${r.repo}`, '-b', branch, '-s', `${branch}${i}`, trees[branch][i]!])).stdout.trim());
      return out;
    };
    let done = false;
    let summaries = 0;
    const summaryErrors: string[] = [];
    let updates = 0;
    const summaryLoop = (async () => {
      for (let k = 0; !done; k++) {
        // Alternate ostree's `summary -u` and flatpak's `build-update-repo`.
        const s = await spawnCli(k % 2 === 0 ? ['summary', '-u', `--repo=${r.repo}`] : ['build-update-repo', r.repo]);
        if (s.code !== 0) summaryErrors.push(s.stderr);
        else if (k % 2 === 0) summaries++;
        else updates++;
      }
    })();
    const [ca, cb] = await Promise.all([committer('a'), committer('b')]).finally(() => (done = true));
    await summaryLoop;
    console.log(`concurrency: ${ca!.length + cb!.length} commits, ${summaries} summary -u and ${updates} build-update-repo runs alongside`);
    expect(summaryErrors).toEqual([]);

    const repo = await Repo.open(r.repo);
    for (const [branch, list] of [['a', ca!], ['b', cb!]] as const) {
      const chain: string[] = [];
      let c: string | null = await repo.readRef(branch);
      while (c) {
        chain.unshift(c);
        c = (await repo.loadCommit(c)).parent;
      }
      expect(chain).toEqual(list);
      for (const x of list) expect(await repo.hasObject(x, ObjectType.COMMIT)).toBe(true);
    }
    await cliOk(['summary', '-u', `--repo=${r.repo}`]);
    const s = decodeSummary(new Uint8Array(readFileSync(join(r.repo, 'summary'))));
    const heads = Object.fromEntries(s.refs.map((x) => [x.name, x.checksum]));
    expect([heads.a, heads.b]).toEqual([ca!.at(-1), cb!.at(-1)]);
    expect(await repoProblems(r.repo)).toEqual([]);
  }, 600_000);
});
