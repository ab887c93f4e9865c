/**
 * Interop: our `summary -u` against `ostree summary -u` (decoded and byte-identical with ostree's
 * clock readings replayed) and ostree reading our summary (`summary --view`, `pull`). Prune is in
 * summary-prune-prune.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { interopSuite, ostree, serveDirectory, tmpdir } from './harness.js';
import { Repo } from '../../src/store/repo.js';
import { updateSummary } from '../../src/ops/summary.js';
import { decodeSummary, summaryInfo } from '../../src/format/summary.js';
import { parseMetadataValue, formatSummaryView } from '../../src/cli/commands/summary.js';
import { cli, listFiles, cp, buildSummaryRepo, ostreeSummary, replay, sameTree } from './summary-prune-util.js';
interopSuite('summary against ostree', ['ostree'], () => {
  for (const [label, n, cid, deltas] of [
    ['1 ref', 1, undefined, false],
    ['3 refs', 3, undefined, false],
    ['300 refs, Unicode names, remotes, mirrors, deltas', 300, undefined, true],
    ['collection repo with mirrors', 12, 'org.example.Main', true],
  ] as Array<[string, number, string | undefined, boolean]>) {
    it(`summary -u is byte-identical to ostree's (${label})`, async () => {
      const base = tmpdir();
      const { repo } = await buildSummaryRepo(base, n, { collectionId: cid, deltas });
      const ours = join(base, 'ours');
      await cp(repo, ours);
      const addArgs = ["--add-metadata=org.example.x='hello'", '--add-metadata=org.example.n=uint64 42'];
      const times = await ostreeSummary(repo, n === 3 ? addArgs : []);
      const r = await updateSummary(await Repo.open(ours), {
        now: replay(times),
        addMetadata: n === 3 ? [['org.example.x', parseMetadataValue("'hello'")], ['org.example.n', parseMetadataValue('uint64 42')]] : [],
      });
      const theirs = new Uint8Array(readFileSync(join(repo, 'summary')));
      expect(decodeSummary(r.bytes)).toEqual(decodeSummary(theirs));
      expect(Buffer.from(r.bytes).equals(theirs)).toBe(true);
      expect(readFileSync(join(ours, 'summary')).equals(theirs)).toBe(true);
      expect(readFileSync(join(ours, 'config'), 'utf8')).toBe(readFileSync(join(repo, 'config'), 'utf8'));
      sameTree(repo, ours, 'delta-indexes');
      for (const f of listFiles(repo, 'delta-indexes')) {
        expect(readFileSync(join(ours, f)).equals(readFileSync(join(repo, f)))).toBe(true);
      }
      sameTree(repo, ours, 'objects');
      sameTree(repo, ours, 'refs');
      // ostree reads ours, and prints what we print
      const view = (await ostree(ours, 'summary', '--view', { env: { ...process.env, TZ: 'UTC' } })).stdout;
      expect(formatSummaryView(r.bytes)).toBe(view);
      if (cid) expect(summaryInfo(r.summary).collectionMap.map(([c]) => c)).toEqual(['org.example.Mirror', 'org.example.Remote']);
    }, 60_000);
  }

  it('summary --view / --raw output equals ostree (CLI, TZ=UTC)', async () => {
    const base = tmpdir();
    const { repo } = await buildSummaryRepo(base, 5, { deltas: true });
    await ostree(repo, 'summary', '-u', "--add-metadata=foo=['a', 'b']", '-m', 'ostree.summary.expires=uint64 1700000000');
    for (const flag of ['--view', '--raw']) {
      const theirs = (await ostree(repo, 'summary', flag, { env: { ...process.env, TZ: 'UTC' } })).stdout;
      const ours = await cli(['summary', `--repo=${repo}`, flag], { env: { PATH: process.env.PATH, TZ: 'UTC' } });
      expect(ours.stderr).toBe('');
      expect(ours.stdout).toBe(theirs);
    }
    const ours = join(base, 'ours');
    await cp(repo, ours);
    expect((await cli(['summary', `--repo=${ours}`, '-u', "--add-metadata=foo=['a', 'b']", '-m', 'ostree.summary.expires=uint64 1700000000'])).code).toBe(0);
    const a = decodeSummary(new Uint8Array(readFileSync(join(repo, 'summary'))));
    const b = decodeSummary(new Uint8Array(readFileSync(join(ours, 'summary'))));
    const strip = (s: typeof a) => s.metadata.filter(([k]) => k !== 'ostree.summary.last-modified');
    expect(strip(b)).toEqual(strip(a));
    expect(b.refs).toEqual(a.refs);
  }, 60_000);

  it('ostree pulls from a repo whose summary we wrote', async () => {
    const base = tmpdir();
    const { repo, commits } = await buildSummaryRepo(base, 3, { deltas: true });
    await updateSummary(await Repo.open(repo));
    const server = await serveDirectory(repo);
    try {
      const client = join(base, 'client');
      await ostree(client, 'init', '--mode=bare-user-only');
      await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
      const refs = (await ostree(client, 'remote', 'refs', 'origin')).stdout;
      expect(refs).toContain('origin:main');
      await ostree(client, 'pull', 'origin', 'main');
      expect((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim()).toBe(commits[3]);
      expect(server.requests.some((r) => r.path === '/summary' && r.status === 200)).toBe(true);
      expect(server.requests.some((r) => r.path.startsWith('/deltas/') && r.status === 200)).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);

});
