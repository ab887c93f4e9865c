/**
 * `ostree-ts build-commit-from [OPTION…] DST-REPO [DST-REF…]` (`flatpak build-commit-from`,
 * flatpak 1.14 `app/flatpak-builtins-build-commit-from.c`; accepts every option flat-manager
 * passes).
 * @module
 */
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { buildCommitFrom } from '../../flatpak/commit-from.js';
import { intOption, many, one, type Command } from '../command.js';
import { GPG_SIGN_OPTIONS, SIGN_OPTIONS, signersFromArgs } from '../signing-options.js';

/** `build-commit-from` */
export const buildCommitFromCommand: Command = {
  name: 'build-commit-from',
  usage: '[OPTION…] DST-REPO [DST-REF…]',
  summary: 'Make a new commit from existing commits (flatpak build-commit-from)',
  options: {
    'src-repo': { type: 'string', arg: 'SRC-REPO', description: 'Source repo dir' },
    'src-ref': { type: 'string', arg: 'SRC-REF', description: 'Source repo ref' },
    untrusted: { type: 'boolean', description: 'Do not trust SRC-REPO' },
    force: { type: 'boolean', description: 'Always commit, even if same content' },
    'extra-collection-id': { type: 'string', multiple: true, arg: 'COLLECTION-ID', description: 'Add an extra collection id ref and binding' },
    subset: { type: 'string', multiple: true, arg: 'SUBSET', description: 'Add to a named subset' },
    subject: { type: 'string', short: 's', arg: 'SUBJECT', description: 'One line subject' },
    body: { type: 'string', short: 'b', arg: 'BODY', description: 'Full description' },
    'update-appstream': { type: 'boolean', description: 'Update the appstream branch' },
    'no-update-summary': { type: 'boolean', description: "Don't update the summary" },
    ...GPG_SIGN_OPTIONS,
    ...SIGN_OPTIONS,
    'end-of-life': { type: 'string', arg: 'REASON', description: 'Mark build as end-of-life' },
    'end-of-life-rebase': { type: 'string', multiple: true, arg: 'OLDID=NEWID', description: 'Mark refs matching the OLDID prefix as end-of-life, to be replaced with the given NEWID' },
    'token-type': { type: 'string', arg: 'VAL', description: 'Set type of token needed to install this commit' },
    timestamp: { type: 'string', arg: 'TIMESTAMP', description: 'Override the timestamp of the commit (NOW for current time)' },
    'disable-fsync': { type: 'boolean', description: 'Do not invoke fsync()' },
    'no-summary-index': { type: 'boolean', description: "Don't generate a summary index" },
  },
  async run(args, io) {
    const [dst, ...dstRefs] = args.positionals;
    if (dst === undefined) throw new OstreeError('INVALID_ARGUMENT', 'DST-REPO must be specified');
    const tokenType = intOption(one(args.values['token-type']), 'token-type');
    const srcRepo = one(args.values['src-repo']);
    const rebase = many(args.values['end-of-life-rebase']);
    const subsets = args.values.subset === undefined ? undefined : many(args.values.subset);
    const signers = await signersFromArgs(args.values, io);
    const r = await buildCommitFrom(resolve(io.cwd, dst), {
      ...(srcRepo !== undefined ? { srcRepo: resolve(io.cwd, srcRepo) } : {}),
      srcRef: one(args.values['src-ref']),
      dstRefs,
      untrusted: args.values.untrusted === true,
      force: args.values.force === true,
      extraCollectionIds: many(args.values['extra-collection-id']),
      ...(subsets !== undefined ? { subsets } : {}),
      subject: one(args.values.subject),
      body: one(args.values.body),
      endOfLife: one(args.values['end-of-life']),
      ...(rebase.length ? { endOfLifeRebase: rebase } : {}),
      ...(tokenType !== undefined && tokenType >= 0 ? { tokenType } : {}),
      timestamp: one(args.values.timestamp),
      signers,
      updateAppstream: args.values['update-appstream'] === true,
      updateSummary: args.values['no-update-summary'] !== true,
      disableFsync: args.values['disable-fsync'] === true,
      summary: { disableIndex: args.values['no-summary-index'] === true },
    });
    for (const e of r) io.stdout.write(e.checksum === null ? `${e.ref}: no change\n` : `${e.ref}: ${e.checksum}\n`);
    return 0;
  },
};
