/**
 * `ostree-ts fsck [--all] [--delete]` (`ostree fsck`): exit 1 when anything is wrong.
 * @module
 */
import { Repo } from '../../store/repo.js';
import { fsck } from '../../ops/fsck.js';
import { ProgressRenderer, type Command } from '../command.js';

/** `fsck` */
export const fsckCommand: Command = {
  name: 'fsck',
  usage: '[OPTION…]',
  summary: 'Check the repository for consistency',
  repo: true,
  options: {
    all: { type: 'boolean', description: 'Also check objects no commit references' },
    delete: { type: 'boolean', description: 'Remove corrupted objects' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run(args, io, ctx) {
    const repo = await Repo.open(ctx.repoPath());
    const progress = new ProgressRenderer(io, ctx);
    if (!ctx.quiet && !args.values.json) io.stdout.write('Validating refs...\n');
    const r = await fsck(repo, {
      all: args.values.all === true,
      deleteCorrupt: args.values.delete === true,
      onProgress: (e) => {
        if (e.phase === 'objects') progress.update(`fsck objects (${e.checked} checked)`);
      },
    });
    progress.done();
    if (args.values.json) {
      io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    } else {
      if (!ctx.quiet) {
        io.stdout.write(`Verifying content integrity of ${r.commits} commit objects...\n`);
        if (r.partialCommits) io.stdout.write(`${r.partialCommits} partial commits not verified\n`);
      }
      for (const p of r.problems) io.stderr.write(`error: ${p.message}\n`);
      if (r.problems.length === 0 && !ctx.quiet) io.stdout.write(`object fsck of ${r.commits} commits completed successfully - no errors found.\n`);
    }
    return r.problems.length ? 1 : 0;
  },
};
