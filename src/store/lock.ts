/**
 * The repository lock.
 *
 * ostree serialises writers with `flock()` on `<repo>/.lock`: transactions take it shared, prune and
 * other destructive operations take it exclusive (`ostree-repo.c`, `ostree_repo_lock_push()`).
 * Node has no `flock`, so ostree-ts holds that very lock through util-linux's `flock(1)`, started
 * as a child process that keeps the lock until its stdin closes — which also happens when our
 * process dies, so a SIGKILL never leaves a stale lock. ostree-ts always takes the lock
 * **exclusively** for writes, so two ostree-ts writers never interleave, and ostree's own
 * transactions and prunes wait for ours (and ours for theirs).
 *
 * Spawning a holder per lock costs a fork + exec (and under load the wait for the child to be
 * scheduled) on every operation, so holders are pooled when Perl is available (`perl-base` is an
 * essential Debian package): a small Perl loop calls `flock(2)` itself on request — the same
 * call on the same file as `flock(1)` — answers on stdout, closes the file on "unlock", and
 * exits at the end of its stdin, i.e. when our process dies, dropping any lock it holds. Each
 * pooled holder serves one lock at a time; idle holders do not keep the event loop alive.
 * Without Perl, each lock spawns `flock(1)` as described above.
 *
 * Where `flock(1)` is missing, a lock file `<repo>/.lock-ostree-ts` created with O_EXCL and
 * holding our PID is used instead; a lock whose PID no longer exists is taken over. That fallback
 * serialises ostree-ts processes only.
 *
 * @module
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { OstreeError } from '../errors.js';

/** A held lock; `release()` is idempotent. */
export interface HeldLock {
  release(): Promise<void>;
}

/** Options for {@link lockRepo}. */
export interface LockOptions {
  /** `'exclusive'` (default) or `'shared'`. */
  kind?: 'exclusive' | 'shared';
  /** Seconds to wait (default 300, ostree's `[core] lock-timeout-secs`). */
  timeoutSecs?: number;
  signal?: AbortSignal;
}

let flockMissing = false;
let perlMissing = false;

/** Take the repository lock of the repo at `repoDir`. */
export async function lockRepo(repoDir: string, opts: LockOptions = {}): Promise<HeldLock> {
  const timeout = opts.timeoutSecs ?? 300;
  const path = join(repoDir, '.lock');
  if (!perlMissing && !path.includes('\n')) {
    const held = await lockWithPooledHolder(path, opts.kind ?? 'exclusive', timeout, opts.signal);
    if (held) return held;
    perlMissing = true;
  }
  if (!flockMissing) {
    const held = await lockWithFlock(repoDir, opts.kind ?? 'exclusive', timeout, opts.signal);
    if (held) return held;
    flockMissing = true;
  }
  return lockWithPidFile(repoDir, timeout, opts.signal);
}

/**
 * The pooled holder. Requests on stdin: `L<x|s> <timeout seconds> <path>` (answer `L` locked, `T`
 * timed out, `E <reason>`), `U` (close the file, answer `U`). The file is opened as `flock(1)`
 * opens it (read-only, created 0666 & ~umask when missing). A contended lock is waited for with
 * a blocking `flock(2)` cut short by `alarm` (integer seconds, rounded up).
 *
 * The constants are spelled out rather than taken from Perl's `Fcntl` module, whose loading is
 * half of the holder's start-up (≈ 4.5 → 2.3 ms to the first "locked"), which a one-commit CLI
 * run waits for: `LOCK_*` are `flock(2)`'s values (`<sys/file.h>`), `O_*` this platform's, from
 * `node:fs`.
 */
const HOLDER_SCRIPT = [
  'use strict; sub LOCK_SH(){1} sub LOCK_EX(){2} sub LOCK_NB(){4}' +
    ` sub O_RDONLY(){${constants.O_RDONLY}} sub O_CREAT(){${constants.O_CREAT}} sub O_NOCTTY(){${constants.O_NOCTTY ?? 0}} $| = 1; my $fh;`,
  'while (defined(my $l = <STDIN>)) { chomp $l;',
  ' if ($l eq "U") { close($fh) if $fh; undef $fh; print "U\\n"; next; }',
  ' my ($k, $t, $p) = $l =~ /^L([xs]) (\\d+) (.*)$/s or do { print "E bad request\\n"; next; };',
  ' close($fh) if $fh; undef $fh;',
  ' sysopen($fh, $p, O_RDONLY|O_CREAT|O_NOCTTY, 0666) or do { print "E cannot open $p: $!\\n"; undef $fh; next; };',
  ' my $op = $k eq "x" ? LOCK_EX : LOCK_SH; my $ok = flock($fh, $op | LOCK_NB);',
  ' if (!$ok && $t > 0) { $ok = eval { local $SIG{ALRM} = sub { die "T\\n" }; alarm $t; my $r = flock($fh, $op); alarm 0; $r } }',
  ' if ($ok) { print "L\\n" } else { my $e = $@ eq "T\\n" || !$t || $!{EWOULDBLOCK} || $!{EINTR} ? "T" : "E flock: $!"; close($fh); undef $fh; print "$e\\n" } }',
].join('\n');

interface Holder {
  child: ChildProcessWithoutNullStreams;
  /** Resolves the pending request with the reply line. */
  pending: ((line: string | null) => void) | null;
  dead: boolean;
}

const idle: Holder[] = [];
/** Idle holders kept for reuse. */
const MAX_IDLE = 4;

