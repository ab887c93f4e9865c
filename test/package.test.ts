/**
 * The built package (`dist/`, made by `npm install` through `prepare`) works from both entry points:
 * `require()` (CommonJS) and `import` (ESM). Each runs a commit big enough to use the content
 * workers with zlib-exact deflate (pako required by path from the worker) and a GPG sign + verify
 * (openpgp loaded on first use). Runs under CI, where `npm ci`/`npm install` has just built dist/;
 * locally it is skipped with a message when dist/ is absent.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const built = existsSync(join(root, 'dist/index.cjs')) && existsSync(join(root, 'dist/index.js'));
if (!built && process.env.CI) throw new Error('dist/ is missing under CI: npm install runs `prepare` (tsup)');
if (!built) console.warn('skipping package entry-point tests: dist/ not built (run `npx tsup`)');

const script = (load: string) => `
${load}
(async () => {
  const { Repo, commit, fsck, sign } = m;
  const dir = process.argv[process.argv.length - 1];
  const repo = await Repo.init(dir + '/repo', { mode: 'archive' });
  const r = await commit(repo, { branch: 'b', timestamp: 0, generateSizes: true, trees: [{ kind: 'dir', path: dir + '/tree' }] });
  const f = await fsck(repo);
  // openpgp is loaded on first use: garbage must come back as KEY_INVALID, not a module error
  const keyError = await sign.loadGpgPublicKeys(new TextEncoder().encode('not a key')).then(() => 'none', (e) => e.code);
  process.stdout.write(JSON.stringify({ checksum: r.checksum, written: r.stats.contentWritten, problems: f.problems.length, keyError }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * A static delta whose part is compressed in segments (> DELTA_SEGMENT_SIZE) on the worker pool and
 * on the main thread: both part files must be the same bytes.
 */
const deltaScript = `
(async () => {
  const { Repo, commit, generateStaticDelta } = await import(${JSON.stringify(join(root, 'dist/index.js'))});
  const { mkdirSync, readFileSync } = await import('node:fs');
  const dir = process.argv[process.argv.length - 1];
  let x = 7;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const pool = Array.from({ length: 48 }, () => Uint8Array.from({ length: 1024 }, () => next() & 0xff));
  const entries = {};
  for (let f = 0; f < 230; f++) {
    const b = new Uint8Array(60000);
    for (let at = 0; at < b.length; at += 1024) b.set(pool[next() % 48].subarray(0, Math.min(1024, b.length - at)), at);
    b[0] = f;
    entries['f' + f] = { type: 'file', content: b };
  }
  const repo = await Repo.init(dir + '/repo', { mode: 'archive' });
  const c = (await commit(repo, { branch: 'b', timestamp: 0, trees: [{ kind: 'memory', tree: { type: 'dir', entries } }] })).checksum;
  const out = {};
  for (const workers of [2, 0]) {
    mkdirSync(dir + '/d' + workers);
    const r = await generateStaticDelta(repo, { from: null, to: c, workers, timestamp: 1n, filename: dir + '/d' + workers + '/superblock' });
    out[workers] = { parts: r.parts.length, usize: r.parts[0].usize, part: readFileSync(dir + '/d' + workers + '/0').toString('base64') };
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * A delta pull from the built package: its parts (one over 4 MiB of objects) are decoded on the
 * worker the package starts on `dist/delta-part-worker.js` (ESM; the CommonJS build decodes
 * in-thread, as it starts no workers on its own files), and the result passes fsck.
 */
const pullScript = (load: string) => `
${load}
(async () => {
  const { Repo, commit, generateStaticDelta, serveRepo, pull, remoteAdd, fsck, createPartDecoder } = m;
  const dir = process.argv[process.argv.length - 1];
  const entries = {};
  for (let f = 0; f < 5; f++) {
    const b = new Uint8Array(1_200_000);
    for (let i = 0; i < b.length; i++) b[i] = (i % 1021) ^ f;
    entries['f' + f] = { type: 'file', content: b };
  }
  const src = await Repo.init(dir + '/src', { mode: 'archive' });
  const c = (await commit(src, { branch: 'b', timestamp: 0, trees: [{ kind: 'memory', tree: { type: 'dir', entries } }] })).checksum;
  await generateStaticDelta(src, { from: null, to: c, workers: 0 });
  const dec = createPartDecoder();
  await dec?.close();
  const s = await serveRepo(dir + '/src');
  try {
    const cl = await Repo.init(dir + '/client', { mode: 'bare-user-only' });
    await remoteAdd(cl, 'origin', s.url, { noGpgVerify: true });
    const r = await pull(cl, { remote: 'origin', refs: ['b'], requireStaticDeltas: true });
    const f = await fsck(cl);
    process.stdout.write(JSON.stringify({ worker: dec !== null, deltas: r.deltasUsed.length, problems: f.problems.length }));
  } finally {
    await s.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe.skipIf(!built)('built package entry points', () => {
  it('a delta pull decodes its parts on dist/delta-part-worker.js (ESM) or in-thread (CJS); ostree fsck accepts both', () => {
    for (const [args, worker] of [
      [['--input-type=module', '-e', pullScript(`const m = await import(${JSON.stringify(join(root, 'dist/index.js'))});`)], true],
      [['-e', pullScript(`const m = require(${JSON.stringify(join(root, 'dist/index.cjs'))});`)], false],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-pkg-'));
      try {
        const r = spawnSync(process.execPath, [...args, dir], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ worker, deltas: 1, problems: 0 });
        // the real ostree reads what the worker path wrote (when installed; CI installs it)
        const o = spawnSync('ostree', [`--repo=${join(dir, 'client')}`, 'fsck'], { encoding: 'utf8' });
        if (o.error === undefined || process.env.CI) expect(o.status, o.stderr).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 60000);

  it('a segmented delta part is the same from the worker pool and the main thread', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-pkg-'));
    try {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', deltaScript, dir], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, { parts: number; usize: number; part: string }>;
      expect(out['2']!.parts).toBe(1);
      expect(out['2']!.usize).toBeGreaterThan(12 * 1024 * 1024);
      expect(out['2']!.part === out['0']!.part).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  const tree = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ostree-ts-pkg-'));
    mkdirSync(join(dir, 'tree'));
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, 'tree', `f${i}`), Buffer.alloc(60_000, i));
    return dir;
  };
  const run = (args: string[], dir: string) => {
    const r = spawnSync(process.execPath, [...args, dir], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as { checksum: string; written: number; problems: number; keyError: string };
  };

  it('require() and import give the same commit, through the content workers', () => {
    const a = tree();
    const b = tree();
    try {
      const cjs = run(['-e', script(`const m = require(${JSON.stringify(join(root, 'dist/index.cjs'))});`)], a);
      const esm = run(['--input-type=module', '-e', script(`const m = await import(${JSON.stringify(join(root, 'dist/index.js'))});`)], b);
      expect(cjs.written).toBe(40);
      expect(cjs.problems).toBe(0);
      expect(cjs.keyError).toBe('KEY_INVALID');
      expect(esm).toEqual(cjs);
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});
