/**
 * Randomised round trips of the from→to delta paths that copy from old objects (edits, and rollsum
 * objects with refined chunks): files changed by substitutions, insertions, deletions, replaced
 * blocks and moved blocks; the delta applied by our own executor must give the new commit, verified
 * object by object (fsck), whichever way each file was written.
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Repo } from '../../src/store/repo.js';
import { commit, type MemDir } from '../../src/ops/commit.js';
import { generateStaticDelta } from '../../src/ops/delta-generate.js';
import { applyStaticDelta } from '../../src/ops/delta-apply.js';
import { fsck } from '../../src/ops/fsck.js';
import { deltaDirPath } from '../../src/format/delta.js';
import { ObjectType } from '../../src/format/object-type.js';
import { Prng } from '../util/prng.js';
import { splice } from '../util/bytes.js';
import { tempDirs } from '../util/scratch.js';

const tmp = tempDirs('delta-edits');

function content(rng: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 512) {
    const end = Math.min(n, i + 512);
    if (rng.int(3) === 0) b.fill(rng.int(4), i, end);
    else rng.fill(b.subarray(i, end));
  }
  return b;
}

function edited(rng: Prng, old: Uint8Array): Uint8Array {
  let b = old;
  for (let e = 1 + rng.int(4); e > 0; e--) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (rng.int(5)) {
      case 0: // substitution
        if (b.length > 0) {
          b = b.slice();
          b[at] = (b[at]! + 1) & 255;
        }
        break;
      case 1: // insertion
        b = splice(b, at, 0, rng.bytes(1 + rng.int(50)));
        break;
      case 2: // deletion
        b = splice(b, at, Math.min(b.length - at, 1 + rng.int(50)), new Uint8Array(0));
        break;
      case 3: // a replaced block
        b = splice(b, at, Math.min(b.length - at, 2000), rng.bytes(Math.min(b.length - at, 2000)));
        break;
      default: {
        // a block moved to the front
        const n = Math.min(b.length - at, 3000);
        b = Uint8Array.from([...b.subarray(at, at + n), ...b.subarray(0, at), ...b.subarray(at + n)]);
      }
    }
  }
  return b;
}

describe('from→to deltas of edited files', () => {
  it('apply to exactly the new commit, for edits, rollsum objects and bsdiff alike', async () => {
    let edits = 0;
    let rollsum = 0;
    let bsdiff = 0;
    for (let round = 0; round < 4; round++) {
      const rng = new Prng(`delta-edits-${round}`);
      const dir = tmp();
      const src = await Repo.init(join(dir, 'src'), { mode: 'archive' });
      const files: Record<string, Uint8Array> = {};
      for (let f = 0; f < 12; f++) files[`f${f}.bin`] = content(rng, rng.int(4) === 0 ? rng.int(300) : 20_000 + rng.int(150_000));
      const tree = (fs: Record<string, Uint8Array>): MemDir => ({
        type: 'dir',
        entries: Object.fromEntries(Object.entries(fs).map(([k, v]) => [k, { type: 'file' as const, content: v }])),
      });
      const c1 = (await commit(src, { branch: 'main', timestamp: 0, trees: [{ kind: 'memory', tree: tree(files) }] })).checksum;
      const next = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, edited(rng, v)]));
      const c2 = (await commit(src, { branch: 'main', timestamp: 1, trees: [{ kind: 'memory', tree: tree(next) }] })).checksum;
      await generateStaticDelta(src, { from: null, to: c1, workers: 0 });
      const r = await generateStaticDelta(src, { from: c1, to: c2, workers: 0 });
      edits += r.edits;
      rollsum += r.rollsum;
      bsdiff += r.bsdiff;

      const target = await Repo.init(join(dir, 'target'), { mode: 'bare-user-only' });
      for (const [from, to] of [[null, c1], [c1, c2]] as const) {
        const d = join(dir, 'src', deltaDirPath(from, to));
        await applyStaticDelta(target, readFileSync(join(d, 'superblock')), { readPart: async (i) => readFileSync(join(d, String(i))) });
      }
      expect(await target.hasObject(c2, ObjectType.COMMIT)).toBe(true);
      await target.setRef('main', c2);
      const check = await fsck(target);
      expect(check.problems).toEqual([]);
    }
    // the rounds exercise every way of writing a modified file
    expect(edits).toBeGreaterThan(5);
    expect(rollsum + bsdiff).toBeGreaterThan(0);
  });
});
