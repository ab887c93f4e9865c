/**
 * Pure parts of the flatpak summaries (src/format/flatpak-summary.ts) and build-update-repo's
 * helpers; end-to-end comparisons with the real flatpak are in test/interop/update-repo*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Variant } from '../../src/gvariant/value.js';
import { KeyFile } from '../../src/format/keyfile.js';
import { OstreeError } from '../../src/errors.js';
import {
  appstreamRefSubset,
  applySummaryDiff,
  archForRef,
  buildFlatpakSummary,
  decodeSummaryIndex,
  encodeSummaryIndex,
  flatpakSummaryMetadata,
  summaryDiff,
  summaryRefRanges,
  type FlatpakCommitData,
} from '../../src/format/flatpak-summary.js';
import { decodeSummary } from '../../src/format/summary.js';
import { globMatch } from '../../src/flatpak/update-repo.js';
import { buildExport } from '../../src/flatpak/export.js';
import { cli } from '../cli/io.js';

const C = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

function data(over: Partial<FlatpakCommitData> = {}): FlatpakCommitData {
  return { installedSize: 4096n, downloadSize: 900n, metadata: '[Application]\nname=a.b.C\n', sparse: null, commitSize: 300n, timestamp: 1700000000n, ...over };
}

function summaryOf(refs: Array<[string, string]>, d: Map<string, FlatpakCommitData>, subset = '', arches: string[] | null = null) {
  return buildFlatpakSummary({ compat: false, refs: new Map(refs), data: d, facts: new Map(), deltas: null, subset, arches, globalMetadata: [] });
}

describe('ref names', () => {
  it('arch and subset of refs', () => {
    expect(archForRef('app/a.b.C/x86_64/stable')).toBe('x86_64');
    expect(archForRef('runtime/a.b.C/aarch64/1')).toBe('aarch64');
    expect(archForRef('appstream/x86_64')).toBe('x86_64');
    expect(archForRef('appstream2/sub-x86_64')).toBe('x86_64');
    expect(archForRef('app/a.b.C')).toBeNull();
    expect(archForRef('screenshots/x86_64')).toBeNull();
    expect(appstreamRefSubset('appstream2/sub-x86_64')).toBe('sub');
    expect(appstreamRefSubset('appstream2/x86_64')).toBeNull();
  });
  it('GLib-style globs', () => {
    expect(globMatch('org.gnome.*', 'org.gnome.Sdk')).toBe(true);
    expect(globMatch('org.?nome.Sdk', 'org.gnome.Sdk')).toBe(true);
    expect(globMatch('org.gnome', 'org.gnome.Sdk')).toBe(false);
    expect(globMatch('a+b(c)', 'a+b(c)')).toBe(true);
  });
});

describe('summaries', () => {
  const d = new Map([
    [C(1), data()],
    [C(2), data({ subsets: ['s1'], sparse: [['eol', new Variant('s', 'old')]] })],
    [C(3), data({ metadata: '' })],
    [C(4), data({ metadata: '' })],
  ]);
  const refs: Array<[string, string]> = [
    ['app/a.b.C/x86_64/stable', C(1)],
    ['app/a.b.D/x86_64/stable', C(2)],
    ['appstream2/s1-x86_64', C(4)],
    ['appstream2/x86_64', C(3)],
  ];
  it('subset and arch selection; per-ref xa.data / ot.ts / sparse keys', () => {
    const all = decodeSummary(summaryOf(refs, d).bytes);
    expect(all.refs.map((r) => r.name)).toEqual(['app/a.b.C/x86_64/stable', 'app/a.b.D/x86_64/stable', 'appstream2/x86_64']);
    const keys = all.refs[1]!.metadata.map(([k]) => k).sort();
    expect(keys).toEqual(['eol', 'ot.ts', 'xa.data']);
    expect(all.metadata.map(([k]) => k)).toEqual(['xa.summary-version']);
    const s1 = decodeSummary(summaryOf(refs, d, 's1').bytes);
    expect(s1.refs.map((r) => r.name)).toEqual(['app/a.b.D/x86_64/stable', 'appstream2/s1-x86_64']);
    expect(decodeSummary(summaryOf(refs, d, '', ['aarch64']).bytes).refs).toEqual([]);
  });
  it('compat summary: xa.cache as a variant in a variant, xa.sparse-cache, deltas only to listed commits', () => {
    const cfg = KeyFile.parse('[core]\nmode=archive-z2\n[flatpak]\ntitle=T\nauthenticator-options.x=1\ngpg-keys=AAEC\n');
    const meta = flatpakSummaryMetadata({ config: cfg, lastModified: 5n });
    expect(meta.map(([k]) => k)).toEqual([
      'ostree.summary.mode', 'ostree.summary.tombstone-commits', 'ostree.summary.indexed-deltas', 'ostree.summary.last-modified',
      'xa.title', 'xa.cache-version', 'xa.authenticator-options.x', 'xa.gpg-keys',
    ]);
    const s = buildFlatpakSummary({
      compat: true, refs: new Map(refs), data: d, facts: new Map(), deltas: [[C(1), C(9)], [`${C(8)}-${C(7)}`, C(9)]], subset: '', arches: null, globalMetadata: meta,
    });
    const dec = decodeSummary(s.bytes);
    const keys = dec.metadata.map(([k]) => k);
    expect(keys.slice(-3)).toEqual(['ostree.static-deltas', 'xa.cache', 'xa.sparse-cache']);
    const deltas = dec.metadata.find(([k]) => k === 'ostree.static-deltas')![1].value as Array<[string, Variant]>;
    expect(deltas.map(([n]) => n)).toEqual([C(1)]);
    const cache = dec.metadata.find(([k]) => k === 'xa.cache')![1];
    expect(cache.type).toBe('v');
    expect((cache.value as Variant).type).toBe('a{s(tts)}');
    expect(dec.refs[0]!.metadata.map(([k]) => k)).toEqual(['ostree.commit.timestamp']);
  });
  it('selection is by commit, as flatpak: a ref sharing a selected commit is listed too', () => {
    const shared: Array<[string, string]> = [['appstream2/s1-x86_64', C(3)], ['appstream2/x86_64', C(3)]];
    expect(decodeSummary(summaryOf(shared, d).bytes).refs).toHaveLength(2);
  });
  it('a missing commit is reported', () => {
    expect(() => summaryOf([['other/x', C(5)]], new Map())).toThrow(OstreeError);
  });
});

describe('summary index', () => {
  it('round-trips and rejects garbage', () => {
    const idx = { subsummaries: [['x86_64', { digest: C(1), history: [C(2), C(3)], metadata: [] }]] as Array<[string, { digest: string; history: string[]; metadata: [] }]>, metadata: [['xa.cache-version', new Variant('u', 2)]] as Array<[string, Variant]> };
    expect(decodeSummaryIndex(encodeSummaryIndex(idx))).toEqual(idx);
    expect(() => decodeSummaryIndex(Uint8Array.of(1, 2, 3))).toThrow(OstreeError);
    for (let n = 0; n < 200; n++) {
      const b = encodeSummaryIndex(idx).slice();
      b[(n * 7) % b.length] ^= 1 << n % 8;
      try {
        decodeSummaryIndex(b);
      } catch (e) {
        expect(e).toBeInstanceOf(OstreeError);
      }
    }
  });
});

describe('xadf diffs', () => {
  const d = new Map<string, FlatpakCommitData>();
  for (let i = 1; i < 40; i++) d.set(C(i), data({ installedSize: BigInt(i * 512) }));
  const make = (ids: number[]) => summaryOf(ids.map((i) => [`app/a.b.N${i}/x86_64/stable`, C(i)] as [string, string]), d);
  it('entry ranges follow the framing', () => {
    const s = make([1, 2, 3]);
    const r = summaryRefRanges(s.bytes);
    expect(r).toHaveLength(3);
    expect(r[0]![0]).toBe(0);
    expect(() => summaryRefRanges(Uint8Array.of(200))).toThrow(OstreeError);
  });
  it('added, removed and changed refs: applying the diff gives the new summary', () => {
    const cases: Array<[number[], number[]]> = [
      [[1, 2, 3], [1, 2, 3, 4]],
      [[1, 2, 3, 4], [2, 4]],
      [[], [5, 6]],
      [[5, 6], []],
      [[1, 3, 5, 7, 9], [2, 3, 4, 9, 10, 11]],
    ];
    for (const [a, b] of cases) {
      const x = make(a);
      const y = make(b);
      const diff = summaryDiff(x.bytes, x.refs.map((r) => r.name), y.bytes, y.refs.map((r) => r.name));
      expect(new TextDecoder().decode(diff.subarray(0, 4))).toBe('xadf');
      expect(Buffer.from(applySummaryDiff(x.bytes, diff)).equals(Buffer.from(y.bytes))).toBe(true);
    }
  });
  it('bad diffs throw SUMMARY_DIFF_INVALID', () => {
    const x = make([1, 2]);
    const bad = [Uint8Array.of(1, 2, 3), Buffer.from('xadf\x05\x00\x00\x00'), Buffer.from('xadf\x01\x00\x00\x00\xff\xff\xff\x00'), Buffer.from('xadf\x01\x00\x00\x00\x05\x00\x00\x30')];
    for (const b of bad) {
      try {
        applySummaryDiff(x.bytes, new Uint8Array(b));
        expect.unreachable();
      } catch (e) {
        expect((e as OstreeError).code).toBe('SUMMARY_DIFF_INVALID');
      }
    }
  });
});

describe('build-update-repo CLI (in-process)', () => {
  it('writes config keys, appstream branches, summaries; a second run commits nothing new', async () => {
    const d = mkdtempSync(join(tmpdir(), 'bur-'));
    const app = join(d, 'app');
    mkdirSync(join(app, 'files'), { recursive: true });
    mkdirSync(join(app, 'export'), { recursive: true });
    writeFileSync(join(app, 'metadata'), '[Application]\nname=org.test.App\nruntime=org.test.Rt/x86_64/1\n');
    writeFileSync(join(app, 'files', 'f'), 'hello');
    const repo = join(d, 'repo');
    await buildExport(repo, app, { updateSummary: false, timestamp: '2024-01-01T00:00:00Z' });
    const r = await cli(['build-update-repo', '--title=T', '--collection-id=org.test.Repo', '--deploy-collection-id', '--json', repo]);
    expect(r.stderr).toBe('Updating appstream branch\nNo appstream data for app/org.test.App/x86_64/master: No such file files/share/app-info/xmls/org.test.App.xml.gz\nUpdating summary\n');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.configSet).toEqual(['flatpak.title', 'core.collection-id', 'flatpak.deploy-collection-id']);
    expect(out.appstream.map((a: { branch: string }) => a.branch)).toEqual(['appstream/x86_64', 'appstream2/x86_64']);
    expect(out.summary.subsummaries.map((s: { name: string }) => s.name)).toEqual(['x86_64']);
    expect(existsSync(join(repo, 'summary.idx'))).toBe(true);
    const again = JSON.parse((await cli(['build-update-repo', '--json', repo])).stdout);
    expect(again.appstream.every((a: { commit: string | null }) => a.commit === null)).toBe(true);
    expect(again.summary.commitsRead).toBe(0); // data reused from the previous index
    expect(again.summary.subsummaries[0].written).toBe(false);
    expect(readdirSync(join(repo, 'summaries')).filter((f) => f.endsWith('.gz'))).toHaveLength(1);
    const usage = await cli(['build-update-repo']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('LOCATION must be specified');
  });
});

describe('appstream XML (flatpak FlatpakXml model)', () => {
  it('the gzip of the empty catalogue equals the bytes flatpak wrote', async () => {
    const pako = (await import('pako')).default;
    const { EMPTY_APPSTREAM_XML, EMPTY_APPSTREAM_XML_GZ } = await import('../../src/flatpak/appstream.js');
    expect(Buffer.from(pako.gzip(new TextEncoder().encode(EMPTY_APPSTREAM_XML))).equals(Buffer.from(EMPTY_APPSTREAM_XML_GZ))).toBe(true);
  });
  it('parses and serializes like flatpak: text kept, comments dropped, empty elements self-closed, attributes raw', async () => {
    const { parseXml, serializeXml, markupEscape } = await import('../../src/flatpak/appstream-xml.js');
    const root = parseXml('<?xml version="1.0"?>\n<!-- c -->\n<a x="1 &amp; 2">t &lt;<b></b><c/><![CDATA[dropped]]></a>\n');
    expect(serializeXml(root)).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1 & 2">t &lt;<b/><c/></a>');
    expect(markupEscape('a&<>\'"\u0001\u0085\u0086é')).toBe('a&amp;&lt;&gt;&apos;&quot;&#x1;\u0085&#x86;é');
  });
  it('malformed markup throws APPSTREAM_INVALID, never anything else', async () => {
    const { parseXml } = await import('../../src/flatpak/appstream-xml.js');
    for (const bad of ['', 'text', '<a>', '<a></b>', '<a x=1/>', '<a>&bogus;</a>', '<a>&#0;</a>', '<a/><b/>', '<a', '<!-- x', '<a x="<"/>', '</a>']) {
      try {
        parseXml(bad);
        expect.unreachable(bad);
      } catch (e) {
        expect((e as OstreeError).code).toBe('APPSTREAM_INVALID');
      }
    }
    const good = '<components><component><id>a.b.C</id><name>x &amp; y</name></component></components>';
    for (let n = 0; n < 300; n++) {
      const chars = [...good];
      chars[(n * 13) % chars.length] = '<>&"/=x '[n % 8]!;
      try {
        parseXml(chars.join(''));
      } catch (e) {
        expect(e).toBeInstanceOf(OstreeError);
      }
    }
  });
});

describe('build-update-repo: deltas, prune, gpg-import, single-delta mode', () => {
  async function repoWithApp(): Promise<{ d: string; repo: string; first: string; second: string }> {
    const d = mkdtempSync(join(tmpdir(), 'bur2-'));
    const app = join(d, 'app');
    mkdirSync(join(app, 'files'), { recursive: true });
    mkdirSync(join(app, 'export'), { recursive: true });
    writeFileSync(join(app, 'metadata'), '[Application]\nname=org.test.App\nruntime=org.test.Rt/x86_64/1\n');
    writeFileSync(join(app, 'files', 'f'), 'one');
    const repo = join(d, 'repo');
    const a = await buildExport(repo, app, { updateSummary: false, timestamp: '2024-01-01T00:00:00Z' });
    writeFileSync(join(app, 'files', 'f'), 'two');
    const b = await buildExport(repo, app, { updateSummary: false, timestamp: '2024-01-02T00:00:00Z' });
    return { d, repo, first: a.checksum, second: b.checksum };
  }

  it('--generate-static-deltas: from-empty and parent→head; ignored IDs get none; --prune keeps history, --prune-depth=0 drops it', async () => {
    const { repo, first, second } = await repoWithApp();
    const ign = JSON.parse((await cli(['build-update-repo', '--generate-static-deltas', '--static-delta-ignore-ref=org.test.*', '--no-update-appstream', '--json', repo])).stdout);
    expect(ign.deltasGenerated).toEqual([]);
    const r = JSON.parse((await cli(['build-update-repo', '--generate-static-deltas', '--static-delta-jobs=1', '--no-update-appstream', '--json', repo])).stdout);
    expect(r.deltasGenerated.sort()).toEqual([second, `${first}-${second}`].sort());
    const { listDeltaNames } = await import('../../src/ops/summary.js');
    const { Repo } = await import('../../src/store/repo.js');
    expect((await listDeltaNames(await Repo.open(repo))).sort()).toEqual([second, `${first}-${second}`].sort());
    const keep = JSON.parse((await cli(['build-update-repo', '--no-update-appstream', '--prune', '--json', repo])).stdout);
    expect(keep.prune.objectsPruned).toBe(0);
    const dry = JSON.parse((await cli(['build-update-repo', '--no-update-appstream', '--prune-dry-run', '--prune-depth=0', '--json', repo])).stdout);
    expect(dry.prune.objectsPruned).toBeGreaterThan(0);
    const { ObjectType } = await import('../../src/format/object-type.js');
    expect(await (await Repo.open(repo)).hasObject(first, ObjectType.COMMIT)).toBe(true);
    const cut = JSON.parse((await cli(['build-update-repo', '--no-update-appstream', '--prune', '--prune-depth=0', '--json', repo])).stdout);
    expect(cut.prune.objectsPruned).toBe(dry.prune.objectsPruned);
    expect(cut.prune.deltasPruned).toEqual([]); // deltas go only when their target commit does (ostree_repo_prune_static_deltas)
  });

  it('hidden single-delta mode, and --gpg-import - from stdin', async () => {
    const { repo, first, second } = await repoWithApp();
    const one = await cli(['build-update-repo', `--generate-static-delta-from=${first}`, `--generate-static-delta-to=${second}`, '--generate-static-delta-ref=app/org.test.App/x86_64/master', repo]);
    expect(one.code).toBe(0);
    expect(one.stderr).toBe(`Generating delta: app/org.test.App/x86_64/master (${first.slice(0, 10)}-${second.slice(0, 10)})\n`);
    const { listDeltaNames } = await import('../../src/ops/summary.js');
    const { Repo } = await import('../../src/store/repo.js');
    expect(await listDeltaNames(await Repo.open(repo))).toEqual([`${first}-${second}`]);
    expect(existsSync(join(repo, 'summary'))).toBe(false); // nothing else happens in that mode
    const { Readable, Writable } = await import('node:stream');
    const { run } = await import('../../src/cli/main.js');
    const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
    const code = await run(['build-update-repo', '--gpg-import=-', '--no-update-appstream', repo], {
      stdout: sink(), stderr: sink(), stdin: Readable.from([Buffer.from([1, 2, 3]), Buffer.from([4])]), env: {}, cwd: process.cwd(),
    });
    expect(code).toBe(0);
    const r = await Repo.open(repo);
    expect(r.config.getString('flatpak', 'gpg-keys')).toBe(Buffer.from([1, 2, 3, 4]).toString('base64'));
    const bad = await cli(['build-update-repo', '--static-delta-jobs=x', repo]);
    expect(bad.code).toBe(1);
  });
});

describe('build-update-repo: damaged previous summaries', () => {
  it('a garbage summary.idx or subsummary is ignored (data recomputed, history skipped), not fatal', async () => {
    const d = mkdtempSync(join(tmpdir(), 'bur3-'));
    const app = join(d, 'app');
    mkdirSync(join(app, 'files'), { recursive: true });
    mkdirSync(join(app, 'export'), { recursive: true });
    writeFileSync(join(app, 'metadata'), '[Application]\nname=org.test.App\nruntime=org.test.Rt/x86_64/1\n');
    const repo = join(d, 'repo');
    await buildExport(repo, app, { updateSummary: false, timestamp: '2024-01-01T00:00:00Z' });
    const first = JSON.parse((await cli(['build-update-repo', '--json', '--no-update-appstream', repo])).stdout);
    const gz = readdirSync(join(repo, 'summaries')).find((f) => f.endsWith('.gz'))!;
    writeFileSync(join(repo, 'summaries', gz), 'not gzip');
    writeFileSync(join(app, 'files', 'new'), 'x');
    await buildExport(repo, app, { updateSummary: false, timestamp: '2024-01-02T00:00:00Z' });
    const second = JSON.parse((await cli(['build-update-repo', '--json', '--no-update-appstream', repo])).stdout);
    expect(second.summary.commitsRead).toBe(1); // cache unusable ⇒ recomputed
    expect(second.summary.subsummaries[0].history).toEqual([]); // the damaged old one is not a usable base
    expect(second.summary.removed).toContain(gz);
    writeFileSync(join(repo, 'summary.idx'), 'garbage');
    const third = await cli(['build-update-repo', '--json', '--no-update-appstream', repo]);
    expect(third.code).toBe(0);
    expect(first.summary.refs).toBe(1);
  });
});
