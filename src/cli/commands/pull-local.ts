/**
 * `ostree-ts pull-local SRC_REPO [REFS…]` (`ostree pull-local`, `src/ostree/ot-builtin-pull-local.c`):
 * copy commits from a local repository of any mode; refs are written as local heads unless
 * `--remote` is given.
 * @module
 */
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { one, type Command } from '../command.js';
import { PULL_OPTIONS, runPull } from './pull.js';

/** `pull-local` */
export const pullLocalCommand: Command = {
  name: 'pull-local',
  usage: '[OPTION…] SRC_REPO [REFS…]',
  summary: 'Copy data from SRC_REPO',
  repo: true,
  options: {
    ...PULL_OPTIONS,
    remote: { type: 'string', arg: 'REMOTE', description: 'Add REMOTE to refspec (and use its verification settings)' },
  },
  async run(args, io, ctx) {
    const [src, ...refs] = args.positionals;
    if (src === undefined) throw new OstreeError('INVALID_ARGUMENT', 'DESTINATION must be specified');
    const repo = await Repo.open(ctx.repoPath());
    const srcPath = src.startsWith('file://') ? new URL(src).pathname : resolve(io.cwd, src);
    const source = await Repo.open(srcPath);
    const remote = one(args.values.remote);
    return runPull(
      repo,
      {
        sourceRepo: source,
        remote,
        refs,
        localRefs: remote === undefined,
        // pull-local verifies only when asked (`--gpg-verify`), like ostree
        gpgVerify: args.values['gpg-verify'] === true,
        gpgVerifySummary: args.values['gpg-verify-summary'] === true,
        signVerify: false,
      },
      args,
      io,
      ctx,
    );
  },
};
