/**
 * Summary benchmark: `ostree summary -u` vs our `updateSummary()` on copies of the same archive
 * repository with 10,000 refs (200 commits made with our commit library, each ref pointing at one
 * of them; every 3rd commit has a `version`). Checks that both summaries are byte-identical once
 * our clock is set to ostree's `last-modified`, then prints wall time, peak RSS and the ratio.
 *
 * Run: `node bench/run.mjs summary` (`--refs=N` to change the ref count). Needs `ostree` on PATH.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repo } from '../src/store/repo.js';
import { commit } from '../src/ops/commit.js';
import { updateSummary } from '../src/ops/summary.js';
import { decodeSummary, summaryInfo } from '../src/format/summary.js';
import { report, scratchDir, timeCommand, timeOurs } from './lib.js';

const arg = process.argv.find((a) => a.startsWith('--refs='));
const nRefs = arg ? Number(arg.slice('--refs='.length)) : 10_000;
const nCommits = 200;

// store/lock.ts unrefs the flock child and then awaits its 'close' on release, which lets a
// top-level-await script exit early (code 13); keep the event loop alive while we work.
const keepAlive = setInterval(() => undefined, 1000);
const { dir, cleanup } = scratchDir();
try {
  const base = join(dir, 'base');
  const repo = await Repo.init(base, { mode: 'archive' });
  const commits: string[] = [];
  for (let i = 0; i < nCommits; i++) {
    const r = await commit(repo, {
      orphan: true,
      trees: [{ kind: 'memory', tree: { type: 'dir', entries: { [`f${i}`]: { type: 'file', content: `file ${i}\n` } } } }],
      subject: `commit ${i}`,
      timestamp: 1577836800 + i * 3600,
      metadataStrings: i % 3 === 0 ? [['version', `1.${i}`]] : [],
    });
    commits.push(r.checksum);
  }
  for (let i = 0; i < nRefs; i++) {
    const name = `app/org.example.App${i}/x86_64/stable`;
    const p = join(base, 'refs/heads', name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, `${commits[i % nCommits]}\n`);
  }
  const theirsRepo = join(dir, 'theirs');
  const oursRepo = join(dir, 'ours');
  cpSync(base, theirsRepo, { recursive: true });
  cpSync(base, oursRepo, { recursive: true });

  const theirs = timeCommand(['ostree', `--repo=${theirsRepo}`, 'summary', '-u']);
  const theirBytes = new Uint8Array(readFileSync(join(theirsRepo, 'summary')));
  const lm = summaryInfo(decodeSummary(theirBytes)).lastModified!;
  const r = await Repo.open(oursRepo);
  let ourBytes: Uint8Array = new Uint8Array(0);
  const ours = await timeOurs(async () => {
    ourBytes = (await updateSummary(r, { now: () => lm })).bytes;
  });
  const identical = Buffer.from(ourBytes).equals(Buffer.from(theirBytes));
  report(`summary -u, ${nRefs} refs over ${nCommits} commits`, [
    { name: `summary -u (${nRefs} refs)`, ours, theirs, extra: { bytes: ourBytes.length, identical: String(identical) } },
  ]);
  if (!identical) process.exitCode = 1;
} finally {
  cleanup();
  clearInterval(keepAlive);
}
