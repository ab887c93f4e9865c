/**
 * When the CLI applies its process tuning (`RunOptions.tuneRuntime`, `cli/runtime.ts`): as soon as
 * the command's modules are loaded, except for `commit`, which waits for its content workers and
 * does not tune at all when it writes everything in-thread.
 */
import { describe, it, expect, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cli } from './io.js';
import { tempDirs } from '../util/scratch.js';

const tmp = tempDirs('cli-runtime');

describe('CLI process tuning', () => {
  it('a small commit (written in-thread) never tunes; other commands tune once', async () => {
    const d = tmp();
    const repo = join(d, 'repo');
    let n = 0;
    const tuneRuntime = () => n++;
    expect((await cli(['init', `--repo=${repo}`, '--mode=bare-user-only'], { tuneRuntime })).code).toBe(0);
    expect(n).toBe(1);
    mkdirSync(join(d, 'tree'));
    writeFileSync(join(d, 'tree', 'a'), 'small');
    const r = await cli(['commit', `--repo=${repo}`, '-b', 'x', join(d, 'tree')], { tuneRuntime });
    expect(r.code, r.stderr).toBe(0);
    expect(n).toBe(1);
  });

  it('a large commit tunes once its content workers are up', async () => {
    const d = tmp();
    const repo = join(d, 'repo');
    expect((await cli(['init', `--repo=${repo}`, '--mode=bare-user-only'])).code).toBe(0);
    mkdirSync(join(d, 'tree'));
    for (let i = 0; i < 48; i++) writeFileSync(join(d, 'tree', `f${i}`), randomBytes(64 * 1024));
    const tuneRuntime = vi.fn();
    const r = await cli(['commit', `--repo=${repo}`, '-b', 'x', join(d, 'tree')], { tuneRuntime });
    expect(r.code, r.stderr).toBe(0);
    await vi.waitFor(() => expect(tuneRuntime).toHaveBeenCalledTimes(1));
  });
});
