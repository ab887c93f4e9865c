/**
 * The HTTP fetcher against small node:http servers (404 → absent, size limits, abort, bounded
 * concurrency over keep-alive, errors) and pull's handling of hostile remotes (injected fetcher).
 */
import { describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpFetcher, LocalFetcher, openRemoteFetcher, type RemoteFetcher } from '../../src/store/http.js';
import { pull } from '../../src/ops/pull.js';
import { Repo } from '../../src/store/repo.js';
import { isOstreeError } from '../../src/errors.js';
import { serveRepo } from '../../src/ops/serve.js';
import { remoteAdd } from '../../src/ops/remote.js';

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer({ keepAlive: true }, handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      }),
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isOstreeError(e) ? e.code : `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe('HttpFetcher', () => {
  it('200 → bytes, 404/403/410 → null, 500 → FETCH_FAILED, bad paths → TypeError', async () => {
    const s = await server((req, res) => {
      if (req.url === '/redir') {
        res.writeHead(302, { Location: '/x/target' });
        res.end();
        return;
      }
      if (req.url === '/loop') {
        res.writeHead(301, { Location: '/loop' });
        res.end();
        return;
      }
      const m = /^\/(\d{3})$/.exec(req.url ?? '');
      if (m) {
        res.writeHead(Number(m[1]));
        res.end('x');
        return;
      }
      res.writeHead(200, { 'Content-Length': 5 });
      res.end('hello');
    });
    const f = new HttpFetcher(s.url + '/');
    try {
      expect(Buffer.from((await f.get('a/b+c'))!).toString()).toBe('hello');
      for (const c of ['404', '403', '410']) expect(await f.get(c)).toBeNull();
      expect(await code(f.get('500'))).toBe('FETCH_FAILED');
      for (const bad of ['', '/abs', 'a/../b', './a', 'a//b']) expect(await code(f.get(bad))).toMatch(/^TypeError/);
      expect(f.requests).toBe(5);
      expect(Buffer.from((await f.get('redir'))!).toString()).toBe('hello');
      expect(await code(f.get('loop'))).toBe('FETCH_FAILED');
    } finally {
      f.close();
      await s.close();
    }
  });

  it('size limits: declared and streamed; truncated bodies', async () => {
    const s = await server((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'Content-Length': 1000 });
        res.end(Buffer.alloc(1000));
      } else if (req.url === '/chunked') {
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(100));
        res.end();
      } else {
        res.writeHead(200, { 'Content-Length': 100 });
        res.write(Buffer.alloc(10));
        res.destroy();
      }
    });
    const f = new HttpFetcher(s.url);
    try {
      expect(await code(f.get('declared', { maxSize: 999 }))).toBe('FETCH_TOO_LARGE');
      expect(await code(f.get('chunked', { maxSize: 999 }))).toBe('FETCH_TOO_LARGE');
      expect((await f.get('chunked', { maxSize: 1000 }))!.length).toBe(1000);
      expect(await code(f.get('truncated'))).toBe('FETCH_FAILED');
    } finally {
      f.close();
      await s.close();
    }
  });

  it('bounded concurrency over keep-alive sockets; abort rejects with the reason', async () => {
    let active = 0;
    let peak = 0;
    const sockets = new Set<unknown>();
    const s = await server((req, res) => {
      sockets.add(req.socket);
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        res.writeHead(200, { 'Content-Length': 2 });
        res.end('ok');
      }, req.url === '/slow' ? 5000 : 5);
    });
    const f = new HttpFetcher(s.url, { concurrency: 3 });
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => f.get(`f${i}`)));
      expect(peak).toBe(3);
      expect(sockets.size).toBeLessThanOrEqual(3);
      const ac = new AbortController();
      const p = f.get('slow', { signal: ac.signal });
      setTimeout(() => ac.abort(new Error('stop here')), 20);
      expect(await code(p)).toBe('Error: stop here');
    } finally {
      f.close();
      await s.close();
    }
  });

  it('LocalFetcher and openRemoteFetcher', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-http-'));
    try {
      await Repo.init(join(dir, 'r'));
      const f = openRemoteFetcher(`file://${join(dir, 'r')}`);
      expect(f).toBeInstanceOf(LocalFetcher);
      expect(await f.get('config')).not.toBeNull();
      expect(await f.get('nope')).toBeNull();
      expect(await f.get('objects')).toBeNull();
      expect(await code(f.get('config', { maxSize: 3 }))).toBe('FETCH_TOO_LARGE');
      expect(await code(Promise.resolve().then(() => openRemoteFetcher('ftp://x/')))).toBe('INVALID_ARGUMENT');
      expect(await code(Promise.resolve().then(() => new HttpFetcher('not a url')))).toBe('INVALID_ARGUMENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A fetcher serving a fixed map of files. */
function mapFetcher(files: Record<string, Uint8Array | string>): RemoteFetcher {
  return {
    location: 'mem:',
    requests: 0,
    bytesTransferred: 0,
    async get(path: string) {
      const v = files[path];
      if (v === undefined) return null;
      return typeof v === 'string' ? new TextEncoder().encode(v) : v;
    },
    close() {},
  };
}

describe('pull against hostile remotes', () => {
  it('garbage summary, non-archive remote, bad ref file, missing commit, corrupt commit bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-pull-'));
    try {
      const repo = await Repo.init(join(dir, 'r'), { mode: 'archive' });
      const cfg = '[core]\nrepo_version=1\nmode=archive-z2\n';
      const opts = { refs: ['main'], gpgVerify: false };
      expect(await code(pull(repo, { ...opts, fetcher: mapFetcher({ summary: new Uint8Array([1, 2, 3, 4, 5]), config: cfg }) }))).toBe('SUMMARY_INVALID');
      expect(await code(pull(repo, { ...opts, fetcher: mapFetcher({ config: '[core]\nmode=bare\n' }) }))).toBe('REMOTE_MODE');
      expect(await code(pull(repo, { ...opts, fetcher: mapFetcher({ config: cfg, 'refs/heads/main': 'zz\n' }) }))).toBe('CORRUPT_REF');
      expect(await code(pull(repo, { ...opts, fetcher: mapFetcher({ config: cfg }) }))).toBe('REF_NOT_FOUND');
      const c = 'a'.repeat(64);
      expect(await code(pull(repo, { ...opts, fetcher: mapFetcher({ config: cfg, 'refs/heads/main': c }) }))).toBe('OBJECT_NOT_FOUND');
      const bad = mapFetcher({ config: cfg, 'refs/heads/main': c, [`objects/aa/${'a'.repeat(62)}.commit`]: new Uint8Array(100) });
      expect(await code(pull(repo, { ...opts, fetcher: bad }))).toBe('CORRUPT_OBJECT');
      expect(await code(pull(repo, { ...opts, fetcher: mapFetcher({}) }))).toBe('NOT_FOUND');
      expect(await repo.listRefs({ remotes: true })).toEqual([]);
      // like ostree: no refs and no configured branches is an error (unless mirroring)
      await remoteAdd(repo, 'origin', 'http://127.0.0.1:9/', { noGpgVerify: true });
      const r2 = await Repo.open(repo.path);
      expect(await code(pull(r2, { remote: 'origin', fetcher: mapFetcher({ config: cfg }) }))).toBe('INVALID_ARGUMENT');
      expect(await code(pull(r2, { remote: 'nope' }))).toBe('NOT_FOUND');
      expect(await code(pull(r2, { remote: 'origin', refs: ['main'], depth: -2 }))).toMatch(/^RangeError/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serveRepo refuses a directory without a repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-serve-'));
    try {
      expect(await code(serveRepo(dir))).toBe('REPO_NOT_FOUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
