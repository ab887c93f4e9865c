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
import * as net from 'node:net';
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
 * HTTP(S) implementation of {@link RemoteFetcher}: at most `concurrency` requests at once over
 * keep-alive connections, size limits enforced while reading, and `AbortSignal` support.
 *
 * Plain `http:` requests to the base URL's origin go through {@link Http1Connection} (a small
 * HTTP/1.1 client on `net` sockets: one request at a time per connection, no pipelining), which
 * costs a fraction of `node:http`'s per-request work — a pull makes one request per object,
 * thousands of them. `https:` and redirects to other origins use `node:http`/`node:https`.
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
  /** Open raw connections to the base origin: all of them, and those waiting for a request. */
  private readonly conns = new Set<Http1Connection>();
  private readonly idle: Http1Connection[] = [];
  /** Request header lines (after the request line) for raw requests, built once. */
  private readonly rawHeaders: string;

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
    const extra = Object.entries(this.headers)
      .filter(([k]) => !/^(host|accept-encoding|connection|content-length|transfer-encoding)$/i.test(k))
      .map(([k, v]) => {
        if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new OstreeError('INVALID_ARGUMENT', `Invalid HTTP header ${JSON.stringify(k)}`);
        return `${k}: ${v}\r\n`;
      })
      .join('');
    const userEncoding = Object.entries(this.headers).find(([k]) => /^accept-encoding$/i.test(k));
    this.rawHeaders = `Host: ${u.host}\r\nAccept-Encoding: ${userEncoding ? userEncoding[1] : 'identity'}\r\n${extra}\r\n`;
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
    if (url.protocol === 'http:' && url.origin === this.base.origin) return this.rawRequest(url, maxSize, signal);
    return this.nodeRequest(url, maxSize, signal);
  }

  /**
   * A request over a raw keep-alive connection. A reused connection that the server closed while
   * it sat idle fails before any response byte arrives: that request is sent once more on a new
   * connection (GET is idempotent; `node:http`'s agent behaves the same way).
   */
  private async rawRequest(url: URL, maxSize: number, signal?: AbortSignal): Promise<Uint8Array | null | URL> {
    const head = `GET ${url.pathname}${url.search} HTTP/1.1\r\n${this.rawHeaders}`;
    for (;;) {
      let conn = this.idle.pop();
      const reused = conn !== undefined;
      if (!conn) {
        conn = new Http1Connection(this.base.hostname.replace(/^\[(.*)\]$/, '$1'), Number(this.base.port || 80), this.timeoutMs, (c) => {
          this.conns.delete(c);
          const i = this.idle.indexOf(c);
          if (i >= 0) this.idle.splice(i, 1);
        });
        this.conns.add(conn);
      }
      this.requests++;
      let r: RawResponse;
      try {
        r = await conn.exchange(head, url.href, maxSize, signal);
      } catch (e) {
        if (reused && e instanceof StaleConnection) continue;
        if (e instanceof StaleConnection) throw fetchError(url.href, e);
        throw e;
      }
      if (r.keepAlive) this.idle.push(conn);
      const verdict = statusVerdict(url, r.status, r.location);
      if (verdict !== 'body') return verdict;
      this.bytesTransferred += r.body!.byteLength;
      return r.body!;
    }
  }

  /** One request with `node:http` / `node:https` (TLS, other origins). */
  private nodeRequest(url: URL, maxSize: number, signal?: AbortSignal): Promise<Uint8Array | null | URL> {
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
        let verdict: URL | null | 'body';
        try {
          verdict = statusVerdict(url, res.statusCode ?? 0, res.headers.location || undefined);
        } catch (e) {
          res.resume();
          finish(e);
          return;
        }
        if (verdict !== 'body') {
          res.resume();
          finish(null, verdict);
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
    for (const c of [...this.conns]) c.destroy();
    this.idle.length = 0;
  }
}

/** A reused keep-alive connection turned out closed before any byte of the response arrived. */
class StaleConnection extends Error {}

/** What {@link Http1Connection.exchange} returns. */
interface RawResponse {
  status: number;
  /** `Location` header, if any. */
  location?: string;
  /** The body of a 2xx response (other bodies are read and dropped). */
  body?: Uint8Array;
  /** The connection may carry another request. */
  keepAlive: boolean;
}

