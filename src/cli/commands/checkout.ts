/**
 * `ostree-ts checkout [-U] [--union] [--subpath=PATH] COMMIT [DESTINATION]` (`ostree checkout`).
 * @module
 */
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { checkout } from '../../ops/checkout.js';
import { one, ProgressRenderer, formatBytes, type Command } from '../command.js';

/** `checkout` */
export const checkoutCommand: Command = {
  name: 'checkout',
  usage: '[OPTION…] COMMIT [DESTINATION]',
  summary: 'Check out a commit into a filesystem tree',
  repo: true,
  options: {
    'user-mode': { type: 'boolean', short: 'U', description: 'Do not change file ownership or initialize extended attributes' },
    union: { type: 'boolean', description: 'Keep existing directories, overwrite existing files' },
    'union-add': { type: 'boolean', description: 'Keep existing files/directories, only add new' },
    subpath: { type: 'string', arg: 'PATH', description: 'Checkout sub-directory PATH' },
  },
  async run(args, io, ctx) {
    const [rev, dest] = args.positionals;
    if (!rev) throw new OstreeError('INVALID_ARGUMENT', 'COMMIT must be specified');
    const repo = await Repo.open(ctx.repoPath());
    const progress = new ProgressRenderer(io, ctx);
    const target = resolve(io.cwd, dest ?? rev);
    await checkout(repo, rev, target, {
      userMode: args.values['user-mode'] === true ? true : undefined,
      union: args.values.union === true,
      unionAdd: args.values['union-add'] === true,
      subpath: one(args.values.subpath),
      onProgress: (e) => progress.update(`Checking out: ${e.files} files, ${formatBytes(e.bytes)}`),
    });
    progress.done();
    return 0;
  },
};
