/**
 * `ostree-ts publish SRC-REPO DEST-DIR`: bring a served copy of an archive repository up to date in
 * an order that keeps it complete for clients pulling at any moment — content-addressed objects
 * first, then delta parts, delta superblocks and delta indexes, then subsummaries, the summary index
 * and the summary with their signatures, then refs and `config`; only after all of that (and only
 * with `delete`) the files SRC no longer has, newest-referenced first (refs, summaries, deltas,
 * objects). Each file is written to a temporary name and renamed, so no reader sees a partial file;
 * each phase is flushed to disk before the next starts.
 *
 * There is no upstream command for this (ostree documents the order for rsync-based mirroring in
 * `docs/repository-management.md`: "objects first, then refs/summary").
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { OstreeError } from '../errors.js';
import { NodeStorage, syncFilesystem, tmpSuffix } from '../store/storage.js';

/** The publish phases, in order. */
export type PublishPhase = 'objects' | 'deltas' | 'summaries' | 'refs' | 'delete';

/** Progress of {@link publish}. */
export type PublishProgress = { phase: PublishPhase; done: number; total: number };

/** Options of {@link publish}. */
export interface PublishOptions {
  /** Report what would be copied and deleted without changing DEST. */
  dryRun?: boolean;
  /** Delete files DEST has and SRC no longer has (after everything else). */
  delete?: boolean;
  /** Flush DEST's filesystem after each phase (default true). */
  fsync?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: PublishProgress) => void;
}

/** What {@link publish} did (or would do, with `dryRun`). */
export interface PublishResult {
  /** Relative paths copied, in copy order. */
  copied: string[];
  /** Relative paths deleted, in deletion order. */
  deleted: string[];
  /** Files already identical in DEST. */
  unchanged: number;
}

interface FileInfo {
  path: string;
  kind: 'file' | 'symlink';
  size: number;
}

/** Top-level entries that are published (everything a client may request). */
const TOP_FILES = ['config', 'summary', 'summary.sig', 'summary.idx', 'summary.idx.sig'];
const TOP_DIRS = ['objects', 'deltas', 'delta-indexes', 'summaries', 'refs/heads', 'refs/mirrors'];

/** The phase a published path belongs to. */
export function publishPhaseOf(path: string): Exclude<PublishPhase, 'delete'> {
  if (path.startsWith('objects/')) return 'objects';
  if (path.startsWith('deltas/') || path.startsWith('delta-indexes/')) return 'deltas';
  if (path.startsWith('summaries/') || path.startsWith('summary')) return 'summaries';
  return 'refs';
}

/** Rank inside a phase: delta parts before superblocks before indexes; summary last among summaries. */
function rankOf(path: string): number {
  if (path.startsWith('deltas/')) return path.endsWith('/superblock') ? 1 : 0;
  if (path.startsWith('delta-indexes/')) return 2;
  if (path.startsWith('summaries/')) return 0;
  if (path === 'summary.idx') return 1;
  if (path === 'summary.idx.sig') return 2;
  if (path === 'summary') return 3;
  if (path === 'summary.sig') return 4;
  if (path === 'config') return 1;
  if (path.startsWith('objects/')) return path.endsWith('.commit') ? 2 : path.endsWith('.commitmeta') ? 1 : 0;
  return 0;
}

const PHASES: Array<Exclude<PublishPhase, 'delete'>> = ['objects', 'deltas', 'summaries', 'refs'];

/** Content-addressed files: equal name ⇒ equal content (size is still compared). */
function isImmutable(path: string): boolean {
  return (path.startsWith('objects/') && !path.endsWith('.commitmeta')) || /^deltas\/.+\/\d+$/.test(path);
}

async function walk(storage: NodeStorage, dir: string, out: Map<string, FileInfo>, stale: string[]): Promise<void> {
  const ents = await storage.list(dir);
  if (ents === null) return;
  for (const e of ents) {
    const p = `${dir}/${e.name}`;
    if (e.name.startsWith('.tmp-')) {
      stale.push(p);
      continue;
    }
    if (e.kind === 'dir') await walk(storage, p, out, stale);
    else if (e.kind === 'file' || e.kind === 'symlink') {
      const st = await storage.lstat(p);
      if (st) out.set(p, { path: p, kind: e.kind, size: st.size });
    }
  }
}

async function scan(storage: NodeStorage): Promise<{ files: Map<string, FileInfo>; stale: string[] }> {
  const files = new Map<string, FileInfo>();
  const stale: string[] = [];
  for (const f of TOP_FILES) {
    const st = await storage.lstat(f);
    if (st && (st.kind === 'file' || st.kind === 'symlink')) files.set(f, { path: f, kind: st.kind, size: st.size });
  }
  for (const d of TOP_DIRS) await walk(storage, d, files, stale);
  return { files, stale };
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([fsp.readFile(a), fsp.readFile(b)]);
  return x.equals(y);
}

