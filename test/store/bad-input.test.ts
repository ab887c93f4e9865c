/**
 * Bad input in a repository: every problem surfaces as an OstreeError with a stable code and a
 * message naming the object; fsck reports them all; checkout never writes outside its target.
 */
import { describe, it, expect } from 'vitest';
import { promises as fsp, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir as osTmpdir } from 'node:os';
import { afterAll } from 'vitest';
import { OstreeError } from '../../src/errors.js';
import { encode } from '../../src/gvariant/codec.js';
import { DIRTREE_TYPE } from '../../src/format/types.js';
import { checksumToBytes } from '../../src/format/checksum.js';
import { ObjectType } from '../../src/format/object-type.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { checkout } from '../../src/ops/checkout.js';
import { fsck } from '../../src/ops/fsck.js';
import { putRaw } from '../util/raw-object.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(osTmpdir(), 'ostree-ts-bad-'));
  dirs.push(d);
  return d;
}

async function sampleRepo() {
  const dir = tmp();
  const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
  const r = await commit(repo, {
    branch: 'main',
    timestamp: 0,
    trees: [{ kind: 'memory', tree: { type: 'dir', entries: { a: { type: 'file', content: 'hello\n' }, sub: { type: 'dir', entries: { b: { type: 'file', content: 'b\n', mode: 0o755 } } } } } }],
  });
  return { dir, repo, ...r };
}

async function expectOstreeError(p: Promise<unknown>, code: string, mentions?: string) {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, `expected OstreeError ${code}`).toBeInstanceOf(OstreeError);
  expect((e as OstreeError).code).toBe(code);
  if (mentions) expect((e as OstreeError).message).toContain(mentions);
}


function rawDirtree(files: Array<[string, string]>, dirs: Array<[string, string, string]>): Uint8Array {
  return encode(DIRTREE_TYPE, [
    files.map(([n, c]) => [n, checksumToBytes(c)]),
    dirs.map(([n, t, m]) => [n, checksumToBytes(t), checksumToBytes(m)]),
  ]);
}

async function hostileCommit(repo: Repo, rootTree: string, rootMeta: string): Promise<string> {
  const { encodeCommit } = await import('../../src/format/commit.js');
  const bytes = encodeCommit({ metadata: [], parent: null, related: [], subject: '', body: '', timestamp: 0n, rootTree, rootMeta });
  return putRaw(repo, ObjectType.COMMIT, bytes);
}

