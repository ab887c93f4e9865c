/**
 * Unit tests of the everyday ops (refs, rev-parse, log, show, ls, cat, diff, config, reset,
 * remote) on the committed fixture repos (read-only) and copies of them. No external tool needed.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixture, fixtureRepo } from '../interop/harness.js';
import { Repo } from '../../src/store/repo.js';
import { createRef, deleteRefs, listRefs } from '../../src/ops/refs.js';
import { revParse, revParseSingle } from '../../src/ops/rev-parse.js';
import { log } from '../../src/ops/log.js';
import { byteswapValue, commitMetadataKey, showObject } from '../../src/ops/show.js';
import { ls } from '../../src/ops/ls.js';
import { catFile } from '../../src/ops/cat.js';
import { diffCommits } from '../../src/ops/diff.js';
import { configGet, configSet, configUnset, languageNames, splitConfigKey } from '../../src/ops/config.js';
import { resetRef } from '../../src/ops/reset.js';
import { remoteAdd, remoteDelete, remoteGetUrl, remoteList } from '../../src/ops/remote.js';
import { Variant } from '../../src/gvariant/value.js';

const MAIN = 'ee612ed997cf5b6519c4633c03dd1f70debb7b2db6e3e176c64b620975f39a02';
const SECOND = '88552800fceb3c353adbbbbaffd9cfc199db0dceb500790d1fee15665c0b3199';
const FIRST = '39677580cdcc26007bce18424914ea695798261860338a3ad3cfb7bc9f2521c7';
const OTHER = 'a6984d2dcfa9386560a15ccf2ae3ab4c8e6e343a01457bbed602bd2dc8aed073';
const open = () => Repo.open(fixtureRepo('archive'));

describe('refs', () => {
  it('lists in ostree order with prefixes, --list and aliases', async () => {
    const repo = await open();
    expect((await listRefs(repo)).map((r) => r.name)).toEqual(['test/main', 'test/alias', 'test/other', 'origin:x']);
    expect((await listRefs(repo)).find((r) => r.name === 'origin:x')?.checksum).toBe(SECOND);
    expect((await listRefs(repo, { prefix: 'test' })).map((r) => r.name)).toEqual(['alias', 'other', 'main']);
    expect((await listRefs(repo, { prefix: 'test', cutPrefix: false })).map((r) => r.name)).toEqual(['test/main', 'test/alias', 'test/other']);
    expect(await listRefs(repo, { aliases: true })).toEqual([{ name: 'test/alias', aliasTarget: 'test/main' }]);
    expect((await listRefs(repo, { prefix: 'origin:' })).map((r) => r.name)).toEqual(['origin:x']);
    expect(await listRefs(repo, { prefix: 'absent' })).toEqual([]);
    await expect(listRefs(repo, { prefix: 'bad ref' })).rejects.toMatchObject({ code: 'INVALID_REF' });
  });

  it('create, alias, delete with ostree errors', async () => {
    const repo = await Repo.open(await copyFixture('archive'));
    await expect(createRef(repo, 'test/main', 'test/other')).rejects.toMatchObject({ code: 'EXISTS', message: '--create specified but ref test/main already exists' });
    expect(await createRef(repo, 'a/b', 'test/main^')).toBe(SECOND);
    expect(await repo.readRef('a/b')).toBe(SECOND);
    expect(await createRef(repo, 'al', 'a/b', { alias: true })).toBe(SECOND);
    await expect(createRef(repo, 'al2', 'nope', { alias: true })).rejects.toMatchObject({ message: 'Cannot create alias to non-existent ref: nope' });
    await expect(createRef(repo, 'origin:al', 'a/b', { alias: true })).rejects.toMatchObject({ message: 'Cannot create alias to remote ref: origin' });
    await expect(deleteRefs(repo, 'a/b')).rejects.toMatchObject({ code: 'REF_HAS_ALIAS', message: "Ref 'a/b' has an active alias: 'al'" });
    expect(await deleteRefs(repo, 'al')).toEqual(['al']);
    expect(await deleteRefs(repo, 'a')).toEqual(['a/b']);
    expect(await repo.readRef('a/b')).toBeNull();
    expect(await deleteRefs(repo, 'origin:x')).toEqual(['origin:x']);
  });

  it('reset moves only existing refs', async () => {
    const repo = await Repo.open(await copyFixture('archive'));
    expect(await resetRef(repo, 'test/other', 'test/main^^')).toBe(FIRST);
    expect(await repo.readRef('test/other')).toBe(FIRST);
    await expect(resetRef(repo, 'test/nope', 'test/main')).rejects.toMatchObject({ message: "Invalid ref 'test/nope'" });
  });
});

describe('rev-parse, log, show', () => {
  it('resolves revisions and the single commit', async () => {
    const repo = await open();
    expect(await revParse(repo, ['test/main^', '3967', 'origin:x'])).toEqual([SECOND, FIRST, SECOND]);
    await expect(revParse(repo, ['nope'])).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
    await expect(revParseSingle(repo)).rejects.toMatchObject({ message: 'Multiple commit objects found' });
    expect(await revParseSingle(await Repo.open(fixtureRepo('bare-user-only')))).toBe('6ba7a813' + (await revParseSingle(await Repo.open(fixtureRepo('bare-user-only')))).slice(8));
  });

  it('log walks parents and stops at a missing one', async () => {
    const repo = await open();
    const r = await log(repo, 'test/main');
    expect(r.entries.map((e) => e.checksum)).toEqual([MAIN, SECOND, FIRST]);
    expect(r.truncated).toBe(false);
    expect((await log(repo, 'test/main', { maxCount: 1 })).entries).toHaveLength(1);
    const path = await copyFixture('archive');
    rmSync(join(path, 'objects', SECOND.slice(0, 2), `${SECOND.slice(2)}.commit`));
    const t = await log(await Repo.open(path), 'test/main');
    expect(t).toMatchObject({ truncated: true, missingParent: SECOND });
    expect(t.entries).toHaveLength(1);
    await expect(log(await Repo.open(path), SECOND)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });

  it('show finds each object kind and metadata keys', async () => {
    const repo = await open();
    const c = await showObject(repo, 'test/other');
    expect(c).toMatchObject({ kind: 'commit', checksum: OTHER, version: '1.0-other' });
    expect((await showObject(repo, '446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488')).kind).toBe('dirmeta');
    expect((await showObject(repo, '6fb381b0eb54afee04650c859e84d149390aea6e61ee9304d7d1684a7c828152')).kind).toBe('dirtree');
    const f = await showObject(repo, 'f66efa496a72379413c44593de510dc344beb045294f1a543da87b2b6118db35');
    expect(f).toMatchObject({ kind: 'file', size: 0, header: { symlinkTarget: 'hello.txt' } });
    expect(await commitMetadataKey(repo, 'test/main', 'version')).toEqual(new Variant('s', '3.0'));
    await expect(commitMetadataKey(repo, 'test/main', 'nope')).rejects.toMatchObject({ message: "No such metadata key 'nope'" });
    await expect(commitMetadataKey(repo, 'test/main', 'x', { detached: true })).rejects.toMatchObject({ message: `No detached metadata for commit ${MAIN}` });
  });

  it('byteswapValue swaps every multi-byte number like g_variant_byteswap', () => {
    expect(byteswapValue('(uuua(ayay))', [0x01000000, 0, 0xed410000, []])).toEqual([1, 0, 0x41ed, []]);
    expect(byteswapValue('t', 0x0100000000000000n)).toBe(1n);
    expect(byteswapValue('x', -1n)).toBe(-1n);
    expect(byteswapValue('n', 0x0180)).toBe(-32767);
    expect(byteswapValue('a{sv}', [['k', new Variant('q', 0x0100)]])).toEqual([['k', new Variant('q', 1)]]);
    expect(byteswapValue('mi', { just: 0x01000000 })).toEqual({ just: 1 });
    expect(byteswapValue('ay', Uint8Array.of(1, 2))).toEqual(Uint8Array.of(1, 2));
    expect(byteswapValue('d', byteswapValue('d', 1.5))).toBe(1.5);
  });
});

describe('ls, cat, diff', () => {
  it('lists one level, recursively, dir-only, with OstreeRepoFile path rules', async () => {
    const repo = await open();
    const top = await ls(repo, 'test/main');
    expect(top.entries.map((e) => e.path)).toEqual(['/', '/hello.txt', '/link', '/seq.txt', '/dir700', '/emptydir', '/sub']);
    expect(top.entries[2]).toMatchObject({ type: 'symlink', symlinkTarget: 'hello.txt', mode: 0o120777 });
    expect(top.entries[3]).toMatchObject({ type: 'file', size: 72006 });
    expect((await ls(repo, 'test/main', { recursive: true })).entries).toHaveLength(12);
    expect((await ls(repo, 'test/main', { paths: ['sub'], dirOnly: true })).entries.map((e) => e.path)).toEqual(['/sub']);
    expect((await ls(repo, 'test/main', { paths: ['sub//hello.txt'] })).entries.map((e) => e.path)).toEqual(['/hello.txt']);
    await expect(ls(repo, 'test/main', { paths: ['sub/../hello.txt'] })).rejects.toMatchObject({ message: "Inspecting path 'sub/../hello.txt': No such file or directory: /sub/.." });
    await expect(ls(repo, 'test/main', { paths: ['/hello.txt/x'] })).rejects.toMatchObject({ message: "Inspecting path '/hello.txt/x': Not a directory" });
  });

  it('cat reads files and follows symlinks inside the commit', async () => {
    const repo = await open();
    const hello = await catFile(repo, 'test/main', 'hello.txt');
    expect(await catFile(repo, 'test/main', '/link')).toEqual(hello);
    await expect(catFile(repo, 'test/main', 'sub')).rejects.toMatchObject({ code: 'IS_DIRECTORY', message: "Can't open directory" });
    await expect(catFile(repo, 'test/main', 'sub/up')).rejects.toMatchObject({ message: 'No such file or directory: /sub/..' });
    expect(new TextDecoder().decode(await catFile(repo, 'test/main', 'sub/deeper/x.txt'))).toBe('x\n');
  });

  it('diff reports M, D, A in ostree walk order', async () => {
    const repo = await open();
    const d = await diffCommits(repo, 'test/main^^', 'test/main');
    expect(d.modified.map((m) => m.path)).toEqual(['/hello.txt', '/sub/run.sh']);
    expect(d.removed.map((e) => e.path)).toEqual(['/empty']);
    expect(d.added.map((e) => e.path)).toEqual(['/sub/up', '/sub/deeper', '/sub/deeper/x.txt', '/seq.txt', '/dir700', '/dir700/secret', '/emptydir']);
    const same = await diffCommits(repo, 'test/main', 'test/alias');
    expect([same.modified, same.removed, same.added]).toEqual([[], [], []]);
  });
});

describe('config and remotes', () => {
  it('splits keys, computes GLib language names', () => {
    expect(splitConfigKey('remote "a.b".url')).toEqual(['remote "a', 'b".url']);
    expect(() => splitConfigKey('nodot')).toThrow('Key must be of the form "sectionname.keyname"');
    expect(languageNames({})).toEqual(['C']);
    expect(languageNames({ LANG: 'de_DE.UTF-8' })).toEqual(['de_DE.UTF-8', 'de_DE', 'de.UTF-8', 'de', 'C']);
    expect(languageNames({ LANGUAGE: 'fr:en', LANG: 'de_DE' })).toEqual(['fr', 'en', 'C']);
  });

  it('get/set/unset', async () => {
    const path = await copyFixture('archive');
    const repo = await Repo.open(path);
    expect(configGet(repo, 'core', 'mode')).toBe('archive-z2');
    expect(() => configGet(repo, 'core', 'nope')).toThrow('Key file does not have key “nope” in group “core”');
    expect(() => configGet(repo, 'nope', 'x')).toThrow('Key file does not have group “nope”');
    writeFileSync(join(path, 'config'), '# c\n[core]\nrepo_version=1\nmode=archive-z2\n');
    await repo.reloadConfig();
    await configSet(repo, 'core', 'x', 'a b');
    expect(readFileSync(join(path, 'config'), 'utf8')).toBe('[core]\nrepo_version=1\nmode=archive-z2\nx=a b\n');
    const before = readFileSync(join(path, 'config'), 'utf8');
    expect(await configUnset(repo, 'core', 'nope')).toBe(false);
    expect(readFileSync(join(path, 'config'), 'utf8')).toBe(before);
    expect(await configUnset(repo, 'core', 'x')).toBe(true);
    expect(configGet(repo, 'core', 'mode')).toBe('archive-z2');
  });

  it('remote add/list/show-url/delete', async () => {
    const path = await copyFixture('archive');
    const repo = await Repo.open(path);
    symlinkSync('/dev/null', join(path, 'b.trustedkeys.gpg'));
    expect(await remoteAdd(repo, 'b', 'https://b.example/', { branches: ['x', 'y'], noGpgVerify: true, set: [['xa.title', 'B']] })).toBe(true);
    expect(await remoteAdd(repo, 'b', 'https://c.example/', { ifNotExists: true })).toBe(false);
    await expect(remoteAdd(repo, 'b', 'https://c.example/')).rejects.toMatchObject({ code: 'EXISTS', message: 'Remote configuration for "b" already exists: (in config)' });
    await expect(remoteAdd(repo, 'c', 'u', { force: true, ifNotExists: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(readFileSync(join(path, 'config'), 'utf8')).toContain('[remote "b"]\nurl=https://b.example/\nbranches=x;y;\nxa.title=B\ngpg-verify=false\n');
    await remoteAdd(repo, 'a', 'metalink=https://m.example/ml');
    expect(remoteList(repo)).toEqual([{ name: 'a' }, { name: 'b', url: 'https://b.example/' }, { name: 'origin', url: 'https://example.invalid/repo' }]);
    expect(remoteGetUrl(repo, 'b')).toBe('https://b.example/');
    expect(remoteGetUrl(repo, 'file:///x')).toBe('file:///x');
    expect(() => remoteGetUrl(repo, 'a')).toThrow('No "url" option in remote "a"');
    expect(await remoteDelete(repo, 'b')).toBe(true);
    expect(await remoteDelete(repo, 'b', { ifExists: true })).toBe(false);
    await expect(remoteDelete(repo, 'b')).rejects.toMatchObject({ message: 'Remote "b" not found' });
    expect(() => remoteGetUrl(repo, 'b')).toThrow('Remote "b" not found');
  });
});
