/**
 * `ostree-ts rev-parse [--single] REV…` (`src/ostree/ot-builtin-rev-parse.c`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { revParse, revParseSingle } from '../../ops/rev-parse.js';
import type { Command } from '../command.js';

/** `rev-parse` */
export const revParseCommand: Command = {
  name: 'rev-parse',
  usage: '[OPTION…] REV…',
  summary: 'Output the target of a rev',
  repo: true,
  options: {
    single: { type: 'boolean', short: 'S', description: 'If the repository has exactly one commit, then print it; any other case will result in an error' },
  },
  async run(args, io, ctx) {
    if (args.values.single) {
      if (args.positionals.length) throw new OstreeError('INVALID_ARGUMENT', 'Cannot specify arguments with --single');
      io.stdout.write(`${await revParseSingle(await Repo.open(ctx.repoPath()))}\n`);
      return 0;
    }
    if (!args.positionals.length) throw new OstreeError('INVALID_ARGUMENT', 'REV must be specified');
    const repo = await Repo.open(ctx.repoPath());
    // print as we go, like ostree (earlier revs are printed before a later one fails)
    for (const r of args.positionals) io.stdout.write(`${(await revParse(repo, [r]))[0]}\n`);
    return 0;
  },
};
