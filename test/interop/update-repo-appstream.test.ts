/**
 * AppStream merging against `flatpak build-update-repo`: an app shipping
 * `files/share/app-info/xmls/ID.xml.gz` (several components, entities, comments, an old
 * `<bundle>`, a `.desktop` id, a foreign component) and icons, with `tags=` in its metadata;
 * a second app without data; an end-of-life app. The `appstream2/ARCH` catalogue text and tree
 * (icons linked by checksum) must equal flatpak's.
 */
import { expect, it } from 'vitest';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { interopSuite, ostree, run, tmpdir, tool } from './harness.js';
import { cli } from '../cli/io.js';
import { buildExport } from '../../src/flatpak/export.js';
import { hostArch } from '../../src/flatpak/names.js';
import { APP_ID, makeAppDir, makeRuntimeDir, RUNTIME_ID } from './flatpak-util.js';

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<components version="0.14" origin="flatpak">
  <component type="desktop-application">
    <id>${APP_ID}.desktop</id>
    <name>Hello &amp; "friends" &lt;3</name>
    <summary xml:lang="de">Hallo 'Welt'</summary>
    <bundle type="flatpak">app/old/x86_64/master</bundle>
    <icon type="cached" height="64" width="64">${APP_ID}.png</icon>
    <description><p>Line one</p><p/></description>
    <metadata>
      <value key="other">1</value>
    </metadata>
  </component>
  <component type="addon">
    <id>${APP_ID}.Plugin</id>
    <name>Plugin</name>
  </component>
  <component>
    <id>org.other.App</id>
  </component>
</components>
`;

interopSuite('build-update-repo appstream content vs flatpak', ['flatpak', 'ostree'], () => {
  const flatpak = () => tool('flatpak').path!;
  const arch = hostArch();

  it('same appstream2 catalogue and icons as flatpak', async () => {
    const d = tmpdir();
    makeRuntimeDir(join(d, 'rt'), arch);
    makeAppDir(join(d, 'app'), arch);
    const app = join(d, 'app');
    writeFileSync(join(app, 'metadata'), `[Application]\nname=${APP_ID}\nruntime=${RUNTIME_ID}/${arch}/master\nsdk=${RUNTIME_ID}/${arch}/master\ntags=beta;proprietary;\n`);
    mkdirSync(join(app, 'files/share/app-info/xmls'), { recursive: true });
    writeFileSync(join(app, `files/share/app-info/xmls/${APP_ID}.xml.gz`), gzipSync(XML));
    for (const [size, id] of [['64x64', APP_ID], ['128x128', APP_ID], ['64x64', `${APP_ID}.Plugin`]] as const) {
      mkdirSync(join(app, 'files/share/app-info/icons/flatpak', size), { recursive: true });
      writeFileSync(join(app, 'files/share/app-info/icons/flatpak', size, `${id}.png`), `png ${size} ${id}`);
    }
    // a second app without appstream data and an end-of-life one with data
    makeAppDir(join(d, 'app2'), arch);
    writeFileSync(join(d, 'app2', 'metadata'), `[Application]\nname=org.test.NoData\nruntime=${RUNTIME_ID}/${arch}/master\n`);
    const theirs = join(d, 'theirs');
    const ours = join(d, 'ours');
    const TS = '2024-01-02T03:04:05Z';
    await buildExport(theirs, join(d, 'rt'), { runtime: true, timestamp: TS, updateSummary: false });
    await buildExport(theirs, app, { timestamp: TS, updateSummary: false });
    await buildExport(theirs, app, { timestamp: TS, updateSummary: false, branch: 'old', endOfLife: 'gone' });
    await buildExport(theirs, join(d, 'app2'), { timestamp: TS, updateSummary: false });
    cpSync(theirs, ours, { recursive: true });
    const out = await run(flatpak(), ['build-update-repo', theirs]);
    const r = await cli(['build-update-repo', ours]);
    expect(r.code).toBe(0);
    expect(out.stdout).toContain('No appstream data for app/org.test.NoData/');
    expect(r.stderr).toContain('No appstream data for app/org.test.NoData/');
    const ls = async (repo: string, b: string) => (await ostree(repo, 'ls', '-R', '-C', b)).stdout;
    const cat = async (repo: string) => (await ostree(repo, 'cat', `appstream2/${arch}`, '/appstream.xml')).stdout;
    const ourXml = await cat(ours);
    expect(ourXml).toContain('<bundle type="flatpak"');
    expect(ourXml).toContain('X-Flatpak-Tags');
    expect(ourXml).not.toContain('org.other.App');
    expect(ourXml).toBe(await cat(theirs));
    if (process.env.SHOW_XML) console.log(ourXml, await ls(ours, `appstream2/${arch}`));
    expect(await ls(ours, `appstream2/${arch}`)).toBe(await ls(theirs, `appstream2/${arch}`));
    // the gzip'd catalogue too (pako = GLib's zlib output)
    expect(await ls(ours, `appstream/${arch}`)).toBe(await ls(theirs, `appstream/${arch}`));
    // the gzip'd catalogue holds the same XML
    const gz = async (repo: string) => (await ostree(repo, 'cat', `appstream/${arch}`, '/appstream.xml.gz')).stdout;
    expect((await gz(ours)).length).toBeGreaterThan(0);
    // unchanged on a second run
    const again = await cli(['build-update-repo', '--json', '--no-update-summary', ours]);
    expect(JSON.parse(again.stdout).appstream.every((a: { commit: string | null }) => a.commit === null)).toBe(true);
  }, 90_000);
});
