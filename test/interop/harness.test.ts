import { describe, it, expect } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { flatpakEnv, interopSuite, isCI, ostree, run, serveDirectory, tmpdir, tool } from './harness.js';
import { diffManifests, generateTree, manifest } from '../util/trees.js';

describe('harness basics', () => {
  it('finds tools on PATH and caches misses', () => {
    expect(tool('sh').available).toBe(true);
    expect(tool('sh').path).toMatch(/\/sh$/);
    expect(tool('definitely-not-a-tool-ostree-ts')).toEqual({ available: false });
  });

  it('run() returns output and throws with stderr on failure', async () => {
    const ok = await run('sh', ['-c', 'cat; echo err >&2'], { input: 'in\n' });
    expect(ok).toMatchObject({ code: 0, stdout: 'in\n', stderr: 'err\n' });
    const soft = await run('sh', ['-c', 'exit 3'], { allowFail: true });
    expect(soft.code).toBe(3);
    await expect(run('sh', ['-c', 'echo boom >&2; exit 2'])).rejects.toThrow(/exited 2: sh -c .*\nstderr:\nboom/s);
    await expect(run('definitely-not-a-tool-ostree-ts')).rejects.toThrow(/could not start .*installed/);
  });

  it('tmpdir() makes a fresh dir under the OS temp dir', () => {
    const a = tmpdir();
    const b = tmpdir();
    expect(a).not.toBe(b);
    expect(a).toMatch(/ostree-ts-test-/);
  });

  it('serves files with GET/HEAD, 404s missing files, directories and escapes', async () => {
    const root = tmpdir();
    mkdirSync(join(root, 'deltas/Ta/ha+8'), { recursive: true });
    writeFileSync(join(root, 'deltas/Ta/ha+8/superblock'), 'sb');
    writeFileSync(join(root, 'config'), '[core]\n');
    const outside = tmpdir();
    writeFileSync(join(outside, 'secret'), 'no');
    symlinkSync(join(outside, 'secret'), join(root, 'escape-link'));
    const srv = await serveDirectory(root);
    try {
      let r = await fetch(`${srv.url}/config`);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('[core]\n');
      r = await fetch(`${srv.url}/deltas/Ta/ha+8/superblock`); // '+' is literal
      expect(await r.text()).toBe('sb');
      r = await fetch(`${srv.url}/config`, { method: 'HEAD' });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-length')).toBe('7');
      for (const p of ['/missing', '/deltas', '/../' + outside.split('/').pop() + '/secret', '/%2e%2e/etc/passwd', '/escape-link']) {
        r = await fetch(`${srv.url}${p}`);
        expect(r.status, p).toBe(404);
        await r.arrayBuffer();
      }
      // fetch() normalises '..' client-side, so send raw paths too.
      for (const raw of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/deltas/../../' + outside.split('/').pop() + '/secret']) {
        const status = await new Promise<number>((done, fail) => {
          const u = new URL(srv.url);
          httpGet({ host: u.hostname, port: u.port, path: raw }, (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          }).on('error', fail);
        });
        expect(status, raw).toBe(404);
      }
      r = await fetch(`${srv.url}/config`, { method: 'POST', body: 'x' });
      expect(r.status).toBe(405);
      expect(srv.requests[0]).toEqual({ method: 'GET', path: '/config', status: 200 });
    } finally {
      await srv.close();
    }
  });

  it('flatpakEnv() isolates HOME and XDG dirs under the given dir', () => {
    const d = tmpdir();
    const env = flatpakEnv(d);
    for (const k of ['HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR', 'FLATPAK_SYSTEM_DIR']) {
      expect(env[k]!.startsWith(d + '/'), k).toBe(true);
    }
    expect(typeof isCI()).toBe('boolean');
  });
});

interopSuite('harness against real ostree pull', ['ostree'], () => {
  it('serves an archive repo that ostree pulls, fscks and checks out identically', async () => {
    const work = tmpdir();
    const tree = join(work, 'tree');
    generateTree(tree, { seed: 7, files: 60, manyFiles: 150, duplicates: 10 });
    const server = join(work, 'server');
    await ostree(server, 'init', '--mode=archive');
    const commit = (
      await ostree(server, 'commit', '-b', 'test/main', '--subject=harness', '--timestamp=2020-01-01 00:00:00 +0000', tree)
    ).stdout.trim();
    expect(commit).toMatch(/^[0-9a-f]{64}$/);

    const srv = await serveDirectory(server);
    try {
      const client = join(work, 'client');
      await ostree(client, 'init', '--mode=archive');
      await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', srv.url);
      await ostree(client, 'pull', 'origin', 'test/main');
      expect((await ostree(client, 'rev-parse', 'origin:test/main')).stdout.trim()).toBe(commit);
      await ostree(client, 'fsck');
      expect(srv.requests.some((r) => r.path === `/objects/${commit.slice(0, 2)}/${commit.slice(2)}.commit` && r.status === 200)).toBe(true);

      const co = join(work, 'checkout');
      await ostree(client, 'checkout', commit, co);
      expect(diffManifests(manifest(tree), manifest(co))).toEqual([]);
      expect(readFileSync(join(co, 'links/target.txt'), 'utf8')).toBe('link target\n');
    } finally {
      await srv.close();
    }
  });
});

interopSuite('harness with real flatpak', ['flatpak', 'ostree'], () => {
  it('flatpak remote-add and remote-ls work against the served repo in an isolated env', async () => {
    const work = tmpdir();
    const repo = join(work, 'repo');
    const tree = join(work, 'app');
    mkdirSync(join(tree, 'files/bin'), { recursive: true });
    writeFileSync(join(tree, 'files/bin/hello'), '#!/bin/sh\necho hi\n');
    writeFileSync(join(tree, 'metadata'), '[Application]\nname=org.example.Hello\nruntime=org.example.Platform/x86_64/1\n');
    await ostree(repo, 'init', '--mode=archive');
    await ostree(repo, 'commit', '-b', 'app/org.example.Hello/x86_64/stable', '--subject=hello', tree);
    await ostree(repo, 'summary', '-u');
    const srv = await serveDirectory(repo);
    try {
      const env = flatpakEnv(join(work, 'fp'));
      await run('flatpak', ['remote-add', '--user', '--no-gpg-verify', 'test', srv.url], { env });
      const ls = await run('flatpak', ['remote-ls', '--user', '--all', '--columns=ref', 'test'], { env });
      expect(ls.stdout).toContain('app/org.example.Hello/x86_64/stable');
      expect(srv.requests.some((r) => r.path === '/summary' && r.status === 200)).toBe(true);
      const remotes = await run('flatpak', ['remotes', '--user', '--columns=name,url'], { env });
      expect(remotes.stdout).toContain(srv.url);
      // nothing leaked into the real HOME
      expect(env.HOME!.startsWith(work)).toBe(true);
    } finally {
      await srv.close();
    }
  });
});
