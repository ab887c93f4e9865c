import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, linkSync, statSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeTarPath, readTar, TarReader, type TarEntry, type TarEvent } from '../../src/codec/tar.js';
import { OstreeError } from '../../src/errors.js';
import { Prng } from '../util/prng.js';

interface Member {
  entry: TarEntry;
  sha256: string;
  bytes: number;
}

/** Run the push parser over `data` split into chunks of `chunk` bytes (or random sizes). */
function parse(data: Uint8Array, chunk: number | Prng = data.length || 1): Member[] {
  const r = new TarReader();
  const out: Member[] = [];
  let hash = createHash('sha256');
  let bytes = 0;
  const on = (ev: TarEvent): void => {
    if (ev.type === 'entry') {
      hash = createHash('sha256');
      bytes = 0;
    } else if (ev.type === 'data') {
      hash.update(ev.chunk);
      bytes += ev.chunk.length;
    } else out.push({ entry: ev.entry, sha256: hash.digest('hex'), bytes });
  };
  let pos = 0;
  while (pos < data.length) {
    const n = typeof chunk === 'number' ? chunk : 1 + chunk.int(3000);
    for (const ev of r.push(data.subarray(pos, pos + n))) on(ev);
    pos += n;
  }
  for (const ev of r.end()) on(ev);
  return out;
}

function tarError(data: Uint8Array): OstreeError {
  try {
    parse(data);
  } catch (e) {
    expect(e).toBeInstanceOf(OstreeError);
    expect((e as OstreeError).code).toBe('TAR_INVALID');
    return e as OstreeError;
  }
  throw new Error('archive accepted');
}

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

const tarMissing = spawnSync('tar', ['--version']).status === 0 ? undefined : 'tar CLI not found';
if (tarMissing && !process.env.CI) console.log(`skipping tar CLI interop tests: ${tarMissing}`);

