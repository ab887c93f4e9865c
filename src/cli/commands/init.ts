/**
 * `ostree-ts init --mode=MODE [--collection-id=ID]` (`ostree init`).
 * @module
 */
import { Repo } from '../../store/repo.js';
import { repoModeFromString } from '../../format/object-type.js';
import { one, type Command } from '../command.js';

/** `init` */
export const initCommand: Command = {
  name: 'init',
  usage: '[OPTION…]',
  summary: 'Initialize a new empty repository',
  repo: true,
  options: {
    mode: { type: 'string', arg: 'MODE', description: 'Initialize repository in given mode (archive, bare-user-only; default archive)' },
    'collection-id': { type: 'string', arg: 'COLLECTION-ID', description: 'Globally unique ID for this repository as a collection of refs for redistribution to other repositories' },
  },
  async run(args, _io, ctx) {
    const mode = repoModeFromString(one(args.values.mode) ?? 'archive');
    await Repo.init(ctx.repoPath(), { mode, collectionId: one(args.values['collection-id']) });
    return 0;
  },
};
