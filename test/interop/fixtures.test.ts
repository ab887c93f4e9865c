import { it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFixture, fixtureRepo, interopSuite, ostree, run, tmpdir } from './harness.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixturesDir = join(root, 'fixtures');
const script = join(fixturesDir, 'make-fixtures.sh');

interface ExpectedCommit {
  parent: string | null;
  rootDirtree: string;
  rootDirmeta: string;
  ls: string[];
}
interface ExpectedRepo {
  mode: string;
  refs: Record<string, string>;
  branches: Record<string, string[]>;
  commits: Record<string, ExpectedCommit>;
  files: Record<string, string>;
}
interface Expected {
  summaryLastModified: number;
  repos: Record<string, ExpectedRepo>;
}

const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8')) as Expected;

/** Every regular file and symlink under `dir`: relative path → sha256 (or `-> target`), like the script. */
function fileMap(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(dir, r))}`;
      else out[r] = createHash('sha256').update(readFileSync(join(dir, r))).digest('hex');
    }
  };
  walk('');
  return out;
}

interopSuite('fixtures made by the real ostree', ['ostree', 'bash'], () => {
  it('pins the documented §10 first commit', () => {
    expect(expected.repos.archive!.branches['test/main']![2]).toBe('39677580cdcc26007bce18424914ea695798261860338a3ad3cfb7bc9f2521c7');
    expect(expected.repos.archive!.commits['39677580cdcc26007bce18424914ea695798261860338a3ad3cfb7bc9f2521c7']!.rootDirtree).toBe(
      'bcb7933289f5dabfbd99feb08c38a5d6539241af10a38bc6dec693e3d204e1aa',
    );
  });

  it('make-fixtures.sh regenerates the pinned refs, commits and bytes', async () => {
    const out = tmpdir();
    await run('bash', [script, out]);
    const regenerated = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) as Expected;
    for (const [name, repo] of Object.entries(expected.repos)) {
      const dir = join(out, 'repos', name);
      // refs and commit checksums, read back with the real ostree
      for (const [ref, csum] of Object.entries(repo.refs)) {
        expect((await ostree(dir, 'rev-parse', ref)).stdout.trim(), `${name} ${ref}`).toBe(csum);
      }
      for (const [csum, c] of Object.entries(repo.commits)) {
        expect((await ostree(dir, 'ls', '-R', '-C', csum)).stdout.trimEnd().split('\n'), `${name} ${csum}`).toEqual(c.ls);
      }
      // byte-for-byte, summary included (its last-modified is pinned by the script)
      expect(fileMap(dir), name).toEqual(repo.files);
    }
    expect(regenerated).toEqual(expected);
  });

  it('the committed repos match expected.json and pass ostree fsck', async () => {
    const copies: Record<string, string> = {};
    for (const [name, repo] of Object.entries(expected.repos)) {
      const committed = fixtureRepo(name);
      expect(fileMap(committed), name).toEqual(repo.files);
      const copy = await copyFixture(name);
      copies[name] = copy;
      const fsck = await ostree(copy, 'fsck');
      expect(fsck.stdout).toMatch(/no errors found/);
      const refs = (await ostree(copy, 'refs')).stdout.trim().split('\n').sort();
      expect(refs).toEqual(Object.keys(repo.refs).sort());
    }
    const view = await ostree(copies.archive!, 'summary', '--view');
    expect(view.stdout).toMatch(/Last-Modified \(ostree\.summary\.last-modified\): 2020-02-02T00:00:00\+00/);
    expect(view.stdout).toContain(`* test/main\n    Latest Commit (`);
    expect(view.stdout).toContain(expected.repos.archive!.refs['test/main']!);
  });
});
