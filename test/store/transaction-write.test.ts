/**
 * The transaction's staged-write path: write-behind staging (objects readable inside the
 * transaction at once, a failed staged write fails the whole transaction and publishes nothing),
 * bare-user-only files with exact modes and mtime 0, and the same for writes outside a transaction.
 */
import { describe, expect, it } from 'vitest';
import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, scratch as scratchIn } from '../util/scratch.js';
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { NodeStorage } from '../../src/store/storage.js';
import { commit } from '../../src/ops/commit.js';
import { fsck } from '../../src/ops/fsck.js';
import { Repo } from '../../src/store/repo.js';
import { ObjectType } from '../../src/format/object-type.js';
import { contentChecksum, type FileHeader } from '../../src/format/file-header.js';

const reg = (mode: number): FileHeader => ({ uid: 0, gid: 0, mode: 0o100000 | mode, rdev: 0, symlinkTarget: '', xattrs: [] });


// Object files are created synchronously on tmpfs/ramfs (NodeStorage.inMemory) and through the
// thread pool elsewhere: the same tests run on both when /dev/shm is a tmpfs.
const TMPFS_MAGIC = 0x01021994;
const bases: Array<[string, string, boolean]> = [['disk-backed temp dir', tmpdir(), false]];
try {
  if (statfsSync('/dev/shm').type === TMPFS_MAGIC) bases.push(['tmpfs (/dev/shm)', '/dev/shm', true]);
} catch {
  // no /dev/shm: the tmpfs variant is skipped
}
if (bases.length === 1) console.warn('transaction-write: /dev/shm is not a tmpfs here, the synchronous-create variant is skipped');

