/**
 * `buildExport` against the real `flatpak build-export`: same build directory, same options and a
 * fixed timestamp ⇒ the same commit checksum (so the same tree, modes, metadata keys, key order and
 * sizes); `flatpak build-sign` / `ostree show` read what we write.
 */
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { deltaDirPath } from '../../src/format/summary.js';
import { interopSuite, run, tmpdir, tool, ostree } from './harness.js';
import { buildExport } from '../../src/flatpak/export.js';
import { buildCommitFrom } from '../../src/flatpak/commit-from.js';
import { readFlatpakRefData } from '../../src/flatpak/summary.js';
import { Repo } from '../../src/store/repo.js';
import { hostArch } from '../../src/flatpak/names.js';
import { APP_ID, RUNTIME_ID, flatpakPackageString, makeAppDir, makeRuntimeDir } from './flatpak-util.js';

const TS = '2024-01-02T03:04:05Z';

interopSuite('flatpak build-export parity', ['flatpak', 'ostree'], () => {
  const flatpak = () => tool('flatpak').path!;
  const arch = hostArch();

  it('runtime and app: same commit checksums as flatpak build-export (fixed timestamp, options)', async () => {
    const d = tmpdir();
    makeRuntimeDir(join(d, 'rt'), arch);
    makeAppDir(join(d, 'app'), arch);
    const theirs = join(d, 'theirs');
    const ours = join(d, 'ours');
    const builtWith = flatpakPackageString(flatpak());
    const common = ['--no-update-summary', `--timestamp=${TS}`];
    await run(flatpak(), ['build-export', ...common, '--runtime', '--collection-id=org.test.Repo', theirs, join(d, 'rt'), 'master']);
    await run(flatpak(), [
      'build-export', ...common, '--disable-sandbox', '--exclude=/share/data/*.log', '--end-of-life=old', '--end-of-life-rebase=org.test.Hello2',
      '--token-type=1', '--subset=s1', '--subset=', '--subset=s2', theirs, join(d, 'app'), 'stable',
    ]);
    const rt = await buildExport(ours, join(d, 'rt'), { runtime: true, collectionId: 'org.test.Repo', timestamp: TS, builtWith, updateSummary: false });
    const app = await buildExport(ours, join(d, 'app'), {
      branch: 'stable', timestamp: TS, builtWith, updateSummary: false, exclude: ['/share/data/*.log'], endOfLife: 'old',
      endOfLifeRebase: 'org.test.Hello2', tokenType: 1, subsets: ['s1', '', 's2'],
    });
    expect(rt.ref).toBe(`runtime/${RUNTIME_ID}/${arch}/master`);
    expect(app.ref).toBe(`app/${APP_ID}/${arch}/stable`);
    const theirRt = (await ostree(theirs, 'rev-parse', rt.ref)).stdout.trim();
    const theirApp = (await ostree(theirs, 'rev-parse', app.ref)).stdout.trim();
    expect(rt.checksum).toBe(theirRt);
    expect(app.checksum).toBe(theirApp);
    // an extension (files/, not usr/) with --include re-adding an excluded path, and an app with extra data
    const ext = join(d, 'ext');
    mkdirSync(join(ext, 'files', 'share', 'locale', 'de'), { recursive: true });
    mkdirSync(join(ext, 'usr'), { recursive: true });
    writeFileSync(join(ext, 'files', 'share', 'locale', 'de', 'x.mo'), 'mo');
    writeFileSync(join(ext, 'files', 'share', 'locale', 'de', 'y.mo'), 'mo2');
    writeFileSync(join(ext, 'metadata'), `[Runtime]\nname=${RUNTIME_ID}.Locale\n\n[ExtensionOf]\nref=runtime/${RUNTIME_ID}/${arch}/master\n`);
    const xd = join(d, 'xd');
    makeAppDir(xd, arch);
    writeFileSync(join(xd, 'metadata'), `[Application]\nname=org.test.Extra\nruntime=${RUNTIME_ID}/${arch}/master\n\n[Extra Data]\nuri=https://example.com/a/thing.tar.gz\nchecksum=${'ab'.repeat(32)}\nsize=12345\ninstalled-size=99999\nuri2=https://example.com/b.bin\nname2=other.bin\nchecksum2=${'cd'.repeat(32)}\nsize2=7\n`);
    await run(flatpak(), ['build-export', ...common, '--exclude=/share/locale/*', '--include=/share/locale/de', theirs, ext, 'master']);
    await run(flatpak(), ['build-export', ...common, '--disable-sandbox', theirs, xd, 'master']);
    const e1 = await buildExport(ours, ext, { timestamp: TS, builtWith, updateSummary: false, exclude: ['/share/locale/*'], include: ['/share/locale/de'] });
    const e2 = await buildExport(ours, xd, { timestamp: TS, builtWith, updateSummary: false });
    expect(e1.checksum).toBe((await ostree(theirs, 'rev-parse', e1.ref)).stdout.trim());
    expect(e2.checksum).toBe((await ostree(theirs, 'rev-parse', e2.ref)).stdout.trim());
    // our summary-side reading of the sizes equals what flatpak stored
    const repo = await Repo.open(theirs);
    const data = await readFlatpakRefData(repo, theirApp);
    expect(data.installedSize).toBe(app.installedSize);
    expect(data.downloadSize).toBe(app.downloadSize);
    expect(data.sparse.map(([k]) => k).sort()).toEqual(['eol', 'eolr', 'tokt']);
    // second export on top: parent chain identical too
    await run(flatpak(), ['build-export', ...common, '--runtime', theirs, join(d, 'rt'), 'master']);
    const rt2 = await buildExport(ours, join(d, 'rt'), { runtime: true, timestamp: TS, builtWith, updateSummary: false });
    expect(rt2.checksum).toBe((await ostree(theirs, 'rev-parse', rt.ref)).stdout.trim());
    const fsck = await ostree(ours, 'fsck');
    expect(fsck.code).toBe(0);
  }, 60_000);
  it('build-export --update-appstream: the app and appstream branch commits equal flatpak\'s', async () => {
    const d = tmpdir();
    makeAppDir(join(d, 'app'), arch);
    const theirs = join(d, 'theirs');
    const ours = join(d, 'ours');
    await run(flatpak(), ['build-export', '--disable-sandbox', '--update-appstream', '--no-update-summary', `--timestamp=${TS}`, theirs, join(d, 'app')]);
    await buildExport(ours, join(d, 'app'), { updateAppstream: true, updateSummary: false, timestamp: TS, builtWith: flatpakPackageString(flatpak()) });
    const refs = (await ostree(theirs, 'refs')).stdout.trim().split('\n').sort();
    expect(refs).toEqual([`app/${APP_ID}/${arch}/master`, `appstream/${arch}`, `appstream2/${arch}`]);
    expect((await ostree(ours, 'refs')).stdout.trim().split('\n').sort()).toEqual(refs);
    for (const ref of refs) expect((await ostree(ours, 'rev-parse', ref)).stdout).toBe((await ostree(theirs, 'rev-parse', ref)).stdout);
  }, 60_000);

  it('build-commit-from (flat-manager options) gives the same commits as flatpak build-commit-from, from a repo we exported', async () => {
    const d = tmpdir();
    makeRuntimeDir(join(d, 'rt'), arch);
    makeAppDir(join(d, 'app'), arch);
    const src = join(d, 'src');
    await buildExport(src, join(d, 'rt'), { runtime: true, timestamp: TS, updateSummary: false });
    await buildExport(src, join(d, 'app'), { timestamp: TS, updateSummary: false, subsets: ['s1'] });
    // from-empty deltas in the source (flat-manager-client uploads these), rewritten by both
    // (the app only: generating the runtime's with ostree costs seconds on a loaded machine)
    await ostree(src, 'static-delta', 'generate', '--empty', `--to=app/${APP_ID}/${arch}/master`);
    const theirs = join(d, 'theirs');
    const ours = join(d, 'ours');
    for (const r of [theirs, ours]) await ostree(r, 'init', '--mode=archive', '--collection-id=org.test.Main');
    const opts = ['--untrusted', '--force', '--disable-fsync', '--no-update-summary', `--timestamp=${TS}`, '--extra-collection-id=org.test.Main.Build7',
      '--end-of-life-rebase=org.test.Hello=org.test.NewHello', '--token-type=2', '--subset=s2'];
    const out = await run(flatpak(), ['build-commit-from', ...opts, `--src-repo=${src}`, theirs]);
    const res = await buildCommitFrom(ours, {
      srcRepo: src, untrusted: true, force: true, updateSummary: false, timestamp: TS, extraCollectionIds: ['org.test.Main.Build7'],
      endOfLifeRebase: ['org.test.Hello=org.test.NewHello'], tokenType: 2, subsets: ['s2'],
    });
    expect(res).toHaveLength(2);
    for (const e of res) {
      expect(out.stdout).toContain(`${e.ref}: ${e.checksum}`);
      expect((await ostree(theirs, 'rev-parse', e.ref)).stdout.trim()).toBe(e.checksum);
      // the mirror ref for the extra collection ID
      expect((await run('cat', [join(ours, 'refs/mirrors/org.test.Main.Build7', e.ref)])).stdout.trim()).toBe(e.checksum);
    }
    // the rewritten from-empty deltas: byte-identical superblocks and parts, and ostree applies ours
    const oursDeltas = (await ostree(ours, 'static-delta', 'list')).stdout.trim().split('\n').sort();
    expect(oursDeltas).toEqual((await ostree(theirs, 'static-delta', 'list')).stdout.trim().split('\n').sort());
    expect(oursDeltas).toHaveLength(1);
    for (const e of res.filter((x) => x.ref.startsWith('app/'))) {
      const dir = deltaDirPath(null, e.checksum!);
      expect(readFileSync(join(ours, dir, 'superblock'))).toEqual(readFileSync(join(theirs, dir, 'superblock')));
      expect(readFileSync(join(ours, dir, '0'))).toEqual(readFileSync(join(theirs, dir, '0')));
      const fresh = join(d, `fresh-${e.checksum}`);
      await ostree(fresh, 'init', '--mode=archive');
      await ostree(fresh, 'static-delta', 'apply-offline', join(ours, dir));
      expect((await ostree(fresh, 'show', e.checksum!)).code).toBe(0);
      expect((await ostree(fresh, 'fsck')).code).toBe(0);
    }
    // unchanged tree without --force: skipped by both
    const again = await buildCommitFrom(ours, { srcRepo: src, updateSummary: false });
    expect(again.every((e) => e.checksum === null)).toBe(true);
    const theirAgain = await run(flatpak(), ['build-commit-from', '--no-update-summary', `--src-repo=${src}`, theirs]);
    expect(theirAgain.stdout).toMatch(/no change/);
    expect((await ostree(ours, 'fsck')).code).toBe(0);
  }, 60_000);
});

