/**
 * build-update-repo benchmark: `flatpak build-update-repo` vs our `buildUpdateRepo()` on copies of
 * the same archive repository holding N small generated apps (`app/org.example.AppN/x86_64/stable`,
 * each commit a `metadata` keyfile + 3 files under `files/`; default N = 500), in three runs:
 *
 * 1. first update (appstream branches + summaries, no deltas);
 * 2. second update of the same repos (nothing changed: appstream skipped, commit data reused from
 *    the previous index, subsummaries reused);
 * 3. first update with `--generate-static-deltas` on fresh copies (N + 1 from-empty deltas).
 *
 * Runs 1 and 2 are repeated on 3 fresh copies and the fastest run of each side is reported (the
 * machine is shared), with the median CPU time (user + system) of each side's runs — steadier than
 * wall time under load (ours from `process.cpuUsage()`, which includes the thread pool; flatpak's
 * from `getrusage`). After run 1 the compat summaries must have the same refs and `xa.cache` data.
 *
 * Run: `node bench/run.mjs update-repo` (`--apps=N`, `--runs=N` fresh copies, default 3). Needs `flatpak` on PATH.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repo } from '../src/store/repo.js';
import { commit } from '../src/ops/commit.js';
import { buildUpdateRepo } from '../src/flatpak/update-repo.js';
import { decodeSummary } from '../src/format/summary.js';
import type { Variant } from '../src/gvariant/value.js';
import { report, scratchDir, timeCommand, timeOurs, type Measured, type Row } from './lib.js';

const arg = process.argv.find((a) => a.startsWith('--apps='));
const nApps = arg ? Number(arg.slice('--apps='.length)) : 500;

const keepAlive = setInterval(() => undefined, 1000);
const { dir, cleanup } = scratchDir();

function cacheOf(repo: string): string {
  const s = decodeSummary(new Uint8Array(readFileSync(join(repo, 'summary'))));
  const c = s.metadata.find(([k]) => k === 'xa.cache')![1];
  const inner = (c.value as Variant).value as Array<[string, unknown]>;
  return JSON.stringify(
    inner.filter(([r]) => r.startsWith('app/')),
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

try {
  const base = join(dir, 'base');
  const repo = await Repo.init(base, { mode: 'archive' });
  for (let i = 0; i < nApps; i++) {
    const id = `org.example.App${i}`;
    await commit(repo, {
      branch: `app/${id}/x86_64/stable`,
      trees: [
        {
          kind: 'memory',
          tree: {
            type: 'dir',
            entries: {
              metadata: { type: 'file', content: `[Application]\nname=${id}\nruntime=org.example.Platform/x86_64/1\nsdk=org.example.Sdk/x86_64/1\n` },
              files: {
                type: 'dir',
                entries: {
                  bin: { type: 'dir', entries: { [`app${i}`]: { type: 'file', mode: 0o755, content: `#!/bin/sh\necho app ${i}\n` } } },
                  share: { type: 'dir', entries: { 'data.txt': { type: 'file', content: `data for app ${i}\n`.repeat(40 + (i % 50)) } } },
                  'common.txt': { type: 'file', content: 'shared by every app\n' },
                },
              },
            },
          },
        },
      ],
      subject: `app ${i}`,
      timestamp: 1700000000 + i,
    });
  }
  const copies = (tag: string) => {
    const t = join(dir, `theirs-${tag}`);
    const o = join(dir, `ours-${tag}`);
    cpSync(base, t, { recursive: true });
    cpSync(base, o, { recursive: true });
    return { t, o };
  };
  const rows: Row[] = [];
  // the machine is shared: take the fastest of REPS fresh runs per side for the no-delta rows
  const repsArg = process.argv.find((a) => a.startsWith('--runs='));
  const REPS = repsArg ? Number(repsArg.slice('--runs='.length)) : 3;
  const best = (xs: Measured[]): Measured => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const m: Record<'t1' | 'o1' | 't2' | 'o2', Measured[]> = { t1: [], o1: [], t2: [], o2: [] };
  const cpu: Record<'t1' | 'o1' | 't2' | 'o2', number[]> = { t1: [], o1: [], t2: [], o2: [] };
  const ours = async (k: 'o1' | 'o2', dir: string): Promise<Measured> => {
    // collect first: timeOurs' own gc() then finds little garbage and costs the measured CPU nothing
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    const r = await timeOurs(async () => buildUpdateRepo(await Repo.open(dir), {}));
    const c = process.cpuUsage(c0);
    cpu[k].push((c.user + c.system) / 1000);
    return r;
  };
  const theirs = (k: 't1' | 't2', dir: string): Measured => {
    const r = timeCommand(['flatpak', 'build-update-repo', dir]);
    cpu[k].push(r.cpuMs);
    return r;
  };
  const med = (xs: number[]): string => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(0);
  let same = true;
  for (let rep = 0; rep < REPS; rep++) {
    const a = copies(`a${rep}`);
    m.t1.push(theirs('t1', a.t));
    m.o1.push(await ours('o1', a.o));
    same &&= cacheOf(a.o) === cacheOf(a.t);
    m.t2.push(theirs('t2', a.t));
    m.o2.push(await ours('o2', a.o));
  }
  rows.push({ name: `update (${nApps} apps)`, ours: best(m.o1), theirs: best(m.t1), extra: { sameCache: String(same), runs: REPS, cpuMedOurs: med(cpu.o1), cpuMedTheirs: med(cpu.t1) } });
  rows.push({ name: 'second update (unchanged)', ours: best(m.o2), theirs: best(m.t2), extra: { runs: REPS, cpuMedOurs: med(cpu.o2), cpuMedTheirs: med(cpu.t2) } });
  const b = copies('b');
  const theirs3 = timeCommand(['flatpak', 'build-update-repo', '--generate-static-deltas', b.t]);
  const ours3 = await timeOurs(async () => buildUpdateRepo(await Repo.open(b.o), { generateStaticDeltas: true }));
  rows.push({ name: 'update --generate-static-deltas', ours: ours3, theirs: theirs3 });
  report(`build-update-repo, ${nApps} small app refs (archive repo)`, rows);
  if (!same) process.exitCode = 1;
} finally {
  cleanup();
  clearInterval(keepAlive);
}
