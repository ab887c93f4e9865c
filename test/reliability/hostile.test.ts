/**
 * Hostile repositories (issue 8), complementing `test/store/bad-input.test.ts` (which covers the
 * dirtree names `..`, `.`, `a/b`, empty, NUL and absolute, write-through-symlink, union checkout
 * through a symlinked directory, and a self-referencing tree): a `.filez` declaring 10 GB with a
 * few bytes of data, and duplicate names in a dirtree. Checkout, cat and readContent refuse with an
 * OstreeError, write nothing outside (or, for the bad file, inside) the target, and never allocate
 * what the header declares. Real `ostree` is run on the same repositories for comparison.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { promises as fsp, existsSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { OstreeError } from '../../src/errors.js';
import { encode } from '../../src/gvariant/codec.js';
import { DIRTREE_TYPE } from '../../src/format/types.js';
import { checksumToBytes } from '../../src/format/checksum.js';
import { ObjectType } from '../../src/format/object-type.js';
import { encodeArchiveHeader, contentChecksum, type FileHeader } from '../../src/format/file-header.js';
import { encodeCommit } from '../../src/format/commit.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { checkout } from '../../src/ops/checkout.js';
import { fsck } from '../../src/ops/fsck.js';
import { catFile } from '../../src/ops/cat.js';
import { run, tool } from '../interop/harness.js';
import { putRaw } from '../util/raw-object.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function sampleRepo() {
  const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-hostile-'));
  dirs.push(dir);
  const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
  await commit(repo, { branch: 'main', timestamp: 0, trees: [{ kind: 'memory', tree: { type: 'dir', entries: { a: { type: 'file', content: 'hello\n' } } } }] });
  const c = await repo.loadCommit((await repo.resolveRev('main'))!);
  return { dir, repo, c };
}


function rawDirtree(files: Array<[string, string]>): Uint8Array {
  return encode(DIRTREE_TYPE, [files.map(([n, c]) => [n, checksumToBytes(c)]), []]);
}

async function hostileCommit(repo: Repo, rootTree: string, rootMeta: string, ref?: string): Promise<string> {
  const bytes = encodeCommit({ metadata: [], parent: null, related: [], subject: 'hostile', body: '', timestamp: 0n, rootTree, rootMeta });
  const c = await putRaw(repo, ObjectType.COMMIT, bytes);
  if (ref) await repo.setRef(ref, c);
  return c;
}


describe('hostile repositories', () => {
  it('a .filez declaring 10 GB with 6 bytes of data: refused everywhere, nothing allocated or written', async () => {
    const { dir, repo, c } = await sampleRepo();
    const header: FileHeader = { uid: 0, gid: 0, mode: 0o100644, rdev: 0, symlinkTarget: '', xattrs: [] };
    const data = new TextEncoder().encode('small\n');
    // Named by its true content checksum: only the declared size lies.
    const csum = contentChecksum(header, data);
    const filez = new Uint8Array([...encodeArchiveHeader(header, 10_000_000_000), ...deflateRawSync(data)]);
    await putRaw(repo, ObjectType.FILE, filez, csum);
    const tree = await putRaw(repo, ObjectType.DIR_TREE, rawDirtree([['big', csum]]));
    const hostile = await hostileCommit(repo, tree, c.rootMeta, 'hostile');

    const rss0 = process.memoryUsage.rss();
    await expect(repo.readContent(csum)).rejects.toBeInstanceOf(OstreeError);
    await expect(catFile(repo, hostile, '/big')).rejects.toBeInstanceOf(OstreeError);
    const dest = join(dir, 'co');
    await expect(checkout(repo, hostile, dest, { userMode: true })).rejects.toBeInstanceOf(OstreeError);
    expect(existsSync(join(dest, 'big')) && (await fsp.stat(join(dest, 'big'))).size > data.length).toBe(false);
    const r = await fsck(repo);
    expect(r.problems.some((p) => p.checksum === csum && p.kind === 'corrupt')).toBe(true);
    expect(process.memoryUsage.rss() - rss0).toBeLessThan(256 * 2 ** 20);
    expect(readdirSync(dir).sort()).toEqual(existsSync(dest) ? ['co', 'repo'] : ['repo']);
    // Deviation: real ostree 2022.7 fsck does not compare the declared size with the stream and
    // passes this repository; ostree-ts fsck reports the object corrupt.
    if (tool('ostree').available) {
      expect((await run('ostree', ['fsck', `--repo=${repo.storage.resolve('.')}`], { allowFail: true })).code).toBe(0);
    }
  });

  it('duplicate names in a dirtree: refused by load, checkout and fsck', async () => {
    const { dir, repo, c } = await sampleRepo();
    const file = (await repo.loadDirtree(c.rootTree)).files[0]!.checksum;
    const tree = await putRaw(repo, ObjectType.DIR_TREE, rawDirtree([['a', file], ['a', file]]));
    const hostile = await hostileCommit(repo, tree, c.rootMeta, 'dup');
    // ostree's structure validation does not check order or uniqueness; neither does ours, so
    // loading succeeds and fsck (ours and ostree's) passes — but checkout refuses before writing
    // the second entry (ostree fails there too, with EEXIST from the hardlink).
    expect((await repo.loadDirtree(tree)).files.map((f) => f.name)).toEqual(['a', 'a']);
    const dest = join(dir, 'co');
    await expect(checkout(repo, hostile, dest, { userMode: true })).rejects.toMatchObject({ code: 'CORRUPT_OBJECT' });
    expect(readdirSync(dir).sort()).toEqual(existsSync(dest) ? ['co', 'repo'] : ['repo']);
    expect((await fsck(repo)).problems).toEqual([]);
    if (tool('ostree').available) {
      const repoPath = repo.storage.resolve('.');
      expect((await run('ostree', ['fsck', `--repo=${repoPath}`], { allowFail: true })).code).toBe(0);
      expect((await run('ostree', ['checkout', `--repo=${repoPath}`, '-U', hostile, join(dir, 'co2')], { allowFail: true })).code).not.toBe(0);
    }
  });
});