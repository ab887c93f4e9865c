import { describe, it, expect } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildExport } from '../../src/flatpak/export.js';
import { buildCommitFrom } from '../../src/flatpak/commit-from.js';
import { buildSign } from '../../src/flatpak/build-sign.js';
import { importCommit } from '../../src/flatpak/import.js';
import { collectTreeSizes } from '../../src/flatpak/sizes.js';
import { readFlatpakRefData } from '../../src/flatpak/summary.js';
import { Repo } from '../../src/store/repo.js';
import { OstreeError } from '../../src/errors.js';
import { decodeSummary } from '../../src/format/summary.js';
import { decodeCommitmeta, encodeCommitmeta } from '../../src/format/commitmeta.js';
import { Ed25519Signer, ed25519SecretFromSeed, toBase64 } from '../../src/sign/ed25519.js';
import { Variant } from '../../src/gvariant/value.js';
import { ObjectType } from '../../src/format/object-type.js';
import { bswap64 } from '../../src/format/bytes.js';
import { generateStaticDelta } from '../../src/ops/delta-generate.js';
import { applyDeltaOffline } from '../../src/ops/delta-apply.js';
import { decodeDeltaSuperblock, deltaCommitmetaKey } from '../../src/format/delta.js';
import { deltaDirPath } from '../../src/format/summary.js';
import { tempDirs } from '../util/scratch.js';

const tmp = tempDirs('flatpak');
const ARCH = 'x86_64';

function appDir(dir: string, opts: { extraData?: boolean; name?: string } = {}): string {
  mkdirSync(join(dir, 'files', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'export', 'share'), { recursive: true });
  writeFileSync(join(dir, 'files', 'bin', 'run'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'files', 'bin', 'run'), 0o500);
  writeFileSync(join(dir, 'files', 'big'), 'y'.repeat(1025));
  chmodSync(join(dir, 'files', 'big'), 0o666);
  writeFileSync(join(dir, 'files', 'big2'), 'y'.repeat(1025));
  symlinkSync('big', join(dir, 'files', 'link'));
  let md = `[Application]\nname=${opts.name ?? 'org.test.App'}\nruntime=org.test.Rt/${ARCH}/1\n`;
  if (opts.extraData) {
    md += `\n[Extra Data]\nuri=https://example.com/dl/thing.bin\nchecksum=${'ab'.repeat(32)}\nsize=1000\ninstalled-size=3000\n`;
  }
  writeFileSync(join(dir, 'metadata'), md);
  return dir;
}

function signer(seed = 1): Ed25519Signer {
  return new Ed25519Signer(toBase64(ed25519SecretFromSeed(new Uint8Array(32).fill(seed))));
}

