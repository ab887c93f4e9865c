/**
 * Commit options not covered by the interop checksum tests: --consume, --body-file, [core] parent
 * read fallback, abort, progress, and the in-memory tree API.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync, existsSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Repo } from '../../src/store/repo.js';
import { commit, type CommitProgress } from '../../src/ops/commit.js';
import { checkout } from '../../src/ops/checkout.js';
import { fsck } from '../../src/ops/fsck.js';
import { cli } from '../cli/io.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-commitopt-'));
  dirs.push(d);
  return d;
};

function smallTree(dir: string): string {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'a'), 'a\n');
  writeFileSync(join(dir, 'sub', 'b'), 'b\n');
  return dir;
}

describe('commit options', () => {
  it('--consume removes the source directory after a successful commit (as ostree does)', async () => {
    const d = tmp();
    const tree = smallTree(join(d, 'tree'));
    const repo = join(d, 'repo');
    await cli(['init', `--repo=${repo}`]);
    const r = await cli(['commit', `--repo=${repo}`, '-b', 'm', '--consume', tree]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(tree)).toBe(false);
    expect((await fsck(await Repo.open(repo))).problems).toEqual([]);
  });

  it('--body-file sets the body; -F is its short form', async () => {
    const d = tmp();
    const tree = smallTree(join(d, 'tree'));
    const repo = join(d, 'repo');
    await cli(['init', `--repo=${repo}`]);
    writeFileSync(join(d, 'msg'), 'line one\nline two\n');
    const r = await cli(['commit', `--repo=${repo}`, '-b', 'm', '-s', 'subj', '-F', join(d, 'msg'), tree]);
    expect(r.code, r.stderr).toBe(0);
    const c = await (await Repo.open(repo)).loadCommit(r.stdout.trim());
    expect(c.subject).toBe('subj');
    expect(c.body).toBe('line one\nline two\n');
  });

  it('[core] parent: objects and refs missing here are read from the parent repository', async () => {
    const d = tmp();
    const parent = await Repo.init(join(d, 'parent'), { mode: 'archive' });
    const base = await commit(parent, { branch: 'base', trees: [{ kind: 'dir', path: smallTree(join(d, 't1')) }] });
    const child = await Repo.init(join(d, 'child'), { mode: 'archive' });
    appendFileSync(join(child.path, 'config'), `parent=${parent.path}\n`);
    await child.reloadConfig();
    expect(await child.resolveRev('base')).toBe(base.checksum);
    expect((await child.loadCommit(base.checksum)).rootTree).toBe(base.rootTree);
    // a commit in the child overlaying the parent's tree writes only the new objects
    writeFileSync(join(d, 'extra'), 'x\n');
    mkdirSync(join(d, 't2'));
    writeFileSync(join(d, 't2', 'c'), 'c\n');
    const c2 = await commit(child, { branch: 'next', trees: [{ kind: 'ref', rev: 'base' }, { kind: 'dir', path: join(d, 't2') }] });
    await checkout(child, c2.checksum, join(d, 'co'), { userMode: true });
    expect(readdirSync(join(d, 'co')).sort()).toEqual(['a', 'c', 'sub']);
    expect((await fsck(child)).problems).toEqual([]);
  });

  it('an aborted commit publishes nothing and moves no ref; progress reaches done', async () => {
    const d = tmp();
    const tree = join(d, 'tree');
    mkdirSync(tree);
    for (let i = 0; i < 300; i++) writeFileSync(join(tree, `f${i}`), `content ${i}\n`);
    const repo = await Repo.init(join(d, 'repo'), { mode: 'archive' });
    const ac = new AbortController();
    const reason = new Error('stop');
    const p = commit(repo, {
      branch: 'm',
      trees: [{ kind: 'dir', path: tree }],
      signal: ac.signal,
      onProgress: (e) => {
        if (e.phase === 'write') ac.abort(reason);
      },
    });
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(await repo.resolveRev('m', true)).toBeNull();
    const objs: string[] = [];
    for await (const o of repo.listObjects()) objs.push(o.checksum);
    expect(objs).toEqual([]);
    expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('staging'))).toEqual([]);
    const events: CommitProgress['phase'][] = [];
    const ok = await commit(repo, { branch: 'm', trees: [{ kind: 'dir', path: tree }], onProgress: (e) => events.push(e.phase) });
    expect(events[0]).toBe('scan');
    expect(events.at(-1)).toBe('done');
    expect(await repo.resolveRev('m')).toBe(ok.checksum);
  });

  it('in-memory trees: modes, symlinks and nested directories', async () => {
    const d = tmp();
    const repo = await Repo.init(join(d, 'repo'), { mode: 'bare-user-only' });
    const r = await commit(repo, {
      branch: 'mem',
      trees: [
        {
          kind: 'memory',
          tree: {
            type: 'dir',
            entries: {
              bin: { type: 'dir', entries: { run: { type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755 } } },
              'link': { type: 'symlink', target: 'bin/run' },
              data: { type: 'file', content: new Uint8Array([0, 1, 2]) },
            },
          },
        },
      ],
    });
    await checkout(repo, r.checksum, join(d, 'co'), { userMode: true });
    expect(readdirSync(join(d, 'co')).sort()).toEqual(['bin', 'data', 'link']);
    expect((await fsck(repo)).problems).toEqual([]);
  });
});
