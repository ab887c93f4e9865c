/**
 * Interop: our `summary -u` against `ostree summary -u` (decoded and byte-identical with ostree's
 * clock readings replayed) and ostree reading our summary (`summary --view`, `pull`). Prune is in
 * summary-prune-prune.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { interopSuite, ostree, run, serveDirectory, tmpdir } from './harness.js';
import { Repo } from '../../src/store/repo.js';
import { updateSummary } from '../../src/ops/summary.js';
import { decodeSummary, summaryInfo } from '../../src/format/summary.js';
import { decodeCommit } from '../../src/format/commit.js';
import { parseMetadataValue, formatSummaryView } from '../../src/cli/commands/summary.js';
import { Writable } from 'node:stream';
import { makeContext, parseCommandArgs, type Command } from '../../src/cli/command.js';
import { summaryCommand } from '../../src/cli/commands/summary.js';
import { pruneCommand } from '../../src/cli/commands/prune.js';
import { OstreeError } from '../../src/errors.js';

/** Run one of our commands in-process (without main.ts, so this file does not depend on other commands). */
async function cli(argv: string[], opts: { env?: Record<string, string | undefined> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd: Command = argv[0] === 'summary' ? summaryCommand : pruneCommand;
  const chunks: Record<'out' | 'err', Buffer[]> = { out: [], err: [] };
  const sink = (k: 'out' | 'err') => new Writable({ write(c: Buffer, _e, cb) { chunks[k].push(Buffer.from(c)); cb(); } });
  const io = { stdout: sink('out'), stderr: sink('err'), env: opts.env ?? { PATH: process.env.PATH }, cwd: process.cwd() };
  let code: number;
  try {
    const args = parseCommandArgs(cmd, argv.slice(1));
    code = await cmd.run(args, io, makeContext(args, io));
  } catch (e) {
    if (!(e instanceof OstreeError)) throw e;
    io.stderr.write(`error: ${e.message}\n`);
    code = 1;
  }
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

const T0 = Date.UTC(2020, 0, 1) / 1000;
const day = 86400;

function listFiles(root: string, sub = ''): string[] {
  const dir = join(root, sub);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

async function cp(src: string, dst: string): Promise<void> {
  await run('cp', ['-a', src, dst]);
}

/** Write a commit with the real ostree; returns its checksum. */
async function commit(repo: string, branch: string, tree: string, t: number, opts: { version?: string; parent?: string } = {}): Promise<string> {
  const args = ['commit', `--branch=${branch}`, `--tree=dir=${tree}`, `--timestamp=@${t}`, `--subject=s${t}`, '--owner-uid=0', '--owner-gid=0'];
  if (opts.version) args.push(`--add-metadata-string=version=${opts.version}`);
  if (opts.parent) args.push(`--parent=${opts.parent}`);
  return (await ostree(repo, ...args)).stdout.trim();
}

function writeRefFile(repo: string, rel: string, csum: string): void {
  const p = join(repo, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, `${csum}\n`);
}

function tree(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [n, c] of Object.entries(files)) {
    mkdirSync(join(dir, n, '..'), { recursive: true });
    writeFileSync(join(dir, n), c);
  }
  return dir;
}

interface Built {
  repo: string;
  commits: string[];
}

/** A repo with `nRefs` heads over a handful of commits (Unicode names included), remote and mirror refs. */
async function buildSummaryRepo(base: string, nRefs: number, opts: { collectionId?: string; deltas?: boolean } = {}): Promise<Built> {
  const repo = join(base, 'repo');
  await ostree(repo, 'init', '--mode=archive', ...(opts.collectionId ? [`--collection-id=${opts.collectionId}`] : []));
  const commits: string[] = [];
  for (let i = 0; i < 4; i++) {
    const t = tree(join(base, `t${i}`), { 'a.txt': `a${i}\n`, 'sub/b.txt': `shared\n`, [`f${i}`]: 'x'.repeat(100 * i) });
    commits.push(await commit(repo, 'main', t, T0 + i * day, i % 2 === 0 ? { version: `1.${i}` } : {}));
  }
  const names = ['main'];
  const extra = ['tést/x', '日本/語', 'app/org.example.App/x86_64/stable', 'runtime/org.example.Platform/x86_64/23.08', 'Zeta', 'a', 'a.b', 'a_b', 'a-b'];
  for (let i = 0; names.length < nRefs; i++) names.push(i < extra.length ? extra[i]! : `gen/${i.toString(36)}/r${i}`);
  for (let i = 1; i < names.length; i++) writeRefFile(repo, `refs/heads/${names[i]}`, commits[i % commits.length]!);
  if (nRefs > 1) {
    // remote refs: skipped unless the remote has a collection ID; mirrors go to the collection map
    await ostree(repo, 'remote', 'add', '--no-gpg-verify', 'origin', 'http://127.0.0.1:1/none');
    writeRefFile(repo, 'refs/remotes/origin/remote-only', commits[1]!);
    await ostree(repo, 'remote', 'add', '--no-gpg-verify', '--set=collection-id=org.example.Remote', 'withcid', 'http://127.0.0.1:1/none');
    writeRefFile(repo, 'refs/remotes/withcid/rref', commits[2]!);
    writeRefFile(repo, 'refs/mirrors/org.example.Mirror/mirrored/ref', commits[3]!);
    writeRefFile(repo, 'refs/mirrors/org.example.Mirror/another', commits[0]!);
    if (opts.collectionId) writeRefFile(repo, `refs/mirrors/${opts.collectionId}/from-mirror`, commits[1]!);
  }
  if (opts.deltas) {
    await ostree(repo, 'static-delta', 'generate', `--from=${commits[2]}`, `--to=${commits[3]}`);
    await ostree(repo, 'static-delta', 'generate', '--empty', `--to=${commits[3]}`);
    await ostree(repo, 'static-delta', 'generate', `--from=${commits[0]}`, `--to=${commits[1]}`);
  }
  return { repo, commits };
}

/** Run `ostree summary -u` and return [metadata-commit time (collection repos), last-modified]. */
async function ostreeSummary(repo: string, args: string[] = []): Promise<bigint[]> {
  await ostree(repo, 'summary', '-u', ...args);
  const info = summaryInfo(decodeSummary(readFileSync(join(repo, 'summary'))));
  const times: bigint[] = [];
  const mref = join(repo, 'refs/heads/ostree-metadata');
  if (existsSync(mref)) {
    const c = readFileSync(mref, 'utf8').trim();
    times.push(decodeCommit(readFileSync(join(repo, 'objects', c.slice(0, 2), `${c.slice(2)}.commit`))).timestamp);
  }
  times.push(info.lastModified!);
  return times;
}

function replay(times: bigint[]): () => bigint {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)]!;
}