describe.skipIf(!!tarMissing && !process.env.CI)('TarReader on archives made by GNU tar', () => {
  let dir: string;
  const expected = new Map<string, { kind: string; sha256?: string; size?: number; link?: string }>();
  const long1 = `${'d'.repeat(60)}/${'e'.repeat(70)}/${'f'.repeat(90)}.txt`; // 222 chars: fits ustar prefix
  const long2 = `${'x'.repeat(120)}/${'y'.repeat(150)}`; // 271 chars: GNU/pax only
  const big = new Prng('tar-big').bytes(5 * 1024 * 1024 + 123);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
    const src = join(dir, 'src');
    const put = (p: string, data: Uint8Array | string): void => {
      mkdirSync(join(src, p, '..'), { recursive: true });
      writeFileSync(join(src, p), data);
      expected.set(p, { kind: 'file', sha256: sha(data), size: typeof data === 'string' ? Buffer.byteLength(data) : data.length });
    };
    mkdirSync(src);
    put('hello.txt', 'hello world\n');
    put('empty', '');
    put('big.bin', big);
    put('sub/dir/nested.txt', 'nested');
    put('Ünïcødé/日本語.txt', 'unicode ✓');
    put(long1, 'long one');
    symlinkSync('hello.txt', join(src, 'link-to-hello'));
    expected.set('link-to-hello', { kind: 'symlink', link: 'hello.txt' });
    symlinkSync('../../' + 'z'.repeat(150), join(src, 'sub/longtarget'));
    expected.set('sub/longtarget', { kind: 'symlink', link: '../../' + 'z'.repeat(150) });
    linkSync(join(src, 'hello.txt'), join(src, 'sub/hard'));
    mkdirSync(join(src, 'emptydir'));
    expected.set('emptydir', { kind: 'directory' });
    for (const d of ['sub', 'sub/dir', 'Ünïcødé', long1.split('/').slice(0, 1).join('/'), long1.split('/').slice(0, 2).join('/')]) {
      expected.set(d, { kind: 'directory' });
    }
    expected.set('', { kind: 'directory' });
    utimesSync(join(src, 'hello.txt'), 1700000000, 1700000000);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function makeTar(format: string, extra: string[] = []): Uint8Array {
    const out = join(dir, `${format}.tar`);
    const r = spawnSync('tar', [`--format=${format}`, '-C', join(dir, 'src'), '-cf', out, ...extra, '.'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    return readFileSync(out);
  }

  function checkMembers(members: Member[], withLong2: boolean): void {
    const seen = new Map(members.map((m) => [m.entry.path, m]));
    for (const [p, want] of expected) {
      if (!withLong2 && p === 'sub/longtarget') continue; // ustar cannot store a 156-byte link target
      const m = seen.get(p);
      expect(m, p).toBeDefined();
      const hardlinked = p === 'hello.txt' && m!.entry.kind === 'hardlink';
      if (!hardlinked) expect(m!.entry.kind, p).toBe(want.kind);
      if (want.kind === 'file' && m!.entry.kind === 'file') {
        expect(m!.sha256, p).toBe(want.sha256);
        expect(m!.entry.size, p).toBe(want.size);
        expect(m!.bytes, p).toBe(want.size);
      }
      if (want.kind === 'symlink') expect(m!.entry.linkPath, p).toBe(want.link);
    }
    // GNU tar stores the second name of a hard link pair as the link.
    const hl = [seen.get('sub/hard')!, seen.get('hello.txt')!];
    const link = hl.find((m) => m.entry.kind === 'hardlink')!;
    expect(link).toBeDefined();
    expect(['hello.txt', 'sub/hard']).toContain(link.entry.linkPath);
    const hello = seen.get('hello.txt')!.entry;
    expect(hello.mtime).toBe(1700000000);
    expect(hello.mode).toBe(statSync(join(dir, 'src', 'hello.txt')).mode & 0o7777);
    expect(hello.uid).toBe(process.getuid!());
    expect(hello.gid).toBe(process.getgid!());
    expect(seen.get('')!.entry.rawPath).toBe('./');
    if (withLong2) expect(seen.get(long2)?.sha256).toBe(sha('long two'));
    expect(members.length).toBe(expected.size + 1 + (withLong2 ? 2 : -1));
  }

  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`reads --format=${format} in any chunking`, () => {
      const withLong2 = format !== 'ustar';
      if (withLong2) {
        mkdirSync(join(dir, 'src', long2, '..'), { recursive: true });
        writeFileSync(join(dir, 'src', long2), 'long two');
      } else rmSync(join(dir, 'src', 'x'.repeat(120)), { recursive: true, force: true });
      const data = makeTar(format, withLong2 ? [] : ['--exclude=./sub/longtarget']);
      const whole = parse(data);
      checkMembers(whole, withLong2);
      const strip = (ms: Member[]): unknown => ms.map((m) => [m.entry, m.sha256]);
      expect(strip(parse(data, 512))).toEqual(strip(whole));
      expect(strip(parse(data, 4093))).toEqual(strip(whole));
      expect(strip(parse(data, new Prng(`chunks-${format}`)))).toEqual(strip(whole));
      if (withLong2) rmSync(join(dir, 'src', 'x'.repeat(120)), { recursive: true, force: true });
    });
  }

  it('streams from a Node file stream and a web ReadableStream', async () => {
    const data = makeTar('pax');
    const count = async (src: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): Promise<[number, number]> => {
      let entries = 0;
      let bytes = 0;
      for await (const ev of readTar(src)) {
        if (ev.type === 'entry') entries++;
        if (ev.type === 'data') bytes += ev.chunk.length;
      }
      return [entries, bytes];
    };
    const a = await count(createReadStream(join(dir, 'pax.tar'), { highWaterMark: 7000 }));
    const b = await count(Readable.toWeb(Readable.from([data.subarray(0, 1000), data.subarray(1000)])) as ReadableStream<Uint8Array>);
    expect(a).toEqual(b);
    expect(a[0]).toBe(expected.size + 1);
    expect(a[1]).toBe([...expected.values()].reduce((s, e) => s + (e.size ?? 0), 0));
  });

  it('pax mtime fractions and huge uids from pax headers', () => {
    const data = makeTar('pax', ['--pax-option=mtime:=1700000000.5', '--owner=4000000000', '--group=7']);
    const m = parse(data).find((x) => x.entry.path === 'empty')!;
    expect(m.entry.mtime).toBe(1700000000.5);
    expect(m.entry.uid).toBe(4000000000);
    expect(m.entry.gid).toBe(7);
  });

  it('GNU base-256 numeric fields', () => {
    const data = makeTar('gnu', ['--owner=4000000000', '--group=4000000001', '--mtime=@-100']);
    const m = parse(data).find((x) => x.entry.path === 'empty')!;
    expect(m.entry.uid).toBe(4000000000);
    expect(m.entry.gid).toBe(4000000001);
    expect(m.entry.mtime).toBe(-100);
  });

  it('rejects devices and FIFOs made by tar', () => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const out = join(dir, 'fifo.tar');
    expect(spawnSync('tar', ['-C', dir, '-cf', out, 'fifo']).status).toBe(0);
    expect(tarError(readFileSync(out)).message).toMatch(/FIFO/);
    const dev = spawnSync('tar', ['-cf', join(dir, 'dev.tar'), '-P', '/dev/null']);
    if (dev.status === 0) expect(tarError(readFileSync(join(dir, 'dev.tar'))).message).toMatch(/character device/);
  });

  it('every truncation of a real archive is TAR_INVALID, never anything else', () => {
    const data = makeTar('gnu');
    // Only the exact end of an entry (no end-of-archive blocks) is a valid place to stop.
    let accepted = 0;
    for (let cut = 1; cut < data.length; cut += cut < 20000 ? 97 : 40961) {
      try {
        parse(data.subarray(0, cut));
        accepted++;
      } catch (e) {
        if (!(e instanceof OstreeError) || e.code !== 'TAR_INVALID') throw e;
      }
    }
    expect(accepted).toBeLessThan(20);
  });

  it('seeded mutations of a real archive only ever throw OstreeError', () => {
    const data = makeTar('pax').slice(0, 64 * 1024);
    const p = new Prng('tar-fuzz');
    for (let i = 0; i < 400; i++) {
      const m = data.slice();
      const n = 1 + p.int(8);
      for (let j = 0; j < n; j++) m[p.int(Math.min(m.length, 4096))] = p.int(256);
      try {
        parse(m, p);
      } catch (e) {
        if (!(e instanceof OstreeError)) throw e;
      }
    }
  });
});