describe('buildExport', () => {
  it('exports an app: ref, canonical modes, ownership, metadata keys, sizes; creates an archive repo', async () => {
    const d = tmp();
    appDir(join(d, 'b'));
    const r = await buildExport(join(d, 'repo'), join(d, 'b'), { branch: 'stable', timestamp: 1700000000, updateSummary: false });
    expect(r.ref).toBe(`app/org.test.App/${ARCH}/stable`);
    const repo = await Repo.open(join(d, 'repo'));
    expect(repo.mode).toBe('archive');
    const c = await repo.loadCommit(r.checksum);
    expect(c.subject).toBe('Export org.test.App');
    expect(c.body).toBe(`Name: org.test.App\nArch: ${ARCH}\nBranch: stable\nBuilt with: ostree-ts\n`);
    expect(c.timestamp).toBe(1700000000n);
    const keys = c.metadata.map(([k]) => k);
    expect([...keys].sort()).toEqual(['ostree.collection-binding', 'ostree.ref-binding', 'xa.download-size', 'xa.installed-size', 'xa.metadata', 'xa.ref'].sort());
    const get = (k: string) => c.metadata.find(([kk]) => kk === k)![1].value;
    expect(get('ostree.collection-binding')).toBe('');
    expect(get('xa.ref')).toBe(r.ref);
    expect(get('xa.metadata')).toBe(readFileSync(join(d, 'b', 'metadata'), 'utf8'));
    // files: run(34 bytes)→512, big→1536, big2→1536, metadata→512
    expect(bswap64(get('xa.installed-size') as bigint)).toBe(4096n);
    expect(r.installedSize).toBe(4096n);
    const walked = await collectTreeSizes(repo, c.rootTree);
    expect(walked).toEqual({ installedSize: r.installedSize, downloadSize: r.downloadSize });
    const root = await repo.loadDirtree(c.rootTree);
    expect(root.dirs.map((x) => x.name)).toEqual(['export', 'files']);
    expect(root.files.map((x) => x.name)).toEqual(['metadata']);
    const files = await repo.loadDirtree(root.dirs[1]!.tree);
    const mode = async (name: string) => {
      const e = files.files.find((f) => f.name === name);
      if (e) return (await repo.readContent(e.checksum)).header;
      const bin = await repo.loadDirtree(files.dirs.find((x) => x.name === 'bin')!.tree);
      return (await repo.readContent(bin.files[0]!.checksum)).header;
    };
    expect((await mode('big')).mode).toBe(0o100644);
    expect((await mode('run')).mode).toBe(0o100755);
    expect((await mode('link')).mode & 0o170000).toBe(0o120000);
    for (const n of ['big', 'run', 'link']) expect([(await mode(n)).uid, (await mode(n)).gid]).toEqual([0, 0]);
    const dm = await repo.loadDirmeta(c.rootMeta);
    expect(dm).toMatchObject({ uid: 0, gid: 0, mode: 0o40755 });
    // the parent of a second export is the first
    const r2 = await buildExport(repo, join(d, 'b'), { branch: 'stable', updateSummary: false });
    expect((await repo.loadCommit(r2.checksum)).parent).toBe(r.checksum);
  });

  it('runtime: usr/ (or --files) is committed; eol, rebase, token type, subsets, extra data', async () => {
    const d = tmp();
    const b = join(d, 'rt');
    mkdirSync(join(b, 'usr', 'lib'), { recursive: true });
    mkdirSync(join(b, 'files'), { recursive: true });
    writeFileSync(join(b, 'usr', 'lib', 'x.so'), 'so');
    writeFileSync(join(b, 'metadata'), '[Runtime]\nname=org.test.Rt\n\n[Extra Data]\nuri=https://e.org/a/b.tgz\nchecksum=' + 'cd'.repeat(32) + '\nsize=10\n');
    const r = await buildExport(join(d, 'repo'), b, {
      arch: 'aarch64', collectionId: 'org.test.C', endOfLife: 'gone', endOfLifeRebase: 'org.test.Rt2', tokenType: 3, subsets: ['', 'a'], updateSummary: false,
    });
    expect(r.ref).toBe('runtime/org.test.Rt/aarch64/master');
    const repo = await Repo.open(join(d, 'repo'));
    expect(repo.collectionId).toBe('org.test.C');
    const c = await repo.loadCommit(r.checksum);
    const get = (k: string) => c.metadata.find(([kk]) => kk === k)?.[1];
    expect(get('ostree.collection-binding')!.value).toBe('org.test.C');
    expect(get('ostree.endoflife')!.value).toBe('gone');
    expect(get('ostree.endoflife-rebase')!.value).toBe('runtime/org.test.Rt2/aarch64/master');
    expect(get('xa.token-type')).toEqual(new Variant('i', 3));
    expect(get('xa.subsets')!.value).toEqual(['a']);
    const eds = get('xa.extra-data-sources')!.value as unknown[][];
    expect(new TextDecoder().decode(eds[0]![0] as Uint8Array)).toBe('b.tgz\0');
    expect(bswap64(eds[0]![1] as bigint)).toBe(10n);
    const root = await repo.loadDirtree(c.rootTree);
    const files = await repo.loadDirtree(root.dirs.find((x) => x.name === 'files')!.tree);
    expect(files.dirs.map((x) => x.name)).toEqual(['lib']);
    const data = await readFlatpakRefData(repo, r.checksum);
    expect(data.sparse.map(([k]) => k)).toEqual(['eol', 'eolr', 'tokt', 'eds']);
    expect(data.installedSize).toBe(r.installedSize + 0n); // installed-size of extra data was 0
  });

  it('bad input: OstreeErrors with stable codes', async () => {
    const d = tmp();
    await expect(buildExport(join(d, 'repo'), join(d, 'nothing'))).rejects.toMatchObject({ code: 'BUILD_DIR_INVALID' });
    const b = appDir(join(d, 'b'));
    await expect(buildExport(join(d, 'repo'), b, { branch: 'a/b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildExport(join(d, 'repo'), b, { endOfLifeRebase: 'bad' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildExport(join(d, 'repo'), b, { collectionId: 'not valid' })).rejects.toBeInstanceOf(OstreeError);
    await expect(buildExport(join(d, 'repo'), b, { tokenType: -1 })).rejects.toBeInstanceOf(RangeError);
    writeFileSync(join(b, 'metadata'), '[Application]\n');
    await expect(buildExport(join(d, 'repo'), b)).rejects.toMatchObject({ code: 'INVALID_METADATA' });
    writeFileSync(join(b, 'metadata'), 'garbage without group\n');
    await expect(buildExport(join(d, 'repo'), b)).rejects.toMatchObject({ code: 'KEYFILE_INVALID' });
    writeFileSync(join(b, 'metadata'), Buffer.from([0x5b, 0xff, 0x5d]));
    await expect(buildExport(join(d, 'repo'), b)).rejects.toMatchObject({ code: 'KEYFILE_INVALID' });
    writeFileSync(join(b, 'metadata'), '[Application]\nname=org.test.App\nruntime=nope\n');
    await expect(buildExport(join(d, 'repo'), b)).rejects.toMatchObject({ code: 'INVALID_METADATA' });
    writeFileSync(join(b, 'metadata'), '[Application]\nname=org.test.App\n\n[Extra Data]\nuri=ftp://x/y\nchecksum=00\nsize=1\n');
    await expect(buildExport(join(d, 'repo'), b, { arch: 'x' })).rejects.toMatchObject({ code: 'INVALID_METADATA' });
    const noexp = join(d, 'c');
    mkdirSync(join(noexp, 'files'), { recursive: true });
    writeFileSync(join(noexp, 'metadata'), '[Application]\nname=org.test.App\n');
    await expect(buildExport(join(d, 'repo'), noexp)).rejects.toMatchObject({ code: 'BUILD_DIR_INVALID' });
    // existing repo with another collection ID
    await Repo.init(join(d, 'r2'), { collectionId: 'org.a.B' });
    await expect(buildExport(join(d, 'r2'), appDir(join(d, 'e')), { collectionId: 'org.a.C' })).rejects.toMatchObject({ code: 'COLLECTION_ID_MISMATCH' });
    // nothing was committed by the failures
    expect(existsSync(join(d, 'r2', 'refs', 'heads', 'app'))).toBe(false);
  });

  it('signs the commit and writes a flatpak summary (xa.cache, xa.sparse-cache, summary.sig)', async () => {
    const d = tmp();
    const r = await buildExport(join(d, 'repo'), appDir(join(d, 'b')), { signers: [signer()], endOfLife: 'x' });
    const repo = await Repo.open(join(d, 'repo'));
    const meta = decodeCommitmeta((await repo.readCommitDetachedMetadata(r.checksum))!);
    expect(meta.map(([k]) => k)).toEqual(['ostree.sign.ed25519']);
    const summary = decodeSummary(readFileSync(join(d, 'repo', 'summary')));
    expect(summary.refs.map((x) => x.name)).toEqual([r.ref]);
    const md = new Map(summary.metadata);
    expect(md.get('xa.cache-version')).toEqual(new Variant('u', 2));
    const cache = (md.get('xa.cache')!.value as Variant).value as unknown[][]; // v → v → a{s(tts)}
    expect(md.get('xa.cache')!.type).toBe('v');
    expect(cache[0]![0]).toBe(r.ref);
    const [inst, dl, text] = cache[0]![1] as [bigint, bigint, string];
    expect([bswap64(inst), bswap64(dl)]).toEqual([r.installedSize, r.downloadSize]);
    expect(text).toContain('[Application]');
    expect(md.get('xa.sparse-cache')!.value).toEqual([[r.ref, [['eol', new Variant('s', 'x')]]]]);
    expect(existsSync(join(d, 'repo', 'summary.sig'))).toBe(true);
  });
});

describe('buildCommitFrom / importCommit / buildSign', () => {
  it('imports from another repo (untrusted), rebinds, skips unchanged, --src-ref in place', async () => {
    const d = tmp();
    const r = await buildExport(join(d, 'src'), appDir(join(d, 'b')), { updateSummary: false, subsets: ['x'], tokenType: 1 });
    const dst = await Repo.init(join(d, 'dst'), { collectionId: 'org.test.Main' });
    const res = await buildCommitFrom(dst, { srcRepo: join(d, 'src'), untrusted: true, timestamp: 'NOW', extraCollectionIds: ['org.test.Extra'], updateSummary: false, subsets: [''] });
    expect(res).toHaveLength(1);
    const c = await dst.loadCommit(res[0]!.checksum!);
    const keys = c.metadata.map(([k]) => k);
    expect(keys.slice(0, 6)).toEqual(['ostree.collection-binding', 'ostree.collection-refs-binding', 'ostree.ref-binding', 'xa.ref', 'xa.from_commit', 'xa.download-size']);
    expect(keys).not.toContain('xa.subsets');
    expect(keys).toContain('xa.token-type');
    expect(c.metadata[1]![1].value).toEqual([['org.test.Extra', r.ref], ['org.test.Main', r.ref]]);
    expect(c.metadata[4]![1].value).toBe(r.checksum);
    expect(bswap64(c.metadata[5]![1].value as bigint)).toBe(r.downloadSize);
    expect(await dst.readRef(r.ref)).toBe(res[0]!.checksum);
    // unchanged → skipped; force → new commit with parent
    expect((await buildCommitFrom(dst, { srcRepo: join(d, 'src'), updateSummary: false }))[0]!.checksum).toBeNull();
    const forced = await buildCommitFrom(dst, { srcRef: r.checksum, dstRefs: [`app/org.test.App/${ARCH}/beta`], updateSummary: false, endOfLife: 'eol' });
    const fc = await dst.loadCommit(forced[0]!.checksum!);
    expect(fc.parent).toBeNull();
    expect(fc.metadata.find(([k]) => k === 'xa.download-size')).toEqual(['xa.download-size', new Variant('t', bswap64(r.downloadSize))]); // copied, not recomputed
    // import is idempotent
    expect((await importCommit(dst, await Repo.open(join(d, 'src')), r.checksum)).copied).toBe(0);
  });

  it('rewrites the source from-empty delta for the new, signed commit (with its signatures in the superblock)', async () => {
    const d = tmp();
    const r = await buildExport(join(d, 'src'), appDir(join(d, 'b')), { updateSummary: false, signers: [signer(3)] });
    const src = await Repo.open(join(d, 'src'));
    await generateStaticDelta(src, { from: null, to: r.checksum, workers: 0 });
    await Repo.init(join(d, 'dst'));
    const [e] = await buildCommitFrom(join(d, 'dst'), { srcRepo: src, signers: [signer(4)], updateSummary: false });
    const dst = await Repo.open(join(d, 'dst'));
    const dir = deltaDirPath(null, e!.checksum!);
    const sb = decodeDeltaSuperblock(readFileSync(join(d, 'dst', dir, 'superblock')));
    expect(sb.to).toBe(e!.checksum);
    expect(sb.commit).toEqual(await dst.readMetadataBytes(ObjectType.COMMIT, e!.checksum!));
    const keys = sb.metadata.map(([k]) => k);
    expect(keys).toContain(deltaCommitmetaKey(null, e!.checksum!));
    expect(keys).not.toContain(deltaCommitmetaKey(null, r.checksum));
    const detached = sb.metadata.find(([k]) => k === deltaCommitmetaKey(null, e!.checksum!))![1];
    expect(encodeCommitmeta(detached.value as never)).toEqual(new Uint8Array((await dst.readCommitDetachedMetadata(e!.checksum!))!));
    // the rewritten delta applies to an empty repository
    const fresh = await Repo.init(join(d, 'fresh'));
    await applyDeltaOffline(fresh, join(d, 'dst', dir));
    expect((await fresh.loadCommit(e!.checksum!)).rootTree).toBe((await src.loadCommit(r.checksum)).rootTree);
  });

  it('imports objects that live only in the source repository\'s core.parent (flat-manager upload repos)', async () => {
    const d = tmp();
    const r = await buildExport(join(d, 'main'), appDir(join(d, 'b')), { updateSummary: false });
    const upload = await Repo.init(join(d, 'upload'));
    upload.config.setString('core', 'parent', join(d, 'main'));
    await upload.writeConfig();
    const src = await Repo.open(join(d, 'upload'));
    const dst = await Repo.init(join(d, 'dst'));
    const res = await importCommit(dst, src, r.checksum, { untrusted: true });
    expect(res.copied).toBe(res.total);
    const [e] = await buildCommitFrom(dst, { srcRef: r.checksum, dstRefs: [r.ref], updateSummary: false });
    const sizes = await collectTreeSizes(dst, (await dst.loadCommit(e!.checksum!)).rootTree);
    expect(sizes).toEqual({ installedSize: r.installedSize, downloadSize: r.downloadSize }); // re-encoded exactly as before
  });

  it('untrusted import refuses a corrupted source object; option errors', async () => {
    const d = tmp();
    const r = await buildExport(join(d, 'src'), appDir(join(d, 'b')), { updateSummary: false });
    const src = await Repo.open(join(d, 'src'));
    const c = await src.loadCommit(r.checksum);
    const root = await src.loadDirtree(c.rootTree);
    const file = root.files[0]!.checksum; // metadata
    const path = join(d, 'src', src.objectPath(file, ObjectType.FILE));
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    // replace the object with another valid object's bytes (a different file)
    const files = await src.loadDirtree(root.dirs.find((x) => x.name === 'files')!.tree);
    const other = readFileSync(join(d, 'src', src.objectPath(files.files[0]!.checksum, ObjectType.FILE)));
    writeFileSync(path, other);
    await Repo.init(join(d, 'dst'));
    await expect(buildCommitFrom(join(d, 'dst'), { srcRepo: src, untrusted: true, updateSummary: false })).rejects.toMatchObject({ code: 'CORRUPT_OBJECT' });
    writeFileSync(path, good);
    expect(bad.length).toBeGreaterThan(0);
    await expect(buildCommitFrom(join(d, 'dst'), { updateSummary: false })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildCommitFrom(join(d, 'dst'), { srcRef: 'x', updateSummary: false })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildCommitFrom(join(d, 'dst'), { srcRepo: src, dstRefs: ['app/org.no.Such/x/m'], updateSummary: false })).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
    await expect(buildCommitFrom(join(d, 'dst'), { srcRepo: src, endOfLifeRebase: ['a=b'], updateSummary: false })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildCommitFrom(join(d, 'dst'), { srcRepo: src, endOfLifeRebase: ['nonsense'], updateSummary: false })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('build-sign signs every app/runtime head once per key; re-signing is not an error', async () => {
    const d = tmp();
    const a = await buildExport(join(d, 'repo'), appDir(join(d, 'b')), { updateSummary: false });
    const b2 = await buildExport(join(d, 'repo'), appDir(join(d, 'c'), { name: 'org.test.Other' }), { updateSummary: false });
    const repo = await Repo.open(join(d, 'repo'));
    const first = await buildSign(repo, { signers: [signer(1)] });
    expect(first.map((e) => e.ref).sort()).toEqual([a.ref, b2.ref].sort());
    const again = await buildSign(repo, { signers: [signer(1), signer(2)], id: 'org.test.App', arch: ARCH });
    expect(again).toEqual([{ ref: a.ref, checksum: a.checksum, added: [signer(2).keyId] }]);
    const meta = decodeCommitmeta((await repo.readCommitDetachedMetadata(a.checksum))!);
    expect((meta[0]![1].value as Uint8Array[]).length).toBe(2);
    await expect(buildSign(repo, { signers: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildSign(repo, { signers: [signer()], id: 'org.test.Nope', arch: ARCH })).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
  });
});
