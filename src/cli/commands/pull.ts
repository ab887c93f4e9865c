/**
 * `ostree-ts pull REMOTE [REFS…]` (`ostree pull`, `src/ostree/ot-builtin-pull.c`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { pull, type PullOptions, type PullResult } from '../../ops/pull.js';
import { formatBytes, intOption, one, ProgressRenderer, type Command, type CliIO, type CommandContext, type Parsed } from '../command.js';

/** Options shared by `pull` and `pull-local`. */
export const PULL_OPTIONS: Command['options'] = {
  depth: { type: 'string', arg: 'DEPTH', description: 'Traverse DEPTH parents (-1=infinite) (default: 0)' },
  mirror: { type: 'boolean', description: 'Write refs suitable for a mirror and fetch all refs if none provided' },
  'commit-metadata-only': { type: 'boolean', description: 'Fetch only the commit metadata' },
  'disable-static-deltas': { type: 'boolean', description: 'Do not use static deltas' },
  'require-static-deltas': { type: 'boolean', description: 'Require static deltas' },
  'gpg-verify': { type: 'boolean', description: 'GPG verify commits (must specify --remote for pull-local)' },
  'gpg-verify-summary': { type: 'boolean', description: 'GPG verify the summary' },
  'disable-verify-bindings': { type: 'boolean', description: 'Do not verify commit bindings' },
  json: { type: 'boolean', description: 'Print the result as JSON' },
};

/** Run a pull with CLI progress and output. */
export async function runPull(repo: Repo, opts: PullOptions, args: Parsed, io: CliIO, ctx: CommandContext): Promise<number> {
  const v = args.values;
  const progress = new ProgressRenderer(io, ctx);
  const r: PullResult = await pull(repo, {
    ...opts,
    depth: intOption(one(v.depth), 'depth'),
    mirror: v.mirror === true,
    commitMetadataOnly: v['commit-metadata-only'] === true,
    disableStaticDeltas: v['disable-static-deltas'] === true,
    requireStaticDeltas: v['require-static-deltas'] === true,
    disableVerifyBindings: v['disable-verify-bindings'] === true,
    ...(v['gpg-verify'] === true ? { gpgVerify: true } : {}),
    ...(v['gpg-verify-summary'] === true ? { gpgVerifySummary: true } : {}),
    onProgress: (e) => {
      if (e.phase === 'objects') progress.update(`Receiving objects: ${e.fetched} (${formatBytes(e.bytes)})`);
      else if (e.phase === 'delta') progress.update(`Receiving delta ${e.name} (${e.parts} parts)`);
    },
  });
  progress.done();
  if (v.json) {
    io.stdout.write(JSON.stringify(r, null, 2) + '\n');
  } else if (!ctx.quiet) {
    if (r.deltasUsed.length > 0) io.stdout.write(`${r.deltasUsed.length} static deltas applied\n`);
    io.stdout.write(`${r.fetchedMetadata} metadata, ${r.fetchedContent} content objects fetched; ${formatBytes(r.bytes)} transferred\n`);
  }
  return 0;
}

/** `pull` */
export const pullCommand: Command = {
  name: 'pull',
  usage: '[OPTION…] REMOTE [BRANCH…]',
  summary: 'Download data from a remote repository',
  repo: true,
  options: {
    ...PULL_OPTIONS,
    url: { type: 'string', arg: 'URL', description: 'Pull objects from this URL instead of the one from the remote config' },
  },
  async run(args, io, ctx) {
    const [remote, ...refs] = args.positionals;
    if (remote === undefined) throw new OstreeError('INVALID_ARGUMENT', 'REMOTE must be specified');
    const repo = await Repo.open(ctx.repoPath());
    const at = remote.indexOf(':');
    const name = at > 0 ? remote.slice(0, at) : remote;
    const allRefs = at > 0 ? [remote.slice(at + 1), ...refs] : refs;
    return runPull(repo, { remote: name, refs: allRefs, url: one(args.values.url) }, args, io, ctx);
  },
};
