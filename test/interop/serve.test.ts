/**
 * `serve`: real `ostree pull` from our server (archive and bare-user-only clients, fsck), caching
 * headers, HEAD, Range, conditional requests and path escapes.
 */
import { expect, it } from 'vitest';
import { request } from 'node:http';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixture, interopSuite, ostree, projectRoot, tmpdir } from './harness.js';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { generateTreeSpec, writeTree } from '../util/trees.js';
import { serveRepo, cacheControlFor, IMMUTABLE_CACHE, REVALIDATE_CACHE, type RunningServer } from '../../src/ops/serve.js';

interface Resp {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(base: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer<T>(repo: string, fn: (s: RunningServer) => Promise<T>): Promise<T> {
  const s = await serveRepo(repo);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

const MAIN = 'ee612ed997cf5b6519c4633c03dd1f70debb7b2db6e3e176c64b620975f39a02';

interopSuite('serve', ['ostree'], () => {
  it('real ostree pull from our server into an archive repo (fixture, all history), fsck clean', async () => {
    const src = await copyFixture('archive');
    await withServer(src, async (s) => {
      // the fixture carries an xattr, which bare-user-only cannot store: archive client only here
      for (const mode of ['archive']) {
        const dst = join(tmpdir(), 'client');
        await ostree(dst, 'init', `--mode=${mode}`);
        await ostree(dst, 'remote', 'add', '--no-gpg-verify', 'origin', s.url);
        await ostree(dst, 'pull', '--depth=-1', 'origin', 'test/main', 'test/other');
        const rev = await ostree(dst, 'rev-parse', 'origin:test/main');
        expect(rev.stdout.trim()).toBe(MAIN);
        await ostree(dst, 'fsck');
      }
    });
  });

  it('real ostree pull (with static deltas) into bare-user-only from our server', async () => {
    const dir = tmpdir();
    writeTree(join(dir, 't1'), generateTreeSpec({ seed: 7, files: 60, safeModes: true, bigFileSize: 0, manyFiles: 20, deepDepth: 3 }));
    const src = join(dir, 'src');
    await ostree(src, 'init', '--mode=archive');
    await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't1')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-01');
    await ostree(src, 'static-delta', 'generate', '--empty', 'main');
    await ostree(src, 'summary', '-u');
    const head = (await ostree(src, 'rev-parse', 'main')).stdout.trim();
    const requests: string[] = [];
    const s = await serveRepo(src, { onRequest: (e) => requests.push(`${e.path} ${e.status}`) });
    try {
      const dst = join(dir, 'client');
      await ostree(dst, 'init', '--mode=bare-user-only');
      await ostree(dst, 'remote', 'add', '--no-gpg-verify', 'origin', s.url);
      await ostree(dst, 'pull', '--require-static-deltas', 'origin', 'main');
      expect((await ostree(dst, 'rev-parse', 'origin:main')).stdout.trim()).toBe(head);
      expect(requests.some((r) => r.includes('/superblock 200'))).toBe(true);
      await ostree(dst, 'fsck');
    } finally {
      await s.close();
    }
  });

  it('CLI: `serve REPO --port=0` prints its URL, serves, and stops on SIGTERM', async () => {
    const dir = tmpdir();
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `import { run } from ${JSON.stringify(join(projectRoot, 'src/cli/main.ts'))};\n` +
        `run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then((c) => { process.exitCode = c; });\n`,
    );
    const bundle = join(dir, 'cli.mjs');
    await build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error', banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
    const src = await copyFixture('archive');
    const child = spawn(process.execPath, [bundle, 'serve', src, '--port=0', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(url, '/config')).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('caching headers: objects immutable, summary/config/refs revalidated', async () => {
    const src = await copyFixture('archive');
    await withServer(src, async (s) => {
      const obj = await get(s.url, `/objects/${MAIN.slice(0, 2)}/${MAIN.slice(2)}.commit`);
      expect(obj.status).toBe(200);
      expect(obj.headers['cache-control']).toBe(IMMUTABLE_CACHE);
      for (const p of ['/config', '/summary', `/refs/heads/test/main`]) {
        const r = await get(s.url, p);
        expect(r.status, p).toBe(200);
        expect(r.headers['cache-control'], p).toBe(REVALIDATE_CACHE);
        expect(r.headers.etag).toBeTruthy();
        const again = await get(s.url, p, 'GET', { 'If-None-Match': String(r.headers.etag) });
        expect(again.status).toBe(304);
      }
      expect(cacheControlFor(`/objects/aa/${'b'.repeat(62)}.commitmeta`)).toBe(REVALIDATE_CACHE);
      expect(cacheControlFor(`/deltas/aa/bbb/0`)).toBe(IMMUTABLE_CACHE);
      expect(cacheControlFor(`/deltas/aa/bbb/superblock`)).toBe(IMMUTABLE_CACHE);
      expect(cacheControlFor('/summary.sig')).toBe(REVALIDATE_CACHE);
      expect(cacheControlFor(`/summaries/${'a'.repeat(64)}.gz`)).toBe(IMMUTABLE_CACHE);
      expect(cacheControlFor(`/summaries/${'a'.repeat(64)}-${'b'.repeat(64)}.delta`)).toBe(IMMUTABLE_CACHE);
      expect(cacheControlFor('/summary.idx')).toBe(REVALIDATE_CACHE);
      expect(cacheControlFor(`/delta-indexes/aa/${'b'.repeat(41)}.index`)).toBe(REVALIDATE_CACHE);
    });
  });

  it('HEAD and Range', async () => {
    const src = await copyFixture('archive');
    await withServer(src, async (s) => {
      const full = await get(s.url, '/config');
      const head = await get(s.url, '/config', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(Number(head.headers['content-length'])).toBe(full.body.length);
      const part = await get(s.url, '/config', 'GET', { Range: 'bytes=2-5' });
      expect(part.status).toBe(206);
      expect(part.body.equals(full.body.subarray(2, 6))).toBe(true);
      expect(part.headers['content-range']).toBe(`bytes 2-5/${full.body.length}`);
      const suffix = await get(s.url, '/config', 'GET', { Range: 'bytes=-3' });
      expect(suffix.body.equals(full.body.subarray(full.body.length - 3))).toBe(true);
      const bad = await get(s.url, '/config', 'GET', { Range: `bytes=${full.body.length + 10}-` });
      expect(bad.status).toBe(416);
      const post = await get(s.url, '/config', 'POST');
      expect(post.status).toBe(405);
    });
  });

  it('no path escapes: .., encoded .., symlinks out, dotfiles, directories', async () => {
    const outside = tmpdir();
    writeFileSync(join(outside, 'secret'), 'secret');
    const src = await copyFixture('archive');
    symlinkSync(join(outside, 'secret'), join(src, 'leak'));
    writeFileSync(join(src, '.lock'), '');
    await withServer(src, async (s) => {
      for (const p of ['/../secret', '/%2e%2e/secret', '/objects/..%2f..%2fsecret', '/leak', '/.lock', '/objects', '/objects/', '/%00', '/config%5c..']) {
        const r = await get(s.url, p);
        expect(r.status, p).toBeGreaterThanOrEqual(400);
        expect(r.body.toString()).not.toContain('secret');
      }
    });
  });
});
