import { existsSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { updateSummary, viewSummary, listAllRefs } from '../../src/ops/summary.js';
import { decodeDeltaIndex, deltaDirPath, deltaIndexPath, summaryInfo } from '../../src/format/summary.js';
import { OstreeError } from '../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function repoWith(refs: string[], opts: { collectionId?: string } = {}): Promise<{ repo: Repo; c: string[] }> {
  const d = mkdtempSync(join(tmpdir(), 'ots-sum-'));
  dirs.push(d);
  const repo = await Repo.init(join(d, 'r'), { mode: 'archive', collectionId: opts.collectionId });
  const c: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await commit(repo, { orphan: true, trees: [{ kind: 'memory', tree: { type: 'dir', entries: { f: { type: 'file', content: `x${i}` } } } }], timestamp: 1577836800 + i, metadataStrings: i ? [['version', 'v1']] : [] });
    c.push(r.checksum);
  }
  for (const [i, r] of refs.entries()) await repo.setRef(r, c[i % 2]!);
  return { repo, c };
}

describe('updateSummary', () => {
  it('lists heads sorted, per-ref facts, and deletes a stale summary.sig; sign hook writes one', async () => {
    const { repo, c } = await repoWith(['b', 'a', 'z/日本']);
    writeFileSync(join(repo.path, 'summary.sig'), 'stale');
    const r = await updateSummary(repo, { now: () => 1700000000 });
    expect(existsSync(join(repo.path, 'summary.sig'))).toBe(false);
    const v = viewSummary(r.bytes);
    expect(v.refs.map((x) => [x.name, x.checksum, x.version])).toEqual([['a', c[1], 'v1'], ['b', c[0], undefined], ['z/日本', c[0], undefined]]);
    expect(v.info.lastModified).toBe(1700000000n);
    expect(v.refs[0]!.timestamp).toBe(1577836801n);
    expect(repo.config.getBoolean('core', 'indexed-deltas')).toBe(true);
    await updateSummary(repo, { sign: async (b) => Uint8Array.of(b.length & 0xff) });
    expect(readFileSync(join(repo.path, 'summary.sig')).length).toBe(1);
  });

  it('writes an ostree-metadata commit in collection repos, chained to the previous one', async () => {
    const { repo } = await repoWith(['main'], { collectionId: 'org.example.Test' });
    const a = await updateSummary(repo, { now: () => 10 });
    const b = await updateSummary(repo, { now: () => 20 });
    expect((await repo.loadCommit(b.metadataCommit!)).parent).toBe(a.metadataCommit);
    expect(viewSummary(b.bytes).refs.map((r) => r.name)).toEqual(['main', 'ostree-metadata']);
    expect(summaryInfo(b.summary).collectionId).toBe('org.example.Test');
  });

  it('indexes deltas and removes stale indexes', async () => {
    const { repo, c } = await repoWith(['main']);
    const dd = join(repo.path, deltaDirPath(c[0]!, c[1]!));
    mkdirSync(dd, { recursive: true });
    writeFileSync(join(dd, 'superblock'), 'not really a superblock');
    let r = await updateSummary(repo);
    expect(summaryInfo(r.summary).staticDeltas.map(([n]) => n)).toEqual([`${c[0]}-${c[1]}`]);
    expect(decodeDeltaIndex(new Uint8Array(readFileSync(join(repo.path, deltaIndexPath(c[1]!)))))).toHaveLength(1);
    expect(r.indexesWritten).toBe(1);
    r = await updateSummary(repo);
    expect(r.indexesWritten).toBe(0);
    rmSync(dd, { recursive: true });
    r = await updateSummary(repo);
    expect(r.indexesDeleted).toBe(1);
    expect(existsSync(join(repo.path, deltaIndexPath(c[1]!)))).toBe(false);
  });

  it('fails with OBJECT_NOT_FOUND for a ref to a missing commit and writes no summary', async () => {
    const { repo } = await repoWith(['main']);
    await repo.setRef('broken', 'ab'.repeat(32));
    await expect(updateSummary(repo)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    expect(existsSync(join(repo.path, 'summary'))).toBe(false);
  });

  it('listAllRefs matches Repo.listRefs', async () => {
    const { repo } = await repoWith(['a', 'b/c', 'd']);
    await repo.setRef('origin:x', 'cd'.repeat(32));
    await repo.setRef({ collectionId: 'org.a.B', ref: 'm' }, 'ef'.repeat(32));
    const key = (r: { remote?: string; collectionId?: string; ref: string; checksum: string }) => `${r.remote ?? ''}|${r.collectionId ?? ''}|${r.ref}|${r.checksum}`;
    expect((await listAllRefs(repo)).map(key).sort()).toEqual((await repo.listRefs({ remotes: true, mirrors: true })).map(key).sort());
  });

  it('rejects garbage summaries with SUMMARY_INVALID', () => {
    expect(() => viewSummary(Uint8Array.of(1, 2, 3))).toThrow(OstreeError);
  });
});
