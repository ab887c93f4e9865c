/**
 * CLI behaviour of the core commands: help, errors on stderr with non-zero exit, init/commit/checkout/
 * fsck round trip, and `npx ostree-ts --help` from the built package.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cli } from './io.js';
import { loadCommands } from '../../src/cli/main.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-cli-'));
  dirs.push(d);
  return d;
};

describe('ostree-ts CLI', () => {
  it('--help lists the commands and exits 0; no command is an error', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['init', 'commit', 'checkout', 'fsck']) expect(r.stdout).toContain(c);
    expect((await cli([])).code).toBe(1);
    const u = await cli(['frobnicate']);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain("Unknown command 'frobnicate'");
  });

  it('every command has --help with its options', async () => {
    for (const c of await loadCommands()) {
      const r = await cli([c.name, '--help']);
      expect(r.code, c.name).toBe(0);
      expect(r.stdout, c.name).toContain(`ostree-ts ${c.name}`);
      for (const opt of Object.keys(c.options)) expect(r.stdout, `${c.name} --${opt}`).toContain(`--${opt}`);
    }
  });

  it('errors go to stderr with exit 1: unknown option, missing repo, bad ref', async () => {
    const d = tmp();
    const a = await cli(['commit', '--no-such-option'], { cwd: d });
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/^error: /);
    const b = await cli(['fsck'], { cwd: d });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('--repo');
    await cli(['init', `--repo=${join(d, 'r')}`, '--mode=archive']);
    const c = await cli(['commit', `--repo=${join(d, 'r')}`, '-b', '-bad', d]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('error:');
  });

  it('init → commit → checkout → fsck, printing the checksum like ostree', async () => {
    const d = tmp();
    const tree = join(d, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'a.txt'), 'hello\n');
    writeFileSync(join(tree, 'sub', 'b'), 'b\n');
    const repo = join(d, 'repo');
    expect((await cli(['init', `--repo=${repo}`, '--mode=archive'])).code).toBe(0);
    expect(readFileSync(join(repo, 'config'), 'utf8')).toBe('[core]\nrepo_version=1\nmode=archive-z2\n');
    const c = await cli(['commit', `--repo=${repo}`, '-b', 'main', '-s', 'subject', '--timestamp=2020-01-01 00:00:00 +0000', '--owner-uid=0', '--owner-gid=0', tree]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const t = await cli(['commit', `--repo=${repo}`, '-b', 'main', '--table-output', '--tree=ref=main', `--tree=dir=${tree}`]);
    expect(t.stdout).toMatch(/^Commit: [0-9a-f]{64}\nMetadata Total: \d+/);
    const co = await cli(['checkout', `--repo=${repo}`, '-U', 'main', join(d, 'co')]);
    expect(co.code, co.stderr).toBe(0);
    expect(readFileSync(join(d, 'co', 'sub', 'b'), 'utf8')).toBe('b\n');
    const f = await cli(['fsck', `--repo=${repo}`]);
    expect(f.code, f.stderr).toBe(0);
    // a second checkout into the same place fails cleanly
    const again = await cli(['checkout', `--repo=${repo}`, '-U', 'main', join(d, 'co')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists');
  });

  it('npx ostree-ts --help works from the built checkout', () => {
    const bin = join(__dirname, '..', '..', 'bin', 'ostree-ts.js');
    if (!existsSync(join(__dirname, '..', '..', 'dist', 'cli.js'))) {
      execFileSync('npm', ['run', 'build'], { cwd: join(__dirname, '..', '..'), stdio: 'ignore' });
    }
    const out = execFileSync(process.execPath, [bin, '--help']).toString();
    expect(out).toContain('Usage:');
    expect(out).toContain('commit');
  });
});
