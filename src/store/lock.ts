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
 * Where `flock(1)` is missing, a lock file `<repo>/.lock-ostree-ts` created with O_EXCL and
 * holding our PID is used instead; a lock whose PID no longer exists is taken over. That fallback
 * serialises ostree-ts processes only.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
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

/** Take the repository lock of the repo at `repoDir`. */
export async function lockRepo(repoDir: string, opts: LockOptions = {}): Promise<HeldLock> {
  const timeout = opts.timeoutSecs ?? 300;
  if (!flockMissing) {
    const held = await lockWithFlock(repoDir, opts.kind ?? 'exclusive', timeout, opts.signal);
    if (held) return held;
    flockMissing = true;
  }
  return lockWithPidFile(repoDir, timeout, opts.signal);
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
