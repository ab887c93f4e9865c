/**
 * `ostree-ts config [--group=GROUP] (get KEY|set KEY VALUE|unset KEY)` (`src/ostree/ot-builtin-config.c`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { configGet, configSet, configUnset, languageNames, splitConfigKey } from '../../ops/config.js';
import { one, type Command } from '../command.js';

/** `config` */
export const configCommand: Command = {
  name: 'config',
  usage: '[OPTION…] (get KEY|set KEY VALUE|unset KEY)',
  summary: 'Change repo configuration settings',
  repo: true,
  options: {
    group: { type: 'string', arg: 'GROUP', description: 'Group name' },
  },
  async run(args, io, ctx) {
    const [op, a, b, ...rest] = args.positionals;
    if (op === undefined) throw new OstreeError('INVALID_ARGUMENT', 'OPERATION must be specified');
    const max = op === 'set' ? 3 : 2;
    if (args.positionals.length > max || rest.length) throw new OstreeError('INVALID_ARGUMENT', 'Too many arguments given');
    const group = one(args.values.group);
    const repo = await Repo.open(ctx.repoPath());
    const languages = languageNames(io.env);
    const sectionKey = (k: string): [string, string] => (group !== undefined ? [group, k] : splitConfigKey(k));
    if (op === 'set') {
      if (a === undefined || b === undefined) throw new OstreeError('INVALID_ARGUMENT', group !== undefined ? 'GROUP name, KEY and VALUE must be specified' : 'KEY and VALUE must be specified');
      const [s, k] = sectionKey(a);
      await configSet(repo, s, k, b, { languages });
    } else if (op === 'get' || op === 'unset') {
      if (a === undefined) throw new OstreeError('INVALID_ARGUMENT', group !== undefined ? 'Group name and key must be specified' : 'KEY must be specified');
      const [s, k] = sectionKey(a);
      if (op === 'get') io.stdout.write(`${configGet(repo, s, k)}\n`);
      else await configUnset(repo, s, k, { languages });
    } else {
      throw new OstreeError('INVALID_ARGUMENT', `Unknown operation ${op}`);
    }
    return 0;
  },
};
