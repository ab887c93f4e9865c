/**
 * `ostree-ts serve REPO`: a small static HTTP server for an archive repository, with the caching
 * rules a repository needs (content-addressed files immutable, mutable files revalidated), HEAD and
 * single-range requests, and no way to reach files outside the repository.
 *
 * What clients request is described in docs/ostree-formats.md §8 (from `ostree-repo-pull.c`, ostree
 * v2022.7); ostree serves nothing itself (`ostree trivial-httpd` is a plain static server).
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, promises as fsp } from 'node:fs';
import { resolve as resolvePath, sep } from 'node:path';
import { OstreeError } from '../errors.js';

/** Options of {@link serveRepo}. */
export interface ServeOptions {
  /** TCP port (default 0: an ephemeral port). */
  port?: number;
  /** Address to bind (default `127.0.0.1`). */
  bind?: string;
  /** Called after each response (for logging). */
  onRequest?: (e: ServeRequestEvent) => void;
}

/** One served request. */
export interface ServeRequestEvent {
  method: string;
  path: string;
  status: number;
  bytes: number;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080` (no trailing slash). */
  url: string;
  port: number;
  server: Server;
  /** Stop listening and drop keep-alive connections. */
  close(): Promise<void>;
}

/** `Cache-Control` for content-addressed files that never change once published. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** `Cache-Control` for files that change in place (summary, signatures, refs, config). */
export const REVALIDATE_CACHE = 'no-cache';

/**
 * The caching class of a repository path: objects, delta parts/superblocks (their names are
 * checksums) and flatpak subsummaries (named by checksum) are immutable; summaries, signatures,
 * refs, config, delta indexes, `.commitmeta` and everything else are revalidated on every use.
 */
export function cacheControlFor(path: string): string {
  if (/^\/objects\/[0-9a-f]{2}\/[0-9a-f]{62}\.[a-z-]+$/.test(path) && !path.endsWith('.commitmeta')) return IMMUTABLE_CACHE;
  if (/^\/deltas\/[^/]+\/[^/]+\/(superblock|\d+)$/.test(path)) return IMMUTABLE_CACHE;
  // flatpak subsummaries `summaries/<sha256>.gz` and their diffs `summaries/<from>-<to>.delta`
  if (/^\/summaries\/[0-9a-f]{64}\.gz$/.test(path) || /^\/summaries\/[0-9a-f]{64}-[0-9a-f]{64}\.delta$/.test(path)) return IMMUTABLE_CACHE;
  return REVALIDATE_CACHE;
}

interface Range {
  start: number;
  end: number;
}

/** Parse a single `bytes=` range against `size`; `null` = ignore header, `'invalid'` = 416. */
function parseRange(header: string, size: number): Range | null | 'invalid' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multiple or unknown ranges: serve the whole file
  const [, a, b] = m;
  if (a === '' && b === '') return 'invalid';
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'invalid';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

/**
 * A request handler serving files of `root` (a realpath). Exposed for embedding in another server.
 */
export function repoRequestHandler(root: string, onRequest?: (e: ServeRequestEvent) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const method = req.method ?? 'GET';
    let path = '/';
    const log = (status: number, bytes: number) => onRequest?.({ method, path, status, bytes });
    const plain = (status: number, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
      res.end(method === 'HEAD' ? undefined : body);
      log(status, 0);
    };
    if (method !== 'GET' && method !== 'HEAD') {
      plain(405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]!.split('#')[0]!);
    } catch {
      plain(400, 'Bad request\n');
      return;
    }
    if (!path.startsWith('/') || path.includes('\0') || path.includes('\\') || path.split('/').some((c) => c === '..' || c === '.' || c.startsWith('.'))) {
      // no escapes, no dotfiles (.lock, staging temporaries)
      plain(404, 'Not found\n');
      return;
    }
    void (async () => {
      const candidate = resolvePath(root, '.' + path);
      let real: string;
      let size: number;
      let mtime: Date;
      try {
        if (candidate !== root && !candidate.startsWith(root + sep)) throw new Error('escape');
        real = await fsp.realpath(candidate);
        if (real !== root && !real.startsWith(root + sep)) throw new Error('escape');
        const st = await fsp.stat(real);
        if (!st.isFile()) throw new Error('not a file');
        size = st.size;
        mtime = st.mtime;
      } catch {
        plain(404, 'Not found\n');
        return;
      }
      const etag = `"${size.toString(16)}-${Math.floor(mtime.getTime()).toString(16)}"`;
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/octet-stream',
        'Cache-Control': cacheControlFor(path),
        'Last-Modified': mtime.toUTCString(),
        ETag: etag,
        'Accept-Ranges': 'bytes',
      };
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      const notModified =
        inm !== undefined ? inm.split(',').some((t) => t.trim() === etag || t.trim() === '*') : ims !== undefined && !Number.isNaN(Date.parse(ims)) && Math.floor(mtime.getTime() / 1000) <= Math.floor(Date.parse(ims) / 1000);
      if (notModified) {
        res.writeHead(304, headers);
        res.end();
        log(304, 0);
        return;
      }
      let range: Range | null | 'invalid' = null;
      const rh = req.headers.range;
      const ifRange = req.headers['if-range'];
      if (rh !== undefined && (ifRange === undefined || ifRange === etag)) range = parseRange(rh, size);
      if (range === 'invalid') {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
        res.end();
        log(416, 0);
        return;
      }
      const start = range ? range.start : 0;
      const end = range ? range.end : size - 1;
      const length = size === 0 ? 0 : end - start + 1;
      headers['Content-Length'] = length;
      if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      const status = range ? 206 : 200;
      res.writeHead(status, headers);
      if (method === 'HEAD' || length === 0) {
        res.end();
        log(status, 0);
        return;
      }
      const stream = createReadStream(real, { start, end });
      stream.on('error', () => res.destroy());
      stream.on('end', () => log(status, length));
      stream.pipe(res);
    })();
  };
}

/**
 * Serve the repository at `repoPath` (`ostree-ts serve`). Resolves once listening.
 *
 * @throws OstreeError `REPO_NOT_FOUND` when `repoPath` has no `config`; `SERVE_FAILED` when the
 *   port cannot be bound.
 */
export async function serveRepo(repoPath: string, opts: ServeOptions = {}): Promise<RunningServer> {
  let root: string;
  try {
    root = await fsp.realpath(resolvePath(repoPath));
    await fsp.access(resolvePath(root, 'config'));
  } catch (e) {
    throw new OstreeError('REPO_NOT_FOUND', `No repository at ${repoPath} (no config file)`, { data: { path: repoPath }, cause: e });
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0..65535, got ${port}`);
  const bind = opts.bind ?? '127.0.0.1';
  const server = createServer({ keepAlive: true }, repoRequestHandler(root, opts.onRequest));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', (e) => fail(new OstreeError('SERVE_FAILED', `Cannot listen on ${bind}:${port}: ${e.message}`, { cause: e })));
    server.listen(port, bind, () => ok());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
