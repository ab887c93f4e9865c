/**
 * `ostree-ts build-sign [OPTION…] LOCATION [ID [BRANCH]]` (`flatpak build-sign`, flatpak 1.14
 * `app/flatpak-builtins-build-sign.c`).
 * @module
 */
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { buildSign } from '../../flatpak/build-sign.js';
import { one, type Command } from '../command.js';
import { GPG_SIGN_OPTIONS, SIGN_OPTIONS, signersFromArgs } from '../signing-options.js';

/** `build-sign` */
export const buildSignCommand: Command = {
  name: 'build-sign',
  usage: '[OPTION…] LOCATION [ID [BRANCH]]',
  summary: 'Sign an application or runtime (flatpak build-sign)',
  options: {
    arch: { type: 'string', arg: 'ARCH', description: 'Arch to install for' },
    runtime: { type: 'boolean', description: 'Look for runtime with the specified name' },
    ...GPG_SIGN_OPTIONS,
    ...SIGN_OPTIONS,
  },
  async run(args, io) {
    const [location, id, branch, ...extra] = args.positionals;
    if (location === undefined) throw new OstreeError('INVALID_ARGUMENT', 'LOCATION must be specified');
    if (extra.length) throw new OstreeError('INVALID_ARGUMENT', 'Too many arguments');
    const signers = await signersFromArgs(args.values, io);
    if (!signers.length) throw new OstreeError('INVALID_ARGUMENT', 'No gpg key ids specified');
    const repo = await Repo.open(resolve(io.cwd, location));
    await buildSign(repo, {
      signers,
      ...(id !== undefined ? { id } : {}),
      ...(branch !== undefined ? { branch } : {}),
      arch: one(args.values.arch),
      runtime: args.values.runtime === true,
    });
    return 0;
  },
};