function setRef(h: Holder, on: boolean): void {
  for (const o of [h.child, h.child.stdout, h.child.stdin, h.child.stderr] as Array<{ ref?: () => void; unref?: () => void }>) {
    if (on) o.ref?.();
    else o.unref?.();
  }
}

function newHolder(): Promise<Holder | null> {
  return new Promise((resolve) => {
    const child = spawn('perl', ['-e', HOLDER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const h: Holder = { child, pending: null, dead: false };
    let buf = '';
    let started = false;
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', () => undefined);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const p = h.pending;
        h.pending = null;
        p?.(line);
      }
    });
    const gone = () => {
      h.dead = true;
      const i = idle.indexOf(h);
      if (i >= 0) idle.splice(i, 1);
      const p = h.pending;
      h.pending = null;
      p?.(null);
    };
    child.on('error', () => {
      gone();
      if (!started) {
        started = true;
        resolve(null);
      }
    });
    child.on('close', gone);
    child.on('spawn', () => {
      if (started) return;
      started = true;
      resolve(h);
    });
  });
}

/** Send one request and wait for its reply line (null: the holder died). */
function request(h: Holder, line: string): Promise<string | null> {
  if (h.dead) return Promise.resolve(null);
  return new Promise((resolve) => {
    h.pending = resolve;
    h.child.stdin.write(`${line}\n`);
  });
}

function retire(h: Holder): void {
  if (h.dead) return;
  if (idle.length < MAX_IDLE) {
    setRef(h, false);
    idle.push(h);
  } else h.child.stdin.end();
}

async function lockWithPooledHolder(path: string, kind: 'exclusive' | 'shared', timeout: number, signal?: AbortSignal): Promise<HeldLock | null> {
  signal?.throwIfAborted();
  let h = idle.pop();
  if (!h) {
    const made = await newHolder();
    if (!made) return null;
    h = made;
  }
  const holder = h;
  setRef(holder, true);
  const onAbort = () => holder.child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  let reply: string | null;
  try {
    reply = await request(holder, `L${kind === 'shared' ? 's' : 'x'} ${Math.max(0, Math.ceil(timeout))} ${path}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw signal.reason;
  if (reply === null) {
    // died before answering (a broken perl, killed): the caller uses flock(1) from now on
    return null;
  }
  if (reply !== 'L') {
    retire(holder);
    if (reply === 'T') throw new OstreeError('LOCKED', `Timed out after ${timeout}s waiting for the repository lock ${path}`);
    throw new OstreeError('LOCKED', `Could not lock ${path}: ${reply.replace(/^E /, '')}`);
  }
  // Do not keep the event loop alive just for the lock holder.
  setRef(holder, false);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      if (holder.dead) return;
      // keep the event loop alive until the holder has dropped the lock
      setRef(holder, true);
      const r = await request(holder, 'U');
      if (r === 'U') retire(holder);
    },
  };
}

function lockWithFlock(
  repoDir: string,
  kind: 'exclusive' | 'shared',
  timeout: number,
  signal?: AbortSignal,
): Promise<HeldLock | null> {
  return new Promise((resolve, reject) => {
    // The holder is `cat`, run by flock(1) once the lock is taken: it echoes the handshake byte we
    // write now (so its first output means "locked") and then waits for the end of its stdin.
    // No shell in between: one exec fewer than `sh -c 'echo L; exec cat'`.
    const args = [kind === 'shared' ? '-s' : '-x', '-w', String(timeout), join(repoDir, '.lock'), 'cat'];
    const child = spawn('flock', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    // EPIPE when flock is missing or gave up before cat started: reported through 'error'/'close'
    child.stdin.on('error', () => undefined);
    child.stdin.write('L\n');
    let settled = false;
    let stderr = '';
    const onAbort = () => {
      child.kill('SIGKILL');
      if (!settled) {
        settled = true;
        reject(signal!.reason);
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      if (e.code === 'ENOENT') resolve(null);
      else reject(e);
    });
    child.stdout.once('data', () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // Do not keep the event loop alive just for the lock holder.
      child.unref();
      (child.stdout as unknown as { unref?: () => void }).unref?.();
      (child.stderr as unknown as { unref?: () => void }).unref?.();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      let released = false;
      resolve({
        release: async () => {
          if (released) return;
          released = true;
          await new Promise<void>((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            // Keep the event loop alive until the holder has exited (it was unref'd while held).
            child.ref();
            (child.stdout as unknown as { ref?: () => void }).ref?.();
            child.once('close', () => res());
            child.stdin.end();
          });
        },
      });
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      if (code === 1 && stderr === '') {
        reject(new OstreeError('LOCKED', `Timed out after ${timeout}s waiting for the repository lock ${join(repoDir, '.lock')}`));
      } else {
        reject(new OstreeError('LOCKED', `Could not lock ${join(repoDir, '.lock')}: ${stderr.trim() || `flock exited ${code}`}`));
      }
    });
  });
}

async function lockWithPidFile(repoDir: string, timeout: number, signal?: AbortSignal): Promise<HeldLock> {
  const path = join(repoDir, '.lock-ostree-ts');
  const deadline = Date.now() + timeout * 1000;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    try {
      await fsp.writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await fsp.unlink(path).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number.parseInt((await fsp.readFile(path, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      await fsp.unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new OstreeError('LOCKED', `Timed out waiting for the repository lock ${path} (held by pid ${owner})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
