/**
 * Read-only access to a remote repository: an HTTP(S) fetcher with keep-alive connections and
 * bounded concurrency, and the same interface over a local directory (`file://` remotes and
 * `pull-local`). This is the store layer's network half; ops/pull.ts only sees {@link RemoteFetcher}.
 *
 * Request semantics follow `ostree-fetcher-*.c` / `ostree-repo-pull.c` (ostree v2022.7): plain
 * `GET <base>/<relative path>`, 404 (and 403/410, which libcurl's backend also maps to "not found")
 * means the file is absent; any other non-2xx status is an error.
 *
 * @module
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OstreeError } from '../errors.js';
import { NodeStorage } from './storage.js';

/** Options of one {@link RemoteFetcher.get}. */
export interface FetchOptions {
  /** Largest body accepted; a bigger one fails with `FETCH_TOO_LARGE` (default 128 MiB). */
  maxSize?: number;
  signal?: AbortSignal;
}

/** Read-only access to the files of a remote repository. */
export interface RemoteFetcher {
  /** Human-readable base location (URL or directory). */
  readonly location: string;
  /** Whole file at `path` (relative, `/`-separated), or `null` when the remote does not have it. */
  get(path: string, opts?: FetchOptions): Promise<Uint8Array | null>;
  /** Number of requests made so far (for progress and tests). */
  readonly requests: number;
  /** Bytes received so far. */
  readonly bytesTransferred: number;
  /** Release connections. */
  close(): void;
}

/** Redirects followed per request (libcurl's backend follows them too). */
const MAX_REDIRECTS = 5;

/** Default size limit: `OSTREE_MAX_METADATA_SIZE` (128 MiB, `ostree-core.h`). */
export const DEFAULT_FETCH_MAX = 128 * 1024 * 1024;

/** Options of {@link HttpFetcher}. */
export interface HttpFetcherOptions {
  /** Parallel requests at most (default 8; ostree's `_OSTREE_MAX_OUTSTANDING_FETCHER_REQUESTS`). */
  concurrency?: number;
  /** Per-request inactivity timeout in ms (default 60 000). */
  timeoutMs?: number;
  /** Extra request headers (`http-headers` remote option). */
  headers?: Record<string, string>;
}

function checkRelPath(path: string): void {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.split('/').some((c) => c === '..' || c === '.' || c === '')) {
    throw new TypeError(`Invalid remote path: ${JSON.stringify(path)}`);
  }
}

/** Percent-encode a relative path for a URL, keeping `/` (and `+`, which delta names use literally). */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((c) => encodeURIComponent(c).replace(/%2B/g, '+'))
    .join('/');
}

/**
 * HTTP(S) implementation of {@link RemoteFetcher}: one keep-alive `Agent` limited to `concurrency`
 * sockets, a queue in front of it, size limits enforced while reading, and `AbortSignal` support.
 */
