/**
 * The everyday commands against the real `ostree` on the SAME repository: stdout (and exit code,
 * and the error line for failures) of refs, rev-parse, log, show, ls, cat, diff, config, remote;
 * resulting repository state (ref files, config bytes) for the mutating ones; init
 * --collection-id; commit --tree=ref= overlays.
 */
import { beforeAll, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, lstatSync, readlinkSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixture, interopSuite, ostree, run, tmpdir } from './harness.js';
import { cli } from '../cli/everyday-io.js';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { writeTree } from '../util/trees.js';

const ENV = { ...process.env, LC_ALL: "C.UTF-8", TZ: "UTC" } as NodeJS.ProcessEnv;
delete ENV.LANGUAGE;
delete ENV.OSTREE_REPO;

interface Case {
  args: string[];
  /** Also compare the stderr text exactly (error messages). */
  stderr?: boolean;
}

/** Run every case with ostree (concurrently) and with ours, and compare. */
async function compareAll(repo: string, cases: Case[]): Promise<void> {
  const theirs = await Promise.all(cases.map((c) => ostree(repo, ...c.args, { allowFail: true, env: ENV })));
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    const t = theirs[i]!;
    const o = await cli([`--repo=${repo}`, ...c.args], { env: { LC_ALL: 'C.UTF-8' } });
    const label = `ostree ${c.args.join(' ')}`;
    expect(o.code === 0, `${label}: exit code (ostree stderr: ${t.stderr}; ours: ${o.stderr})`).toBe(t.code === 0);
    expect(o.stdoutBytes.equals(t.stdoutBytes), `${label}: stdout\n--- ours\n${o.stdout}\n--- ostree\n${t.stdout}`).toBe(true);
    if (c.stderr) expect(o.stderr, label).toBe(t.stderr);
  }
}

