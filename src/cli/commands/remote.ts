/**
 * `ostree-ts remote add|delete|list|show-url` (`src/ostree/ot-remote-builtin-*.c`): remotes in the
 * repository config. Pulling and GPG key import are not part of this command.
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { remoteAdd, remoteDelete, remoteGetUrl, remoteList } from '../../ops/remote.js';
import { languageNames } from '../../ops/config.js';
import { fetchRemoteSummary, listRemoteSummaryRefs } from '../../ops/pull.js';
import { formatSummaryRaw, formatSummaryView } from './summary.js';
import { keyValue, many, one, type Command } from '../command.js';

/** `remote` */
export const remoteCommand: Command = {
  name: 'remote',
  usage: '[OPTION…] (add NAME URL [BRANCH…]|delete NAME|list|show-url NAME|summary NAME|refs NAME)',
  summary: 'Remote commands that may involve network access',
  repo: true,
  options: {
    set: { type: 'string', multiple: true, arg: 'KEY=VALUE', description: 'add: Set config option KEY=VALUE for remote' },
    'no-gpg-verify': { type: 'boolean', description: 'add: Disable GPG verification' },
    'no-sign-verify': { type: 'boolean', description: 'add: Disable signature verification' },
    'if-not-exists': { type: 'boolean', description: 'add: Do nothing if the provided remote exists' },
    force: { type: 'boolean', description: 'add: Replace the provided remote if it exists' },
    'custom-backend': { type: 'string', arg: 'NAME', description: 'add: This remote has content not fetched via libostree' },
    contenturl: { type: 'string', arg: 'URL', description: 'add: Use URL when fetching content' },
    'collection-id': { type: 'string', arg: 'COLLECTION-ID', description: 'add: Globally unique ID for this repository as an collection of refs for redistribution to other repositories' },
    'if-exists': { type: 'boolean', description: 'delete: Do nothing if the provided remote does not exist' },
    'show-urls': { type: 'boolean', short: 'u', description: 'list: Show remote URLs in list' },
    json: { type: 'boolean', description: 'list: Print remotes as a JSON array of {name, url}' },
    raw: { type: 'boolean', description: 'summary: Show raw variant data' },
  },
  async run(args, io, ctx) {
    const v = args.values;
    const [sub, ...pos] = args.positionals;
    if (sub === undefined) throw new OstreeError('INVALID_ARGUMENT', 'No "remote" subcommand specified');
    const repo = await Repo.open(ctx.repoPath());
    const languages = languageNames(io.env);
    switch (sub) {
      case 'add': {
        const [name, url, ...branches] = pos;
        const custom = one(v['custom-backend']);
        if (name === undefined || (url === undefined && custom === undefined)) {
          throw new OstreeError('INVALID_ARGUMENT', custom !== undefined ? 'NAME must be specified' : 'NAME and URL must be specified');
        }
        await remoteAdd(repo, name, url, {
          languages,
          branches,
          contentUrl: one(v.contenturl),
          customBackend: custom,
          set: many(v.set).map((s) => keyValue(s, 'option')),
          noGpgVerify: v['no-gpg-verify'] === true,
          noSignVerify: v['no-sign-verify'] === true,
          collectionId: one(v['collection-id']),
          ifNotExists: v['if-not-exists'] === true,
          force: v.force === true,
        });
        return 0;
      }
      case 'delete': {
        const name = pos[0];
        if (name === undefined) throw new OstreeError('INVALID_ARGUMENT', 'NAME must be specified');
        await remoteDelete(repo, name, { languages, ifExists: v['if-exists'] === true });
        return 0;
      }
      case 'list': {
        const remotes = remoteList(repo);
        if (v.json) {
          io.stdout.write(JSON.stringify(remotes, null, 2) + '\n');
        } else if (v['show-urls']) {
          const width = Math.max(0, ...remotes.map((r) => Buffer.byteLength(r.name)));
          for (const r of remotes) io.stdout.write(`${r.name.padEnd(width - (Buffer.byteLength(r.name) - r.name.length))}  ${remoteGetUrl(repo, r.name)}\n`);
        } else {
          for (const r of remotes) io.stdout.write(`${r.name}\n`);
        }
        return 0;
      }
      case 'show-url': {
        const name = pos[0];
        if (name === undefined) throw new OstreeError('INVALID_ARGUMENT', 'NAME must be specified');
        io.stdout.write(`${remoteGetUrl(repo, name)}\n`);
        return 0;
      }
      case 'summary': {
        const name = pos[0];
        if (name === undefined) throw new OstreeError('INVALID_ARGUMENT', 'NAME must be specified');
        const { summary } = await fetchRemoteSummary(repo, name);
        io.stdout.write(v.raw ? formatSummaryRaw(summary) : formatSummaryView(summary));
        return 0;
      }
      case 'refs': {
        const name = pos[0];
        if (name === undefined) throw new OstreeError('INVALID_ARGUMENT', 'NAME must be specified');
        const refs = await listRemoteSummaryRefs(repo, name);
        if (v.json) io.stdout.write(JSON.stringify(refs, null, 2) + '\n');
        else for (const r of refs) io.stdout.write(r.collectionId ? `${name}:(${r.collectionId}, ${r.ref})\n` : `${name}:${r.ref}\n`);
        return 0;
      }
      default:
        throw new OstreeError('INVALID_ARGUMENT', `Unknown "remote" subcommand '${sub}'`);
    }
  },
};
