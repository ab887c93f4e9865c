import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../cli/io.js';
import { Repo } from '../../src/store/repo.js';
import { decodeCommitmeta } from '../../src/format/commitmeta.js';
import { ed25519SecretFromSeed, toBase64 } from '../../src/sign/ed25519.js';
import { tempDirs } from '../util/scratch.js';

function buildDir(d: string): string {
  const b = join(d, 'b');
  mkdirSync(join(b, 'files'), { recursive: true });
  mkdirSync(join(b, 'export'), { recursive: true });
  writeFileSync(join(b, 'files', 'x'), 'x');
  writeFileSync(join(b, 'metadata'), '[Application]\nname=org.test.App\nruntime=org.test.Rt/x86_64/1\n');
  return b;
}

const tmp = tempDirs('fpcli');

describe('CLI build-export / build-commit-from / build-sign', () => {
  it('exports, re-commits and signs through the CLI', async () => {
    const d = tmp();
    buildDir(d);
    let r = await cli(['build-export', '--no-update-summary', '--timestamp=2020-01-01T00:00:00Z', '-s', 'subj', 'repo', 'b', 'stable'], { cwd: d });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^Commit: ([0-9a-f]{64})\nMetadata Total: \d+\nMetadata Written: \d+\nContent Total: \d+\nContent Written: \d+\nContent Bytes Written: \d+ \(.+\)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const repo = await Repo.open(join(d, 'repo'));
    const c = await repo.loadCommit(m![1]!);
    expect(c.subject).toBe('subj');
    expect(c.timestamp).toBe(1577836800n);
    expect(existsSync(join(d, 'repo', 'summary'))).toBe(false);

    await cli(['init', '--repo=main', '--mode=archive'], { cwd: d });
    r = await cli(['build-commit-from', '--src-repo=repo', '--untrusted', '--force', '--timestamp=NOW', '--disable-fsync', '--token-type=1', 'main'], { cwd: d });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^app\/org\.test\.App\/x86_64\/stable: [0-9a-f]{64}\n$/);
    expect(existsSync(join(d, 'main', 'summary'))).toBe(true);
    r = await cli(['build-commit-from', '--src-repo=repo', '--no-update-summary', 'main'], { cwd: d });
    expect(r.stdout).toBe('app/org.test.App/x86_64/stable: no change\n');

    const key = toBase64(ed25519SecretFromSeed(new Uint8Array(32).fill(9)));
    r = await cli(['build-sign', `--sign=${key}`, '--arch=x86_64', 'main', 'org.test.App', 'stable'], { cwd: d });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const main = await Repo.open(join(d, 'main'));
    const head = (await main.resolveRev('app/org.test.App/x86_64/stable'))!;
    expect(decodeCommitmeta((await main.readCommitDetachedMetadata(head))!).map(([k]) => k)).toEqual(['ostree.sign.ed25519']);
    r = await cli(['build-sign', `--sign=${key}`, 'main'], { cwd: d }); // already signed: fine
    expect(r.code).toBe(0);
  });

  it('usage errors exit 1 with a message', async () => {
    const d = tmp();
    buildDir(d);
    for (const argv of [
      ['build-export', 'repo'],
      ['build-export', 'repo', 'b', 'master', 'extra'],
      ['build-export', '--token-type=x', 'repo', 'b'],
      ['build-export', '--no-such-option', 'repo', 'b'],
      ['build-commit-from'],
      ['build-commit-from', 'nowhere', '--src-ref=abc'],
      ['build-sign', 'repo'],
      ['build-sign'],
    ]) {
      const r = await cli(argv, { cwd: d });
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toMatch(/^error: /);
      expect(r.stderr, argv.join(' ')).not.toMatch(/at .*\.ts/); // no stack traces
    }
  });
});
