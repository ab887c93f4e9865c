/**
 * Shared setup for the pull interop tests: a logged server, client repos, and an ostree-made source.
 */
import { join } from 'node:path';
import { ostree, tmpdir } from './harness.js';
import { generateTreeSpec, writeTree } from '../util/trees.js';
import { serveRepo, type RunningServer } from '../../src/ops/serve.js';
import { Repo } from '../../src/store/repo.js';
import { remoteAdd } from '../../src/ops/remote.js';

export async function served(repo: string): Promise<RunningServer & { log: string[] }> {
  const log: string[] = [];
  const s = await serveRepo(repo, { onRequest: (e) => log.push(`${e.method} ${e.path} ${e.status}`) });
  return Object.assign(s, { log });
}

export async function client(mode: 'archive' | 'bare-user-only', url: string, set: string[] = ['gpg-verify=false']): Promise<Repo> {
  const path = join(tmpdir(), `client-${mode}`);
  const repo = await Repo.init(path, { mode });
  await remoteAdd(repo, 'origin', url, { set: set.map((s) => s.split('=') as [string, string]) });
  return Repo.open(path);
}

/** An archive repo made by ostree with two commits of generated trees, deltas and a summary. */
export async function ostreeRepo(opts: { deltas?: boolean; files?: number } = {}): Promise<{ path: string; c1: string; c2: string }> {
  const dir = tmpdir();
  const spec1 = generateTreeSpec({ seed: 11, files: opts.files ?? 80, safeModes: true, bigFileSize: 300_000, manyFiles: 30, deepDepth: 4 });
  const spec2 = generateTreeSpec({ seed: 12, files: opts.files ?? 80, safeModes: true, bigFileSize: 300_000, manyFiles: 30, deepDepth: 4 });
  writeTree(join(dir, 't1'), spec1);
  writeTree(join(dir, 't2'), { ...spec1, ...spec2 });
  const path = join(dir, 'server');
  await ostree(path, 'init', '--mode=archive');
  await ostree(path, 'commit', '--branch=main', `--tree=dir=${join(dir, 't1')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-01', '-s', 'one');
  const c1 = (await ostree(path, 'rev-parse', 'main')).stdout.trim();
  await ostree(path, 'commit', '--branch=main', `--tree=dir=${join(dir, 't2')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-02', '-s', 'two');
  const c2 = (await ostree(path, 'rev-parse', 'main')).stdout.trim();
  if (opts.deltas) {
    await ostree(path, 'static-delta', 'generate', '--empty', `--to=${c1}`);
    await ostree(path, 'static-delta', 'generate', `--from=${c1}`, `--to=${c2}`);
  }
  await ostree(path, 'summary', '-u');
  return { path, c1, c2 };
}
