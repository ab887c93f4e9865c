/**
 * `ostree-ts build-export [OPTION…] LOCATION DIRECTORY [BRANCH]` (`flatpak build-export`,
 * flatpak 1.14 `app/flatpak-builtins-build-export.c`; output as there).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { buildExport } from '../../flatpak/export.js';
import { intOption, many, one, type Command } from '../command.js';
import { GPG_SIGN_OPTIONS, signersFromArgs } from '../signing-options.js';
import { gFormatSize } from './summary.js';
import { resolve } from 'node:path';

/** `build-export` */
export const buildExportCommand: Command = {
  name: 'build-export',
  usage: '[OPTION…] LOCATION DIRECTORY [BRANCH]',
  summary: 'Create a repository from a build directory (flatpak build-export)',
  options: {
    subject: { type: 'string', short: 's', arg: 'SUBJECT', description: 'One line subject' },
    body: { type: 'string', short: 'b', arg: 'BODY', description: 'Full description' },
    arch: { type: 'string', arg: 'ARCH', description: 'Architecture to export for (must be host compatible)' },
    runtime: { type: 'boolean', short: 'r', description: 'Commit runtime (/usr), not /app' },
    'update-appstream': { type: 'boolean', description: 'Update the appstream branch' },
    'no-update-summary': { type: 'boolean', description: "Don't update the summary" },
    files: { type: 'string', arg: 'SUBDIR', description: 'Use alternative directory for the files' },
    metadata: { type: 'string', arg: 'FILE', description: 'Use alternative file for the metadata' },
    ...GPG_SIGN_OPTIONS,
    exclude: { type: 'string', multiple: true, arg: 'PATTERN', description: 'Files to exclude' },
    include: { type: 'string', multiple: true, arg: 'PATTERN', description: 'Excluded files to include' },
    subset: { type: 'string', multiple: true, arg: 'SUBSET', description: 'Add to a named subset' },
    'end-of-life': { type: 'string', arg: 'REASON', description: 'Mark build as end-of-life' },
    'end-of-life-rebase': { type: 'string', arg: 'ID', description: 'Mark build as end-of-life, to be replaced with the given ID' },
    'token-type': { type: 'string', arg: 'VAL', description: 'Set type of token needed to install this commit' },
    timestamp: { type: 'string', arg: 'TIMESTAMP', description: 'Override the timestamp of the commit' },
    'collection-id': { type: 'string', arg: 'COLLECTION-ID', description: 'Collection ID' },
    'disable-fsync': { type: 'boolean', description: 'Do not invoke fsync()' },
    'disable-sandbox': { type: 'boolean', description: 'Do not sandbox icon validator (accepted; exports are not validated)' },
    'no-summary-index': { type: 'boolean', description: "Don't generate a summary index" },
    'built-with': { type: 'string', arg: 'TEXT', description: "Tool named in the default body's 'Built with:' line (default ostree-ts)" },
  },
  async run(args, io) {
    const [location, directory, branch, ...extra] = args.positionals;
    if (location === undefined || directory === undefined) throw new OstreeError('INVALID_ARGUMENT', 'LOCATION and DIRECTORY must be specified');
    if (extra.length) throw new OstreeError('INVALID_ARGUMENT', 'Too many arguments');
    const tokenType = intOption(one(args.values['token-type']), 'token-type');
    const signers = await signersFromArgs(args.values, io);
    const r = await buildExport(resolve(io.cwd, location), resolve(io.cwd, directory), {
      ...(branch !== undefined ? { branch } : {}),
      runtime: args.values.runtime === true,
      files: one(args.values.files),
      metadata: one(args.values.metadata),
      arch: one(args.values.arch),
      subject: one(args.values.subject),
      body: one(args.values.body),
      builtWith: one(args.values['built-with']),
      timestamp: one(args.values.timestamp),
      collectionId: one(args.values['collection-id']),
      signers,
      exclude: many(args.values.exclude),
      include: many(args.values.include),
      subsets: many(args.values.subset),
      endOfLife: one(args.values['end-of-life']),
      endOfLifeRebase: one(args.values['end-of-life-rebase']),
      ...(tokenType !== undefined && tokenType >= 0 ? { tokenType } : {}),
      updateAppstream: args.values['update-appstream'] === true,
      updateSummary: args.values['no-update-summary'] !== true,
      disableFsync: args.values['disable-fsync'] === true,
      onWarning: (w) => io.stdout.write(`WARNING: ${w}\n`),
      summary: { disableIndex: args.values['no-summary-index'] === true },
    });
    const s = r.stats;
    io.stdout.write(
      `Commit: ${r.checksum}\nMetadata Total: ${s.metadataTotal}\nMetadata Written: ${s.metadataWritten}\n` +
        `Content Total: ${s.contentTotal}\nContent Written: ${s.contentWritten}\n` +
        `Content Bytes Written: ${s.contentBytesWritten} (${gFormatSize(s.contentBytesWritten)})\n`,
    );
    return 0;
  },
};