function sameTree(a: string, b: string, sub: string): void {
  expect(listFiles(b, sub)).toEqual(listFiles(a, sub));
}

interopSuite('summary against ostree', ['ostree'], () => {
  for (const [label, n, cid, deltas] of [
    ['1 ref', 1, undefined, false],
    ['3 refs', 3, undefined, false],
    ['300 refs, Unicode names, remotes, mirrors, deltas', 300, undefined, true],
    ['collection repo with mirrors', 12, 'org.example.Main', true],
  ] as Array<[string, number, string | undefined, boolean]>) {
    it(`summary -u is byte-identical to ostree's (${label})`, async () => {
      const base = tmpdir();
      const { repo } = await buildSummaryRepo(base, n, { collectionId: cid, deltas });
      const ours = join(base, 'ours');
      await cp(repo, ours);
      const addArgs = ["--add-metadata=org.example.x='hello'", '--add-metadata=org.example.n=uint64 42'];
      const times = await ostreeSummary(repo, n === 3 ? addArgs : []);
      const r = await updateSummary(await Repo.open(ours), {
        now: replay(times),
        addMetadata: n === 3 ? [['org.example.x', parseMetadataValue("'hello'")], ['org.example.n', parseMetadataValue('uint64 42')]] : [],
      });
      const theirs = new Uint8Array(readFileSync(join(repo, 'summary')));
      expect(decodeSummary(r.bytes)).toEqual(decodeSummary(theirs));
      expect(Buffer.from(r.bytes).equals(theirs)).toBe(true);
      expect(readFileSync(join(ours, 'summary')).equals(theirs)).toBe(true);
      expect(readFileSync(join(ours, 'config'), 'utf8')).toBe(readFileSync(join(repo, 'config'), 'utf8'));
      sameTree(repo, ours, 'delta-indexes');
      for (const f of listFiles(repo, 'delta-indexes')) {
        expect(readFileSync(join(ours, f)).equals(readFileSync(join(repo, f)))).toBe(true);
      }
      sameTree(repo, ours, 'objects');
      sameTree(repo, ours, 'refs');
      // ostree reads ours, and prints what we print
      const view = (await ostree(ours, 'summary', '--view', { env: { ...process.env, TZ: 'UTC' } })).stdout;
      expect(formatSummaryView(r.bytes)).toBe(view);
      if (cid) expect(summaryInfo(r.summary).collectionMap.map(([c]) => c)).toEqual(['org.example.Mirror', 'org.example.Remote']);
    }, 60_000);
  }

  it('summary --view / --raw output equals ostree (CLI, TZ=UTC)', async () => {
    const base = tmpdir();
    const { repo } = await buildSummaryRepo(base, 5, { deltas: true });
    await ostree(repo, 'summary', '-u', "--add-metadata=foo=['a', 'b']", '-m', 'ostree.summary.expires=uint64 1700000000');
    for (const flag of ['--view', '--raw']) {
      const theirs = (await ostree(repo, 'summary', flag, { env: { ...process.env, TZ: 'UTC' } })).stdout;
      const ours = await cli(['summary', `--repo=${repo}`, flag], { env: { PATH: process.env.PATH, TZ: 'UTC' } });
      expect(ours.stderr).toBe('');
      expect(ours.stdout).toBe(theirs);
    }
    const ours = join(base, 'ours');
    await cp(repo, ours);
    expect((await cli(['summary', `--repo=${ours}`, '-u', "--add-metadata=foo=['a', 'b']", '-m', 'ostree.summary.expires=uint64 1700000000'])).code).toBe(0);
    const a = decodeSummary(new Uint8Array(readFileSync(join(repo, 'summary'))));
    const b = decodeSummary(new Uint8Array(readFileSync(join(ours, 'summary'))));
    const strip = (s: typeof a) => s.metadata.filter(([k]) => k !== 'ostree.summary.last-modified');
    expect(strip(b)).toEqual(strip(a));
    expect(b.refs).toEqual(a.refs);
  }, 60_000);

  it('ostree pulls from a repo whose summary we wrote', async () => {
    const base = tmpdir();
    const { repo, commits } = await buildSummaryRepo(base, 3, { deltas: true });
    await updateSummary(await Repo.open(repo));
    const server = await serveDirectory(repo);
    try {
      const client = join(base, 'client');
      await ostree(client, 'init', '--mode=bare-user-only');
      await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
      const refs = (await ostree(client, 'remote', 'refs', 'origin')).stdout;
      expect(refs).toContain('origin:main');
      await ostree(client, 'pull', 'origin', 'main');
      expect((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim()).toBe(commits[3]);
      expect(server.requests.some((r) => r.path === '/summary' && r.status === 200)).toBe(true);
      expect(server.requests.some((r) => r.path.startsWith('/deltas/') && r.status === 200)).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);

});
