/**
 * `ostree-ts cat COMMIT PATH…` (`src/ostree/ot-builtin-cat.c`): file contents to stdout.
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { catFile } from '../../ops/cat.js';
import type { Command } from '../command.js';

/** `cat` */
export const catCommand: Command = {
  name: 'cat',
  usage: '[OPTION…] COMMIT PATH…',
  summary: 'Concatenate contents of files',
  repo: true,
  options: {},
  async run(args, io, ctx) {
    const [rev, ...paths] = args.positionals;
    if (rev === undefined || paths.length === 0) throw new OstreeError('INVALID_ARGUMENT', 'A COMMIT and at least one PATH argument are required');
    const repo = await Repo.open(ctx.repoPath());
    for (const p of paths) io.stdout.write(await catFile(repo, rev, p));
    return 0;
  },
};
