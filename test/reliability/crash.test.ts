/**
 * Crash safety (issue 8): `commit`, `static-delta generate`, `summary -u`, `build-update-repo`,
 * `publish` (checked on the destination) and `prune` are SIGKILLed
 * at random moments on a real archive repository; after every kill real `ostree fsck` passes, refs
 * point at complete commits, the summary names only existing commits and deltas, every delta
 * superblock has its parts, and re-running the command completes. `npm test` kills each command
 * a few times; `CRASH_KILLS=50 npx vitest run test/reliability/crash.test.ts` is the full run.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { appendFileSync } from 'node:fs';
import { interopSuite } from '../interop/harness.js';
import { cliBundle, cliOk, removeCliBundle } from './cli.js';
import { CrashRepo, removeCrashRepos, crashScenario, killCount, formatCrashStats, type CrashStats } from './crash-harness.js';

const KILLS = killCount(3);
const SEED = process.env.CRASH_SEED ?? 'crash';

function record(s: CrashStats): void {
  console.log(formatCrashStats(s));
  if (process.env.CRASH_REPORT) appendFileSync(process.env.CRASH_REPORT, JSON.stringify({ ...s, problems: s.problems.length, seed: SEED }) + '\n');
}

interopSuite('crash safety (SIGKILL at random moments)', ['ostree'], () => {
  let r: CrashRepo;
  const commits: string[] = [];
  afterAll(removeCliBundle);
  afterAll(removeCrashRepos);
  beforeAll(async () => {
    await cliBundle();
    r = await new CrashRepo().init();
    commits.push(await r.commit('main', 'base'));
  });

  it('commit', async () => {
    const s = await crashScenario(r, {
      name: 'commit',
      prepare: async (i) => ['commit', `--repo=${r.repo}`, '-b', 'main', '-s', `c${i}`, r.tree(`commit-${SEED}-${i}`, 200)],
    }, KILLS, SEED);
    record(s);
    expect(s.problems).toEqual([]);
    commits.push(await r.revParse('main'));
  }, 600_000);

  it('static-delta generate', async () => {
    // Small commits: the pure-TS xz -8 of a large scratch delta would dominate the run.
    const from = await r.commit('delta', 'delta-from', 40);
    const to = await r.commit('delta', 'delta-to', 40);
    const s = await crashScenario(r, {
      name: 'static-delta generate',
      prepare: async (i) => (i % 2 === 0
        ? ['static-delta', 'generate', `--repo=${r.repo}`, `--from=${from}`, `--to=${to}`]
        : ['static-delta', 'generate', `--repo=${r.repo}`, '--empty', `--to=${to}`]),
    }, KILLS, SEED);
    record(s);
    expect(s.problems).toEqual([]);
  }, 600_000);

  it('summary -u', async () => {
    const s = await crashScenario(r, {
      name: 'summary -u',
      prepare: async (i) => {
        if (i % 2 === 0) await r.commit(`side${i}`, `summary-${SEED}-${i}`, 20);
        return ['summary', '-u', `--repo=${r.repo}`];
      },
    }, KILLS, SEED);
    record(s);
    expect(s.problems).toEqual([]);
  }, 600_000);

  it('build-update-repo', async () => {
    const f = await new CrashRepo().init();
    const branch = 'app/org.example.Crash/x86_64/stable';
    await cliOk(['commit', `--repo=${f.repo}`, '-b', branch, '-s', 'base', f.flatpakTree('bur-base')]);
    const s = await crashScenario(f, {
      name: 'build-update-repo',
      prepare: async (i) => {
        await cliOk(['commit', `--repo=${f.repo}`, '-b', branch, '-s', `b${i}`, f.flatpakTree(`bur-${SEED}-${i}`)]);
        return ['build-update-repo', f.repo, '--generate-static-deltas'];
      },
    }, KILLS, SEED);
    record(s);
    expect(s.problems).toEqual([]);
  }, 600_000);

  it('publish', async () => {
    const src = await new CrashRepo().init();
    const branch = 'app/org.example.Crash/x86_64/stable';
    const dest = `${src.dir}/published`;
    const s = await crashScenario({ repo: dest }, { // checks run on the destination
      name: 'publish',
      prepare: async (i) => {
        await cliOk(['commit', `--repo=${src.repo}`, '-b', branch, '-s', `p${i}`, src.flatpakTree(`pub-${SEED}-${i}`)]);
        await cliOk(['build-update-repo', src.repo]);
        return ['publish', src.repo, dest];
      },
    }, KILLS, SEED);
    record(s);
    expect(s.problems).toEqual([]);
  }, 600_000);

  it('prune', async () => {
    const s = await crashScenario(r, {
      name: 'prune',
      prepare: async (i) => {
        await r.commit(null, `garbage-${SEED}-${i}`, 200);
        return ['prune', `--repo=${r.repo}`, '--refs-only'];
      },
    }, KILLS, SEED);
    record(s);
    expect(s.problems).toEqual([]);
  }, 600_000);
});
