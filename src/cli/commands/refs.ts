/**
 * `ostree-ts refs` with `ostree refs`' options (`src/ostree/ot-builtin-refs.c`): list (optionally
 * below PREFIX; `--list` keeps the prefix), `--create=NEWREF REV`, `--alias`, `--delete`,
 * `--collections`, `--force`, plus `--json`.
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { createRef, deleteRefs, listCollectionRefs, listRefs, type RefEntry } from '../../ops/refs.js';
import { one, type Command } from '../command.js';

/** `refs` */
export const refsCommand: Command = {
  name: 'refs',
  usage: '[OPTION…] [PREFIX…]',
  summary: 'List refs',
  repo: true,
  options: {
    delete: { type: 'boolean', description: 'Delete refs which match PREFIX, rather than listing them' },
    list: { type: 'boolean', description: 'Do not remove the prefix from the refs' },
    alias: { type: 'boolean', short: 'A', description: 'If used with --create, create an alias, otherwise just list aliases' },
    create: { type: 'string', arg: 'NEWREF', description: 'Create a new ref for an existing commit' },
    collections: { type: 'boolean', short: 'c', description: 'Enable listing collection IDs for refs' },
    force: { type: 'boolean', description: 'Overwrite existing refs when creating' },
    json: { type: 'boolean', description: 'Print the refs as a JSON array of {name, checksum} (or {name, target} with --alias)' },
  },
  async run(args, io, ctx) {
    const v = args.values;
    const create = one(v.create);
    const prefixes = args.positionals;
    if (prefixes.length >= 2 && create !== undefined) throw new OstreeError('INVALID_ARGUMENT', 'You must specify only 1 existing ref when creating a new ref');
    if (prefixes.length === 0 && v.delete) throw new OstreeError('INVALID_ARGUMENT', 'At least one PREFIX is required when deleting refs');
    if (prefixes.length === 0 && create !== undefined) throw new OstreeError('INVALID_ARGUMENT', 'You must specify a revision when creating a new ref');
    const repo = await Repo.open(ctx.repoPath());
    const json: unknown[] = [];
    for (const prefix of prefixes.length ? prefixes : [undefined]) {
      if (create !== undefined) {
        await createRef(repo, create, prefix!, { alias: v.alias === true, force: v.force === true, collections: v.collections === true });
      } else if (v.delete) {
        await deleteRefs(repo, prefix!, { collections: v.collections === true });
      } else if (v.collections) {
        for (const r of await listCollectionRefs(repo, prefix)) {
          if (v.json) json.push(r);
          else io.stdout.write(`(${r.collectionId}, ${r.ref})\n`);
        }
      } else {
        const refs: RefEntry[] = await listRefs(repo, { prefix, cutPrefix: !(v.list || v.alias), aliases: v.alias === true });
        for (const r of refs) {
          if (v.json) json.push(v.alias ? { name: r.name, target: r.aliasTarget } : { name: r.name, checksum: r.checksum });
          else io.stdout.write(v.alias ? `${r.name} -> ${r.aliasTarget}\n` : `${r.name}\n`);
        }
      }
    }
    if (v.json && create === undefined && !v.delete) io.stdout.write(JSON.stringify(json, null, 2) + '\n');
    return 0;
  },
};
