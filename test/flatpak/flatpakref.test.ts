import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dearmorPublicKey, parseFlatpakref, parseFlatpakrepo, writeFlatpakref, writeFlatpakrepo } from '../../src/flatpak/flatpakref.js';
import { OstreeError } from '../../src/errors.js';
import { cli } from '../cli/io.js';
import { tempDirs } from '../util/scratch.js';

const KEY = new Uint8Array(40).map((_, i) => i * 7);

const tmp = tempDirs('fpref');

describe('.flatpakref / .flatpakrepo', () => {
  it('writes the documented layout and parses it back', () => {
    const text = writeFlatpakref({
      name: 'org.test.App', branch: 'stable', url: 'https://repo.example/repo/', title: 'Test app', isRuntime: false, gpgKey: KEY,
      runtimeRepo: 'https://repo.example/test.flatpakrepo', deployCollectionId: 'org.test.Repo', suggestRemoteName: 'test', homepage: 'https://x/',
    });
    expect(text).toBe(
      '[Flatpak Ref]\nTitle=Test app\nName=org.test.App\nBranch=stable\nUrl=https://repo.example/repo/\nSuggestRemoteName=test\nHomepage=https://x/\n' +
        `IsRuntime=false\nRuntimeRepo=https://repo.example/test.flatpakrepo\nGPGKey=${Buffer.from(KEY).toString('base64')}\nDeployCollectionID=org.test.Repo\n`,
    );
    const back = parseFlatpakref(text);
    expect(back).toMatchObject({ name: 'org.test.App', branch: 'stable', isRuntime: false, deployCollectionId: 'org.test.Repo', suggestRemoteName: 'test' });
    expect(back.gpgKey).toEqual(KEY);
    const repo = writeFlatpakrepo({ url: 'https://r/', title: 'T', comment: 'c; d', defaultBranch: 'stable', gpgKey: KEY, deploySideloadCollectionId: 'org.a.B', noDeps: true });
    expect(repo.split('\n')[0]).toBe('[Flatpak Repo]');
    expect(parseFlatpakrepo(repo)).toMatchObject({ url: 'https://r/', title: 'T', comment: 'c; d', defaultBranch: 'stable', deploySideloadCollectionId: 'org.a.B', noDeps: true });
    // escaping of special characters survives the round trip
    const tricky = writeFlatpakrepo({ url: 'https://r/', description: 'line1\nline2\t\\ end ' });
    expect(parseFlatpakrepo(tricky).description).toBe('line1\nline2\t\\ end ');
  });

  it('rejects what flatpak would reject', () => {
    const bad: Array<() => unknown> = [
      () => writeFlatpakref({ name: 'org.test.App', url: '' }),
      () => writeFlatpakref({ name: 'bad', url: 'https://x/' }),
      () => writeFlatpakref({ name: 'org.test.App', url: 'https://x/', branch: '/x' }),
      () => writeFlatpakref({ name: 'org.test.App', url: 'https://x/', gpgKey: new Uint8Array(3) }),
      () => writeFlatpakref({ name: 'org.test.App', url: 'https://x/', deployCollectionId: 'org.test.C' }),
      () => writeFlatpakrepo({ url: 'https://x/', collectionId: 'not a collection', gpgKey: KEY }),
      () => parseFlatpakref('[Flatpak Repo]\nUrl=x\n'),
      () => parseFlatpakref('[Flatpak Ref]\nUrl=x\n'),
      () => parseFlatpakref('[Flatpak Ref]\nName=org.a.B\n'),
      () => parseFlatpakref('[Flatpak Ref]\nName=org.a.B\nUrl=x\nVersion=2\n'),
      () => parseFlatpakref('[Flatpak Ref]\nName=org.a.B\nUrl=x\nGPGKey=!!!\n'),
      () => parseFlatpakref('[Flatpak Ref]\nName=org.a.B\nUrl=x\nIsRuntime=maybe\n'),
      () => parseFlatpakrepo('not a key file'),
      () => parseFlatpakrepo(new Uint8Array([0x5b, 0xff])),
    ];
    for (const f of bad) expect(f).toThrow(OstreeError);
    // an OCI remote may carry a collection ID without a key
    expect(writeFlatpakrepo({ url: 'oci+https://x/', collectionId: 'org.a.B' })).toContain('CollectionID=org.a.B');
  });

  it('dearmors public keys', () => {
    const b64 = Buffer.from(KEY).toString('base64');
    const armored = `-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n${b64.slice(0, 30)}\n${b64.slice(30)}\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n`;
    expect(dearmorPublicKey(new TextEncoder().encode(armored))).toEqual(KEY);
    expect(dearmorPublicKey(KEY)).toBe(KEY);
    expect(() => dearmorPublicKey(new TextEncoder().encode('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!\n-----END PGP PUBLIC KEY BLOCK-----'))).toThrow(OstreeError);
  });

  it('CLI flatpakref / flatpakrepo', async () => {
    const d = tmp();
    writeFileSync(join(d, 'key.gpg'), KEY);
    let r = await cli(['flatpakref', '--name=org.test.App', '--url=https://r/', '--gpg-key=key.gpg', '--deploy-collection-id=org.test.R', '--is-runtime', '-o', 'a.flatpakref'], { cwd: d });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const ref = parseFlatpakref(readFileSync(join(d, 'a.flatpakref')));
    expect(ref).toMatchObject({ name: 'org.test.App', isRuntime: true, deployCollectionId: 'org.test.R' });
    r = await cli(['flatpakrepo', '--url=https://r/', '--title=Hi', '--default-branch=stable'], { cwd: d });
    expect(r.stdout).toBe('[Flatpak Repo]\nTitle=Hi\nUrl=https://r/\nDefaultBranch=stable\n');
    r = await cli(['flatpakref', '--url=https://r/'], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--name/);
    r = await cli(['flatpakrepo', '--url=https://r/', '--collection-id=org.a.B'], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GPG key/);
  });
});
