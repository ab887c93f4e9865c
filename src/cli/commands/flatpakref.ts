/**
 * `ostree-ts flatpakref` and `ostree-ts flatpakrepo`: write `.flatpakref` / `.flatpakrepo` files
 * (formats: flatpak 1.14 `doc/flatpak-flatpakref.xml`, `doc/flatpak-flatpakrepo.xml`).
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { dearmorPublicKey, writeFlatpakref, writeFlatpakrepo, type RepoFileCommon } from '../../flatpak/flatpakref.js';
import { one, type CliIO, type Command, type OptionSpec, type Parsed } from '../command.js';

const COMMON: Record<string, OptionSpec> = {
  url: { type: 'string', arg: 'URL', description: 'Url: the remote repository URL (required)' },
  title: { type: 'string', arg: 'TITLE', description: 'Title' },
  comment: { type: 'string', arg: 'TEXT', description: 'Comment' },
  description: { type: 'string', arg: 'TEXT', description: 'Description' },
  icon: { type: 'string', arg: 'URL', description: 'Icon URL' },
  homepage: { type: 'string', arg: 'URL', description: 'Homepage' },
  'gpg-key': { type: 'string', arg: 'FILE', description: 'GPGKey: public key file (binary or armored, e.g. gpg --export KEYID)' },
  'deploy-collection-id': { type: 'string', arg: 'COLLECTION-ID', description: 'DeployCollectionID (needs --gpg-key)' },
  'deploy-sideload-collection-id': { type: 'string', arg: 'COLLECTION-ID', description: 'DeploySideloadCollectionID (needs --gpg-key)' },
  'collection-id': { type: 'string', arg: 'COLLECTION-ID', description: 'CollectionID (deprecated spelling; needs --gpg-key)' },
  output: { type: 'string', short: 'o', arg: 'FILE', description: 'Write to FILE instead of standard output' },
};

async function common(values: Parsed['values'], io: CliIO): Promise<RepoFileCommon> {
  const url = one(values.url);
  if (url === undefined) throw new OstreeError('INVALID_ARGUMENT', '--url must be specified');
  const keyFile = one(values['gpg-key']);
  const r: RepoFileCommon = { url };
  const set = (field: keyof RepoFileCommon, opt: string) => {
    const v = one(values[opt]);
    if (v !== undefined) (r as unknown as Record<string, string>)[field] = v;
  };
  set('title', 'title');
  set('comment', 'comment');
  set('description', 'description');
  set('icon', 'icon');
  set('homepage', 'homepage');
  set('deployCollectionId', 'deploy-collection-id');
  set('deploySideloadCollectionId', 'deploy-sideload-collection-id');
  set('collectionId', 'collection-id');
  if (keyFile !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(resolve(io.cwd, keyFile)));
    } catch (cause) {
      throw new OstreeError('INVALID_ARGUMENT', `Cannot read ${keyFile}: ${(cause as Error).message}`, { cause });
    }
    r.gpgKey = dearmorPublicKey(bytes);
  }
  return r;
}

async function emit(text: string, values: Parsed['values'], io: CliIO): Promise<number> {
  const out = one(values.output);
  if (out === undefined) io.stdout.write(text);
  else await writeFile(resolve(io.cwd, out), text);
  return 0;
}

/** `flatpakref` */
export const flatpakrefCommand: Command = {
  name: 'flatpakref',
  usage: '--name=ID --url=URL [OPTION…]',
  summary: 'Write a .flatpakref file',
  options: {
    name: { type: 'string', arg: 'ID', description: 'Name: application or runtime ID (required)' },
    branch: { type: 'string', arg: 'BRANCH', description: 'Branch (default master)' },
    'is-runtime': { type: 'boolean', description: 'IsRuntime=true' },
    'runtime-repo': { type: 'string', arg: 'URL', description: 'RuntimeRepo: URL of a .flatpakrepo for the runtime' },
    'suggest-remote-name': { type: 'string', arg: 'NAME', description: 'SuggestRemoteName' },
    ...COMMON,
  },
  async run(args, io) {
    const name = one(args.values.name);
    if (name === undefined) throw new OstreeError('INVALID_ARGUMENT', '--name must be specified');
    const c = await common(args.values, io);
    const text = writeFlatpakref({
      ...c,
      name,
      ...(one(args.values.branch) !== undefined ? { branch: one(args.values.branch)! } : {}),
      isRuntime: args.values['is-runtime'] === true,
      ...(one(args.values['runtime-repo']) !== undefined ? { runtimeRepo: one(args.values['runtime-repo'])! } : {}),
      ...(one(args.values['suggest-remote-name']) !== undefined ? { suggestRemoteName: one(args.values['suggest-remote-name'])! } : {}),
    });
    return emit(text, args.values, io);
  },
};

/** `flatpakrepo` */
export const flatpakrepoCommand: Command = {
  name: 'flatpakrepo',
  usage: '--url=URL [OPTION…]',
  summary: 'Write a .flatpakrepo file',
  options: {
    'default-branch': { type: 'string', arg: 'BRANCH', description: 'DefaultBranch' },
    subset: { type: 'string', arg: 'SUBSET', description: 'Subset' },
    ...COMMON,
  },
  async run(args, io) {
    const c = await common(args.values, io);
    const text = writeFlatpakrepo({
      ...c,
      ...(one(args.values['default-branch']) !== undefined ? { defaultBranch: one(args.values['default-branch'])! } : {}),
      ...(one(args.values.subset) !== undefined ? { subset: one(args.values.subset)! } : {}),
    });
    return emit(text, args.values, io);
  },
};
