/**
 * Flatpak summaries written by ostree-ts against the real `flatpak build-update-repo` on a copy of
 * the same repository (same refs, same commits): the compat `summary`, `summary.idx`, every
 * subsummary (by digest = SHA-256 of the uncompressed bytes) and the `xadf` history diffs.
 * The clock is replayed from flatpak's `ostree.summary.last-modified`.
 */
import { expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { interopSuite, ostree, run, tmpdir, tool } from './harness.js';
import { buildExport } from '../../src/flatpak/export.js';
import { updateFlatpakSummary } from '../../src/flatpak/summary.js';
import { Repo } from '../../src/store/repo.js';
import { hostArch } from '../../src/flatpak/names.js';
import { decodeSummary, summaryInfo } from '../../src/format/summary.js';
import { applySummaryDiff, decodeSummaryIndex } from '../../src/format/flatpak-summary.js';
import { bswap64 } from '../../src/format/bytes.js';
import { makeAppDir, makeRuntimeDir } from './flatpak-util.js';

const TS = '2024-01-02T03:04:05Z';

function lastModified(repo: string): bigint {
  const s = decodeSummary(new Uint8Array(readFileSync(join(repo, 'summary'))));
  return summaryInfo(s).lastModified!;
}

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

interopSuite('flatpak summaries (build-update-repo parity)', ['flatpak', 'ostree'], () => {
  const flatpak = () => tool('flatpak').path!;
  const arch = hostArch();

  async function populate(d: string, repo: string, collectionId?: string): Promise<void> {
    makeRuntimeDir(join(d, 'rt'), arch);
    makeAppDir(join(d, 'app'), arch);
    const cid = collectionId ? { collectionId } : {};
    await buildExport(repo, join(d, 'rt'), { runtime: true, timestamp: TS, updateSummary: false, ...cid });
    await buildExport(repo, join(d, 'app'), { timestamp: TS, updateSummary: false, subsets: ['s1'], endOfLife: 'old', tokenType: 1, ...cid });
    await buildExport(repo, join(d, 'app'), { timestamp: TS, updateSummary: false, arch: 'aarch64', branch: 'beta', ...cid });
    mkdirSync(join(d, 'shots'), { recursive: true });
    writeFileSync(join(d, 'shots', 'a.png'), 'png');
    await ostree(repo, 'commit', '-b', `screenshots/${arch}`, `--tree=dir=${join(d, 'shots')}`, '--timestamp=2024-01-01T00:00:00Z');
  }

  async function compare(theirs: string, ours: string, extra: string[] = [], disableIndex = false): Promise<void> {
    await run(flatpak(), ['build-update-repo', '--no-update-appstream', ...extra, theirs]);
    const now = lastModified(theirs);
    cpSync(join(theirs, 'config'), join(ours, 'config')); // build-update-repo's config step is tested elsewhere
    await updateFlatpakSummary(await Repo.open(ours), { now: () => now, disableIndex });
    const [so, st] = [ours, theirs].map((r) => decodeSummary(new Uint8Array(readFileSync(join(r, 'summary')))));
    expect(so).toEqual(st);
    expect(Buffer.from(readFileSync(join(ours, 'summary'))).equals(readFileSync(join(theirs, 'summary')))).toBe(true);
    expect(existsSync(join(ours, 'summary.idx'))).toBe(existsSync(join(theirs, 'summary.idx')));
    if (existsSync(join(theirs, 'summary.idx'))) {
      const a = readFileSync(join(ours, 'summary.idx'));
      const b = readFileSync(join(theirs, 'summary.idx'));
      expect(decodeSummaryIndex(new Uint8Array(a))).toEqual(decodeSummaryIndex(new Uint8Array(b)));
      expect(a.equals(b)).toBe(true);
    }
    expect(files(join(ours, 'summaries'))).toEqual(files(join(theirs, 'summaries')));
    for (const f of files(join(theirs, 'summaries'))) {
      const x = gunzipSync(readFileSync(join(ours, 'summaries', f)));
      const y = gunzipSync(readFileSync(join(theirs, 'summaries', f)));
      if (f.endsWith('.gz')) expect(x.equals(y)).toBe(true);
      if (f.endsWith('.delta')) {
        // same op stream; and applying it to the old subsummary gives the new one
        expect(x.equals(y)).toBe(true);
        const [from, to] = f.slice(0, -'.delta'.length).split('-');
        const old = new Uint8Array(gunzipSync(readFileSync(join(theirs, 'summaries', `${from}.gz`))));
        const neu = gunzipSync(readFileSync(join(theirs, 'summaries', `${to}.gz`)));
        expect(Buffer.from(applySummaryDiff(old, new Uint8Array(x))).equals(neu)).toBe(true);
      }
    }
    expect(files(join(ours, 'delta-indexes'))).toEqual(files(join(theirs, 'delta-indexes')));
  }

  it('byte-identical summary, summary.idx and subsummaries; history deltas after an update', async () => {
    const d = tmpdir();
    const theirs = join(d, 'theirs');
    const ours = join(d, 'ours');
    await populate(d, theirs);
    cpSync(theirs, ours, { recursive: true });
    await compare(theirs, ours, ['--title=Test Repo', '--comment=c', '--default-branch=stable', '--authenticator-name=org.test.Auth', '--authenticator-option=k=v', '--authenticator-install']);
    // per-ref data as flatpak sees it
    const s = decodeSummary(new Uint8Array(readFileSync(join(ours, 'summary'))));
    const cache = s.metadata.find(([k]) => k === 'xa.cache')![1];
    const inner = (cache.value as { value: unknown }).value as Array<[string, [bigint, bigint, string]]>;
    expect(inner.map(([r]) => r)).toEqual(s.refs.map((r) => r.name).filter((r) => !r.startsWith('screenshots/')));
    expect(bswap64(inner[0]![1][0]) > 0n).toBe(true);
    // second round: a new runtime commit (both repos get the same one), static deltas exist
    makeRuntimeDir(join(d, 'rt2'), arch);
    writeFileSync(join(d, 'rt2', 'files', 'new-file'), 'x');
    for (const r of [theirs, ours]) await buildExport(r, join(d, 'rt2'), { runtime: true, timestamp: '2024-02-02T00:00:00Z', updateSummary: false });
    // one delta, copied (its superblock carries a generation timestamp)
    await ostree(theirs, 'static-delta', 'generate', `--to=runtime/org.test.Platform/${arch}/master`);
    cpSync(join(theirs, 'deltas'), join(ours, 'deltas'), { recursive: true });
    await compare(theirs, ours);
    expect(files(join(ours, 'summaries')).some((f) => f.endsWith('.delta'))).toBe(true);
    // third round without changes: index rewritten, subsummaries reused
    await compare(theirs, ours);
  }, 90_000);

  it('a collection repo and --no-summary-index', async () => {
    const d = tmpdir();
    const theirs = join(d, 'theirs');
    const ours = join(d, 'ours');
    await populate(d, theirs, 'org.test.Coll');
    await run(flatpak(), ['build-update-repo', '--no-update-appstream', '--deploy-collection-id', theirs]);
    cpSync(theirs, ours, { recursive: true });
    await compare(theirs, ours);
    await compare(theirs, ours, ['--no-summary-index'], true);
    expect(existsSync(join(ours, 'summary.idx'))).toBe(false);
    // [flatpak] summary-arches filters the compat summary (arch-less refs stay)
    await ostree(theirs, 'config', 'set', 'flatpak.summary-arches', `${arch};`);
    await compare(theirs, ours);
    const names = decodeSummary(new Uint8Array(readFileSync(join(ours, 'summary')))).refs.map((r) => r.name);
    expect(names.some((n) => n.includes('/aarch64/'))).toBe(false);
    expect(names).toContain(`screenshots/${arch}`);
  }, 90_000);
});