// ---------- hand-made hostile headers ----------

function header(fields: { name?: string; type?: string; size?: number | Uint8Array; mode?: number; link?: string; magic?: 'ustar' | 'gnu' | 'v7'; prefix?: string }): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  const put = (off: number, s: string | Uint8Array): void => void h.set(typeof s === 'string' ? enc.encode(s) : s, off);
  const oct = (off: number, len: number, v: number): void => put(off, v.toString(8).padStart(len - 1, '0') + '\0');
  put(0, fields.name ?? 'f');
  oct(100, 8, fields.mode ?? 0o644);
  oct(108, 8, 0);
  oct(116, 8, 0);
  if (fields.size instanceof Uint8Array) put(124, fields.size);
  else oct(124, 12, fields.size ?? 0);
  oct(136, 12, 0);
  put(156, fields.type ?? '0');
  put(157, fields.link ?? '');
  const magic = fields.magic ?? 'ustar';
  if (magic === 'ustar') put(257, 'ustar\x0000');
  if (magic === 'gnu') put(257, 'ustar  \0');
  if (fields.prefix) put(345, fields.prefix);
  put(148, '        ');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

function archive(...parts: Uint8Array[]): Uint8Array {
  const padded = parts.map((p) => {
    const out = new Uint8Array(Math.ceil(p.length / 512) * 512);
    out.set(p);
    return out;
  });
  return Buffer.concat([...padded, new Uint8Array(1024)]);
}

