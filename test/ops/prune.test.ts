import { existsSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Repo } from '../../src/store/repo.js';
import { commit } from '../../src/ops/commit.js';
import { prune, parsePruneDate } from '../../src/ops/prune.js';
import { Reachable, traverseCommit } from '../../src/ops/traverse.js';
import { ObjectType } from '../../src/format/object-type.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** main: c0 ← c1 ← c2 ← c3; `mid` at c2. */
async function history(): Promise<{ repo: Repo; c: string[] }> {
  const d = mkdtempSync(join(tmpdir(), 'ots-prune-'));
  dirs.push(d);
  const repo = await Repo.init(join(d, 'r'), { mode: 'archive' });
  const c: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await commit(repo, { branch: 'main', trees: [{ kind: 'memory', tree: { type: 'dir', entries: { [`f${i}`]: { type: 'file', content: `x${i}` }, sub: { type: 'dir', entries: { s: { type: 'file', content: `s${i}` } } } } } }], timestamp: 1577836800 + i * 86400 });
    c.push(r.checksum);
  }
  await repo.setRef('mid', c[2]!);
  return { repo, c };
}

const has = (repo: Repo, c: string) => existsSync(join(repo.path, repo.objectPath(c, ObjectType.COMMIT)));

describe('traverseCommit', () => {
  it('follows parents to the given depth and is order-independent across roots', async () => {
    const { repo, c } = await history();
    expect([...(await traverseCommit(repo, c[3]!, { depth: 0 })).objects()].filter((o) => o.type === ObjectType.COMMIT)).toHaveLength(1);
    const a = new Reachable();
    await traverseCommit(repo, c[3]!, { depth: 1 }, a);
    await traverseCommit(repo, c[2]!, { depth: 1 }, a);
    const b = new Reachable();
    await traverseCommit(repo, c[2]!, { depth: 1 }, b);
    await traverseCommit(repo, c[3]!, { depth: 1 }, b);
    expect([...a.objects()].map((o) => `${o.checksum}.${o.type}`).sort()).toEqual([...b.objects()].map((o) => `${o.checksum}.${o.type}`).sort());
    expect(a.has(c[1]!, ObjectType.COMMIT)).toBe(true);
    expect(a.has(c[0]!, ObjectType.COMMIT)).toBe(false);
  });

  it('tolerates missing dirtrees only in partial commits', async () => {
    const { repo, c } = await history();
    const tip = await repo.loadCommit(c[3]!);
    const dt = await repo.loadDirtree(tip.rootTree);
    const sub = dt.dirs[0]!.tree;
    rmSync(join(repo.path, repo.objectPath(sub, ObjectType.DIR_TREE)));
    await expect(traverseCommit(repo, c[3]!, { depth: 0 })).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    writeFileSync(join(repo.path, `state/${c[3]}.commitpartial`), 'f');
    const r = await traverseCommit(repo, c[3]!, { depth: 0 });
    expect(r.has(tip.rootTree, ObjectType.DIR_TREE)).toBe(true);
  });
});

describe('prune', () => {
  it('--refs-only --depth=1 keeps what any ref order would keep (union of depths)', async () => {
    const { repo, c } = await history();
    const r = await prune(repo, { refsOnly: true, depth: 1 });
    expect(c.map((x) => has(repo, x))).toEqual([false, true, true, true]);
    expect(r.objectsPruned).toBeGreaterThan(0);
  });

  it('--no-prune deletes nothing and reports the same counts', async () => {
    const { repo, c } = await history();
    const dry = await prune(repo, { refsOnly: true, depth: 0, noPrune: true });
    expect(c.every((x) => has(repo, x))).toBe(true);
    const real = await prune(repo, { refsOnly: true, depth: 0 });
    expect(real.objectsPruned).toBe(dry.objectsPruned);
    expect(real.bytesFreed).toBe(dry.bytesFreed);
    expect(c.map((x) => has(repo, x))).toEqual([false, false, true, true]);
  });

  it('--delete-commit writes a tombstone and enables tombstone-commits; refuses referenced commits', async () => {
    const { repo, c } = await history();
    await expect(prune(repo, { deleteCommit: c[2]! })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const r = await prune(repo, { deleteCommit: c[0]! });
    expect(r.tombstones).toBe(1);
    expect(existsSync(join(repo.path, repo.objectPath(c[0]!, ObjectType.TOMBSTONE_COMMIT)))).toBe(true);
    expect(repo.config.getBoolean('core', 'tombstone-commits')).toBe(true);
    await expect(prune(repo, { deleteCommit: c[0]!, noPrune: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(prune(repo, { staticDeltasOnly: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('--keep-younger-than keeps tips and younger ancestors', async () => {
    const { repo, c } = await history();
    await prune(repo, { keepYoungerThan: '2020-01-03 00:00:00 +0000' });
    expect(c.map((x) => has(repo, x))).toEqual([false, false, true, true]);
  });

  it('honours an abort signal before deleting anything', async () => {
    const { repo, c } = await history();
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(prune(repo, { refsOnly: true, depth: 0, signal: ac.signal })).rejects.toThrow('stop');
    expect(c.every((x) => has(repo, x))).toBe(true);
  });

  it('parses dates like parse_datetime for common forms', () => {
    expect(parsePruneDate('@100')).toBe(100n);
    expect(parsePruneDate('2020-01-02 00:00:00 +0000')).toBe(1577923200n);
    expect(parsePruneDate('3 days ago', 1000000)).toBe(BigInt(1000000 - 3 * 86400));
    expect(() => parsePruneDate('whenever')).toThrow(/Could not parse/);
  });
});
