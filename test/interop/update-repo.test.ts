/**
 * `ostree-ts build-update-repo` against `flatpak build-update-repo` on copies of the same repo:
 * config keys, appstream branches (same trees; skipped when unchanged), static deltas
 * (generated/deleted sets), summaries; then the real flatpak client reads a served repo we updated
 * (`remote-ls` sizes, `remotes` title, a GPG-signed repo with `--gpg-import`).
 */
import { expect, it } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatpakEnv, interopSuite, ostree, run, serveDirectory, tmpdir, tool } from './harness.js';
import { cli } from '../cli/io.js';
import { buildExport } from '../../src/flatpak/export.js';
import { readFlatpakRefData } from '../../src/flatpak/summary.js';
import { Repo } from '../../src/store/repo.js';
import { hostArch } from '../../src/flatpak/names.js';
import { EMPTY_APPSTREAM_XML } from '../../src/flatpak/appstream.js';
import { APP_ID, RUNTIME_ID, makeAppDir, makeRuntimeDir } from './flatpak-util.js';

const TS = '2024-01-02T03:04:05Z';

function deltas(repo: string): string[] {
  const out: string[] = [];
  const base = join(repo, 'deltas');
  if (!existsSync(base)) return out;
  for (const a of readdirSync(base)) for (const b of readdirSync(join(base, a))) out.push(a + b);
  return out.sort();
}

async function rev(repo: string, ref: string): Promise<string> {
  return (await ostree(repo, 'rev-parse', ref)).stdout.trim();
}

