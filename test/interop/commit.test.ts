/**
 * Commit interop: for generated trees, `ostree-ts` commits produce the same checksum as `ostree
 * commit` with the same options, the real `ostree fsck` accepts our repos, and the real `ostree
 * checkout` of our commit equals the source tree.
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { interopSuite, ostree, tmpdir } from './harness.js';
import { generateTree, writeTree, manifest, diffManifests } from '../util/trees.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { checkout } from '../../src/ops/checkout.js';
import { fsck } from '../../src/ops/fsck.js';
import type { RepoMode } from '../../src/format/object-type.js';

const TS = '2020-01-01 00:00:00 +0000';

async function both(mode: RepoMode, tree: string, extraOstree: string[], extraOurs: Omit<Parameters<typeof commit>[1], 'trees'>) {
  const dir = tmpdir();
  const theirs = join(dir, 'theirs');
  const ours = join(dir, 'ours');
  await ostree(theirs, 'init', `--mode=${mode}`);
  const r = await ostree(theirs, 'commit', '-b', 'test/main', `--timestamp=${TS}`, ...extraOstree, tree);
  const expected = r.stdout.trim();
  const repo = await Repo.init(ours, { mode });
  const res = await commit(repo, { branch: 'test/main', timestamp: TS, trees: [{ kind: 'dir', path: tree }], ...extraOurs });
  return { expected, actual: res.checksum, ours, theirs, repo };
}

interopSuite('commit checksums equal ostree commit', ['ostree'], () => {
  for (const mode of ['archive', 'bare-user-only'] as const) {
    describe(mode, () => {
      it('the §10 tree with subject, body and metadata', async () => {
        const dir = tmpdir();
        const tree = join(dir, 'tree');
        writeTree(tree, {
          'hello.txt': 'hello world\n',
          empty: '',
          link: { type: 'symlink', target: 'hello.txt' },
          'sub/run.sh': { type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
        });
        const r = await both(
          mode,
          tree,
          ['--owner-uid=0', '--owner-gid=0', '-s', 'first', '--body=body text', '--add-metadata-string=version=1.0'],
          { ownerUid: 0, ownerGid: 0, subject: 'first', body: 'body text', metadataStrings: [['version', '1.0']] },
        );
        expect(r.actual).toBe(r.expected);
        await ostree(r.ours, 'fsck');
        expect((await fsck(r.repo)).problems).toEqual([]);
      });

      it('a generated tree with every edge case', async () => {
        const dir = tmpdir();
        const tree = join(dir, 'tree');
        generateTree(tree, { seed: 7, files: 150, manyFiles: 300 });
        const r = await both(mode, tree, ['--owner-uid=0', '--owner-gid=0', '-s', 'gen', '--body=b'], {
          ownerUid: 0,
          ownerGid: 0,
          subject: 'gen',
          body: 'b',
        });
        expect(r.actual).toBe(r.expected);
        await ostree(r.ours, 'fsck');
        // the real ostree checks out our commit; it must equal the source tree
        const co = join(dir, 'co');
        await ostree(r.ours, 'checkout', '-U', 'test/main', co);
        const opts = mode === 'bare-user-only' ? { ignoreModes: true } : { ignoreDirModes: true };
        // checkout -U drops setuid/setgid from files (ostree-repo-checkout.c)
        const userModeView = (m: ReturnType<typeof manifest>) =>
          m.map((e) => (e.type === 'file' && e.mode !== undefined ? { ...e, mode: e.mode & ~0o6000 } : e));
        expect(diffManifests(userModeView(manifest(tree, opts)), manifest(co, opts))).toEqual([]);
        // and our checkout of our commit equals ostree's checkout of it
        const co2 = join(dir, 'co2');
        await checkout(r.repo, 'test/main', co2, { userMode: true });
        expect(diffManifests(manifest(co, {}), manifest(co2, {}))).toEqual([]);
      });

      it('canonical permissions, ro executables, no bindings, orphan parent', async () => {
        const dir = tmpdir();
        const tree = join(dir, 'tree');
        generateTree(tree, { seed: 3, files: 40, manyFiles: 10, bigFileSize: 0, deepDepth: 3 });
        const r = await both(mode, tree, ['--canonical-permissions', '--mode-ro-executables', '--no-bindings', '-s', 'x'], {
          canonicalPermissions: true,
          modeRoExecutables: true,
          noBindings: true,
          subject: 'x',
        });
        expect(r.actual).toBe(r.expected);
      });
    });
  }

  it('second commit on a branch gets the first as parent, with --add-metadata and --keep-metadata', async () => {
    const dir = tmpdir();
    const tree = join(dir, 'tree');
    writeTree(tree, { a: 'one\n' });
    const theirs = join(dir, 'theirs');
    await ostree(theirs, 'init', '--mode=archive');
    const t1 = (await ostree(theirs, 'commit', '-b', 'b', `--timestamp=${TS}`, '--owner-uid=0', '--owner-gid=0', '--add-metadata-string=version=1', tree)).stdout.trim();
    writeTree(tree, { b: 'two\n' });
    const t2 = (
      await ostree(theirs, 'commit', '-b', 'b', `--timestamp=${TS}`, '--owner-uid=0', '--owner-gid=0', '--keep-metadata=version', '--add-metadata=n=uint32 5', '--bind-ref=zz', tree)
    ).stdout.trim();
    const repo = await Repo.init(join(dir, 'ours'), { mode: 'archive' });
    const o1 = await commit(repo, { branch: 'b', timestamp: TS, ownerUid: 0, ownerGid: 0, metadataStrings: [['version', '1']], trees: [{ kind: 'dir', path: tree }] });
    expect(o1.checksum).not.toBe(t1); // the tree changed in between
    // re-create the same history as ostree: commit tree state 1 then 2
    const repo2 = await Repo.init(join(dir, 'ours2'), { mode: 'archive' });
    writeTree(join(dir, 'tree1'), { a: 'one\n' });
    const a1 = await commit(repo2, { branch: 'b', timestamp: TS, ownerUid: 0, ownerGid: 0, metadataStrings: [['version', '1']], trees: [{ kind: 'dir', path: join(dir, 'tree1') }] });
    expect(a1.checksum).toBe(t1);
    const { Variant } = await import('../../src/gvariant/value.js');
    const a2 = await commit(repo2, {
      branch: 'b',
      timestamp: TS,
      ownerUid: 0,
      ownerGid: 0,
      keepMetadata: ['version'],
      metadata: [['n', new Variant('u', 5)]],
      bindRefs: ['zz'],
      trees: [{ kind: 'dir', path: tree }],
    });
    expect(a2.checksum).toBe(t2);
    expect(await repo2.resolveRev('b')).toBe(t2);
    expect(await repo2.resolveRev('b^')).toBe(t1);
  });

  it('collection binding and generate-sizes match ostree', async () => {
    const dir = tmpdir();
    const tree = join(dir, 'tree');
    generateTree(tree, { seed: 11, files: 30, manyFiles: 5, bigFileSize: 0, deepDepth: 2 });
    const theirs = join(dir, 'theirs');
    await ostree(theirs, 'init', '--mode=archive', '--collection-id=org.example.Test');
    const expected = (await ostree(theirs, 'commit', '-b', 'm', `--timestamp=${TS}`, '--owner-uid=0', '--owner-gid=0', '--generate-sizes', tree)).stdout.trim();
    const repo = await Repo.init(join(dir, 'ours'), { mode: 'archive', collectionId: 'org.example.Test' });
    const r = await commit(repo, { branch: 'm', timestamp: TS, ownerUid: 0, ownerGid: 0, generateSizes: true, trees: [{ kind: 'dir', path: tree }] });
    expect(r.checksum).toBe(expected);
  });
});

interopSuite('commit on the content workers equals ostree commit', ['ostree'], () => {
  // > 1 MiB of files, so all but the first MiB is read, hashed, compressed and staged on workers;
  // 30 copies of each of 16 objects (8 contents × 2 modes) make workers meet the same object (EEXIST → "staged").
  function dupTree(dir: string): string {
    const tree = join(dir, 'tree');
    const spec: Record<string, { type: 'file'; content: Uint8Array; mode: number }> = {};
    for (let i = 0; i < 480; i++) {
      const c = new Uint8Array(6000 + (i % 8) * 1000).map((_, j) => (((j * 7919) ^ (i % 8)) * 31) & 0xff);
      spec[`d${i % 13}/f${i}`] = { type: 'file', content: c, mode: i % 3 === 0 ? 0o755 : 0o644 };
    }
    writeTree(tree, spec);
    return tree;
  }
  for (const [mode, sizes] of [['archive', false], ['archive', true], ['bare-user-only', false]] as const) {
    it(`${mode}${sizes ? ' --generate-sizes' : ''}`, async () => {
      const dir = tmpdir();
      const tree = dupTree(dir);
      const theirs = join(dir, 'theirs');
      await ostree(theirs, 'init', `--mode=${mode}`);
      const args = ['commit', '-b', 'm', `--timestamp=${TS}`, '--owner-uid=0', '--owner-gid=0', ...(sizes ? ['--generate-sizes'] : []), tree];
      const expected = (await ostree(theirs, ...args)).stdout.trim();
      const repo = await Repo.init(join(dir, 'ours'), { mode });
      const r = await commit(repo, { branch: 'm', timestamp: TS, ownerUid: 0, ownerGid: 0, generateSizes: sizes, trees: [{ kind: 'dir', path: tree }] });
      expect(r.checksum).toBe(expected);
      expect(r.stats.contentWritten).toBe(16); // 8 contents × 2 modes
      await ostree(join(dir, 'ours'), 'fsck');
      // a second commit of the same tree finds every object in objects/ (nothing new written)
      const again = await commit(repo, { branch: 'm2', timestamp: TS, ownerUid: 0, ownerGid: 0, generateSizes: sizes, trees: [{ kind: 'dir', path: tree }] });
      expect(again.stats.contentWritten).toBe(0);
      expect(again.rootTree).toBe(r.rootTree);
    });
  }
});

interopSuite('commit of files the content workers stat themselves equals ostree commit', ['ostree'], () => {
  // > 1 MiB, so most files reach the workers by path only (they fstat them and apply the rules);
  // symlinks, a file above the whole-file limit (streamed in-thread) and odd modes on the way.
  function mixedTree(dir: string): string {
    const tree = join(dir, 'tree');
    const spec: Parameters<typeof writeTree>[1] = {};
    const modes = [0o644, 0o755, 0o600, 0o775, 0o700, 0o444, 0o711];
    for (let i = 0; i < 300; i++) {
      const c = new Uint8Array(5000 + i * 7).map((_, j) => ((j * 31) ^ i) & 0xff);
      spec[`d${i % 9}/s${i % 4}/f${i}`] = { type: 'file', content: c, mode: modes[i % modes.length]! };
      if (i % 50 === 0) spec[`d${i % 9}/l${i}`] = { type: 'symlink', target: `s${i % 4}/f${i}` };
    }
    spec['big/huge'] = { type: 'file', content: new Uint8Array(9 * 1024 * 1024).map((_, j) => j % 251), mode: 0o755 };
    // above the batched-file limit: sent back and staged alone (twice the same content)
    for (const n of ['mid1', 'mid2', 'mid3']) spec[`big/${n}`] = { type: 'file', content: new Uint8Array(700_000).map((_, j) => (j * 7) % 253), mode: n === 'mid3' ? 0o755 : 0o644 };
    writeTree(tree, spec);
    return tree;
  }
  const cases: Array<[RepoMode, string[], Omit<Parameters<typeof commit>[1], 'trees'>]> = [
    ['archive', ['--mode-ro-executables'], { modeRoExecutables: true }],
    ['archive', ['--canonical-permissions', '--owner-gid=0'], { canonicalPermissions: true, ownerGid: 0 }],
    ['archive', ['--owner-uid=5', '--owner-gid=6'], { ownerUid: 5, ownerGid: 6 }],
    ['bare-user-only', ['--mode-ro-executables'], { modeRoExecutables: true }],
  ];
  for (const [mode, theirArgs, ourOpts] of cases) {
    it(`${mode} ${theirArgs.join(' ')}`, async () => {
      const dir = tmpdir();
      const tree = mixedTree(dir);
      const { expected, actual, ours } = await both(mode, tree, theirArgs, ourOpts);
      expect(actual).toBe(expected);
      await ostree(ours, 'fsck');
    });
  }
});

interopSuite('commit --tree=tar= equals ostree', ['ostree', 'tar'], () => {
  it('a GNU tar and a gzip pax tar of a generated tree', async () => {
    const { run } = await import('./harness.js');
    const dir = tmpdir();
    const tree = join(dir, 'tree');
    generateTree(tree, { seed: 5, files: 60, manyFiles: 20, bigFileSize: 0, deepDepth: 4 });
    const { readdirSync, linkSync, rmSync } = await import('node:fs');
    linkSync(join(tree, 'many', readdirSync(join(tree, 'many')).sort()[0]), join(tree, 'hardlink-to-first'));
    for (const [name, args] of [
      ['gnu.tar', ['--format=gnu', '-cf']],
      ['pax.tar.gz', ['--format=pax', '-czf']],
    ] as const) {
      const tarPath = join(dir, name);
      if (name.startsWith('pax')) {
        // libarchive (and so ostree) normalizes pax path names to NFC, merging names that differ only
        // in normalization; ostree-ts keeps names byte-exact (docs/deviations.md). Drop such names.
        for (const e of readdirSync(tree, { recursive: true, withFileTypes: false }) as string[]) {
          const base = e.split('/').pop()!;
          if (base !== base.normalize('NFC')) rmSync(join(tree, e), { recursive: true, force: true });
        }
      }
      await run('tar', ['-C', tree, '--numeric-owner', '--owner=0', '--group=0', ...args, tarPath, '.']);
      const theirs = join(dir, `theirs-${name}`);
      await ostree(theirs, 'init', '--mode=archive');
      const expected = (await ostree(theirs, 'commit', '-b', 't', `--timestamp=${TS}`, `--tree=tar=${tarPath}`)).stdout.trim();
      const repo = await Repo.init(join(dir, `ours-${name}`), { mode: 'archive' });
      const r = await commit(repo, { branch: 't', timestamp: TS, trees: [{ kind: 'tar', path: tarPath }] });
      expect(r.checksum, name).toBe(expected);
    }
  });

  it('autocreate parents for a tar without directory entries', async () => {
    const { run } = await import('./harness.js');
    const dir = tmpdir();
    const tree = join(dir, 'tree');
    writeTree(tree, { 'a/b/c.txt': 'x\n', 'd/e': { type: 'symlink', target: '../a/b/c.txt' } });
    const tarPath = join(dir, 'files.tar');
    await run('tar', ['-C', tree, '--numeric-owner', '--owner=7', '--group=8', '--no-recursion', '-cf', tarPath, 'a/b/c.txt', 'd/e']);
    const theirs = join(dir, 'theirs');
    await ostree(theirs, 'init', '--mode=archive');
    const expected = (await ostree(theirs, 'commit', '-b', 't', `--timestamp=${TS}`, '--tar-autocreate-parents', `--tree=tar=${tarPath}`)).stdout.trim();
    const repo = await Repo.init(join(dir, 'ours'), { mode: 'archive' });
    const r = await commit(repo, { branch: 't', timestamp: TS, tarAutocreateParents: true, trees: [{ kind: 'tar', path: tarPath }] });
    expect(r.checksum).toBe(expected);
    // without autocreate both refuse
    await expect(commit(repo, { branch: 'u', timestamp: TS, trees: [{ kind: 'tar', path: tarPath }] })).rejects.toMatchObject({ code: 'TAR_INVALID' });
  });
});
