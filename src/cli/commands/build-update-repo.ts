/**
 * `ostree-ts build-update-repo [OPTION…] LOCATION` (`flatpak build-update-repo`, flatpak 1.14
 * `app/flatpak-builtins-build-update-repo.c`), including the hidden
 * `--generate-static-delta-from/-to/-ref` single-delta mode flat-manager uses. Progress lines go to
 * stderr; `--json` prints a summary of what changed on stdout.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { buildUpdateRepo, generateOneDelta, type BuildUpdateRepoOptions } from '../../flatpak/update-repo.js';
import { many, one, type CliIO, type Command } from '../command.js';
import { GPG_SIGN_OPTIONS, signersFromArgs } from '../signing-options.js';

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v.trim())) throw new OstreeError('INVALID_ARGUMENT', `Cannot parse integer value “${v}” for --${name}`);
  return Number.parseInt(v, 10);
}

async function readStdin(io: CliIO): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  const s = io.stdin ?? process.stdin;
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x), 2);

/** `build-update-repo` */
export const buildUpdateRepoCommand: Command = {
  name: 'build-update-repo',
  usage: '[OPTION…] LOCATION',
  summary: 'Update repository metadata (flatpak build-update-repo)',
  options: {
    'redirect-url': { type: 'string', arg: 'URL', description: 'Redirect this repo to a new URL' },
    title: { type: 'string', arg: 'TITLE', description: 'A nice name to use for this repository' },
    comment: { type: 'string', arg: 'COMMENT', description: 'A one-line comment for this repository' },
    description: { type: 'string', arg: 'DESCRIPTION', description: 'A full-paragraph description for this repository' },
    homepage: { type: 'string', arg: 'URL', description: 'URL for a website for this repository' },
    icon: { type: 'string', arg: 'URL', description: 'URL for an icon for this repository' },
    'default-branch': { type: 'string', arg: 'BRANCH', description: 'Default branch to use for this repository' },
    'collection-id': { type: 'string', arg: 'COLLECTION-ID', description: 'Collection ID' },
    'deploy-sideload-collection-id': { type: 'boolean', description: 'Permanently deploy collection ID to client remote configurations, only for sideload support' },
    'deploy-collection-id': { type: 'boolean', description: 'Permanently deploy collection ID to client remote configurations' },
    'authenticator-name': { type: 'string', arg: 'NAME', description: 'Name of authenticator for this repository' },
    'authenticator-install': { type: 'boolean', description: 'Autoinstall authenticator for this repository' },
    'no-authenticator-install': { type: 'boolean', description: "Don't autoinstall authenticator for this repository" },
    'authenticator-option': { type: 'string', multiple: true, arg: 'KEY=VALUE', description: 'Authenticator option' },
    'gpg-import': { type: 'string', multiple: true, arg: 'FILE', description: 'Import new default GPG public key from FILE (- for stdin)' },
    ...GPG_SIGN_OPTIONS,
    'generate-static-deltas': { type: 'boolean', description: 'Generate delta files' },
    'no-update-summary': { type: 'boolean', description: "Don't update the summary" },
    'no-update-appstream': { type: 'boolean', description: "Don't update the appstream branch" },
    'static-delta-jobs': { type: 'string', arg: 'NUM-JOBS', description: 'Max parallel jobs when creating deltas (default: NUMCPUs)' },
    'static-delta-ignore-ref': { type: 'string', multiple: true, arg: 'PATTERN', description: "Don't create deltas matching refs" },
    prune: { type: 'boolean', description: 'Prune unused objects' },
    'prune-dry-run': { type: 'boolean', description: "Prune but don't actually remove anything" },
    'prune-depth': { type: 'string', arg: 'DEPTH', description: 'Only traverse DEPTH parents for each commit (default: -1=infinite)' },
    'generate-static-delta-from': { type: 'string', arg: 'FROM', description: '(flat-manager) generate only this delta: source commit' },
    'generate-static-delta-to': { type: 'string', arg: 'TO', description: '(flat-manager) generate only this delta: target commit' },
    'generate-static-delta-ref': { type: 'string', arg: 'REF', description: '(flat-manager) ref named in the progress line' },
    'no-summary-index': { type: 'boolean', description: "Don't generate a summary index" },
    json: { type: 'boolean', description: 'Print what changed as JSON on stdout' },
  },
  async run(args, io) {
    const [location, ...extra] = args.positionals;
    if (location === undefined) throw new OstreeError('INVALID_ARGUMENT', 'LOCATION must be specified');
    if (extra.length) throw new OstreeError('INVALID_ARGUMENT', 'Too many arguments');
    const v = args.values;
    const progress = (m: string): void => void io.stderr.write(`${m}\n`);
    const repo = await Repo.open(resolve(io.cwd, location));
    const to = one(v['generate-static-delta-to']);
    if (to !== undefined) {
      const from = one(v['generate-static-delta-from']);
      const ref = one(v['generate-static-delta-ref']);
      const name = await generateOneDelta(repo, { to, from: from ?? null, ...(ref !== undefined ? { ref } : {}), onProgress: progress });
      if (v.json) io.stdout.write(`${json({ deltasGenerated: [name] })}\n`);
      return 0;
    }
    const gpgImport: Uint8Array[] = [];
    for (const f of many(v['gpg-import'])) gpgImport.push(f === '-' ? await readStdin(io) : new Uint8Array(await readFile(resolve(io.cwd, f))));
    const signers = await signersFromArgs(v, io);
    const opts: BuildUpdateRepoOptions = {
      signers,
      onProgress: progress,
      generateStaticDeltas: v['generate-static-deltas'] === true,
      noUpdateSummary: v['no-update-summary'] === true,
      noUpdateAppstream: v['no-update-appstream'] === true,
      noSummaryIndex: v['no-summary-index'] === true,
      prune: v.prune === true,
      pruneDryRun: v['prune-dry-run'] === true,
      deploySideloadCollectionId: v['deploy-sideload-collection-id'] === true,
      deployCollectionId: v['deploy-collection-id'] === true,
      staticDeltaIgnoreRefs: many(v['static-delta-ignore-ref']),
      authenticatorOptions: many(v['authenticator-option']),
    };
    const strings: Array<[string, keyof BuildUpdateRepoOptions]> = [
      ['title', 'title'],
      ['comment', 'comment'],
      ['description', 'description'],
      ['homepage', 'homepage'],
      ['icon', 'icon'],
      ['redirect-url', 'redirectUrl'],
      ['default-branch', 'defaultBranch'],
      ['authenticator-name', 'authenticatorName'],
      ['collection-id', 'collectionId'],
    ];
    for (const [flag, key] of strings) {
      const s = one(v[flag]);
      if (s !== undefined) (opts as Record<string, unknown>)[key] = s;
    }
    if (v['no-authenticator-install'] === true) opts.authenticatorInstall = false;
    else if (v['authenticator-install'] === true) opts.authenticatorInstall = true;
    if (gpgImport.length) opts.gpgImport = gpgImport;
    const jobs = int(one(v['static-delta-jobs']), 'static-delta-jobs');
    if (jobs !== undefined) opts.staticDeltaJobs = jobs;
    const depth = int(one(v['prune-depth']), 'prune-depth');
    if (depth !== undefined) opts.pruneDepth = depth;
    const res = await buildUpdateRepo(repo, opts);
    if (v.json) {
      const s = res.summary;
      io.stdout.write(
        `${json({
          configSet: res.configSet,
          configRemoved: res.configRemoved,
          appstream: res.appstream,
          deltasGenerated: res.deltasGenerated,
          deltasDeleted: res.deltasDeleted,
          summary: s
            ? { refs: s.refs, commitsRead: s.commitsRead, index: s.index !== undefined, subsummaries: s.subsummaries, removed: s.removed, signed: s.signed, deltaIndexesWritten: s.deltaIndexesWritten, deltaIndexesDeleted: s.deltaIndexesDeleted }
            : null,
          prune: res.prune ?? null,
        })}\n`,
      );
    }
    return 0;
  },
};