/** Every ref file (and alias symlink) under refs/, with its content or link target; empty dirs ignored. */
function refState(repo: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const full = join(repo, rel);
    for (const e of readdirSync(full)) {
      if (e.startsWith('.')) continue;
      const r = `${rel}/${e}`;
      const st = lstatSync(join(repo, r));
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(repo, r))}`;
      else if (st.isDirectory()) walk(r);
      else out[r] = readFileSync(join(repo, r), 'utf8');
    }
  };
  walk('refs');
  return out;
}

/** Apply the same commands to two copies of a fixture (ours, ostree's) and compare the result. */
async function compareMutation(fixture: string, steps: string[][]): Promise<{ ours: string; theirs: string }> {
  const ours = await copyFixture(fixture);
  const theirs = join(tmpdir(), 'theirs');
  await run('cp', ['-a', ours, theirs]);
  for (const s of steps) {
    const t = await ostree(theirs, ...s, { allowFail: true, env: ENV });
    const o = await cli([`--repo=${ours}`, ...s], { env: { LC_ALL: 'C.UTF-8' } });
    expect(o.code === 0, `ostree ${s.join(' ')} (ostree: ${t.stderr}, ours: ${o.stderr})`).toBe(t.code === 0);
    if (t.code !== 0) expect(o.stderr, s.join(' ')).toBe(t.stderr);
  }
  expect(refState(ours)).toEqual(refState(theirs));
  expect(readFileSync(join(ours, 'config'), 'utf8')).toBe(readFileSync(join(theirs, 'config'), 'utf8'));
  return { ours, theirs };
}

const DIRMETA = '446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488';
const DIRTREE = '6fb381b0eb54afee04650c859e84d149390aea6e61ee9304d7d1684a7c828152';

interopSuite('everyday commands vs ostree (archive fixture, read-only)', ['ostree'], () => {
  let repo: string;
  beforeAll(async () => {
    repo = await copyFixture('archive');
  });

  it('refs: listing, prefixes, --list, --alias, remote refs, collections', async () => {
    await compareAll(repo, [
      { args: ['refs'] },
      { args: ['refs', '--alias'] },
      { args: ['refs', 'test'] },
      { args: ['refs', '--list', 'test'] },
      { args: ['refs', 'test/main'] },
      { args: ['refs', 'origin:'] },
      { args: ['refs', 'nothing'] },
      { args: ['refs', 'test', 'origin:'] },
      { args: ['refs', '-c'] },
    ]);
  });

  it('rev-parse: refs, parents, remote refs, prefixes, errors', async () => {
    await compareAll(repo, [
      { args: ['rev-parse', 'test/main'] },
      { args: ['rev-parse', 'test/main^'] },
      { args: ['rev-parse', 'test/main^^'] },
      { args: ['rev-parse', 'test/alias'] },
      { args: ['rev-parse', 'origin:x'] },
      { args: ['rev-parse', '3967'] },
      { args: ['rev-parse', 'ee612ed997cf5b6519c4633c03dd1f70debb7b2db6e3e176c64b620975f39a02'] },
      { args: ['rev-parse', 'test/main', 'test/other'] },
      { args: ['rev-parse', 'nope'], stderr: true },
      { args: ['rev-parse', 'test/main^^^'], stderr: true },
      { args: ['rev-parse', '--single'], stderr: true },
    ]);
  });

  it('log and show: commit blocks, metadata keys, other object kinds', async () => {
    await compareAll(repo, [
      { args: ['log', 'test/main'] },
      { args: ['log', 'test/other'] },
      { args: ['log', 'origin:x'] },
      { args: ['log', 'nope'], stderr: true },
      { args: ['show', 'test/main'] },
      { args: ['show', 'test/other'] },
      { args: ['show', '3967'] },
      { args: ['show', DIRMETA] },
      { args: ['show', DIRTREE] },
      { args: ['show', '--print-related', 'test/main'] },
      { args: ['show', '--print-metadata-key=nope', 'test/main'], stderr: true },
      { args: ['show', '--print-detached-metadata-key=x', 'test/main'], stderr: true },
    ]);
  });

  it('ls: columns, -R, -C, -d, paths, --nul-filenames-only, errors', async () => {
    await compareAll(repo, [
      { args: ['ls', 'test/main'] },
      { args: ['ls', '-R', 'test/main'] },
      { args: ['ls', '-R', '-C', 'test/main'] },
      { args: ['ls', '-R', '-C', 'test/main^^'] },
      { args: ['ls', '-d', 'test/main', '/sub'] },
      { args: ['ls', '-C', 'test/main', 'sub', '/hello.txt', '/link', 'sub/../dir700'] },
      { args: ['ls', '--nul-filenames-only', '-R', 'test/main'] },
      { args: ['ls', '-R', 'test/other'] },
      { args: ['ls', 'test/main', 'nope'], stderr: true },
    ]);
  });

  it('cat: files, symlinks followed, several paths', async () => {
    await compareAll(repo, [
      { args: ['cat', 'test/main', 'hello.txt'] },
      { args: ['cat', 'test/main', '/seq.txt'] },
      { args: ['cat', 'test/main', 'link'] },
      { args: ['cat', 'test/main', 'sub/up'] },
      { args: ['cat', 'test/main', 'sub/deeper/x.txt', 'hello.txt'] },
      { args: ['cat', 'test/main^^', 'empty'] },
      { args: ['cat', 'test/main', 'nope'], stderr: true },
    ]);
  });

  it('diff: A/M/D between commits, one-argument form', async () => {
    await compareAll(repo, [
      { args: ['diff', 'test/main^^', 'test/main'] },
      { args: ['diff', 'test/main'] },
      { args: ['diff', 'test/main^'] },
      { args: ['diff', 'test/main', 'test/other'] },
      { args: ['diff', 'test/other', 'test/main'] },
      { args: ['diff', 'test/main', 'test/alias'] },
    ]);
  });

  it('config get and remote list/show-url', async () => {
    await compareAll(repo, [
      { args: ['config', 'get', 'core.mode'] },
      { args: ['config', 'get', '--group=remote "origin"', 'url'] },
      { args: ['config', 'get', 'core.nope'], stderr: true },
      { args: ['config', 'get', 'nope.x'], stderr: true },
      { args: ['config', 'get', 'nodot'], stderr: true },
      { args: ['remote', 'list'] },
      { args: ['remote', 'list', '-u'] },
      { args: ['remote', 'show-url', 'origin'] },
      { args: ['remote', 'show-url', 'nope'], stderr: true },
    ]);
  });
});

interopSuite('everyday commands vs ostree (other repos)', ['ostree'], () => {
  it('bare-user-only fixture: log, ls -R -C, cat, show of a file', async () => {
    const repo = await copyFixture('bare-user-only');
    await compareAll(repo, [
      { args: ['refs'] },
      { args: ['log', 'test/main'] },
      { args: ['ls', '-R', '-C', 'test/main'] },
      { args: ['cat', 'test/main', 'link'] },
      { args: ['diff', 'test/main', 'test/main'] },
    ]);
  });

  it('log stops cleanly at a missing parent, like ostree', async () => {
    const repo = await copyFixture('archive');
    rmSync(join(repo, 'objects', '88', '552800fceb3c353adbbbbaffd9cfc199db0dceb500790d1fee15665c0b3199.commit'));
    await compareAll(repo, [{ args: ['log', 'test/main'] }]);
  });

  it('repos made by our commit: subjects, bodies, versions, no subject; ls/diff/log/refs', async () => {
    const dir = tmpdir();
    const path = join(dir, 'repo');
    const repo = await Repo.init(path, { mode: 'archive' });
    writeTree(join(dir, 't1'), { 'a.txt': 'one\n', 'd/b.txt': 'two\n', 'd/e/f': 'x' });
    writeTree(join(dir, 't2'), { 'a.txt': 'one!\n', 'd/c.txt': 'three\n', 'g/h': 'y' });
    await commit(repo, { branch: 'app/x86_64/stable', timestamp: 1700000000n, subject: '', body: '', trees: [{ kind: 'dir', path: join(dir, 't1') }] });
    await commit(repo, {
      branch: 'app/x86_64/stable',
      timestamp: 1700000100n,
      subject: 'Second: multi\nline subject',
      body: 'para one\n\npara two\n  indented\n',
      metadataStrings: [['version', '2.0.1']],
      trees: [{ kind: 'dir', path: join(dir, 't2') }],
    });
    await commit(repo, { branch: 'runtime/y', timestamp: 0n, subject: 'epoch', trees: [{ kind: 'dir', path: join(dir, 't1') }] });
    await compareAll(path, [
      { args: ['refs'] },
      { args: ['refs', 'app'] },
      { args: ['refs', '--list', 'app/x86_64'] },
      { args: ['log', 'app/x86_64/stable'] },
      { args: ['log', 'runtime/y'] },
      { args: ['ls', '-R', '-C', 'app/x86_64/stable'] },
      { args: ['diff', 'app/x86_64/stable'] },
      { args: ['diff', 'app/x86_64/stable', 'runtime/y'] },
      { args: ['show', 'app/x86_64/stable'] },
    ]);
  });

  it('refs listing order follows GLib hash order for many refs', async () => {
    const dir = tmpdir();
    const path = join(dir, 'repo');
    await run('ostree', ['init', `--repo=${path}`, '--mode=archive']);
    const csum = (await ostree(path, 'commit', '-b', 'base', '--timestamp=2020-01-01T00:00:00Z', '--tree=dir=' + dir, '--orphan')).stdout.trim();
    const names = Array.from({ length: 40 }, (_, i) => `r${(i * 7919) % 1000}/n${i}`);
    for (const n of names) {
      mkdirSync(join(path, 'refs/heads', n.split('/')[0]!), { recursive: true });
      writeFileSync(join(path, 'refs/heads', n), `${csum}\n`);
    }
    mkdirSync(join(path, 'refs/remotes/zz/sub'), { recursive: true });
    writeFileSync(join(path, 'refs/remotes/zz/sub/q'), `${csum}\n`);
    await compareAll(path, [{ args: ['refs'] }, { args: ['refs', '--list', 'r7'] }, { args: ['refs', 'zz:'] }]);
  });
});

interopSuite('mutating commands vs ostree (resulting repo state)', ['ostree'], () => {
  it('refs --create, --create --alias, --force, --delete (incl. alias refusal)', async () => {
    await compareMutation('archive', [
      ['refs', '--create=new/one', 'test/main^'],
      ['refs', '--create=origin:y', 'test/other'],
      ['refs', '--create=test/main', 'test/other'],
      ['refs', '--create=test/main', '--force', 'test/other'],
      ['refs', '--alias', '--create=new/alias2', 'test/other'],
      ['refs', '--alias', '--create=new/alias2', 'new/one'],
      ['refs', '--alias', '--create=bad', 'nosuchref'],
      ['refs', '--delete', 'test/main'],
      ['refs', '--delete', 'test/alias'],
      ['refs', '--delete', 'test/main'],
      ['refs', '--delete', 'origin:x'],
      ['refs', '--delete', 'new/one'],
    ]);
  });

  it('refs --delete of a prefix directory; reset', async () => {
    await compareMutation('archive', [
      ['refs', '--delete', 'test/alias'],
      ['refs', '--delete', 'test'],
    ]);
    await compareMutation('archive', [
      ['reset', 'test/other', 'test/main^^'],
      ['reset', 'test/nope', 'test/main'],
      ['reset', 'test/other', 'nope'],
    ]);
  });

  it('config set/unset (comments dropped like ostree), --group', async () => {
    const { ours, theirs } = await compareMutation('archive', [
      ['config', 'set', 'core.fsync', 'false'],
      ['config', 'set', '--group=remote "origin"', 'branches', 'a;b;'],
      ['config', 'set', 'new.key', ' spaced  value '],
      ['config', 'unset', 'core.indexed-deltas'],
      ['config', 'unset', 'core.nope'],
      ['config', 'unset', 'nope.nope'],
    ]);
    // comments and blank lines: both rewrite the same way
    for (const r of [ours, theirs]) writeFileSync(join(r, 'config'), '# hello\n[core]\nrepo_version=1\n\nmode=archive-z2\n# tail\n');
    await ostree(theirs, 'config', 'set', 'core.x', 'y', { env: ENV });
    expect((await cli([`--repo=${ours}`, 'config', 'set', 'core.x', 'y'])).code).toBe(0);
    expect(readFileSync(join(ours, 'config'), 'utf8')).toBe(readFileSync(join(theirs, 'config'), 'utf8'));
  });

  it('remote add (options, branches, metalink, --if-not-exists, --force) and delete', async () => {
    await compareMutation('archive', [
      ['remote', 'add', '--no-gpg-verify', 'flathub', 'https://dl.flathub.org/repo/'],
      ['remote', 'add', 'flathub', 'https://other.example/'],
      ['remote', 'add', '--if-not-exists', 'flathub', 'https://other.example/'],
      ['remote', 'add', '--set=xa.title=Flathub', '--set=gpg-verify-summary=true', '--contenturl=https://c.example/', '--collection-id=org.flathub.Stable', 'second', 'https://s.example/repo', 'app/a', 'app/b'],
      ['remote', 'add', '--force', '--no-sign-verify', 'origin', 'https://replaced.example/'],
      ['remote', 'add', 'ml', 'metalink=https://m.example/metalink.xml'],
      ['remote', 'delete', 'flathub'],
      ['remote', 'delete', 'flathub'],
      ['remote', 'delete', '--if-exists', 'flathub'],
      ['remote', 'add', 'bad/name', 'https://x.example/'],
    ]);
  });

  it('init --collection-id writes the same config as ostree', async () => {
    const dir = tmpdir();
    await run('ostree', ['init', `--repo=${join(dir, 'theirs')}`, '--mode=archive', '--collection-id=org.example.Os'], { env: ENV });
    expect((await cli(['init', `--repo=${join(dir, 'ours')}`, '--mode=archive', '--collection-id=org.example.Os'])).code).toBe(0);
    expect(readFileSync(join(dir, 'ours', 'config'), 'utf8')).toBe(readFileSync(join(dir, 'theirs', 'config'), 'utf8'));
    // refs -c lists heads under the repo's collection ID
    const t = join(dir, 'theirs');
    await ostree(t, 'commit', '-b', 'main', '--timestamp=2020-01-01T00:00:00Z', `--tree=dir=${join(dir, 'ours', 'refs')}`, { env: ENV });
    await ostree(t, 'refs', '--collections', '--create=org.other.Repo:mirrored', 'main', { env: ENV });
    await compareAll(t, [{ args: ['refs', '-c'] }, { args: ['refs', '-c', 'org.other.Repo'] }]);
    expect(existsSync(join(t, 'refs/mirrors/org.other.Repo/mirrored'))).toBe(true);
  });

  it('commit --tree=ref= overlays give ostree\'s checksum', async () => {
    const dir = tmpdir();
    const theirs = await copyFixture('archive');
    const ours = join(dir, 'ours');
    await run('cp', ['-a', theirs, ours]);
    writeTree(join(dir, 'extra'), { 'hello.txt': 'overridden\n', 'newdir/n.txt': 'n\n' });
    const args = ['--timestamp=2021-01-01T00:00:00Z', '--owner-uid=0', '--owner-gid=0', '-s', 'overlay'];
    const expected = (await ostree(theirs, 'commit', '-b', 'ov', ...args, '--tree=ref=test/main', '--tree=ref=test/other', `--tree=dir=${join(dir, 'extra')}`, { env: ENV })).stdout.trim();
    const repo = await Repo.open(ours);
    const r = await commit(repo, {
      branch: 'ov',
      timestamp: '2021-01-01T00:00:00Z',
      ownerUid: 0,
      ownerGid: 0,
      subject: 'overlay',
      trees: [
        { kind: 'ref', rev: 'test/main' },
        { kind: 'ref', rev: 'test/other' },
        { kind: 'dir', path: join(dir, 'extra') },
      ],
    });
    expect(r.checksum).toBe(expected);
    await compareAll(theirs, [{ args: ['ls', '-R', '-C', expected] }]);
    await compareAll(ours, [{ args: ['ls', '-R', '-C', 'ov'] }]);
  });
});



// GVariant text output (`show --raw`, `--print-metadata-key`, file objects, `ls -X`) needs
// src/gvariant/text.ts; these cases run once it exists.
const hasText = existsSync(new URL('../../src/gvariant/text.ts', import.meta.url));
interopSuite('GVariant text output vs ostree', ['ostree'], () => {
  it.skipIf(!hasText)('show --raw / --print-metadata-key / file objects, log --raw, ls -X', async () => {
    const repo = await copyFixture('archive');
    await compareAll(repo, [
      { args: ['show', '--print-metadata-key=version', 'test/main'] },
      { args: ['show', '--print-metadata-key=ostree.ref-binding', 'test/main'] },
      { args: ['show', '--raw', 'test/main'] },
      { args: ['show', '--raw', '446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488'] },
      { args: ['show', '7cbc49f60ce9da632bc3293d5c52a07aac2e69514214d2fe8677b6c83e52d986'] },
      { args: ['show', 'f66efa496a72379413c44593de510dc344beb045294f1a543da87b2b6118db35'] },
      { args: ['log', '--raw', 'test/main'] },
      { args: ['ls', '-X', '-R', 'test/main'] },
    ]);
  });
});
