/**
 * `publish` SIGKILLed at 10 seeded-random points
 * while a real `ostree pull` client keeps pulling from the destination (served by our `serve`): every
 * pull succeeds with either the previous or the new commit, and `ostree fsck` stays clean.
 */
import { beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { interopSuite, ostree, projectRoot, tmpdir } from './harness.js';
import { generateTreeSpec, writeTree } from '../util/trees.js';
import { Prng } from '../util/prng.js';
import { publish } from '../../src/ops/publish.js';
import { serveRepo } from '../../src/ops/serve.js';

let cliBundle = '';

/** Bundle the CLI into one file so a child process can run (and be killed) quickly. */
async function bundleCli(): Promise<string> {
  const dir = tmpdir();
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { run } from ${JSON.stringify(join(projectRoot, 'src/cli/main.ts'))};\n` +
      `run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then((c) => { process.exitCode = c; });\n`,
  );
  const out = join(dir, 'cli.mjs');
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error', nodePaths: [join(projectRoot, 'node_modules')], banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
  return out;
}

/** Run the bundled CLI; kill it with SIGKILL after `killAfterMs` (if given). Resolves with the exit code/signal. */
function runCli(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [cliBundle, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = killAfterMs !== undefined ? setTimeout(() => p.kill('SIGKILL'), killAfterMs) : undefined;
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code !== 0 && code !== null) reject(new Error(`publish exited ${code}: ${err}`));
      else resolve({ code, signal, ms: performance.now() - t0 });
    });
  });
}

async function makeSource(): Promise<{ src: string; dir: string; commitV2: () => Promise<string>; v1: string }> {
  const dir = tmpdir();
  writeTree(join(dir, 't1'), generateTreeSpec({ seed: 21, files: 80, safeModes: true, bigFileSize: 200_000, manyFiles: 20, deepDepth: 4 }));
  writeTree(join(dir, 't2'), generateTreeSpec({ seed: 22, files: 80, safeModes: true, bigFileSize: 200_000, manyFiles: 20, deepDepth: 4 }));
  const src = join(dir, 'src');
  await ostree(src, 'init', '--mode=archive');
  await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't1')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-01');
  await ostree(src, 'static-delta', 'generate', '--empty', 'main');
  await ostree(src, 'summary', '-u');
  const v1 = (await ostree(src, 'rev-parse', 'main')).stdout.trim();
  return {
    src,
    dir,
    v1,
    commitV2: async () => {
      await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't2')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-02');
      await ostree(src, 'prune', '--refs-only', '--depth=0');
      await ostree(src, 'static-delta', 'generate', '--empty', 'main');
      await ostree(src, 'summary', '-u');
      return (await ostree(src, 'rev-parse', 'main')).stdout.trim();
    },
  };
}

interopSuite('publish killed with SIGKILL', ['ostree'], () => {
  beforeAll(async () => {
    cliBundle = await bundleCli();
  }, 60_000);

  it('SIGKILLed publishes never break a pulling client (real ostree pull after each kill)', async () => {
    const { src, dir, v1, commitV2 } = await makeSource();
    const dest = join(dir, 'dest');
    await publish(src, dest);
    const server = await serveRepo(dest);
    try {
      const client = join(dir, 'client');
      await ostree(client, 'init', '--mode=archive');
      await ostree(client, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
      await ostree(client, 'pull', 'origin', 'main');
      const v2 = await commitV2();
      // how long does a whole publish take (into a scratch copy in the same state)?
      const probe = join(dir, 'probe');
      await publish(dest, probe);
      const full = (await runCli(['publish', '--delete', '--no-fsync', src, probe])).ms;
      const kills = 10;
      const rng = new Prng('publish-kill');
      let killed = 0;
      for (let i = 0; i < kills; i++) {
        // a seeded random point inside the i-th tenth of a whole publish's duration
        const delay = Math.round(((i + rng.float()) / kills) * full);
        const r = await runCli(['publish', '--delete', '--no-fsync', '-q', src, dest], delay);
        if (r.signal === 'SIGKILL') killed++;
        const fresh = join(dir, `fresh-${i}`);
        await ostree(fresh, 'init', '--mode=bare-user-only');
        await ostree(fresh, 'remote', 'add', '--no-gpg-verify', 'origin', server.url);
        await ostree(fresh, 'pull', 'origin', 'main');
        const got = (await ostree(fresh, 'rev-parse', 'origin:main')).stdout.trim();
        expect([v1, v2]).toContain(got);
        await ostree(fresh, 'fsck');
        if (i % 3 === 0) {
          await ostree(client, 'pull', 'origin', 'main');
          expect([v1, v2]).toContain((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim());
        }
      }
      expect(killed).toBeGreaterThan(0);
      await runCli(['publish', '--delete', src, dest]);
      await ostree(client, 'pull', 'origin', 'main');
      expect((await ostree(client, 'rev-parse', 'origin:main')).stdout.trim()).toBe(v2);
      await ostree(client, 'fsck');
      expect((await publish(src, dest, { delete: true })).copied).toEqual([]);
    } finally {
      await server.close();
    }
  }, 120_000);
});