/** Bodies of non-2xx responses larger than this are not drained: the connection is closed instead. */
const MAX_DISCARD = 1 << 20;
/** Largest response head accepted. */
const MAX_HEAD = 64 * 1024;

/**
 * One HTTP/1.1 client connection over a `net` socket, one request at a time (no pipelining).
 * Responses are framed by `Content-Length`, `Transfer-Encoding: chunked`, or the end of the
 * connection; socket reads go into one reusable buffer per connection (`onread`), and a body with
 * a declared length is copied once into a buffer of exactly that size.
 */
class Http1Connection {
  private readonly socket: net.Socket;
  private cur: Exchange | null = null;
  private dead = false;
  /** Bytes of a response head received so far (head split across reads). */
  private headParts: Buffer[] = [];
  private headLen = 0;

  constructor(host: string, port: number, timeoutMs: number, private readonly onGone: (c: Http1Connection) => void) {
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: Buffer.allocUnsafe(64 * 1024), callback: (n: number, buf: Uint8Array) => this.onRead(buf as Buffer, n) },
    });
    this.socket.setTimeout(timeoutMs, () => {
      if (this.cur) this.fail(fetchError(this.cur.href, new Error(`timed out after ${timeoutMs} ms`)), true);
      else this.fail(new Error('idle timeout'));
    });
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onEnd());
  }

  /** Send `head` (request line and headers) and read the response. */
  exchange(head: string, href: string, maxSize: number, signal?: AbortSignal): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      if (this.dead) {
        reject(new StaleConnection('connection closed'));
        return;
      }
      const onAbort = () => {
        this.fail(signal!.reason, true);
      };
      const ex: Exchange = {
        href,
        maxSize,
        got: false,
        status: 0,
        keepAlive: true,
        location: undefined,
        mode: 'head',
        remaining: 0,
        body: null,
        parts: [],
        total: 0,
        chunkLine: '',
        done: (err, value) => {
          signal?.removeEventListener('abort', onAbort);
          if (err !== null) reject(err);
          else resolve(value!);
        },
      };
      this.cur = ex;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.socket.ref();
      this.socket.write(head, 'latin1');
    });
  }

  destroy(): void {
    this.fail(new Error('fetcher closed'));
  }

  /** End the connection; reject the exchange in progress with `err` (as is when `raw`). */
  private fail(err: unknown, raw = false): void {
    const ex = this.cur;
    this.cur = null;
    if (!this.dead) {
      this.dead = true;
      this.socket.destroy();
      this.onGone(this);
    }
    if (!ex) return;
    if (raw) ex.done(err);
    else if (!ex.got) ex.done(new StaleConnection((err as Error)?.message ?? 'connection closed'));
    else ex.done(fetchError(ex.href, err));
  }

  private onEnd(): void {
    const ex = this.cur;
    if (ex && ex.mode === 'eof') {
      // body delimited by the end of the connection
      this.cur = null;
      const b = ex.parts.length === 1 ? ex.parts[0]! : Buffer.concat(ex.parts, ex.total);
      this.finishWith(ex, b);
    }
    if (ex && this.cur === ex) {
      this.cur = null;
      if (!ex.got) ex.done(new StaleConnection('connection closed'));
      else ex.done(new OstreeError('FETCH_FAILED', `Connection closed while reading ${ex.href}`, { data: { url: ex.href } }));
    }
    if (!this.dead) {
      this.dead = true;
      this.socket.destroy();
      this.onGone(this);
    }
  }

  private onRead(buf: Buffer, n: number): boolean {
    const ex = this.cur;
    if (!ex) {
      // bytes nobody asked for: the connection is out of step
      this.fail(new Error('unexpected data'));
      return false;
    }
    ex.got = true;
    try {
      this.consume(ex, buf, 0, n);
    } catch (e) {
      this.fail(e, true);
    }
    return true;
  }

  /** Feed `buf[off, end)` to the exchange. */
  private consume(ex: Exchange, buf: Buffer, off: number, end: number): void {
    while (off < end && this.cur === ex) {
      switch (ex.mode) {
        case 'head': {
          // look for the blank line, across reads
          let data = buf.subarray(off, end);
          if (this.headLen > 0) {
            data = Buffer.concat([...this.headParts, data]);
          }
          const at = data.indexOf('\r\n\r\n', Math.max(0, this.headLen - 3), 'latin1');
          if (at < 0) {
            if (data.byteLength > MAX_HEAD) throw new OstreeError('FETCH_FAILED', `Response head too long from ${ex.href}`, { data: { url: ex.href } });
            this.headParts = [Buffer.from(data)];
            this.headLen = data.byteLength;
            return;
          }
          const consumedHere = at + 4 - this.headLen;
          this.headParts = [];
          this.headLen = 0;
          this.parseHead(ex, data.toString('latin1', 0, at));
          off += consumedHere;
          if ((ex.mode as Exchange['mode']) === 'none') {
            this.complete(ex, new Uint8Array(0));
            if (off < end) throw new OstreeError('FETCH_FAILED', `Unexpected data after the response for ${ex.href}`, { data: { url: ex.href } });
          }
          break;
        }
        case 'fixed': {
          const take = Math.min(ex.remaining, end - off);
          if (ex.body) buf.copy(ex.body, ex.total, off, off + take);
          ex.total += take;
          ex.remaining -= take;
          off += take;
          if (ex.remaining === 0) {
            if (off < end) throw new OstreeError('FETCH_FAILED', `Response for ${ex.href} longer than its Content-Length`, { data: { url: ex.href } });
            this.complete(ex, ex.body ?? new Uint8Array(0));
          }
          break;
        }
        case 'eof': {
          this.collect(ex, buf, off, end);
          off = end;
          break;
        }
        case 'chunk-size':
        case 'chunk-crlf':
        case 'trailer': {
          const nl = buf.indexOf(10, off);
          const stop = nl < 0 ? end : Math.min(nl + 1, end);
          ex.chunkLine += buf.toString('latin1', off, stop);
          off = stop;
          if (ex.chunkLine.length > 8192) throw new OstreeError('FETCH_FAILED', `Bad chunked encoding from ${ex.href}`, { data: { url: ex.href } });
          if (!ex.chunkLine.endsWith('\n')) break;
          const line = ex.chunkLine.replace(/\r?\n$/, '');
          ex.chunkLine = '';
          if (ex.mode === 'chunk-crlf') {
            if (line !== '') throw new OstreeError('FETCH_FAILED', `Bad chunked encoding from ${ex.href}`, { data: { url: ex.href } });
            ex.mode = 'chunk-size';
          } else if (ex.mode === 'trailer') {
            if (line === '') {
              if (off < end) throw new OstreeError('FETCH_FAILED', `Unexpected data after the response for ${ex.href}`, { data: { url: ex.href } });
              this.complete(ex, ex.parts.length === 1 ? ex.parts[0]! : Buffer.concat(ex.parts, ex.total));
            }
          } else {
            const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line);
            if (!m) throw new OstreeError('FETCH_FAILED', `Bad chunked encoding from ${ex.href}`, { data: { url: ex.href } });
            const size = Number.parseInt(m[1]!, 16);
            if (size === 0) ex.mode = 'trailer';
            else {
              ex.mode = 'chunk-data';
              ex.remaining = size;
            }
          }
          break;
        }
        case 'chunk-data': {
          const take = Math.min(ex.remaining, end - off);
          this.collect(ex, buf, off, off + take);
          ex.remaining -= take;
          off += take;
          if (ex.remaining === 0 && this.cur === ex) ex.mode = 'chunk-crlf';
          break;
        }
        default:
          return;
      }
    }
  }

  /** Copy body bytes of an unframed or chunked body (size limit checked; dropped bodies counted). */
  private collect(ex: Exchange, buf: Buffer, off: number, end: number): void {
    const n = end - off;
    if (n === 0) return;
    if (!ex.keepBody) {
      ex.total += n;
      if (ex.total > MAX_DISCARD) {
        // not worth reading: answer now, drop the connection
        ex.keepAlive = false;
        this.complete(ex, new Uint8Array(0));
      }
      return;
    }
    if (ex.total + n > ex.maxSize) throw tooLarge(ex.href, ex.total + n, ex.maxSize);
    ex.parts.push(Buffer.from(buf.subarray(off, end)));
    ex.total += n;
  }

  private parseHead(ex: Exchange, head: string): void {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
    if (!m) throw new OstreeError('FETCH_FAILED', `Bad HTTP response from ${ex.href}`, { data: { url: ex.href } });
    const status = Number(m[2]);
    let length: number | undefined;
    let chunked = false;
    let connection = '';
    let location: string | undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const c = line.indexOf(':');
      if (c <= 0) throw new OstreeError('FETCH_FAILED', `Bad HTTP header from ${ex.href}`, { data: { url: ex.href } });
      const name = line.slice(0, c).trim().toLowerCase();
      const value = line.slice(c + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) {
          throw new OstreeError('FETCH_FAILED', `Bad Content-Length from ${ex.href}`, { data: { url: ex.href } });
        }
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').some((t) => t.trim() === 'chunked');
      } else if (name === 'connection') {
        connection += `${value.toLowerCase()},`;
      } else if (name === 'location') {
        location = value;
      }
    }
    if (status >= 100 && status < 200) {
      // interim response (100 Continue, 103 Early Hints): the real one follows
      if (status === 101) throw new OstreeError('FETCH_FAILED', `Unexpected protocol switch from ${ex.href}`, { data: { url: ex.href } });
      return;
    }
    const tokens = connection.split(',').map((t) => t.trim());
    ex.status = status;
    ex.location = location;
    ex.keepAlive = m[1] === '1' ? !tokens.includes('close') : tokens.includes('keep-alive');
    ex.keepBody = status >= 200 && status < 300;
    if (status === 204 || status === 304) {
      ex.mode = 'none';
    } else if (chunked) {
      ex.mode = 'chunk-size';
    } else if (length !== undefined) {
      if (ex.keepBody && length > ex.maxSize) throw tooLarge(ex.href, length, ex.maxSize);
      if (!ex.keepBody && length > MAX_DISCARD) {
        ex.keepAlive = false;
        ex.mode = 'none';
        return;
      }
      if (length === 0) ex.mode = 'none';
      else {
        ex.mode = 'fixed';
        ex.remaining = length;
        ex.body = ex.keepBody ? Buffer.allocUnsafe(length) : null;
      }
    } else {
      ex.mode = 'eof';
      ex.keepAlive = false;
    }
  }

  private complete(ex: Exchange, body: Uint8Array): void {
    this.cur = null;
    this.finishWith(ex, body);
  }

  private finishWith(ex: Exchange, body: Uint8Array): void {
    const keepAlive = ex.keepAlive && !this.dead;
    if (!keepAlive && !this.dead) {
      this.dead = true;
      this.socket.destroy();
      this.onGone(this);
    }
    // an idle keep-alive connection does not keep the process alive (as node:http's agent)
    if (keepAlive) this.socket.unref();
    ex.done(null, { status: ex.status, location: ex.location, body: ex.keepBody ? body : undefined, keepAlive });
  }
}

