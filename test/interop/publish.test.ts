/**
 * `publish`: copy order, idempotence, `--dry-run`, `--delete` (`ostree fsck` on the destination).
 * publish-kill.test.ts holds the SIGKILL test.
 */
import { expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopSuite, ostree } from './harness.js';
import { publish, publishPhaseOf } from '../../src/ops/publish.js';
import { cli } from '../cli/io.js';
import { makeSource } from './publish-util.js';


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
