/**
 * Hostile input: seeded mutations of `.flatpakref`/`.flatpakrepo` text, of a build directory's
 * `metadata`, and of the objects `importCommit` copies, give results or OstreeErrors — never a
 * TypeError/RangeError from inside, never a hang.
 */
import { describe, it, expect } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../util/prng.js';
import { OstreeError } from '../../src/errors.js';
import { parseFlatpakref, parseFlatpakrepo, writeFlatpakref } from '../../src/flatpak/flatpakref.js';
import { buildExport } from '../../src/flatpak/export.js';
import { buildCommitFrom } from '../../src/flatpak/commit-from.js';
import { Repo } from '../../src/store/repo.js';
import { ObjectType } from '../../src/format/object-type.js';
import { tempDirs } from '../util/scratch.js';

function mutate(rng: Prng, input: Uint8Array): Uint8Array {
  const b = Array.from(input);
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    const op = rng.int(4);
    const at = rng.int(Math.max(1, b.length));
    if (op === 0 && b.length) b[at] = rng.int(256);
    else if (op === 1) b.splice(at, rng.range(1, 8));
    else if (op === 2) b.splice(at, 0, ...Array.from({ length: rng.range(1, 6) }, () => rng.pick([0x0a, 0x3d, 0x5b, 0x5d, 0x5c, 0x20, 0xff, 0x00, 0x41, 0x2e])));
    else b.splice(at, 0, ...b.slice(rng.int(Math.max(1, b.length)), rng.int(Math.max(1, b.length)) + 1));
  }
  return new Uint8Array(b);
}

function expectOk(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof OstreeError)) throw e;
  }
}

async function expectOkAsync(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof OstreeError)) throw e;
  }
}

const tmp = tempDirs('fpbad');

describe('hostile input', () => {
  it('parseFlatpakref / parseFlatpakrepo on 1500 mutations', () => {
    const rng = new Prng('flatpakref');
    const text = writeFlatpakref({ name: 'org.test.App', url: 'https://x/repo/', branch: 'stable', gpgKey: new Uint8Array(32).fill(7), deployCollectionId: 'org.test.C', isRuntime: true, title: 'T' });
    const ref = new TextEncoder().encode(text);
    const repo = new TextEncoder().encode(text.replace('Flatpak Ref', 'Flatpak Repo'));
    let parsed = 0;
    for (let i = 0; i < 1500; i++) {
      const m = mutate(rng, i % 2 ? ref : repo);
      expectOk(() => parseFlatpakref(m) && parsed++);
      expectOk(() => parseFlatpakrepo(m) && parsed++);
    }
    expect(parsed).toBeGreaterThan(0);
  });

  it('buildExport with 150 mutated metadata files', async () => {
    const rng = new Prng('export-metadata');
    const d = tmp();
    const b = join(d, 'b');
    mkdirSync(join(b, 'files'), { recursive: true });
    mkdirSync(join(b, 'export'), { recursive: true });
    writeFileSync(join(b, 'files', 'f'), 'f');
    const md = new TextEncoder().encode(
      `[Application]\nname=org.test.App\nruntime=org.test.Rt/x86_64/1\n\n[Extra Data]\nuri=https://e.org/a/b.tgz\nchecksum=${'cd'.repeat(32)}\nsize=10\ninstalled-size=20\n`,
    );
    let ok = 0;
    for (let i = 0; i < 150; i++) {
      writeFileSync(join(b, 'metadata'), mutate(rng, md));
      await expectOkAsync(async () => {
        await buildExport(join(d, 'repo'), b, { updateSummary: false, timestamp: 0 });
        ok++;
      });
    }
    expect(ok).toBeGreaterThan(0);
  }, 20_000);

  it('build-commit-from --untrusted from a source with corrupted objects fails cleanly and leaves no ref', async () => {
    const rng = new Prng('import');
    const d = tmp();
    const b = join(d, 'b');
    mkdirSync(join(b, 'files', 'sub'), { recursive: true });
    mkdirSync(join(b, 'export'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(b, 'files', 'sub', `f${i}`), `content ${i}`.repeat(50));
    writeFileSync(join(b, 'metadata'), '[Application]\nname=org.test.App\n');
    const r = await buildExport(join(d, 'src'), b, { updateSummary: false, arch: 'x86_64' });
    const src = await Repo.open(join(d, 'src'));
    const objects: Array<{ checksum: string; type: ObjectType }> = [];
    for await (const o of src.listObjects()) objects.push(o);
    for (let i = 0; i < 25; i++) {
      const o = rng.pick(objects);
      const path = join(d, 'src', src.objectPath(o.checksum, o.type));
      const good = readFileSync(path);
      writeFileSync(path, mutate(rng, good));
      const dstPath = join(d, `dst${i}`);
      await Repo.init(dstPath);
      try {
        await buildCommitFrom(dstPath, { srcRepo: src, untrusted: true, updateSummary: false });
        // the mutation may have been a no-op on the bytes
        expect(await (await Repo.open(dstPath)).resolveRev(r.ref, true)).toBeTypeOf('string');
      } catch (e) {
        expect(e).toBeInstanceOf(OstreeError);
        expect(await (await Repo.open(dstPath)).resolveRev(r.ref, true)).toBeNull();
      } finally {
        writeFileSync(path, good);
      }
    }
  }, 20_000);
});
