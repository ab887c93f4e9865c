/**
 * `ostree-ts static-delta` CLI: generate/list/show/verify/apply-offline/delete, with `show` output
 * identical to the real `ostree static-delta show` on the same delta.
 */
import { it, expect } from 'vitest';
import { join } from 'node:path';
import { interopSuite, ostree, tmpdir } from './harness.js';
import { makeSource } from './delta-util.js';
import { cli } from '../cli/io.js';
import { deltaDirPath } from '../../src/format/delta.js';

interopSuite('static-delta CLI', ['ostree'], () => {
  it('generate, list, show (same as ostree), verify, apply-offline, delete', async () => {
    const src = await makeSource();
    const repo = `--repo=${src.repo}`;
    const g1 = await cli(['static-delta', 'generate', repo, '--empty', '--to=main^', '--workers=0']);
    expect(g1.code, g1.stderr).toBe(0);
    expect(g1.stdout).toContain(`  To:   ${src.c1}`);
    const g2 = await cli(['static-delta', 'generate', repo, '--to=main', '--workers=0']);
    expect(g2.code, g2.stderr).toBe(0);
    expect(g2.stderr).toContain('rollsum=1 objects\nedits=1 objects\nbsdiff=2 objects');
    const list = await cli(['static-delta', 'list', repo]);
    expect(list.stdout.trim().split('\n').sort()).toEqual([src.c1, `${src.c1}-${src.c2}`].sort());
    for (const name of [src.c1, `${src.c1}-${src.c2}`]) {
      const ours = await cli(['static-delta', 'show', repo, name]);
      const theirs = await ostree(src.repo, 'static-delta', 'show', name);
      expect(ours.stdout).toBe(theirs.stdout);
      expect((await cli(['static-delta', 'verify', repo, name])).code).toBe(0);
    }
    const client = join(tmpdir(), 'client');
    await ostree(client, 'init', '--mode=bare-user-only');
    const a1 = await cli(['static-delta', 'apply-offline', `--repo=${client}`, join(src.repo, deltaDirPath(null, src.c1))]);
    expect(a1.code, a1.stderr).toBe(0);
    const a2 = await cli(['static-delta', 'apply-offline', `--repo=${client}`, join(src.repo, deltaDirPath(src.c1, src.c2), 'superblock')]);
    expect(a2.code, a2.stderr).toBe(0);
    await ostree(client, 'refs', `--create=main`, src.c2);
    await ostree(client, 'fsck');
    expect((await cli(['static-delta', 'delete', repo, src.c1])).code).toBe(0);
    expect((await cli(['static-delta', 'delete', repo, src.c1])).code).toBe(1);
    expect((await cli(['static-delta', 'list', repo])).stdout.trim()).toBe(`${src.c1}-${src.c2}`);
    expect((await cli(['static-delta', 'generate', repo, '--empty', '--from=main', '--to=main'])).code).toBe(1);
  }, 60000);
});
