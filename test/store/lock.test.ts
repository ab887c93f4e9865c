/**
 * The repository lock: exclusive between ostree-ts writers, shared with ostree's flock on `.lock`,
 * released when the holder dies, and a top-level-await program that takes and releases it exits 0.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { lockRepo } from '../../src/store/lock.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-lock-'));
  dirs.push(d);
  return d;
};
const hasFlock = spawnSync('flock', ['--version']).status === 0;

describe('repository lock', () => {
  it('serialises two holders in one process', async () => {
    const d = tmp();
    const order: string[] = [];
    const a = await lockRepo(d);
    const pending = lockRepo(d).then((b) => {
      order.push('b');
      return b;
    });
    await new Promise((r) => setTimeout(r, 200));
    order.push('a-release');
    await a.release();
    const b = await pending;
    await b.release();
    expect(order).toEqual(['a-release', 'b']);
  });

  it.runIf(hasFlock)("waits for an external flock holder on .lock (ostree's lock) and times out cleanly", async () => {
    const d = tmp();
    // detached: its own process group, so killing the group also kills the `sleep` holding the fd
    const holder = spawn('flock', ['-x', join(d, '.lock'), 'sleep', '30'], { stdio: 'ignore', detached: true });
    await new Promise((r) => setTimeout(r, 300));
    await expect(lockRepo(d, { timeoutSecs: 1 })).rejects.toMatchObject({ code: 'LOCKED' });
    const closed = new Promise((r) => holder.once('close', r));
    process.kill(-holder.pid!, 'SIGKILL');
    await closed;
    const l = await lockRepo(d, { timeoutSecs: 5 });
    await l.release();
  });

  it.runIf(hasFlock)('a held lock is flock(2) on .lock as flock(1) sees it (exclusive, shared) and dies with its process', async () => {
    const d = tmp();
    const busy = () => spawnSync('flock', ['-n', join(d, '.lock'), 'true']).status !== 0;
    const busyShared = () => spawnSync('flock', ['-n', '-s', join(d, '.lock'), 'true']).status !== 0;
    const x = await lockRepo(d);
    expect([busy(), busyShared()]).toEqual([true, true]);
    await x.release();
    expect(busy()).toBe(false);
    const s = await lockRepo(d, { kind: 'shared' });
    expect([busy(), busyShared()]).toEqual([true, false]);
    await s.release();
    // a holder process killed with SIGKILL drops the lock
    const script = join(d, 'hold.mts');
    writeFileSync(script, `import { lockRepo } from ${JSON.stringify(join(__dirname, '../../src/store/lock.ts'))};\nawait lockRepo(${JSON.stringify(d)});\nconsole.log('locked');\nsetInterval(() => undefined, 1000);\n`);
    const esbuild = spawnSync(join(__dirname, '../../node_modules/.bin/esbuild'), [script, '--bundle', '--platform=node', '--format=esm', `--outfile=${join(d, 'hold.mjs')}`]);
    expect(esbuild.status, esbuild.stderr.toString()).toBe(0);
    const child = spawn(process.execPath, [join(d, 'hold.mjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => child.stdout.once('data', r));
    expect(busy()).toBe(true);
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGKILL');
    await closed;
    let freed = false;
    for (let i = 0; i < 50 && !freed; i++) {
      freed = !busy();
      if (!freed) await new Promise((r) => setTimeout(r, 100));
    }
    expect(freed).toBe(true);
  });

  it('a top-level-await program that locks and releases exits 0 (the holder does not keep it alive or cut it short)', () => {
    const d = tmp();
    const script = join(d, 'script.mts');
    writeFileSync(script, `import { lockRepo } from ${JSON.stringify(join(__dirname, '../../src/store/lock.ts'))};\nconst l = await lockRepo(${JSON.stringify(d)});\nawait l.release();\nconsole.log('done');\n`);
    const esbuild = spawnSync(join(__dirname, '../../node_modules/.bin/esbuild'), [script, '--bundle', '--platform=node', '--format=esm', `--outfile=${join(d, 'script.mjs')}`]);
    expect(esbuild.status, esbuild.stderr.toString()).toBe(0);
    const r = spawnSync(process.execPath, [join(d, 'script.mjs')], { timeout: 20_000 });
    expect(r.stdout.toString()).toBe('done\n');
    expect(r.status).toBe(0);
  });
});
