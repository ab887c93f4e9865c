/**
 * CLI behaviour of the everyday commands: --json outputs, --help, usage errors on stderr with exit 1,
 * and the commit text block renderer.
 */
import { describe, it, expect } from 'vitest';
import { fixtureRepo, copyFixture } from '../interop/harness.js';
import { cli } from './everyday-io.js';
import { formatCommitDate, indentLines } from '../../src/cli/commands/dump.js';

const repo = fixtureRepo('archive');
const MAIN = 'ee612ed997cf5b6519c4633c03dd1f70debb7b2db6e3e176c64b620975f39a02';

describe('everyday CLI', () => {
  it('--json for refs, log, show, ls, diff, remote list', async () => {
    const refs = JSON.parse((await cli([`--repo=${repo}`, 'refs', '--json'])).stdout);
    expect(refs[0]).toEqual({ name: 'test/main', checksum: MAIN });
    expect(JSON.parse((await cli([`--repo=${repo}`, 'refs', '--alias', '--json'])).stdout)).toEqual([{ name: 'test/alias', target: 'test/main' }]);
    const lg = JSON.parse((await cli([`--repo=${repo}`, 'log', '--json', 'test/main'])).stdout);
    expect(lg.commits.map((c: { version: string }) => c.version)).toEqual(['3.0', '2.0', '1.0']);
    expect(lg.commits[0]).toMatchObject({ checksum: MAIN, subject: 'third', date: '2020-01-03 00:00:00 +0000', timestamp: 1578009600, metadata: { version: '3.0', 'ostree.ref-binding': ['test/main'] } });
    expect(lg.truncated).toBe(false);
    expect(JSON.parse((await cli([`--repo=${repo}`, 'show', '--json', 'test/main'])).stdout)).toMatchObject({ kind: 'commit', checksum: MAIN });
    const entries = JSON.parse((await cli([`--repo=${repo}`, 'ls', '--json', '-R', 'test/main', '/sub'])).stdout);
    expect(entries.map((e: { path: string }) => e.path)).toEqual(['/sub', '/sub/run.sh', '/sub/up', '/sub/deeper', '/sub/deeper/x.txt']);
    expect(entries[2]).toMatchObject({ type: 'symlink', target: '../hello.txt', mode: 0o777 });
    expect(JSON.parse((await cli([`--repo=${repo}`, 'diff', '--json', 'test/main'])).stdout)).toMatchObject({ removed: ['/abslink', '/empty'] });
    expect(JSON.parse((await cli([`--repo=${repo}`, 'remote', 'list', '--json'])).stdout)).toEqual([{ name: 'origin', url: 'https://example.invalid/repo' }]);
  });

  it('usage errors go to stderr with exit 1; --help lists ostree option spellings', async () => {
    for (const [argv, msg] of [
      [['log'], 'A rev argument is required'],
      [['refs', '--delete'], 'At least one PREFIX is required when deleting refs'],
      [['refs', '--create=x'], 'You must specify a revision when creating a new ref'],
      [['cat', 'test/main'], 'A COMMIT and at least one PATH argument are required'],
      [['config'], 'OPERATION must be specified'],
      [['config', 'frob', 'a.b'], 'Unknown operation frob'],
      [['config', 'get', 'a.b', 'c'], 'Too many arguments given'],
      [['remote', 'add', 'x'], 'NAME and URL must be specified'],
      [['diff', '/tmp', 'test/main'], 'Comparing with a directory is not supported'],
      [['rev-parse', '--single', 'x'], 'Cannot specify arguments with --single'],
    ] as Array<[string[], string]>) {
      const r = await cli([`--repo=${repo}`, ...argv]);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr).toContain(msg);
      expect(r.stdout).toBe('');
    }
    const h = await cli(['ls', '--help']);
    expect(h.code).toBe(0);
    for (const o of ['--recursive', '--checksum', '--dironly', '--nul-filenames-only', '--json', '-R', '-C']) expect(h.stdout).toContain(o);
  });

  it('OSTREE_REPO and cwd select the repo; reset/config write', async () => {
    const copy = await copyFixture('archive');
    expect((await cli(['rev-parse', 'test/main'], { env: { OSTREE_REPO: copy } })).stdout).toBe(`${MAIN}\n`);
    expect((await cli(['reset', 'test/other', 'test/main'], { cwd: copy })).code).toBe(0);
    expect((await cli(['rev-parse', 'test/other'], { cwd: copy })).stdout).toBe(`${MAIN}\n`);
    expect((await cli(['config', 'set', '--group=core', 'foo', 'bar'], { cwd: copy })).code).toBe(0);
    expect((await cli(['config', 'get', 'core.foo'], { cwd: copy })).stdout).toBe('bar\n');
  });

  it('renders dates and indented text like ot-dump.c', () => {
    expect(formatCommitDate(0n)).toBe('1970-01-01 00:00:00 +0000');
    expect(formatCommitDate(253402300799n)).toBe('9999-12-31 23:59:59 +0000');
    expect(() => formatCommitDate(253402300800n)).toThrow('Invalid timestamp');
    expect(indentLines('a\n\nb')).toBe('    a\n    \n    b\n');
    expect(indentLines('a\n')).toBe('    a\n');
    expect(indentLines('')).toBe('');
  });
});
