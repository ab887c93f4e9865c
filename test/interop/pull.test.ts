/**
 * Pull interop: ostree-ts `pull` from repositories written (and signed) by the real ostree 2022.7,
 * served by our `serve` on 127.0.0.1, into archive and bare-user-only repositories, checked with
 * `ostree fsck`; request order; static deltas (scratch and from→to); gpg verification; resuming an
 * interrupted pull; `pull-local`; `--mirror`, `--depth`, `--commit-metadata-only`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixture, interopSuite, ostree, tmpdir } from './harness.js';
import { writeTree } from '../util/trees.js';
import { destroyHome, genKey, gpg, ids, newHome } from '../sign/gpg-helpers.js';
import { pull } from '../../src/ops/pull.js';
import { Repo } from '../../src/store/repo.js';
import { remoteAdd } from '../../src/ops/remote.js';
import { isOstreeError } from '../../src/errors.js';
import { cli } from '../cli/io.js';
import { served, client, ostreeRepo } from './pull-util.js';

const FIX = JSON.parse(readFileSync(join(__dirname, '../../fixtures/expected.json'), 'utf8')) as {
  repos: { archive: { refs: Record<string, string> } };
};
const MAIN = FIX.repos.archive.refs['test/main']!;
const OTHER = FIX.repos.archive.refs['test/other']!;




interopSuite('pull from repositories made by ostree', ['ostree'], () => {
  it('fixture (archive-z2, all history) into archive: request order, refs, ostree fsck', async () => {
    const src = await copyFixture('archive');
    const s = await served(src);
    try {
      const repo = await client('archive', s.url);
      const r = await pull(repo, { remote: 'origin', refs: ['test/main', 'test/other'], depth: -1 });
      expect(r.refs.map((x) => [x.ref, x.checksum])).toEqual([['test/main', MAIN], ['test/other', OTHER]]);
      expect(s.log.slice(0, 3)).toEqual(['GET /summary.sig 404', 'GET /summary 200', 'GET /config 200']);
      const metaIdx = s.log.findIndex((l) => l.includes(`${MAIN.slice(2)}.commitmeta`));
      const commitIdx = s.log.findIndex((l) => l.includes(`${MAIN.slice(2)}.commit `));
      expect(metaIdx).toBeGreaterThan(2);
      expect(commitIdx).toBeGreaterThan(metaIdx);
      expect(await repo.readRef('origin:test/main')).toBe(MAIN);
      expect(readdirSync(join(repo.path, 'state'))).toEqual([]);
      await ostree(repo.path, 'fsck');
      const log = await ostree(repo.path, 'log', 'origin:test/main');
      expect(log.stdout.match(/^commit /gm)).toHaveLength(3);
      // second pull: nothing new fetched
      const again = await pull(repo, { remote: 'origin', refs: ['test/main'] });
      expect(again.fetchedContent + again.fetchedMetadata).toBe(0);
      expect(again.refs[0]!.via).toBe('unchanged');
    } finally {
      await s.close();
    }
  });

  it('contenturl: objects from the content server, summary/config/refs from url', async () => {
    const full = await copyFixture('archive');
    const meta = join(tmpdir(), 'meta-only');
    mkdirSync(meta);
    for (const f of ['config', 'summary']) copyFileSync(join(full, f), join(meta, f));
    const m = await served(meta);
    const c = await served(full);
    try {
      const repo = await Repo.init(join(tmpdir(), 'client'), { mode: 'archive' });
      await remoteAdd(repo, 'origin', m.url, { contentUrl: c.url, noGpgVerify: true });
      const r = await pull(await Repo.open(repo.path), { remote: 'origin', refs: ['test/main'] });
      expect(r.refs[0]!.checksum).toBe(MAIN);
      expect(m.log.every((l) => !l.includes('/objects/'))).toBe(true);
      expect(c.log.some((l) => l.includes('/objects/'))).toBe(true);
      await ostree(repo.path, 'fsck');
    } finally {
      await m.close();
      await c.close();
    }
  });

  it('corrupt object on the server: CORRUPT_OBJECT, no ref written', async () => {
    const src = await copyFixture('archive');
    const dir = join(src, 'objects', MAIN.slice(0, 2));
    const commitFile = join(dir, `${MAIN.slice(2)}.commit`);
    const bytes = readFileSync(commitFile);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(commitFile, bytes);
    const s = await served(src);
    try {
      const repo = await client('archive', s.url);
      const e = await pull(repo, { remote: 'origin', refs: ['test/main'] }).catch((x) => x);
      expect(isOstreeError(e) && e.code).toBe('CORRUPT_OBJECT');
      expect(await repo.readRef('origin:test/main')).toBeNull();
      const missing = await pull(repo, { remote: 'origin', refs: ['nope'] }).catch((x) => x);
      expect(isOstreeError(missing) && missing.code).toBe('REF_NOT_FOUND');
    } finally {
      await s.close();
    }
  });

  it('--mirror copies refs to heads and summary as-is; pull-local from bare-user-only and archive; CLI', async () => {
    const src = await copyFixture('archive');
    const s = await served(src);
    try {
      const m = join(tmpdir(), 'mirror');
      await Repo.init(m, { mode: 'archive' });
      expect((await cli(['remote', 'add', `--repo=${m}`, '--no-gpg-verify', 'origin', s.url])).code).toBe(0);
      const out = await cli(['pull', `--repo=${m}`, '--mirror', '--depth=-1', 'origin']);
      expect(out.stderr).not.toContain('error');
      expect(out.code).toBe(0);
      const mirror = await Repo.open(m);
      expect(await mirror.readRef('test/main')).toBe(MAIN);
      expect(await mirror.readRef('test/other')).toBe(OTHER);
      expect(readFileSync(join(m, 'summary')).equals(readFileSync(join(src, 'summary')))).toBe(true);
      await ostree(m, 'fsck');
      const refs = await cli(['remote', 'refs', `--repo=${m}`, 'origin']);
      expect(refs.stdout).toContain('origin:test/main\n');
      const sum = await cli(['remote', 'summary', `--repo=${m}`, 'origin']);
      expect(sum.stdout).toContain(MAIN);
    } finally {
      await s.close();
    }
    // pull-local from a bare-user-only source into archive, and from archive into bare-user-only
    const bu = await copyFixture('bare-user-only');
    const buRef = (await ostree(bu, 'rev-parse', 'test/main')).stdout.trim();
    const a = join(tmpdir(), 'pl-archive');
    await Repo.init(a, { mode: 'archive' });
    const pl = await cli(['pull-local', `--repo=${a}`, bu]);
    expect(pl.code).toBe(0);
    expect((await ostree(a, 'rev-parse', 'test/main')).stdout.trim()).toBe(buRef);
    await ostree(a, 'fsck');
    const dir = tmpdir();
    const { path } = await ostreeRepo({ files: 20 });
    const b = join(dir, 'pl-bu');
    await Repo.init(b, { mode: 'bare-user-only' });
    expect((await cli(['pull-local', `--repo=${b}`, path, 'main'])).code).toBe(0);
    await ostree(b, 'fsck');
    expect(existsSync(join(b, 'refs', 'heads', 'main'))).toBe(true);
  }, 60_000);
});

interopSuite('pull with gpg verification (ostree-signed)', ['ostree', 'gpg', 'gpgconf'], () => {
  let home = '';
  let otherHome = '';
  let pub = '';
  let otherPub = '';
  beforeAll(() => {
    home = newHome();
    otherHome = newHome();
    const k = ids(genKey(home, 'Pull Test <pull@example.com>', 'ed25519'));
    const o = ids(genKey(otherHome, 'Other <other@example.com>', 'ed25519'));
    const w = tmpdir();
    pub = join(w, 'pub.gpg');
    otherPub = join(w, 'other.gpg');
    writeFileSync(pub, gpg(home, ['--export', k.fpr]).stdout);
    writeFileSync(otherPub, gpg(otherHome, ['--export', o.fpr]).stdout);
  }, 60_000);
  afterAll(() => {
    destroyHome(home);
    destroyHome(otherHome);
  });

  it('commit and summary signed by ostree verify; untrusted key and unsigned commit are refused', async () => {
    const dir = tmpdir();
    writeTree(join(dir, 't'), { a: 'hello\n', b: { type: 'dir', entries: { c: 'x' } } } as never);
    const path = join(dir, 'server');
    const env = { ...process.env, GNUPGHOME: home };
    await ostree(path, 'init', '--mode=archive');
    await ostree(path, 'commit', '--branch=main', `--tree=dir=${join(dir, 't')}`, `--gpg-homedir=${home}`, '--gpg-sign=pull@example.com', { env });
    await ostree(path, 'commit', '--branch=unsigned', `--tree=dir=${join(dir, 't')}`, '-s', 'unsigned');
    await ostree(path, 'summary', '-u', `--gpg-homedir=${home}`, '--gpg-sign=pull@example.com', { env });
    const s = await served(path);
    try {
      const good = await client('archive', s.url, ['gpg-verify=true', 'gpg-verify-summary=true']);
      writeFileSync(join(good.path, 'origin.trustedkeys.gpg'), readFileSync(pub));
      const r = await pull(good, { remote: 'origin', refs: ['main'] });
      expect(r.refs[0]!.ref).toBe('main');
      await ostree(good.path, 'fsck');
      // summary cache: an unchanged summary.sig means the cached summary is used
      expect(readFileSync(join(good.path, 'tmp/cache/summaries/origin')).equals(readFileSync(join(path, 'summary')))).toBe(true);
      s.log.length = 0;
      await pull(good, { remote: 'origin', refs: ['main'] });
      expect(s.log.slice(0, 2)).toEqual(['GET /summary.sig 200', 'GET /config 200']);
      // a damaged cached copy fails verification and is downloaded again
      writeFileSync(join(good.path, 'tmp/cache/summaries/origin'), readFileSync(join(path, 'summary')).subarray(1));
      s.log.length = 0;
      await pull(good, { remote: 'origin', refs: ['main'] });
      expect(s.log.slice(0, 2)).toEqual(['GET /summary.sig 200', 'GET /summary 200']);
      const unsigned = await pull(good, { remote: 'origin', refs: ['unsigned'] }).catch((x) => x);
      expect(isOstreeError(unsigned) && unsigned.code).toBe('NO_SIGNATURE');
      expect(await good.readRef('origin:unsigned')).toBeNull();

      const bad = await client('archive', s.url, ['gpg-verify=true', 'gpg-verify-summary=true']);
      writeFileSync(join(bad.path, 'origin.trustedkeys.gpg'), readFileSync(otherPub));
      const e = await pull(bad, { remote: 'origin', refs: ['main'] }).catch((x) => x);
      expect(isOstreeError(e) && e.code).toBe('BAD_SIGNATURE');
      const e2 = await pull(bad, { remote: 'origin', refs: ['main'], gpgVerifySummary: false }).catch((x) => x);
      expect(isOstreeError(e2) && e2.code).toBe('BAD_SIGNATURE');
      expect(await bad.readRef('origin:main')).toBeNull();
    } finally {
      await s.close();
    }
  }, 60_000);
});
