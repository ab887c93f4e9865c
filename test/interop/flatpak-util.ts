/**
 * Build directories for flatpak interop tests: a tiny runtime holding `/bin/sh` (the host's dash)
 * and the libraries `ldd /bin/sh` lists, and an app whose command is a shell script.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

export const RUNTIME_ID = 'org.test.Platform';
export const APP_ID = 'org.test.Hello';
export const APP_OUTPUT = 'hello from ostree-ts';

/** Library paths `ldd /bin/sh` lists (resolved), e.g. /lib/x86_64-linux-gnu/libc.so.6. */
function shLibraries(): string[] {
  const out = execFileSync('ldd', ['/bin/sh'], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

/**
 * A runtime build dir (`metadata` + `usr/`, exported with `--runtime`): `usr/bin/sh` and the shared
 * libraries at their paths under `usr/` (the runtime is mounted at /usr; /lib, /lib64 and /bin are
 * symlinks into /usr inside flatpak's sandbox).
 */
export function makeRuntimeDir(dir: string, arch: string): void {
  mkdirSync(join(dir, 'usr', 'bin'), { recursive: true });
  copyFileSync(realpathSync('/bin/sh'), join(dir, 'usr', 'bin', 'sh'));
  chmodSync(join(dir, 'usr', 'bin', 'sh'), 0o755);
  for (const lib of shLibraries()) {
    // /lib/x86_64-linux-gnu/libc.so.6 → usr/lib/x86_64-linux-gnu/libc.so.6; /lib64/ld-linux… → usr/lib64/…
    const rel = lib.replace(/^\/usr\//, '/').replace(/^\//, '');
    const dest = join(dir, 'usr', rel);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(realpathSync(lib), dest);
    chmodSync(dest, 0o755);
  }
  mkdirSync(join(dir, 'usr', 'share', 'doc'), { recursive: true });
  writeFileSync(join(dir, 'usr', 'share', 'doc', 'README'), 'tiny test runtime\n');
  chmodSync(join(dir, 'usr', 'share', 'doc', 'README'), 0o600); // canonicalized to 0644
  symlinkSync('sh', join(dir, 'usr', 'bin', 'dash'));
  writeFileSync(join(dir, 'metadata'), `[Runtime]\nname=${RUNTIME_ID}\nruntime=${RUNTIME_ID}/${arch}/master\nsdk=${RUNTIME_ID}/${arch}/master\n`);
  // `files/` must exist for build-export even for runtimes (they commit usr/).
  mkdirSync(join(dir, 'files'), { recursive: true });
}

/** An app build dir (`metadata`, `files/bin/hello`, `export/`). */
export function makeAppDir(dir: string, arch: string, output = APP_OUTPUT): void {
  mkdirSync(join(dir, 'files', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'files', 'share', 'data'), { recursive: true });
  mkdirSync(join(dir, 'export'), { recursive: true });
  writeFileSync(join(dir, 'files', 'bin', 'hello'), `#!/bin/sh\necho "${output}"\n`);
  chmodSync(join(dir, 'files', 'bin', 'hello'), 0o700); // canonicalized to 0755
  writeFileSync(join(dir, 'files', 'share', 'data', 'a.txt'), 'x'.repeat(1500));
  writeFileSync(join(dir, 'files', 'share', 'data', 'b.txt'), 'x'.repeat(1500)); // same content twice
  writeFileSync(join(dir, 'files', 'share', 'data', 'skip.log'), 'excluded');
  symlinkSync('a.txt', join(dir, 'files', 'share', 'data', 'link'));
  writeFileSync(
    join(dir, 'metadata'),
    `[Application]\nname=${APP_ID}\nruntime=${RUNTIME_ID}/${arch}/master\nsdk=${RUNTIME_ID}/${arch}/master\ncommand=hello\n\n[Context]\nshared=network;\n`,
  );
}

/** The `PACKAGE_STRING` of the installed flatpak (`Flatpak 1.14.10`), for default commit bodies. */
export function flatpakPackageString(flatpak: string): string {
  return execFileSync(flatpak, ['--version'], { encoding: 'utf8' }).trim();
}

/** Read a file as text (test helper). */
export function text(path: string): string {
  return readFileSync(path, 'utf8');
}