describe('corrupt objects', () => {
  it('truncated dirtree, garbled commit, wrong object type, non-normal GVariant: typed errors naming the object', async () => {
    const { repo, checksum, rootTree } = await sampleRepo();
    const dtPath = repo.storage.resolve(repo.objectPath(rootTree, ObjectType.DIR_TREE));
    const good = await fsp.readFile(dtPath);
    await fsp.writeFile(dtPath, good.subarray(0, good.length - 5));
    await expectOstreeError(repo.loadDirtree(rootTree), 'CORRUPT_OBJECT', rootTree);

    // a dirmeta stored where a dirtree is expected
    const meta = (await repo.loadCommit(checksum)).rootMeta;
    const metaBytes = await repo.readMetadataBytes(ObjectType.DIR_META, meta);
    const wrong = await putRaw(repo, ObjectType.DIR_TREE, metaBytes!);
    await expectOstreeError(repo.loadDirtree(wrong), 'CORRUPT_OBJECT', wrong);

    // garbage commit
    const bad = await putRaw(repo, ObjectType.COMMIT, new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
    await expectOstreeError(repo.loadCommit(bad), 'CORRUPT_OBJECT', bad);

    // non-normal GVariant: the empty dirtree with a padding byte appended
    const nonNormal = await putRaw(repo, ObjectType.DIR_TREE, new Uint8Array([0, 0]));
    await expectOstreeError(repo.loadDirtree(nonNormal), 'CORRUPT_OBJECT', nonNormal);

    // missing object
    await expectOstreeError(repo.loadDirtree('00'.repeat(32)), 'OBJECT_NOT_FOUND', '00'.repeat(32));
  });

  it('corrupt content: flipped byte in a .filez, truncated deflate stream', async () => {
    const { repo, rootTree } = await sampleRepo();
    const dt = await repo.loadDirtree(rootTree);
    const a = dt.files.find((f) => f.name === 'a')!.checksum;
    const p = repo.storage.resolve(repo.objectPath(a, ObjectType.FILE));
    const bytes = await fsp.readFile(p);
    await fsp.writeFile(p, bytes.subarray(0, bytes.length - 3));
    await expectOstreeError(repo.readContent(a), 'CORRUPT_OBJECT', a);
    await fsp.writeFile(p, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1]));
    await expectOstreeError(repo.readContent(a), 'CORRUPT_OBJECT', a);
  });

  it('fsck reports every problem and exits non-zero via its result', async () => {
    const { repo, rootTree, checksum } = await sampleRepo();
    const dt = await repo.loadDirtree(rootTree);
    const a = dt.files.find((f) => f.name === 'a')!.checksum;
    // 1: content object with different (valid) content → checksum mismatch
    const other = await commit(repo, { orphan: true, timestamp: 0, trees: [{ kind: 'memory', tree: { type: 'dir', entries: { z: { type: 'file', content: 'other\n' } } } }] });
    const z = (await repo.loadDirtree(other.rootTree)).files[0].checksum;
    await fsp.copyFile(repo.storage.resolve(repo.objectPath(z, ObjectType.FILE)), repo.storage.resolve(repo.objectPath(a, ObjectType.FILE)));
    // 2: missing subtree
    const sub = dt.dirs[0];
    await fsp.unlink(repo.storage.resolve(repo.objectPath(sub.tree, ObjectType.DIR_TREE)));
    // 3: ref to a missing commit
    await repo.setRef('dangling', 'ab'.repeat(32));
    const r = await fsck(repo);
    const kinds = r.problems.map((p) => `${p.kind}:${p.checksum}`).sort();
    expect(kinds).toEqual([`corrupt:${a}`, `invalid-ref:${'ab'.repeat(32)}`, `missing:${sub.tree}`].sort());
    expect(r.problems.every((p) => p.message.length > 0)).toBe(true);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('refs', () => {
  it('invalid ref names and missing refs', async () => {
    const { repo } = await sampleRepo();
    for (const bad of ['-bad', '.bad', 'a//b', 'a/', 'ok/.hidden', 'x y', '', '../escape']) {
      await expectOstreeError(repo.setRef(bad, 'ab'.repeat(32)), 'INVALID_REF');
    }
    await expectOstreeError(repo.resolveRev('nope') as Promise<unknown>, 'REF_NOT_FOUND');
    expect(await repo.resolveRev('nope', true)).toBeNull();
    await fsp.writeFile(repo.storage.resolve('refs/heads/garbage'), 'not a checksum\n');
    await expectOstreeError(repo.resolveRev('garbage') as Promise<unknown>, 'INVALID_REF');
  });
});

describe('hostile trees never escape the checkout', () => {
  const names = ['..', '.', 'a/b', '', 'nul\0byte', '/abs'];
  for (const name of names) {
    it(`dirtree entry ${JSON.stringify(name)}`, async () => {
      const { repo, dir } = await sampleRepo();
      const c = await repo.loadCommit((await repo.resolveRev('main'))!);
      const file = (await repo.loadDirtree(c.rootTree)).files[0].checksum;
      // a NUL cannot be encoded in a GVariant string: write a placeholder byte and patch it to 0
      const bytes = rawDirtree([[name.replace('\0', '\x01'), file]], []);
      if (name.includes('\0')) bytes[bytes.indexOf(1)] = 0;
      const tree = await putRaw(repo, ObjectType.DIR_TREE, bytes);
      const hostile = await hostileCommit(repo, tree, c.rootMeta);
      await expect(repo.loadDirtree(tree)).rejects.toBeInstanceOf(OstreeError);
      const dest = join(dir, 'co', 'inner');
      await fsp.mkdir(join(dir, 'co'));
      await expect(checkout(repo, hostile, dest, { userMode: true })).rejects.toBeInstanceOf(OstreeError);
      expect(existsSync(join(dir, 'co', 'a'))).toBe(false);
      expect(existsSync(join(dir, 'abs'))).toBe(false);
      const r = await fsck(repo);
      expect(r.problems.some((p) => p.checksum === tree)).toBe(true);
    });
  }

  it('a symlink and a directory with the same name (write through the symlink) is refused', async () => {
    const { repo, dir } = await sampleRepo();
    const outside = join(dir, 'outside');
    await fsp.mkdir(outside);
    const c = await repo.loadCommit((await repo.resolveRev('main'))!);
    const { encodeContentHeader, encodeArchiveHeader } = await import('../../src/format/file-header.js');
    void encodeArchiveHeader;
    const linkHeader = { uid: 0, gid: 0, mode: 0o120777, rdev: 0 as const, symlinkTarget: outside, xattrs: [] };
    const link = await repo.writeContent(linkHeader, new Uint8Array(0));
    expect(link).toBe(createHash('sha256').update(encodeContentHeader(linkHeader)).digest('hex'));
    const inner = await putRaw(repo, ObjectType.DIR_TREE, rawDirtree([['pwned', (await repo.loadDirtree(c.rootTree)).files[0].checksum]], []));
    const tree = await putRaw(repo, ObjectType.DIR_TREE, rawDirtree([['x', link]], [['x', inner, c.rootMeta]]));
    const hostile = await hostileCommit(repo, tree, c.rootMeta);
    for (const union of [false, true]) {
      const dest = join(dir, `co-${union}`);
      await expect(checkout(repo, hostile, dest, { userMode: true, union })).rejects.toBeInstanceOf(OstreeError);
      expect(existsSync(join(outside, 'pwned'))).toBe(false);
    }
  });

  it('union checkout refuses to descend through a pre-existing symlinked directory', async () => {
    const { repo, dir } = await sampleRepo();
    const outside = join(dir, 'outside2');
    await fsp.mkdir(outside);
    const dest = join(dir, 'co');
    await fsp.mkdir(dest);
    await fsp.symlink(outside, join(dest, 'sub'));
    await expect(checkout(repo, 'main', dest, { userMode: true, union: true })).rejects.toMatchObject({ code: 'PATH_ESCAPE' });
    expect(await fsp.readdir(outside)).toEqual([]);
  });

  it('a commit whose tree references itself is refused, not looped on', async () => {
    const { repo, dir } = await sampleRepo();
    const c = await repo.loadCommit((await repo.resolveRev('main'))!);
    // a dirtree cannot contain its own checksum (it would need a hash fixpoint), but a subdir entry can
    // point at an ancestor tree: root → d → (root's checksum). Simulate with a named-by-claim object.
    const claimed = 'cd'.repeat(32);
    await putRaw(repo, ObjectType.DIR_TREE, rawDirtree([], [['loop', claimed, c.rootMeta]]), claimed);
    const hostile = await hostileCommit(repo, claimed, c.rootMeta);
    const r = await fsck(repo);
    expect(r.problems.some((p) => p.checksum === claimed && p.kind === 'corrupt')).toBe(true);
    await expect(checkout(repo, hostile, join(dir, 'loop-co'), { userMode: true })).rejects.toBeInstanceOf(OstreeError);
  });
});