/** State of one request/response on an {@link Http1Connection}. */
interface Exchange {
  href: string;
  maxSize: number;
  /** Some response bytes arrived. */
  got: boolean;
  status: number;
  location: string | undefined;
  keepAlive: boolean;
  /** The body is returned (2xx) rather than dropped. */
  keepBody?: boolean;
  mode: 'head' | 'none' | 'fixed' | 'eof' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer';
  /** Bytes left of a fixed body or of the current chunk. */
  remaining: number;
  /** Destination of a fixed-length kept body. */
  body: Buffer | null;
  /** Pieces of a chunked or connection-delimited kept body. */
  parts: Buffer[];
  total: number;
  /** Partial chunk-size / CRLF / trailer line. */
  chunkLine: string;
  done: (err: unknown, value?: RawResponse) => void;
}

/**
 * What a response's status says before its body: the redirect target (3xx with a `Location`),
 * `null` for an absent object (404, 403, 410), `'body'` to read a 2xx body.
 * @throws OstreeError `FETCH_FAILED` for a bad redirect or any other status
 */
function statusVerdict(url: URL, status: number, location: string | undefined): URL | null | 'body' {
  if ([301, 302, 303, 307, 308].includes(status) && location !== undefined) {
    try {
      return new URL(location, url);
    } catch {
      throw new OstreeError('FETCH_FAILED', `Bad redirect from ${url.href}`, { data: { url: url.href } });
    }
  }
  if (status === 404 || status === 403 || status === 410) return null;
  if (status < 200 || status >= 300) throw new OstreeError('FETCH_FAILED', `Server returned HTTP ${status} for ${url.href}`, { data: { url: url.href, status } });
  return 'body';
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
