/**
 * Valid inputs to mutate: objects from the checked-in fixture repositories (made by real ostree)
 * plus a small archive repository built once per process with our own ops (two commits with
 * files, symlinks, xattr-less dirs, a modified file for bsdiff; a from→to and a scratch static
 * delta, one inline; a summary naming the deltas; delta indexes).
 */
import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import { sharedTempDir } from '../util/scratch.js';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { generateStaticDelta } from '../../src/ops/delta-generate.js';
import { updateSummary } from '../../src/ops/summary.js';
import { Prng } from '../util/prng.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The checked-in fixture repositories. */
export const FIXTURE_REPOS = [join(here, '../../fixtures/repos/archive'), join(here, '../../fixtures/repos/bare-user-only')];

/** Files of a repository grouped by what they are. */
export interface RepoFiles {
  /** By object extension: commit, dirtree, dirmeta, filez, file, commitmeta, … */
  objects: Map<string, Uint8Array[]>;
  summary: Uint8Array[];
  /** Superblock files (`deltas/…/superblock`). */
  superblocks: Uint8Array[];
  /** Part files with the superblock they belong to. */
  parts: Array<{ superblock: Uint8Array; index: number; bytes: Uint8Array }>;
  /** `delta-indexes/…/*.index`. */
  indexes: Uint8Array[];
  configs: Uint8Array[];
  /** Path of the generated archive repository (deltas from → to, scratch, inline). */
  repoPath?: string;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = lstatSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** Read every interesting file of a repository directory. */
export function collectRepoFiles(root: string, into?: RepoFiles): RepoFiles {
  const f: RepoFiles = into ?? { objects: new Map(), summary: [], superblocks: [], parts: [], indexes: [], configs: [] };
  for (const p of walk(root)) {
    const rel = p.slice(root.length + 1);
    const bytes = new Uint8Array(readFileSync(p));
    if (rel.startsWith('objects/')) {
      const ext = rel.slice(rel.lastIndexOf('.') + 1);
      if (!f.objects.has(ext)) f.objects.set(ext, []);
      f.objects.get(ext)!.push(bytes);
    } else if (rel === 'summary') f.summary.push(bytes);
    else if (rel === 'config') f.configs.push(bytes);
    else if (rel.startsWith('delta-indexes/')) f.indexes.push(bytes);
    else if (rel.startsWith('deltas/') && rel.endsWith('/superblock')) {
      f.superblocks.push(bytes);
      const dir = dirname(p);
      for (const e of readdirSync(dir)) {
        if (/^\d+$/.test(e)) f.parts.push({ superblock: bytes, index: Number(e), bytes: new Uint8Array(readFileSync(join(dir, e))) });
      }
    }
  }
  return f;
}

let cached: Promise<RepoFiles> | undefined;

/** Fixture repositories + the generated delta repository, built once per process. */
export function seedFiles(): Promise<RepoFiles> {
  cached ??= build();
  return cached;
}

async function build(): Promise<RepoFiles> {
  const files = collectRepoFiles(FIXTURE_REPOS[0]!);
  collectRepoFiles(FIXTURE_REPOS[1]!, files);
  const dir = sharedTempDir('fuzz-seeds');
  const repo = await Repo.init(join(dir, 'repo'), { mode: 'archive' });
  const rng = new Prng('fuzz-seeds');
  const big = rng.bytes(20000);
  const big2 = new Uint8Array(big);
  big2.set(rng.bytes(300), 5000);
  const tree = (b: Uint8Array, extra: string) => ({
    type: 'dir' as const,
    entries: {
      'a.txt': { type: 'file' as const, content: `hello ${extra}\n` },
      bin: { type: 'dir' as const, mode: 0o700, entries: { tool: { type: 'file' as const, content: b, mode: 0o755 } } },
      link: { type: 'symlink' as const, target: 'a.txt' },
      empty: { type: 'dir' as const },
    },
  });
  const c1 = await commit(repo, { branch: 'main', trees: [{ kind: 'memory', tree: tree(big, 'one') }], timestamp: 1_600_000_000, subject: 'one', generateSizes: true });
  const c2 = await commit(repo, {
    branch: 'main',
    trees: [{ kind: 'memory', tree: tree(big2, 'two') }],
    timestamp: 1_600_000_100,
    subject: 'two',
    metadataStrings: [['version', '2']],
    detachedMetadataStrings: [['note', 'x']],
  });
  await generateStaticDelta(repo, { from: c1.checksum, to: c2.checksum, workers: 0, timestamp: 1n, minFallbackSize: 0 });
  await generateStaticDelta(repo, { from: null, to: c2.checksum, workers: 0, timestamp: 2n });
  await generateStaticDelta(repo, { from: null, to: c1.checksum, workers: 0, timestamp: 3n, inline: true, endianness: 'big' });
  await updateSummary(repo, { now: () => 1_600_000_200 });
  collectRepoFiles(join(dir, 'repo'), files);
  files.repoPath = join(dir, 'repo');
  return files;
}
