/**
 * Both directions of repository interop:
 * - we read repositories written by the real ostree (the fixtures) — refs, commits, trees — and our
 *   checkout equals `ostree checkout`'s, and our fsck accepts them;
 * - a repository we wrote is served over HTTP on 127.0.0.1 and pulled by the real `ostree pull` into an
 *   archive repo; its fsck passes and its checkout equals ostree's checkout of our repo.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interopSuite, ostree, tmpdir, copyFixture, fixtureRepo, serveDirectory } from './harness.js';
import { generateTree, manifest, diffManifests } from '../util/trees.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { checkout } from '../../src/ops/checkout.js';
import { fsck } from '../../src/ops/fsck.js';
import { ObjectType } from '../../src/format/object-type.js';

const expected = JSON.parse(readFileSync(join(fixtureRepo('archive'), '..', '..', 'expected.json'), 'utf8')) as {
  repos: Record<string, { refs: Record<string, string>; branches: Record<string, string[]>; commits: Record<string, { parent: string | null; rootDirtree: string; rootDirmeta: string }> }>;
};

describe('reading repositories written by ostree (fixtures)', () => {
  for (const name of ['archive', 'bare-user-only']) {
    it(`${name}: refs, commits and trees match expected.json; fsck is clean`, async () => {
      const repo = await Repo.open(fixtureRepo(name));
      const exp = expected.repos[name];
      for (const [ref, csum] of Object.entries(exp.refs)) expect(await repo.resolveRev(ref), ref).toBe(csum);
      for (const [csum, c] of Object.entries(exp.commits)) {
        const commitObj = await repo.loadCommit(csum);
        expect(commitObj.parent).toBe(c.parent);
        expect(commitObj.rootTree).toBe(c.rootDirtree);
        expect(commitObj.rootMeta).toBe(c.rootDirmeta);
      }
      const copy = await copyFixture(name);
      const r = await fsck(await Repo.open(copy), { all: true });
      expect(r.problems).toEqual([]);
      expect(r.commits).toBe(Object.keys(exp.commits).length);
    });
  }
});

interopSuite('checkout of ostree-written repos equals ostree checkout', ['ostree'], () => {
  for (const name of ['archive', 'bare-user-only']) {
    it(`${name}: every commit`, async () => {
      const src = await copyFixture(name);
      const repo = await Repo.open(src);
      const dir = tmpdir();
      for (const csum of Object.keys(expected.repos[name].commits)) {
        const theirs = join(dir, `theirs-${csum}`);
        const ours = join(dir, `ours-${csum}`);
        await ostree(src, 'checkout', '-U', csum, theirs);
        await checkout(repo, csum, ours, { userMode: true });
        expect(diffManifests(manifest(theirs), manifest(ours)), csum).toEqual([]);
      }
      // --subpath
      const main = expected.repos[name].branches['test/main']?.[0] ?? Object.keys(expected.repos[name].commits)[0];
      await ostree(src, 'checkout', '-U', '--subpath=/sub', main, join(dir, 'theirs-sub'));
      await checkout(repo, main, join(dir, 'ours-sub'), { userMode: true, subpath: '/sub' });
      expect(diffManifests(manifest(join(dir, 'theirs-sub')), manifest(join(dir, 'ours-sub')))).toEqual([]);
    });
  }

  it('--union over an existing checkout', async () => {
    const src = await copyFixture('archive');
    const repo = await Repo.open(src);
    const dir = tmpdir();
    const [tip, mid] = expected.repos.archive.branches['test/main'];
    await ostree(src, 'checkout', '-U', mid, join(dir, 'theirs'));
    await ostree(src, 'checkout', '-U', '--union', tip, join(dir, 'theirs'));
    await checkout(repo, mid, join(dir, 'ours'), { userMode: true });
    await checkout(repo, tip, join(dir, 'ours'), { userMode: true, union: true });
    expect(diffManifests(manifest(join(dir, 'theirs')), manifest(join(dir, 'ours')))).toEqual([]);
  });
});

interopSuite('ostree pulls what we wrote over HTTP', ['ostree'], () => {
  it('archive repo with a generated tree and two commits → ostree pull → fsck + checkout equality', async () => {
    const dir = tmpdir();
    const tree = join(dir, 'tree');
    generateTree(tree, { seed: 21, files: 120, manyFiles: 200 });
    const repo = await Repo.init(join(dir, 'ours'), { mode: 'archive' });
    const c1 = await commit(repo, { branch: 'app/x86_64/stable', subject: 'one', trees: [{ kind: 'dir', path: tree }], ownerUid: 0, ownerGid: 0 });
    generateTree(join(dir, 'tree2'), { seed: 22, files: 20, manyFiles: 5, bigFileSize: 0 });
    const c2 = await commit(repo, {
      branch: 'app/x86_64/stable',
      subject: 'two',
      trees: [{ kind: 'dir', path: tree }, { kind: 'dir', path: join(dir, 'tree2') }],
      ownerUid: 0,
      ownerGid: 0,
    });
    expect((await repo.loadCommit(c2.checksum)).parent).toBe(c1.checksum);
    await ostree(repo.path, 'fsck');

    const server = await serveDirectory(repo.path);
    try {
      const client = join(dir, 'client');
      await ostree(client, 'init', '--mode=archive');
      await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
      // no summary yet: ostree falls back to refs/heads/<ref> and walks objects
      await ostree(client, 'pull', '--depth=-1', 'origin', 'app/x86_64/stable');
      await ostree(client, 'fsck');
      expect((await ostree(client, 'rev-parse', 'origin:app/x86_64/stable')).stdout.trim()).toBe(c2.checksum);
      expect((await ostree(client, 'rev-parse', 'origin:app/x86_64/stable^')).stdout.trim()).toBe(c1.checksum);
      // the pulled objects are ours, byte for byte
      const pulled = await Repo.open(client);
      const ourBytes = await repo.readMetadataBytes(ObjectType.COMMIT, c2.checksum);
      expect(Buffer.from((await pulled.readMetadataBytes(ObjectType.COMMIT, c2.checksum))!)).toEqual(Buffer.from(ourBytes!));
      // checkouts agree: ostree's of the pulled copy, ours of our repo, and the overlaid source
      await ostree(client, 'checkout', '-U', c2.checksum, join(dir, 'co-theirs'));
      await checkout(repo, c2.checksum, join(dir, 'co-ours'), { userMode: true });
      expect(diffManifests(manifest(join(dir, 'co-theirs')), manifest(join(dir, 'co-ours')))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
