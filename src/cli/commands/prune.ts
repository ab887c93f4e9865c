/**
 * `ostree-ts prune` with `ostree prune`'s options and output (`src/ostree/ot-builtin-prune.c`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { prune } from '../../ops/prune.js';
import { intOption, many, one, ProgressRenderer, type Command } from '../command.js';
import { gFormatSize } from './summary.js';

/** Parse `BRANCH=DEPTH` like ostree (`g_ascii_strtoll`, trailing junk ignored). */
function branchDepth(s: string): [string, number] {
  const eq = s.indexOf('=');
  if (eq < 0) throw new OstreeError('INVALID_ARGUMENT', `Invalid value ${s}, must specify BRANCH=DEPTH`);
  const ds = s.slice(eq + 1);
  const m = /^\s*([+-]?\d+)/.exec(ds);
  if (!m) throw new OstreeError('INVALID_ARGUMENT', `Invalid depth ${ds}`);
  const d = Number(m[1]);
  if (!Number.isSafeInteger(d) || d < -1 || d > 2 ** 31 - 1) throw new OstreeError('INVALID_ARGUMENT', `Out of range depth ${ds}`);
  return [s.slice(0, eq), d];
}

/** `prune` */
export const pruneCommand: Command = {
  name: 'prune',
  usage: '[OPTION…]',
  summary: 'Search for unreachable objects',
  repo: true,
  options: {
    'no-prune': { type: 'boolean', description: "Only display unreachable objects; don't delete" },
    'refs-only': { type: 'boolean', description: 'Only compute reachability via refs' },
    depth: { type: 'string', arg: 'DEPTH', description: 'Only traverse DEPTH parents for each commit (default: -1=infinite)' },
    'delete-commit': { type: 'string', arg: 'COMMIT', description: 'Specify a commit to delete' },
    'keep-younger-than': { type: 'string', arg: 'DATE', description: 'Prune all commits older than the specified date' },
    'static-deltas-only': { type: 'boolean', description: 'Change the behavior of delete-commit and keep-younger-than to prune only static deltas' },
    'retain-branch-depth': { type: 'string', multiple: true, arg: 'BRANCH=DEPTH', description: 'Additionally retain BRANCH=DEPTH commits' },
    'only-branch': { type: 'string', multiple: true, arg: 'BRANCH', description: 'Only prune BRANCH (may be specified multiple times)' },
    'commit-only': { type: 'boolean', description: 'Only traverse and delete commit objects.' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run(args, io, ctx) {
    const repo = await Repo.open(ctx.repoPath());
    const depth = intOption(one(args.values.depth), 'depth') ?? -1;
    if (depth < -1) throw new OstreeError('INVALID_ARGUMENT', `Invalid depth ${depth}`);
    const progress = new ProgressRenderer(io, ctx);
    const r = await prune(repo, {
      noPrune: args.values['no-prune'] === true,
      refsOnly: args.values['refs-only'] === true,
      depth,
      deleteCommit: one(args.values['delete-commit']),
      keepYoungerThan: one(args.values['keep-younger-than']),
      staticDeltasOnly: args.values['static-deltas-only'] === true,
      retainBranchDepth: many(args.values['retain-branch-depth']).map(branchDepth),
      onlyBranches: many(args.values['only-branch']),
      commitOnly: args.values['commit-only'] === true,
      onProgress: (e) => progress.update(e.phase === 'traverse' ? `Traversing refs (${e.done}/${e.roots})` : `Deleting objects (${e.deleted}/${e.total})`),
    });
    progress.done();
    if (args.values.json) {
      const { pruned, ...rest } = r;
      io.stdout.write(JSON.stringify({ ...rest, pruned: pruned.map((o) => `${o.checksum}.${o.type}`) }, null, 2) + '\n');
      return 0;
    }
    io.stdout.write(r.commitOnly ? `Total (commit only) objects: ${r.objectsTotal}\n` : `Total objects: ${r.objectsTotal}\n`);
    if (r.objectsPruned === 0) io.stdout.write('No unreachable objects\n');
    else if (r.noPrune) io.stdout.write(`Would delete: ${r.objectsPruned} objects, freeing ${gFormatSize(r.bytesFreed)}\n`);
    else io.stdout.write(`Deleted ${r.objectsPruned} objects, ${gFormatSize(r.bytesFreed)} freed\n`);
    return 0;
  },
};