interopSuite('build-update-repo vs flatpak build-update-repo', ['flatpak', 'ostree', 'gpg'], () => {
  const flatpak = () => tool('flatpak').path!;
  const arch = hostArch();

  async function populate(d: string, repo: string): Promise<void> {
    makeRuntimeDir(join(d, 'rt'), arch);
    makeAppDir(join(d, 'app'), arch);
    await buildExport(repo, join(d, 'rt'), { runtime: true, timestamp: TS, updateSummary: false });
    await buildExport(repo, join(d, 'app'), { timestamp: TS, updateSummary: false });
    await buildExport(repo, join(d, 'app'), { timestamp: '2024-01-03T00:00:00Z', updateSummary: false, subject: 'second' });
  }

  it('same config, appstream trees, deltas and summaries as flatpak', async () => {
    const d = tmpdir();
    const theirs = join(d, 'theirs');
    const ours = join(d, 'ours');
    await populate(d, theirs);
    cpSync(theirs, ours, { recursive: true });
    const opts = ['--title=Test Repo', '--comment=A comment', '--description=Long text', '--homepage=https://example.org', '--icon=https://example.org/i.png',
      '--default-branch=stable', '--authenticator-name=org.test.Auth', '--authenticator-install', '--authenticator-option=a=1', '--authenticator-option=b=2',
      '--generate-static-deltas', '--static-delta-jobs=2'];
    await run(flatpak(), ['build-update-repo', ...opts, theirs]);
    const r = await cli(['build-update-repo', ...opts, '--json', ours]);
    expect(r.stderr).toContain('Updating summary');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(readFileSync(join(ours, 'config'), 'utf8')).toBe(readFileSync(join(theirs, 'config'), 'utf8'));
    // appstream branches: same root trees as flatpak's (appstream2 has the plain XML)
    for (const b of [`appstream/${arch}`, `appstream2/${arch}`]) {
      const [a, t] = [await rev(ours, b), await rev(theirs, b)];
      const show = async (repo: string, c: string) => (await ostree(repo, 'ls', '-R', '-C', c)).stdout;
      expect(await show(ours, a)).toBe(await show(theirs, t));
      const root = async (repo: string, c: string) => (await ostree(repo, 'show', '--print-metadata-key=ostree.ref-binding', c)).stdout;
      expect(await root(ours, a)).toBe(await root(theirs, t));
    }
    expect((await ostree(ours, 'cat', `appstream2/${arch}`, '/appstream.xml')).stdout).toBe(EMPTY_APPSTREAM_XML);
    expect(out.appstream.filter((x: { commit: string | null }) => x.commit).length).toBe(2);
    // deltas: from-empty for each head, parent→head for the app (appstream/ skipped, appstream2 included)
    // (the appstream2 commits are identical when both ran within the same second; otherwise they
    // differ by their timestamps only, and so do the names of their from-empty deltas)
    const same =
      (await rev(ours, `appstream2/${arch}`)) === (await rev(theirs, `appstream2/${arch}`)) &&
      (await rev(ours, `appstream/${arch}`)) === (await rev(theirs, `appstream/${arch}`));
    expect(deltas(ours).length).toBe(deltas(theirs).length);
    const appstream2Same = (await rev(ours, `appstream2/${arch}`)) === (await rev(theirs, `appstream2/${arch}`));
    expect(deltas(ours).filter((x) => !deltas(theirs).includes(x)).length).toBe(appstream2Same ? 0 : 1);
    expect(out.deltasGenerated.length).toBe(deltas(ours).length);
    if (same) expect(readdirSync(join(ours, 'summaries')).sort()).toEqual(readdirSync(join(theirs, 'summaries')).sort());
    else expect(readdirSync(join(ours, 'summaries')).length).toBe(readdirSync(join(theirs, 'summaries')).length);
    // second run: appstream unchanged ⇒ no new commits; unwanted deltas deleted
    const before = await rev(ours, `appstream2/${arch}`);
    await ostree(ours, 'static-delta', 'generate', '--empty', `--to=${await rev(ours, `appstream/${arch}`)}`);
    const r2 = await cli(['build-update-repo', '--generate-static-deltas', '--json', ours]);
    expect(r2.code).toBe(0);
    const out2 = JSON.parse(r2.stdout);
    expect(out2.appstream.every((x: { commit: string | null }) => x.commit === null)).toBe(true);
    expect(await rev(ours, `appstream2/${arch}`)).toBe(before);
    expect(out2.deltasDeleted).toEqual([await rev(ours, `appstream/${arch}`)]);
    expect(out2.deltasGenerated).toEqual([]);
    // prune dry run reports, deletes nothing
    const r3 = await cli(['build-update-repo', '--no-update-appstream', '--prune-dry-run', '--json', ours]);
    expect(JSON.parse(r3.stdout).prune.noPrune).toBe(true);
    expect((await ostree(ours, 'fsck')).code).toBe(0);
    // collection ID: set once, changing it is refused
    expect((await cli(['build-update-repo', '--collection-id=org.test.C', '--no-update-appstream', ours])).code).toBe(0);
    const bad = await cli(['build-update-repo', '--collection-id=org.test.D', ours]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cannot be changed');
  }, 120_000);

  it('the flatpak client reads what we wrote: remote-ls sizes, title, signed summary + --gpg-import', async () => {
    const d = tmpdir();
    const repo = join(d, 'repo');
    await populate(d, repo);
    // GPG key in a temp GNUPGHOME
    const gnupg = join(d, 'gnupg');
    const genv = { ...process.env, GNUPGHOME: gnupg };
    await run('mkdir', ['-m700', '-p', gnupg]);
    await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Test <t@example.org>', 'ed25519', 'sign', 'never'], { env: genv });
    const fpr = (await run('gpg', ['--batch', '--with-colons', '--list-keys'], { env: genv })).stdout.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]!;
    const pub = join(d, 'key.gpg');
    await run('gpg', ['--batch', '--output', pub, '--export', fpr], { env: genv });
    const r = await cli(['build-update-repo', '--title=Our Title', `--gpg-sign=${fpr}`, `--gpg-homedir=${gnupg}`, `--gpg-import=${pub}`, repo]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(existsSync(join(repo, 'summary.sig'))).toBe(true);
    expect(existsSync(join(repo, 'summary.idx.sig'))).toBe(true);
    const server = await serveDirectory(repo);
    try {
      const env = flatpakEnv(join(d, 'fp'));
      // unsigned commits: add without gpg-verify first
      await run(flatpak(), ['remote-add', '--user', '--no-gpg-verify', 'plain', server.url], { env });
      const ls = await run(flatpak(), ['remote-ls', '--user', '-d', '--columns=ref,download-size,installed-size', 'plain'], { env });
      const data = await readFlatpakRefData(await Repo.open(repo), await rev(repo, `app/${APP_ID}/${arch}/master`));
      expect(ls.stdout).toContain(`app/${APP_ID}/${arch}/master`);
      expect(ls.stdout).toContain(`runtime/${RUNTIME_ID}/${arch}/master`);
      const line = ls.stdout.split('\n').find((l) => l.includes(`app/${APP_ID}/`))!;
      expect(line).toMatch(/\d/);
      expect(data.installedSize > 0n).toBe(true);
      const remotes = await run(flatpak(), ['remotes', '--user', '--columns=name,title'], { env });
      expect(remotes.stdout).toContain('Our Title');
      // signed summary verified with the imported key
      await run(flatpak(), ['remote-add', '--user', `--gpg-import=${pub}`, 'signed', server.url], { env });
      const ls2 = await run(flatpak(), ['remote-ls', '--user', 'signed'], { env });
      expect(ls2.stdout).toContain(APP_ID);
    } finally {
      await server.close();
    }
  }, 120_000);
});
