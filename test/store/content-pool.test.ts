import { describe, it, expect, onTestFinished } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, statSync, rmSync, existsSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { regularHeaderLayouts, stageContentOnWorker, type ContentBatchCommon, type ContentFileJob, type ContentStatSpec } from '../../src/store/content-pool.js';

type ContentJob = ContentBatchCommon & ContentFileJob;
import { contentChecksum, encodeArchiveHeader, encodeContentHeader, type FileHeader } from '../../src/format/file-header.js';

const header: FileHeader = { uid: 0, gid: 0, mode: 0o100755, rdev: 0, symlinkTarget: '', xattrs: [] };

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-cpool-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'objects'));
  mkdirSync(join(dir, 'staging'));
  const content = new Uint8Array(50_000).map((_, i) => (i * 13) & 0x3f);
  writeFileSync(join(dir, 'f'), content);
  const job = (over: Partial<ContentJob> = {}): ContentJob => ({
    path: join(dir, 'f'),
    size: content.length,
    hashHeader: encodeContentHeader(header),
    archiveHeader: encodeArchiveHeader(header, content.length),
    level: 6,
    exact: false,
    perms: 0o644,
    chmod: false,
    mtimeZero: false,
    ext: '.filez',
    objectsDir: join(dir, 'objects'),
    stagingDir: join(dir, 'staging'),
    absent: null,
    ...over,
  });
  return { dir, content, job, csum: contentChecksum(header, content) };
}

async function run(job: ContentJob) {
  const { path, size, hashHeader, archiveHeader, perms, chmod, ...common } = job;
  const p = stageContentOnWorker({ common, files: [{ path, size, hashHeader, archiveHeader, perms, chmod }] });
  expect(p).not.toBeNull();
  const results = await p!;
  expect(results).toHaveLength(1);
  return results[0]!;
}

