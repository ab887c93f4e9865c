/**
 * Oracle test against the real `ostree` CLI: commit a tree with awkward names into an archive
 * repo, then decode every object it wrote, re-encode it byte for byte, and recompute every
 * checksum (file names are the checksums).
 */
import { it, expect } from 'vitest';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { interopSuite, ostree, tmpdir } from '../interop/harness.js';
import {
  decodeCommit,
  encodeCommit,
  decodeDirtree,
  encodeDirtree,
  decodeDirmeta,
  encodeDirmeta,
  parseFilez,
  encodeArchiveHeader,
  contentChecksum,
  metadataChecksum,
  decodeCommitmeta,
  encodeCommitmeta,
  decodeTombstone,
  encodeTombstone,
  decodeSizesMetadata,
  parseLoosePath,
  dirtreeIsSorted,
  ObjectType,
  isSymlinkMode,
} from '../../src/format/index.js';
import { dictGet, type Variant } from '../../src/gvariant/index.js';

interopSuite('format codecs vs real ostree objects', ['ostree'], () => {
  it('decodes, re-encodes and re-hashes every object of a real archive repo', async () => {
    const dir = tmpdir();
    const tree = join(dir, 'tree');
    const repo = join(dir, 'repo');
    mkdirSync(join(tree, 'sub', 'deeper'), { recursive: true });
    const names = ['\uFFFD', '\u{1F600}', 'é', 'z', 'Z', 'a b', '日本', '.hidden', 'a-b', 'a.b', 'a_b'];
    names.forEach((n, i) => writeFileSync(join(tree, n), `file ${i}\n`));
    writeFileSync(join(tree, 'empty'), '');
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 7)) & 255;
    writeFileSync(join(tree, 'sub', 'big.bin'), big);
    writeFileSync(join(tree, 'sub', 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(tree, 'sub', 'run.sh'), 0o755);
    writeFileSync(join(tree, 'sub', 'private'), 'p');
    chmodSync(join(tree, 'sub', 'private'), 0o600);
    chmodSync(join(tree, 'sub', 'deeper'), 0o700);
    symlinkSync('../é', join(tree, 'sub', 'link'));
    symlinkSync('\u{1F600}', join(tree, '\u{1F601}'));
    mkdirSync(join(tree, '\u{1F600}dir'));
    mkdirSync(join(tree, '\uFFFDdir'));

    await ostree(repo, 'init', '--mode=archive');
    const c1 = (
      await ostree(repo, 'commit', '-b', 'test/main', '--subject=first', '--body=body text', '--add-metadata-string=version=1.0',
        '--add-detached-metadata-string=note=hi', '--generate-sizes', '--no-xattrs', '--timestamp=2020-01-01 00:00:00 +0000', tree)
    ).stdout.trim();
    const c2 = (await ostree(repo, 'commit', '-b', 'test/other', '--subject=second', '--no-xattrs', '--canonical-permissions', tree)).stdout.trim();
    await ostree(repo, 'refs', '--delete', 'test/other');
    await ostree(repo, 'prune', `--delete-commit=${c2}`);

    const seen = new Map<ObjectType, number>();
    const objects = join(repo, 'objects');
    for (const xx of readdirSync(objects)) {
      for (const f of readdirSync(join(objects, xx))) {
        const name = parseLoosePath(`objects/${xx}/${f}`);
        expect(name, f).not.toBeNull();
        const { checksum, type } = name!;
        const bytes = new Uint8Array(readFileSync(join(objects, xx, f)));
        seen.set(type, (seen.get(type) ?? 0) + 1);
        switch (type) {
          case ObjectType.COMMIT: {
            const c = decodeCommit(bytes);
            expect(metadataChecksum(bytes)).toBe(checksum);
            expect(Buffer.compare(encodeCommit(c), bytes)).toBe(0);
            if (checksum === c1) {
              expect(c.subject).toBe('first');
              expect(c.timestamp).toBe(1577836800n);
              expect(dictGet<Variant>(c.metadata, 'version')?.value).toBe('1.0');
              const sizes = decodeSizesMetadata(dictGet<Variant>(c.metadata, 'ostree.sizes')!.value as Uint8Array[]);
              expect(sizes.length).toBeGreaterThan(10);
              for (const s of sizes) expect(readdirSync(join(objects, s.checksum.slice(0, 2)))).toContain(`${s.checksum.slice(2)}.${s.objectType === ObjectType.FILE ? 'filez' : s.objectType === ObjectType.DIR_TREE ? 'dirtree' : 'dirmeta'}`);
            }
            break;
          }
          case ObjectType.DIR_TREE: {
            const t = decodeDirtree(bytes);
            expect(metadataChecksum(bytes)).toBe(checksum);
            expect(dirtreeIsSorted(t)).toBe(true);
            expect(Buffer.compare(encodeDirtree(t), bytes)).toBe(0);
            // re-encoding from a shuffled copy gives the same bytes (our sort = ostree's strcmp sort)
            expect(Buffer.compare(encodeDirtree({ files: [...t.files].reverse(), dirs: [...t.dirs].reverse() }), bytes)).toBe(0);
            break;
          }
          case ObjectType.DIR_META: {
            const m = decodeDirmeta(bytes);
            expect(metadataChecksum(bytes)).toBe(checksum);
            expect(Buffer.compare(encodeDirmeta(m), bytes)).toBe(0);
            break;
          }
          case ObjectType.FILE: {
            const z = parseFilez(bytes);
            const content = isSymlinkMode(z.header.mode) ? new Uint8Array(0) : new Uint8Array(inflateRawSync(z.deflated));
            expect(BigInt(content.length)).toBe(z.size);
            expect(contentChecksum(z.header, content), f).toBe(checksum);
            expect(Buffer.compare(encodeArchiveHeader(z.header, z.size), bytes.subarray(0, z.headerLength))).toBe(0);
            break;
          }
          case ObjectType.COMMIT_META: {
            const m = decodeCommitmeta(bytes);
            expect(dictGet<Variant>(m, 'note')?.value).toBe('hi');
            expect(Buffer.compare(encodeCommitmeta(m), bytes)).toBe(0);
            break;
          }
          case ObjectType.TOMBSTONE_COMMIT: {
            const t = decodeTombstone(bytes);
            expect(t.commit).toBe(c2);
            expect(checksum).toBe(c2);
            expect(Buffer.compare(encodeTombstone(t), bytes)).toBe(0);
            break;
          }
          default:
            throw new Error(`unexpected object ${f}`);
        }
      }
    }
    expect(seen.get(ObjectType.COMMIT)).toBe(1);
    expect(seen.get(ObjectType.TOMBSTONE_COMMIT)).toBe(1);
    expect(seen.get(ObjectType.COMMIT_META)).toBe(1);
    expect(seen.get(ObjectType.DIR_TREE)).toBeGreaterThanOrEqual(3); // root, sub, and the shared empty dirtree
    expect(seen.get(ObjectType.FILE)).toBeGreaterThan(15);
  });
});