async function copyAtomic(src: NodeStorage, dest: NodeStorage, f: FileInfo): Promise<void> {
  const to = dest.resolve(f.path);
  const slash = f.path.lastIndexOf('/');
  const parent = slash < 0 ? '' : f.path.slice(0, slash);
  if (parent) await dest.mkdirp(parent);
  if (f.kind === 'symlink') {
    const target = await src.readlink(f.path);
    if (target !== null) await dest.symlinkAtomic(target, f.path);
    return;
  }
  const tmp = join(parent ? dest.resolve(parent) : dest.root, `.tmp-publish-${tmpSuffix()}`);
  try {
    await fsp.copyFile(src.resolve(f.path), tmp);
    await fsp.chmod(tmp, 0o644);
    await fsp.rename(tmp, to);
  } catch (e) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * Publish SRC-REPO into DEST-DIR (created if missing). Idempotent: a second run copies nothing.
 *
 * @throws OstreeError `REPO_NOT_FOUND` when SRC has no `config`, `INVALID_ARGUMENT` when SRC and
 *   DEST are the same directory
 */
export async function publish(srcPath: string, destPath: string, opts: PublishOptions = {}): Promise<PublishResult> {
  const src = new NodeStorage(resolvePath(srcPath));
  const dest = new NodeStorage(resolvePath(destPath));
  if ((await src.lstat('config')) === null) throw new OstreeError('REPO_NOT_FOUND', `No repository at ${srcPath} (no config file)`, { data: { path: srcPath } });
  const [rs, rd] = [await fsp.realpath(src.root), await fsp.realpath(dest.root).catch(() => null)];
  if (rs === rd) throw new OstreeError('INVALID_ARGUMENT', 'Source and destination are the same directory');
  const signal = opts.signal;
  const fsync = opts.fsync !== false;
  const result: PublishResult = { copied: [], deleted: [], unchanged: 0 };
  const { files: srcFiles } = await scan(src);
  const { files: destFiles, stale } = rd === null ? { files: new Map<string, FileInfo>(), stale: [] as string[] } : await scan(dest);
  if (!opts.dryRun) {
    for (const s of stale) await dest.unlink(s).catch(() => false); // leftovers of a killed publish
    await dest.mkdirp('');
    // the directories of a repository, so DEST is also a valid repo for ostree tools (fsck, pull-local)
    for (const d of ['objects', 'refs/heads', 'refs/remotes', 'refs/mirrors', 'tmp', 'state', 'extensions']) await dest.mkdirp(d);
  }

  for (const phase of PHASES) {
    signal?.throwIfAborted();
    const todo: FileInfo[] = [];
    for (const f of srcFiles.values()) {
      if (publishPhaseOf(f.path) !== phase) continue;
      const d = destFiles.get(f.path);
      if (d && d.kind === f.kind && d.size === f.size) {
        if (isImmutable(f.path) || f.kind === 'symlink' || (await sameContent(src.resolve(f.path), dest.resolve(f.path)))) {
          result.unchanged++;
          continue;
        }
      }
      todo.push(f);
    }
    todo.sort((a, b) => rankOf(a.path) - rankOf(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    let done = 0;
    let lastRank = todo.length ? rankOf(todo[0]!.path) : 0;
    for (const f of todo) {
      signal?.throwIfAborted();
      const r = rankOf(f.path);
      if (r !== lastRank && !opts.dryRun && fsync) await syncFilesystem(dest.root); // e.g. parts before superblocks
      lastRank = r;
      if (!opts.dryRun) await copyAtomic(src, dest, f);
      result.copied.push(f.path);
      opts.onProgress?.({ phase, done: ++done, total: todo.length });
    }
    if (todo.length > 0 && !opts.dryRun && fsync) await syncFilesystem(dest.root);
  }

  if (opts.delete) {
    const gone = [...destFiles.values()].filter((f) => !srcFiles.has(f.path));
    // refs first, then summaries, then delta indexes/superblocks/parts, then objects (commits first)
    const delRank = (p: string) => {
      const ph = publishPhaseOf(p);
      const base = ph === 'refs' ? 0 : ph === 'summaries' ? 10 : ph === 'deltas' ? 20 : 30;
      return base - rankOf(p);
    };
    gone.sort((a, b) => delRank(a.path) - delRank(b.path) || (a.path < b.path ? -1 : 1));
    let done = 0;
    for (const f of gone) {
      signal?.throwIfAborted();
      if (!opts.dryRun) {
        await dest.unlink(f.path);
        let dir = f.path.slice(0, Math.max(0, f.path.lastIndexOf('/')));
        while (dir && !TOP_DIRS.includes(dir) && (await dest.rmdirIfEmpty(dir))) dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/')));
      }
      result.deleted.push(f.path);
      opts.onProgress?.({ phase: 'delete', done: ++done, total: gone.length });
    }
    if (gone.length > 0 && !opts.dryRun && fsync) await syncFilesystem(dest.root);
  }
  return result;
}