describe('content workers', () => {
  it('writes an archive object: checksum, header + raw deflate body, O_EXCL dedup', async () => {
    const { dir, content, job, csum } = setup();
    const r = await run(job());
    expect(r.state).toBe('written');
    expect(r.checksum).toBe(csum);
    const path = join(dir, 'staging', csum.slice(0, 2), `${csum.slice(2)}.filez`);
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(r.bytes);
    const hdr = encodeArchiveHeader(header, content.length);
    expect(bytes.subarray(0, hdr.length)).toEqual(Buffer.from(hdr));
    expect(new Uint8Array(inflateRawSync(bytes.subarray(hdr.length)))).toEqual(content);
    expect((await run(job())).state).toBe('staged'); // already staged: not compressed again
  });

  it('bare objects: bytes as they are, exact permissions and mtime 0', async () => {
    const { dir, content, job, csum } = setup();
    const r = await run(job({ archiveHeader: null, ext: '.file', perms: 0o775, chmod: true, mtimeZero: true }));
    expect(r.state).toBe('written');
    const path = join(dir, 'staging', csum.slice(0, 2), `${csum.slice(2)}.file`);
    expect(new Uint8Array(readFileSync(path))).toEqual(content);
    const st = statSync(path);
    expect(st.mode & 0o7777).toBe(0o775);
    expect(st.mtimeMs).toBe(0);
  });

  it('finds objects already stored unless their prefix directory was absent', async () => {
    const { dir, job, csum } = setup();
    mkdirSync(join(dir, 'objects', csum.slice(0, 2)));
    writeFileSync(join(dir, 'objects', csum.slice(0, 2), `${csum.slice(2)}.filez`), 'x');
    expect((await run(job())).state).toBe('exists');
    const absent = new Uint8Array(256).fill(1); // "objects/XX was absent": no lookup
    expect((await run(job({ absent }))).state).toBe('written');
  });

  it('reports a file whose size changed, and fs errors with their code', async () => {
    const { dir, job } = setup();
    expect((await run(job({ size: 49_999 }))).state).toBe('changed');
    expect((await run(job({ size: 50_001 }))).state).toBe('changed');
    expect(existsSync(join(dir, 'staging')) && readFileSync(join(dir, 'f')).length).toBe(50_000);
    expect(await run(job({ path: join(dir, 'missing') }))).toMatchObject({ state: 'error', code: 'ENOENT' });
  });

  it('a batch answers per file, in order, and one bad file does not stop the others', async () => {
    const { dir, job, csum } = setup();
    const { path, size, hashHeader, archiveHeader, perms, chmod, ...common } = job();
    const f = { path, size, hashHeader, archiveHeader, perms, chmod };
    const results = await stageContentOnWorker({ common, files: [f, { ...f, path: join(dir, 'missing') }, f, { ...f, size: 1 }] })!;
    expect(results.map((r) => r.state)).toEqual(['written', 'error', 'staged', 'changed']);
    expect(results[0]!.checksum).toBe(csum);
  });
  it('stat form: the worker fstats a path, applies the rules and fills the header templates', async () => {
    const { dir, content } = setup();
    const layouts = regularHeaderLayouts()!;
    expect(layouts).not.toBeNull();
    writeFileSync(join(dir, 'x'), content, { mode: 0o775 });
    chmodSync(join(dir, 'x'), 0o775);
    symlinkSync('f', join(dir, 'link'));
    spawnSync('mkfifo', [join(dir, 'fifo')]); // a FIFO where a file was: reported, not waited on
    const big = join(dir, 'big');
    writeFileSync(big, new Uint8Array(70_000));
    const common = (archive: boolean, rules: Partial<ContentStatSpec> = {}): ContentBatchCommon => ({
      level: 6,
      exact: false,
      mtimeZero: !archive,
      ext: archive ? '.filez' : '.file',
      objectsDir: join(dir, 'objects'),
      stagingDir: join(dir, archive ? 'staging' : 'staging-bare'),
      absent: null,
      stat: { uid: -1, gid: -1, roExecutables: false, canonical: false, maxPerms: archive ? -1 : 0o775, umask: process.umask(), limit: 60_000, hashLayout: layouts.hash, archiveLayout: archive ? layouts.archive : null, ...rules },
    });
    const own = statSync(join(dir, 'x'));
    const hdr = (uid: number, gid: number, mode: number): FileHeader => ({ uid, gid, mode: 0o100000 | mode, rdev: 0, symlinkTarget: '', xattrs: [] });
    // archive, uid/gid overridden, read-only executables: 0775 → 0555
    let r = await stageContentOnWorker({ common: common(true, { uid: 7, gid: 8, roExecutables: true }), files: [join(dir, 'x'), join(dir, 'link'), big, join(dir, 'missing'), join(dir, 'fifo')] })!;
    expect(r.map((x) => x.state)).toEqual(['written', 'changed', 'large', 'error', existsSync(join(dir, 'fifo')) ? 'changed' : 'error']);
    expect(r[0]!.checksum).toBe(contentChecksum(hdr(7, 8, 0o555), content));
    expect(r[0]!.size).toBe(content.length);
    expect(r[2]!.size).toBe(70_000);
    const stored = readFileSync(join(dir, 'staging', r[0]!.checksum.slice(0, 2), `${r[0]!.checksum.slice(2)}.filez`));
    const ah = encodeArchiveHeader(hdr(7, 8, 0o555), content.length);
    expect(stored.subarray(0, ah.length)).toEqual(Buffer.from(ah));
    expect(new Uint8Array(inflateRawSync(stored.subarray(ah.length)))).toEqual(content);
    // bare-user-only, canonical; the file's own ownership when not overridden
    r = await stageContentOnWorker({ common: common(false, { canonical: true }), files: [join(dir, 'x')] })!;
    expect(r[0]!.checksum).toBe(contentChecksum(hdr(0, 0, 0o755), content));
    r = await stageContentOnWorker({ common: common(false), files: [join(dir, 'x')] })!;
    expect(r[0]!.checksum).toBe(contentChecksum(hdr(own.uid, own.gid, 0o775), content));
    const st = statSync(join(dir, 'staging-bare', r[0]!.checksum.slice(0, 2), `${r[0]!.checksum.slice(2)}.file`));
    expect(st.mode & 0o7777).toBe(0o775);
    expect(st.mtimeMs).toBe(0);
    // permissions the repository does not allow are left to the caller
    chmodSync(join(dir, 'x'), 0o4755);
    r = await stageContentOnWorker({ common: common(false), files: [join(dir, 'x')] })!;
    expect(r[0]!.state).toBe('changed');
  });
});
