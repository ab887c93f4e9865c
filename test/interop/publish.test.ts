/**
 * `publish`: copy order, idempotence, `--dry-run`, `--delete` (`ostree fsck` on the destination).
 * publish-kill.test.ts holds the SIGKILL test.
 */
import { expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopSuite, ostree, tmpdir } from './harness.js';
import { generateTreeSpec, writeTree } from '../util/trees.js';
import { publish, publishPhaseOf } from '../../src/ops/publish.js';
import { cli } from '../cli/io.js';

async function makeSource(): Promise<{ src: string; dir: string; commitV2: () => Promise<string>; v1: string }> {
  const dir = tmpdir();
  writeTree(join(dir, 't1'), generateTreeSpec({ seed: 21, files: 80, safeModes: true, bigFileSize: 200_000, manyFiles: 20, deepDepth: 4 }));
  writeTree(join(dir, 't2'), generateTreeSpec({ seed: 22, files: 80, safeModes: true, bigFileSize: 200_000, manyFiles: 20, deepDepth: 4 }));
  const src = join(dir, 'src');
  await ostree(src, 'init', '--mode=archive');
  await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't1')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-01');
  await ostree(src, 'static-delta', 'generate', '--empty', 'main');
  await ostree(src, 'summary', '-u');
  const v1 = (await ostree(src, 'rev-parse', 'main')).stdout.trim();
  return {
    src,
    dir,
    v1,
    commitV2: async () => {
      await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't2')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-02');
      await ostree(src, 'prune', '--refs-only', '--depth=0');
      await ostree(src, 'static-delta', 'generate', '--empty', 'main');
      await ostree(src, 'summary', '-u');
      return (await ostree(src, 'rev-parse', 'main')).stdout.trim();
    },
  };
}

interopSuite('publish', ['ostree'], () => {
  it('phases, idempotence, --dry-run, --delete', async () => {
    expect(publishPhaseOf('objects/ab/cd.filez')).toBe('objects');
    expect(publishPhaseOf('deltas/ab/cd/superblock')).toBe('deltas');
    expect(publishPhaseOf('summary.sig')).toBe('summaries');
    expect(publishPhaseOf('refs/heads/main')).toBe('refs');
    expect(publishPhaseOf('config')).toBe('refs');
    const { src, dir, commitV2 } = await makeSource();
    const dest = join(dir, 'dest');
    const r1 = await publish(src, dest);
    const first = r1.copied;
    // objects, then deltas (parts before superblock), then summaries, then refs/config
    const phases = first.map(publishPhaseOf);
    expect([...phases].sort((a, b) => ['objects', 'deltas', 'summaries', 'refs'].indexOf(a) - ['objects', 'deltas', 'summaries', 'refs'].indexOf(b))).toEqual(phases);
    const sb = first.findIndex((p) => p.endsWith('/superblock'));
    const part = first.findIndex((p) => /^deltas\/.*\/0$/.test(p));
    expect(part).toBeLessThan(sb);
    expect(first.indexOf('summary')).toBeLessThan(first.indexOf('config'));
    await ostree(dest, 'fsck');
    const again = await publish(src, dest);
    expect(again.copied).toEqual([]);
    expect(again.deleted).toEqual([]);

    const v2 = await commitV2();
    const dry = await cli(['publish', '--dry-run', '--delete', src, dest]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('copy refs/heads/main');
    expect(dry.stdout).toMatch(/delete objects\//);
    expect(readFileSync(join(dest, 'refs/heads/main'), 'utf8').trim()).not.toBe(v2);
    const r2 = await publish(src, dest, { delete: true });
    expect(r2.deleted.length).toBeGreaterThan(0);
    expect(r2.deleted.every((p) => !existsSync(join(dest, p)))).toBe(true);
    // deletions: refs/summaries before deltas before objects
    const order = r2.deleted.map((p) => ['refs', 'summaries', 'deltas', 'objects'].indexOf(publishPhaseOf(p)));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(readFileSync(join(dest, 'refs/heads/main'), 'utf8').trim()).toBe(v2);
    await ostree(dest, 'fsck');
    expect((await publish(src, dest, { delete: true })).copied).toEqual([]);
  }, 60_000);

});
