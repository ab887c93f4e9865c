/**
 * Shared setup for the summary and prune interop tests: repo builders, ostree clock replay, file
 * listings and an in-process CLI runner.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ostree, run } from './harness.js';
import { decodeSummary, summaryInfo } from '../../src/format/summary.js';
import { decodeCommit } from '../../src/format/commit.js';
import { Writable } from 'node:stream';
import { makeContext, parseCommandArgs, type Command } from '../../src/cli/command.js';
import { summaryCommand } from '../../src/cli/commands/summary.js';
import { pruneCommand } from '../../src/cli/commands/prune.js';
import { OstreeError } from '../../src/errors.js';

/** Run one of our commands in-process (without main.ts, so this file does not depend on other commands). */
export async function cli(argv: string[], opts: { env?: Record<string, string | undefined> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
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

export const T0 = Date.UTC(2020, 0, 1) / 1000;
export const day = 86400;

export function listFiles(root: string, sub = ''): string[] {
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

export async function cp(src: string, dst: string): Promise<void> {
  await run('cp', ['-a', src, dst]);
}

/** Write a commit with the real ostree; returns its checksum. */
export async function commit(repo: string, branch: string, tree: string, t: number, opts: { version?: string; parent?: string } = {}): Promise<string> {
  const args = ['commit', `--branch=${branch}`, `--tree=dir=${tree}`, `--timestamp=@${t}`, `--subject=s${t}`, '--owner-uid=0', '--owner-gid=0'];
  if (opts.version) args.push(`--add-metadata-string=version=${opts.version}`);
  if (opts.parent) args.push(`--parent=${opts.parent}`);
  return (await ostree(repo, ...args)).stdout.trim();
}

export function writeRefFile(repo: string, rel: string, csum: string): void {
  const p = join(repo, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, `${csum}\n`);
}

export function tree(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [n, c] of Object.entries(files)) {
    mkdirSync(join(dir, n, '..'), { recursive: true });
    writeFileSync(join(dir, n), c);
  }
  return dir;
}

export interface Built {
  repo: string;
  commits: string[];
}

/** A repo with `nRefs` heads over a handful of commits (Unicode names included), remote and mirror refs. */
export async function buildSummaryRepo(base: string, nRefs: number, opts: { collectionId?: string; deltas?: boolean } = {}): Promise<Built> {
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
export async function ostreeSummary(repo: string, args: string[] = []): Promise<bigint[]> {
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

export function replay(times: bigint[]): () => bigint {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)]!;
}

export function sameTree(a: string, b: string, sub: string): void {
  expect(listFiles(b, sub)).toEqual(listFiles(a, sub));
}