interopSuite('flatpak build-export export validation', ['flatpak'], () => {
  it('refuses and warns about the same export/ problems as flatpak build-export', async () => {
    const flatpak = tool('flatpak').path!;
    const arch = hostArch();
    const cases: Array<{ desktop?: string; service?: string }> = [
      { desktop: '[Desktop Entry]\nExec=hello\nDBusActivatable=true\n' },
      { desktop: '[Desktop Entry]\nExec=hello\n', service: '[D-BUS Service]\nName=org.other.App\nExec=hello\n' },
      { service: `[D-BUS Service]\nName=${APP_ID}\n` },
      { desktop: '[Desktop Entry]\nExec=/app/bin/nothere --arg\nIcon=elsewhere\n', service: `[D-BUS Service]\nName=${APP_ID}\nExec=/app/bin/hello\n` },
    ];
    for (const [i, c] of cases.entries()) {
      const d = tmpdir();
      const b = join(d, 'app');
      makeAppDir(b, arch);
      if (c.desktop) {
        mkdirSync(join(b, 'export', 'share', 'applications'), { recursive: true });
        writeFileSync(join(b, 'export', 'share', 'applications', `${APP_ID}.desktop`), c.desktop);
      }
      if (c.service) {
        mkdirSync(join(b, 'export', 'share', 'dbus-1', 'services'), { recursive: true });
        writeFileSync(join(b, 'export', 'share', 'dbus-1', 'services', `${APP_ID}.service`), c.service);
      }
      const theirs = await run(flatpak, ['build-export', '--no-update-summary', '--disable-sandbox', join(d, 'theirs'), b], { allowFail: true });
      const warnings: string[] = [];
      let ok = true;
      try {
        await buildExport(join(d, 'ours'), b, { updateSummary: false, onWarning: (w) => warnings.push(w) });
      } catch (e) {
        expect((e as { code?: string }).code, `case ${i}`).toBe('EXPORT_INVALID');
        ok = false;
      }
      expect(ok, `case ${i}: flatpak ${theirs.code}: ${theirs.stderr}`).toBe(theirs.code === 0);
      for (const w of warnings) expect(theirs.stdout, `case ${i}`).toContain(`WARNING: ${w}`);
      if (i === 3) expect(warnings).toHaveLength(3);
    }
  }, 60_000);
});