for (const [where, base, inMemory] of bases) describe(`transaction staged writes, ${where}`, () => {
  const scratch = (prefix: string) => scratchIn(prefix, base);

  it('the storage knows whether it is in memory', async () => {
    const { dir, done } = scratch('txw');
    try {
      const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user-only' });
      expect((repo.storage as NodeStorage).inMemory).toBe(inMemory);
    } finally {
      done();
    }
  });

  it('a commit through the content workers and in-thread writes: every object checks', async () => {
    const { dir, done } = scratch('txw');
    try {
      const tree = join(dir, 'tree');
      mkdirSync(join(tree, 'sub'), { recursive: true });
      // more than the in-thread first MiB, so the content workers stage objects too; duplicates
      // make the workers and this thread race for the same staged paths
      for (let i = 0; i < 60; i++) writeFileSync(join(tree, i % 2 ? 'sub' : '', `f${i}`), Buffer.alloc(40_000 + (i % 7) * 1000, i % 9));
      for (const mode of ['bare-user-only', 'archive'] as const) {
        const repo = await Repo.init(join(dir, mode), { mode });
        const r = await commit(repo, { branch: 'b', timestamp: 0, trees: [{ kind: 'dir', path: tree }] });
        const f = await fsck(repo);
        expect(f.problems).toEqual([]);
        expect(await repo.readRef('b')).toBe(r.checksum);
        expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('staging-'))).toEqual([]);
      }
    } finally {
      done();
    }
  });

  it('objects staged in bulk read back at once inside the transaction and land with exact modes, mtime 0', async () => {
    const { dir, done } = scratch('txw');
    try {
      const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user-only' });
      const objs = Array.from({ length: 100 }, (_, i) => ({ header: reg(i % 3 === 0 ? 0o775 : i % 3 === 1 ? 0o644 : 0o600), content: new TextEncoder().encode(`object ${i}\n`.repeat(i + 1)) }));
      const sums = await repo.transaction(async () => {
        const out: string[] = [];
        for (const o of objs) out.push(await repo.writeContent(o.header, o.content));
        // read back immediately (some writes may still be in flight)
        for (let i = 0; i < objs.length; i++) {
          expect(await repo.hasObject(out[i]!, ObjectType.FILE)).toBe(true);
          const back = await repo.readContent(out[i]!);
          expect(Buffer.from(back.content).equals(Buffer.from(objs[i]!.content))).toBe(true);
          expect(await repo.storedObjectSize(out[i]!, ObjectType.FILE)).toBe(objs[i]!.content.byteLength);
        }
        return out;
      });
      for (let i = 0; i < objs.length; i++) {
        expect(sums[i]).toBe(contentChecksum(objs[i]!.header, objs[i]!.content));
        const st = lstatSync(join(repo.path, repo.objectPath(sums[i]!, ObjectType.FILE)));
        expect(st.mode & 0o7777).toBe(objs[i]!.header.mode & 0o7777);
        expect(st.mtimeMs).toBe(0);
      }
      expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('staging-'))).toEqual([]);
    } finally {
      done();
    }
  });

  it('a staged write that fails fails the transaction: nothing is published, no ref, staging removed', async () => {
    const { dir, done } = scratch('txw');
    try {
      const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user-only' });
      const header = reg(0o644);
      const victim = new TextEncoder().encode('victim');
      const csum = contentChecksum(header, victim);
      let err: unknown;
      try {
        await repo.transaction(async () => {
          // occupy the staged path of one object, so creating it (O_EXCL) fails
          const staging = readdirSync(join(repo.path, 'tmp')).find((n) => n.startsWith('staging-'))!;
          mkdirSync(join(repo.path, 'tmp', staging, csum.slice(0, 2)), { recursive: true });
          writeFileSync(join(repo.path, 'tmp', staging, csum.slice(0, 2), `${csum.slice(2)}.file`), 'in the way');
          for (let i = 0; i < 40; i++) await repo.writeContent(header, new TextEncoder().encode(`before ${i}`));
          await repo.writeContent(header, victim);
          for (let i = 0; i < 40; i++) await repo.writeContent(header, new TextEncoder().encode(`after ${i}`));
          await repo.setRef('main', csum);
        });
      } catch (e) {
        err = e;
      }
      expect((err as NodeJS.ErrnoException)?.code).toBe('EEXIST');
      expect(readdirSync(join(repo.path, 'objects'))).toEqual([]);
      expect(await repo.readRef('main')).toBeNull();
      expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('staging-'))).toEqual([]);
    } finally {
      done();
    }
  });

  it('outside a transaction: atomic writes with exact modes whatever the umask, mtime 0, no temporaries left', async () => {
    const { dir, done } = scratch('txw');
    const old = process.umask(0o077);
    try {
      const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user-only' });
      const header = reg(0o775);
      const content = new TextEncoder().encode('#!/bin/sh\n');
      const csum = await repo.writeContent(header, content);
      const st = lstatSync(join(repo.path, repo.objectPath(csum, ObjectType.FILE)));
      expect(st.mode & 0o7777).toBe(0o775); // not masked by the umask
      expect(st.mtimeMs).toBe(0);
      // no temporaries left next to it
      expect(readdirSync(join(repo.path, 'objects', csum.slice(0, 2)))).toEqual([`${csum.slice(2)}.file`]);
      // writing it again is a no-op
      expect(await repo.writeContent(header, content)).toBe(csum);
    } finally {
      process.umask(old);
      done();
    }
  });
  it('publishes whole staging directories for fresh prefixes and object by object into existing ones', async () => {
    const { dir, done } = scratch('txw');
    try {
      const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user-only' });
      const enc = (s: string) => new TextEncoder().encode(s);
      // first transaction: every prefix is fresh (objects/ is empty), metadata and content mixed
      const first = await repo.transaction(async () => {
        const files: string[] = [];
        for (let i = 0; i < 300; i++) files.push(await repo.writeContent(reg(0o644), enc(`first ${i}\n`)));
        const metas: string[] = [];
        for (let i = 0; i < 50; i++) metas.push(await repo.writeMetadata(ObjectType.DIR_META, enc(`meta ${i}`)));
        return { files, metas };
      });
      const objects = join(repo.path, 'objects');
      for (const c of first.files) expect(lstatSync(join(objects, c.slice(0, 2), `${c.slice(2)}.file`)).isFile()).toBe(true);
      for (const c of first.metas) expect(lstatSync(join(objects, c.slice(0, 2), `${c.slice(2)}.dirmeta`)).isFile()).toBe(true);
      for (const xx of readdirSync(objects)) {
        expect(xx).toMatch(/^[0-9a-f]{2}$/);
        expect(lstatSync(join(objects, xx)).mode & 0o777).toBe(0o775 & ~process.umask());
        // nothing but objects of this prefix (no staging leftovers)
        for (const n of readdirSync(join(objects, xx))) expect(n).toMatch(/^[0-9a-f]{62}\.(file|dirmeta)$/);
      }
      const count = () => readdirSync(objects).reduce((n, xx) => n + readdirSync(join(objects, xx)).length, 0);
      expect(count()).toBe(350);
      // second transaction: most prefixes exist now, so their objects are renamed one by one
      const second = await repo.transaction(async () => {
        const files: string[] = [];
        for (let i = 0; i < 300; i++) files.push(await repo.writeContent(reg(0o755), enc(`second ${i}\n`)));
        return files;
      });
      for (const c of [...first.files, ...second]) expect(await repo.hasObject(c, ObjectType.FILE)).toBe(true);
      expect(count()).toBe(650);
      expect(readdirSync(join(repo.path, 'tmp')).filter((n) => n.startsWith('staging-'))).toEqual([]);
    } finally {
      done();
    }
  });
});

describe('absentObjectPrefixes', () => {
  it('lists the object directories not yet present; null with a parent repository or staged objects', async () => {
    const { dir, done } = scratch('absent');
    try {
      const repo = await Repo.init(join(dir, 'r'), { mode: 'bare-user-only' });
      expect((await repo.absentObjectPrefixes())?.size).toBe(256);
      const csum = await repo.writeContent(reg(0o644), new TextEncoder().encode('x\n'));
      const absent = await repo.absentObjectPrefixes();
      expect(absent?.size).toBe(255);
      expect(absent?.has(csum.slice(0, 2))).toBe(false);
      await repo.transaction(async () => {
        await repo.writeContent(reg(0o644), new TextEncoder().encode('y\n'));
        expect(await repo.absentObjectPrefixes()).toBeNull();
      });
      const child = await Repo.init(join(dir, 'c'), { mode: 'bare-user-only' });
      writeFileSync(join(child.path, 'config'), `[core]\nrepo_version=1\nmode=bare-user-only\nparent=${repo.path}\n`);
      expect(await (await Repo.open(child.path)).absentObjectPrefixes()).toBeNull();
    } finally {
      done();
    }
  });
});