describe('TarReader on hand-made archives', () => {
  it('reads a minimal ustar archive with a prefix and trailing record padding', () => {
    const data = Buffer.concat([archive(header({ name: 'b.txt', prefix: 'dir/a', size: 3 }), new TextEncoder().encode('abc')), new Uint8Array(8192)]);
    const m = parse(data);
    expect(m.map((x) => [x.entry.path, x.entry.kind, x.bytes])).toEqual([['dir/a/b.txt', 'file', 3]]);
  });

  it('normalizes names like ostree path_relative()', () => {
    expect(normalizeTarPath('./a//b/./c/')).toBe('a/b/c');
    expect(normalizeTarPath('/abs/x')).toBe('abs/x');
    expect(normalizeTarPath('./')).toBe('');
    expect(() => normalizeTarPath('a/../b')).toThrow(OstreeError);
    tarError(archive(header({ name: '../evil' })));
    tarError(archive(header({ name: 'x', type: '1', link: 'a/../../etc/passwd' })));
    const m = parse(archive(header({ name: '/etc/x' })));
    expect(m[0].entry.path).toBe('etc/x');
    expect(m[0].entry.rawPath).toBe('/etc/x');
  });

  it('v7 headers: a trailing slash marks a directory', () => {
    const m = parse(archive(header({ name: 'd/', magic: 'v7' }), header({ name: 'd/f', magic: 'v7', size: 1 }), new Uint8Array([65])));
    expect(m.map((x) => x.entry.kind)).toEqual(['directory', 'file']);
  });

  it('rejects bad checksums, types, numbers and truncation', () => {
    const good = archive(header({ size: 5 }), new TextEncoder().encode('hello'));
    parse(good);
    const badSum = good.slice();
    badSum[0] ^= 1;
    expect(tarError(badSum).message).toMatch(/checksum/);
    tarError(good.subarray(0, 512 + 3));
    tarError(good.subarray(0, 100));
    for (const type of ['3', '4', '6', 'S', 'M', 'Q']) tarError(archive(header({ type })));
    tarError(archive(header({ size: new TextEncoder().encode('12x4') })));
    // A negative base-256 size.
    tarError(archive(header({ size: Uint8Array.from([0xff, ...new Array(11).fill(0xff)]) })));
    // A base-256 size beyond 2^53.
    tarError(archive(header({ size: Uint8Array.from([0x80, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) })));
    tarError(archive(header({ name: 'bad\xff' }).map((b, i) => (i === 3 ? 0xff : b))));
  });

  it('huge size fields fail fast without allocating', () => {
    // 8 GiB octal size with no body: truncated at end().
    const t0 = Date.now();
    tarError(archive(header({ size: 0o77777777777 })));
    // A 1 TiB GNU long-name header is refused up front.
    tarError(archive(header({ type: 'L', size: Uint8Array.from([0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]) })));
    tarError(archive(header({ type: 'x', size: 2 * 1024 * 1024 })));
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('rejects malformed pax records and extended headers at the end', () => {
    const enc = new TextEncoder();
    const pax = (body: string): Uint8Array[] => [header({ type: 'x', size: enc.encode(body).length }), enc.encode(body)];
    const ok = parse(archive(...pax('12 path=abc\n'), header({ name: 'ignored' })));
    expect(ok[0].entry.path).toBe('abc');
    tarError(archive(...pax('99 path=abc\n'), header({})));
    tarError(archive(...pax('11 pathabc\n'), header({})));
    tarError(archive(...pax('12 size=1x3\n'), header({})));
    tarError(archive(...pax('12 path=abc\n')));
    const g = parse(archive(header({ type: 'g', size: 11 }), enc.encode('11 uid=777\n'), header({ name: 'a' }), header({ name: 'b' })));
    expect(g.map((x) => x.entry.uid)).toEqual([777, 777]);
  });

  it('the reader refuses reuse after an error', () => {
    const r = new TarReader();
    const badSum = header({});
    badSum[0] ^= 1;
    expect(() => r.push(badSum)).toThrow(OstreeError);
    expect(() => r.push(new Uint8Array(1))).toThrow(Error);
    expect(() => r.push('x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