export class HttpFetcher implements RemoteFetcher {
  readonly location: string;
  requests = 0;
  bytesTransferred = 0;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** @param baseUrl - the remote's `url` (`http://` or `https://`) */
  constructor(baseUrl: string, opts: HttpFetcherOptions = {}) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new OstreeError('INVALID_ARGUMENT', `Invalid remote URL '${baseUrl}'`, { data: { url: baseUrl } });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new OstreeError('INVALID_ARGUMENT', `Unsupported URL scheme in '${baseUrl}'`, { data: { url: baseUrl } });
    }
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    this.base = u;
    this.location = baseUrl;
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.headers = opts.headers ?? {};
    const AgentClass = u.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: this.concurrency, maxFreeSockets: this.concurrency });
  }

  private async slot(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  async get(path: string, opts: FetchOptions = {}): Promise<Uint8Array | null> {
    checkRelPath(path);
    opts.signal?.throwIfAborted();
    await this.slot();
    try {
      opts.signal?.throwIfAborted();
      let url = new URL(encodePath(path), this.base);
      for (let hop = 0; ; hop++) {
        const r = await this.request(url, opts.maxSize ?? DEFAULT_FETCH_MAX, opts.signal);
        if (!(r instanceof URL)) return r;
        if (hop >= MAX_REDIRECTS) throw new OstreeError('FETCH_FAILED', `Too many redirects fetching ${path}`, { data: { path } });
        url = r;
      }
    } finally {
      this.release();
    }
  }

  /** One request: the body, `null` for "not found", or the target of a redirect. */
  private request(url: URL, maxSize: number, signal?: AbortSignal): Promise<Uint8Array | null | URL> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new OstreeError('FETCH_FAILED', `Redirect to unsupported URL ${url.href}`, { data: { url: url.href } }));
    }
    const mod = url.protocol === 'https:' ? https : http;
    const agent = url.origin === this.base.origin ? this.agent : undefined;
    this.requests++;
    return new Promise<Uint8Array | null | URL>((resolve, reject) => {
      let done = false;
      const finish = (err: unknown, value?: Uint8Array | null | URL) => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value ?? null);
      };
      const req = mod.get(url, { agent, headers: { 'Accept-Encoding': 'identity', ...this.headers } }, (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
          res.resume();
          let next: URL;
          try {
            next = new URL(res.headers.location, url);
          } catch {
            finish(new OstreeError('FETCH_FAILED', `Bad redirect from ${url.href}`, { data: { url: url.href } }));
            return;
          }
          finish(null, next);
          return;
        }
        if (status === 404 || status === 403 || status === 410) {
          res.resume();
          finish(null, null);
          return;
        }
        if (status < 200 || status >= 300) {
          res.resume();
          finish(new OstreeError('FETCH_FAILED', `Server returned HTTP ${status} for ${url.href}`, { data: { url: url.href, status } }));
          return;
        }
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > maxSize) {
          finish(tooLarge(url.href, declared, maxSize));
          res.destroy();
          return;
        }
        // With a Content-Length the body is copied once into a buffer of that size; otherwise
        // chunks are collected and joined at the end.
        const known = Number.isFinite(declared) ? Buffer.allocUnsafe(declared) : null;
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          if (total + c.length > maxSize || (known && total + c.length > known.length)) {
            total += c.length;
            finish(known ? new OstreeError('FETCH_FAILED', `Response for ${url.href} longer than its Content-Length`, { data: { url: url.href } }) : tooLarge(url.href, total, maxSize));
            res.destroy();
            return;
          }
          if (known) c.copy(known, total);
          else chunks.push(c);
          total += c.length;
        });
        res.on('end', () => {
          this.bytesTransferred += total;
          if (known && known.length !== total) {
            finish(new OstreeError('FETCH_FAILED', `Truncated response for ${url.href} (${total} of ${declared} bytes)`, { data: { url: url.href } }));
            return;
          }
          const b = known ?? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
          finish(null, new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        });
        res.on('error', (e) => finish(fetchError(url.href, e)));
        res.on('aborted', () => finish(new OstreeError('FETCH_FAILED', `Connection closed while reading ${url.href}`, { data: { url: url.href } })));
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (e) => finish(signal?.aborted ? signal.reason : fetchError(url.href, e)));
      const onAbort = () => {
        req.destroy();
        finish(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function tooLarge(url: string, size: number, max: number): OstreeError {
  return new OstreeError('FETCH_TOO_LARGE', `${url} is larger than the limit of ${max} bytes (${size})`, { data: { url, size, max } });
}

function fetchError(url: string, e: unknown): OstreeError {
  return new OstreeError('FETCH_FAILED', `While fetching ${url}: ${(e as Error).message}`, { data: { url }, cause: e });
}

/** {@link RemoteFetcher} over a local repository directory (`file://` remotes, `pull-local`). */
export class LocalFetcher implements RemoteFetcher {
  readonly location: string;
  requests = 0;
  bytesTransferred = 0;
  private readonly storage: NodeStorage;

  /** @param dir - the repository directory */
  constructor(dir: string) {
    this.storage = new NodeStorage(resolvePath(dir));
    this.location = this.storage.root;
  }

  async get(path: string, opts: FetchOptions = {}): Promise<Uint8Array | null> {
    checkRelPath(path);
    opts.signal?.throwIfAborted();
    this.requests++;
    const st = await this.storage.lstat(path);
    if (st === null || st.kind === 'dir') return null;
    const max = opts.maxSize ?? DEFAULT_FETCH_MAX;
    if (st.kind === 'file' && st.size > max) throw tooLarge(this.storage.resolve(path), st.size, max);
    const b = await this.storage.read(path);
    if (b && b.byteLength > max) throw tooLarge(this.storage.resolve(path), b.byteLength, max);
    if (b) this.bytesTransferred += b.byteLength;
    return b;
  }

  close(): void {}
}

/**
 * A fetcher for a remote URL: `http(s)://` → {@link HttpFetcher}, `file://` or a plain path →
 * {@link LocalFetcher}.
 */
export function openRemoteFetcher(url: string, opts: HttpFetcherOptions = {}): RemoteFetcher {
  if (/^https?:\/\//i.test(url)) return new HttpFetcher(url, opts);
  if (url.startsWith('file://')) return new LocalFetcher(fileURLToPath(url));
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) throw new OstreeError('INVALID_ARGUMENT', `Unsupported URL scheme in '${url}'`, { data: { url } });
  return new LocalFetcher(url);
}
