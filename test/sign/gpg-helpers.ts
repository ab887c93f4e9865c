/**
 * Helpers for tests that use the real gpg: temp GNUPGHOMEs with keys made by gpg itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when a gpg binary runs. */
export function haveGpg(): boolean {
  const r = spawnSync('gpg', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * Whether gpg tests should run: skip (printing why) only when gpg is absent and CI is unset;
 * under CI the tests run and fail if gpg is missing.
 */
export function gpgTestsEnabled(file: string): boolean {
  if (haveGpg()) return true;
  if (process.env.CI) return true;
  console.log(`${file}: skipping gpg interop tests: gpg not found on PATH`);
  return false;
}

/** Run gpg in `home`; throws with stderr on failure unless `allowFail`. */
export function gpg(home: string, args: string[], opts: { input?: string | Uint8Array; allowFail?: boolean } = {}) {
  const r = spawnSync('gpg', ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', ...args], {
    input: opts.input, maxBuffer: 1 << 26,
  });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`gpg ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`);
  }
  return { status: r.status, stdout: r.stdout as Buffer, stderr: r.stderr?.toString() ?? '' };
}

/**
 * A temp GNUPGHOME. The agent gets a fixed small S2K count so that it does not spend seconds
 * calibrating and protecting keys (`s2k-count`, gpg-agent(1)); `agentConf` adds more options.
 */
export function newHome(prefix = 'ostree-ts-gpg-', agentConf = ''): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(home, 'gpg-agent.conf'), `s2k-count 65536\n${agentConf}`);
  return home;
}

/** Stop the agent of `home` and remove it. */
export function destroyHome(home: string): void {
  spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
  rmSync(home, { recursive: true, force: true });
}

/** Make a key with `--quick-gen-key`; returns its primary fingerprint. */
export function genKey(home: string, uid: string, algo: string, opts: { passphrase?: string; expire?: string; fakedTime?: string } = {}): string {
  const extra = opts.fakedTime ? ['--faked-system-time', opts.fakedTime] : [];
  gpg(home, [...extra, '--passphrase', opts.passphrase ?? '', '--quick-gen-key', uid, algo, 'sign', opts.expire ?? 'never']);
  const out = gpg(home, ['--with-colons', '--list-keys', uid]).stdout.toString();
  const fpr = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(out);
  if (!fpr) throw new Error(`no fingerprint for ${uid}: ${out}`);
  return fpr[1];
}

/** Key ID info from a fingerprint. */
export function ids(fpr: string): { fpr: string; long: string; short: string } {
  return { fpr, long: fpr.slice(-16), short: fpr.slice(-8) };
}

/** Revoke a key using the revocation certificate gpg stored at creation. */
export function revokeKey(home: string, fpr: string): void {
  const rev = readFileSync(join(home, 'openpgp-revocs.d', `${fpr}.rev`), 'utf8').replace(/^:-----/m, '-----');
  gpg(home, ['--import'], { input: rev });
}

/** The `.key` files of a home's private-keys-v1.d. */
export function keyFiles(home: string): string[] {
  return readdirSync(join(home, 'private-keys-v1.d')).filter((f) => f.endsWith('.key'));
}
