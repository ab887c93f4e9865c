/**
 * `ostree-ts reset REF COMMIT` (`src/ostree/ot-builtin-reset.c`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { resetRef } from '../../ops/reset.js';
import type { Command } from '../command.js';

/** `reset` */
export const resetCommand: Command = {
  name: 'reset',
  usage: '[OPTION…] REF COMMIT',
  summary: 'Reset a REF to a previous COMMIT',
  repo: true,
  options: {},
  async run(args, _io, ctx) {
    const [ref, rev] = args.positionals;
    if (ref === undefined || rev === undefined) throw new OstreeError('INVALID_ARGUMENT', 'A REF and COMMIT argument is required');
    await resetRef(await Repo.open(ctx.repoPath()), ref, rev);
    return 0;
  },
};
