/**
 * HttpFetcher's own HTTP/1.1 client (plain http to the base origin) against hand-written servers
 * that control every byte: framing (Content-Length, chunked with extensions and trailers, end of
 * connection), heads split across reads, interim 1xx responses, HTTP/1.0 and `Connection: close`,
 * stale keep-alive connections, protocol errors, extra headers, timeouts.
 */
import { describe, expect, it } from 'vitest';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpFetcher } from '../../src/store/http.js';
import { isOstreeError } from '../../src/errors.js';

/** A server answering each request head with `reply(path, socket, requestHead)`. */
async function rawServer(reply: (path: string, sock: Socket, head: string) => void) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const s = createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const at = buf.indexOf('\r\n\r\n');
        if (at < 0) return;
        const head = buf.slice(0, at);
        buf = buf.slice(at + 4);
        const path = /^GET (\S+) HTTP\/1\.1/.exec(head)![1]!;
        reply(path, sock, head);
      }
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const x of sockets) x.destroy();
        s.close(() => r());
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

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

describe('HttpFetcher raw HTTP/1.1 client', () => {
  it('Content-Length, chunked (extensions, trailers), end-of-connection bodies; byte-by-byte delivery', async () => {
    const bodies: Record<string, string> = {
      '/len': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
      '/eof': 'HTTP/1.0 200 OK\r\n\r\nuntil the end',
      '/empty': 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      '/interim': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
      '/404': 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found',
      '/404chunked': 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n',
    };
    for (const slow of [false, true]) {
      const s = await rawServer((path, sock) => {
        const b = Buffer.from(bodies[path]!, 'latin1');
        if (slow) {
          // one byte per write: heads and chunk lines split across reads
          let i = 0;
          const next = () => {
            if (sock.destroyed) return;
            if (i < b.length) {
              sock.write(b.subarray(i, i + 1));
              i++;
              setImmediate(next);
            } else if (path === '/eof') sock.end();
          };
          next();
        } else {
          sock.write(b);
          if (path === '/eof') sock.end();
        }
      });
      const f = new HttpFetcher(s.url, { concurrency: 1 });
      try {
        expect(text(await f.get('len'))).toBe('hello');
        expect(text(await f.get('chunked'))).toBe('abc0123456789');
        expect(text(await f.get('404'))).toBeNull();
        expect(text(await f.get('404chunked'))).toBeNull();
        expect(text(await f.get('eof'))).toBe('until the end');
        expect(text(await f.get('empty'))).toBe('');
        expect(text(await f.get('interim'))).toBe('ok');
        expect(text(await f.get('len'))).toBe('hello');
        // one connection for everything but the end-of-connection body
        expect(s.connections).toBe(2);
        expect(f.bytesTransferred).toBe(5 + 13 + 13 + 0 + 2 + 5);
      } finally {
        f.close();
        await s.close();
      }
    }
  });

  it('Connection: close and HTTP/1.0 open a new connection; a stale keep-alive connection is retried once', async () => {
    let served = 0;
    let dropped = 0;
    const dropNext = new Set<Socket>();
    const s = await rawServer((path, sock) => {
      served++;
      if (path === '/close') {
        sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nc');
      } else if (path === '/http10') {
        sock.write('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nh');
      } else if (path === '/then-close') {
        // answers, then closes the idle connection a moment later (server keep-alive timeout)
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nt');
        setTimeout(() => sock.destroy(), 20);
      } else if (path === '/then-drop') {
        // answers, then drops the connection when the next request arrives on it (a keep-alive
        // race: the server closed it just as the client reused it)
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd');
        dropNext.add(sock);
      } else if (dropNext.has(sock)) {
        dropped++;
        sock.destroy();
      } else {
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nk');
      }
    });
    const f = new HttpFetcher(s.url, { concurrency: 1 });
    try {
      expect(text(await f.get('close'))).toBe('c');
      expect(text(await f.get('k'))).toBe('k');
      expect(s.connections).toBe(2);
      expect(text(await f.get('http10'))).toBe('h');
      expect(text(await f.get('k'))).toBe('k');
      expect(s.connections).toBe(3);
      expect(text(await f.get('then-close'))).toBe('t');
      await new Promise((r) => setTimeout(r, 60));
      expect(text(await f.get('k'))).toBe('k');
      expect(s.connections).toBe(4);
      expect(text(await f.get('then-drop'))).toBe('d');
      expect(text(await f.get('k'))).toBe('k');
      expect(dropped).toBe(1);
      expect(s.connections).toBe(5);
      expect(served).toBe(9);
    } finally {
      f.close();
      await s.close();
    }
  });

  it('protocol errors, truncated and over-long bodies, size limits fail with FETCH_FAILED / FETCH_TOO_LARGE', async () => {
    const replies: Record<string, string> = {
      '/garbage': 'SMTP ready\r\n\r\n',
      '/badlen': 'HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n',
      '/twolens': 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      '/badchunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      '/chunkcrlf': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX\r\n0\r\n\r\n',
      '/long': 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab',
      '/big': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n',
      '/bigchunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n' + 'x'.repeat(64) + '\r\n40\r\n' + 'x'.repeat(64) + '\r\n0\r\n\r\n',
      '/truncated': 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
      '/500': 'HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n',
      '/switch': 'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    };
    const s = await rawServer((path, sock) => {
      sock.write(replies[path]!);
      if (path === '/truncated' || path === '/garbage') sock.end();
    });
    const f = new HttpFetcher(s.url, { concurrency: 2 });
    try {
      for (const p of ['garbage', 'badlen', 'twolens', 'badchunk', 'chunkcrlf', 'long', 'truncated', '500', 'switch']) {
        expect([p, await code(f.get(p))]).toEqual([p, 'FETCH_FAILED']);
      }
      expect(await code(f.get('big', { maxSize: 99 }))).toBe('FETCH_TOO_LARGE');
      expect(await code(f.get('bigchunked', { maxSize: 100 }))).toBe('FETCH_TOO_LARGE');
      expect((await f.get('bigchunked', { maxSize: 128 }))!.byteLength).toBe(128);
    } finally {
      f.close();
      await s.close();
    }
  });

  it('sends Host, Accept-Encoding: identity and configured headers; refuses header injection', async () => {
    let seen = '';
    const s = await rawServer((_path, sock, head) => {
      seen = head;
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    const f = new HttpFetcher(s.url + 'sub/', { headers: { 'X-Token': 'abc', Authorization: 'Bearer t' } });
    try {
      await f.get('a/b+c%');
      const lines = seen.split('\r\n');
      expect(lines[0]).toBe('GET /sub/a/b+c%25 HTTP/1.1');
      expect(lines).toContain(`Host: ${new URL(s.url).host}`);
      expect(lines).toContain('Accept-Encoding: identity');
      expect(lines).toContain('X-Token: abc');
      expect(lines).toContain('Authorization: Bearer t');
      expect(() => new HttpFetcher(s.url, { headers: { 'X-Bad': 'a\r\nInjected: 1' } })).toThrow();
    } finally {
      f.close();
      await s.close();
    }
  });

  it('inactivity timeout and abort end the request; the fetcher keeps working', async () => {
    const s = await rawServer((path, sock) => {
      if (path === '/hang') return;
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const f = new HttpFetcher(s.url, { concurrency: 1, timeoutMs: 100 });
    try {
      expect(await code(f.get('hang'))).toBe('FETCH_FAILED');
      const ac = new AbortController();
      const p = f.get('hang', { signal: ac.signal });
      setTimeout(() => ac.abort(new Error('stop')), 10);
      expect(await code(p)).toBe('Error: stop');
      expect(text(await f.get('fine'))).toBe('ok');
    } finally {
      f.close();
      await s.close();
    }
  });
});
