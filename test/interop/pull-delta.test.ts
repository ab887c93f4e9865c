/**
 * Pull interop, part 2: a repository made by the real ostree 2022.7 with static deltas, served by
 * our `serve`: scratch and from→to deltas into bare-user-only, objects into archive, commit-metadata-
 * only pulls, and an interrupted pull that the next pull completes — `ostree fsck` after each.
 */
import { beforeAll, expect, it } from 'vitest';

import { interopSuite, ostree } from './harness.js';
import { pull, type PullOptions } from '../../src/ops/pull.js';
import { served, client, ostreeRepo } from './pull-util.js';





interopSuite('pull deltas and resume (ostree-made repository)', ['ostree'], () => {
  let srv: { path: string; c1: string; c2: string };
  beforeAll(async () => {
    srv = await ostreeRepo({ deltas: true, files: 100 });
  }, 60_000);

  it('ostree repo with deltas: bare-user-only uses scratch then from→to deltas; archive uses objects; fsck', async () => {
    const { path, c1, c2 } = srv;
    const s = await served(path);
    try {
      const bu = await client('bare-user-only', s.url);
      const r1 = await pull(bu, { remote: 'origin', refs: [`main@${c1}`], requireStaticDeltas: true });
      expect(r1.deltasUsed).toEqual([c1]);
      await ostree(bu.path, 'fsck');
      const r2 = await pull(bu, { remote: 'origin', refs: ['main'], requireStaticDeltas: true });
      expect(r2.deltasUsed).toEqual([`${c1}-${c2}`]);
      expect(r2.refs[0]).toMatchObject({ checksum: c2, previous: c1, via: 'delta' });
      await ostree(bu.path, 'fsck');
      expect((await ostree(bu.path, 'rev-parse', 'origin:main')).stdout.trim()).toBe(c2);
      // content equals the server's commit, file by file (ostree's view of both)
      const ours = (await ostree(bu.path, 'ls', '-R', '-C', 'origin:main')).stdout;
      const theirs = (await ostree(path, 'ls', '-R', '-C', 'main')).stdout;
      expect(ours.split('\n').map((l) => l.replace(/^\S+ \d+ \d+/, '')).join('\n')).toBe(theirs.split('\n').map((l) => l.replace(/^\S+ \d+ \d+/, '')).join('\n'));

      const ar = await client('archive', s.url);
      const logStart = s.log.length;
      const r3 = await pull(ar, { remote: 'origin', refs: ['main'], depth: 1 });
      expect(r3.deltasUsed).toEqual([]);
      expect(s.log.slice(logStart).some((l) => l.includes('/deltas/'))).toBe(false);
      await ostree(ar.path, 'fsck');
      expect((await ostree(ar.path, 'rev-parse', 'origin:main^')).stdout.trim()).toBe(c1);
      await expect(pull(ar, { remote: 'origin', refs: ['main'], requireStaticDeltas: true })).rejects.toMatchObject({ code: 'DELTA_REQUIRED' });
    } finally {
      await s.close();
    }
  }, 60_000);


  it('bare-user-only object pull (deltas disabled) and --commit-metadata-only; fsck', async () => {
    const { path, c1, c2 } = srv;
    const s = await served(path);
    try {
      const bu = await client('bare-user-only', s.url);
      const meta = await pull(bu, { remote: 'origin', refs: ['main'], commitMetadataOnly: true, depth: -1 });
      expect(meta.fetchedContent).toBe(0);
      expect(await bu.isCommitPartial(c2)).toBe(true);
      expect(await bu.isCommitPartial(c1)).toBe(true);
      await ostree(bu.path, 'fsck');
      // a delta completes a partial (commit-only) commit too
      const viaDelta = await client('bare-user-only', s.url);
      await pull(viaDelta, { remote: 'origin', refs: [c1], commitMetadataOnly: true }); // no ref written
      expect(await viaDelta.isCommitPartial(c1)).toBe(true);
      const d = await pull(viaDelta, { remote: 'origin', refs: [`main@${c1}`], requireStaticDeltas: true }); // scratch: ref is new
      expect(d.deltasUsed).toEqual([c1]);
      expect(await viaDelta.isCommitPartial(c1)).toBe(false);
      await ostree(viaDelta.path, 'fsck');
      s.log.length = 0;
      const r = await pull(bu, { remote: 'origin', refs: ['main'], disableStaticDeltas: true });
      expect(r.deltasUsed).toEqual([]);
      expect(await bu.isCommitPartial(c2)).toBe(false);
      expect(s.log.some((l) => l.includes('/deltas/'))).toBe(false);
      await ostree(bu.path, 'fsck');
    } finally {
      await s.close();
    }
  }, 60_000);


  it('an interrupted pull leaves a repo fsck accepts, and the next pull completes it', async () => {
    const { path, c2 } = srv;
    const s = await served(path);
    try {
      for (const mode of ['archive', 'bare-user-only'] as const) {
        const repo = await client(mode, s.url);
        const ac = new AbortController();
        const opts: PullOptions = {
          remote: 'origin',
          refs: ['main'],
          disableStaticDeltas: true,
          signal: ac.signal,
          onProgress: (e) => {
            if (e.phase === 'objects' && e.fetched >= 40) ac.abort(new Error('stop'));
          },
        };
        await expect(pull(repo, opts)).rejects.toThrow('stop');
        expect(await repo.readRef('origin:main')).toBeNull();
        expect(await repo.isCommitPartial(c2)).toBe(true);
        await ostree(repo.path, 'fsck');
        const before = s.log.length;
        const r = await pull(repo, { remote: 'origin', refs: ['main'] });
        expect(r.refs[0]!.checksum).toBe(c2);
        expect(await repo.isCommitPartial(c2)).toBe(false);
        // nothing stored is fetched twice (only the few requests in flight at the abort can repeat)
        const firstObjs = new Set(s.log.slice(0, before).filter((l) => l.includes('/objects/') && l.endsWith(' 200') && !l.includes('.commit')).map((l) => l.split(' ')[1]));
        const secondObjs = s.log.slice(before).filter((l) => l.includes('/objects/') && !l.includes('.commit')).map((l) => l.split(' ')[1]);
        expect(secondObjs.filter((p) => firstObjs.has(p)).length).toBeLessThanOrEqual(8);
        await ostree(repo.path, 'fsck');
        s.log.length = 0;
      }
    } finally {
      await s.close();
    }
  }, 60_000);

});
