/**
 * `ostree-ts commit` with `ostree commit`'s options (`src/ostree/ot-builtin-commit.c`).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { Variant } from '../../gvariant/value.js';
import { Repo } from '../../store/repo.js';
import { commit, type TreeSource } from '../../ops/commit.js';
import { onContentWorkersReady } from '../../store/content-pool.js';
import { intOption, keyValue, many, one, ProgressRenderer, formatBytes, type Command } from '../command.js';
import { GPG_SIGN_OPTIONS, SIGN_OPTIONS, signersFromArgs } from '../signing-options.js';

/** `commit` */
export const commitCommand: Command = {
  name: 'commit',
  usage: '[OPTION…] [PATH]',
  summary: 'Commit a new revision',
  repo: true,
  // V8's flags change only once the content workers are up (store/content-pool.ts
  // onContentWorkersReady): never for a commit small enough to be written in-thread
  tunesRuntime: true,
  options: {
    parent: { type: 'string', arg: 'COMMIT', description: 'Parent commit checksum, or "none"' },
    subject: { type: 'string', short: 's', arg: 'SUBJECT', description: 'One line subject' },
    body: { type: 'string', short: 'm', arg: 'BODY', description: 'Full description' },
    'body-file': { type: 'string', short: 'F', arg: 'FILE', description: 'Commit message from FILE path' },
    branch: { type: 'string', short: 'b', arg: 'BRANCH', description: 'Branch' },
    orphan: { type: 'boolean', description: 'Create a commit without writing a ref' },
    'no-bindings': { type: 'boolean', description: 'Do not write any ref bindings' },
    'bind-ref': { type: 'string', multiple: true, arg: 'BRANCH', description: 'Add a ref to ref binding commit metadata' },
    tree: { type: 'string', multiple: true, arg: 'dir=PATH|tar=FILE|ref=COMMIT', description: 'Overlay the given argument as a tree' },
    'add-metadata-string': { type: 'string', multiple: true, arg: 'KEY=VALUE', description: 'Add a key/value pair to metadata' },
    'add-metadata': { type: 'string', multiple: true, arg: 'KEY=VALUE', description: 'Add a key/value pair to metadata, where the VALUE is in GVariant Text Format' },
    'keep-metadata': { type: 'string', multiple: true, arg: 'KEY', description: 'Keep metadata KEY and its associated VALUE from parent' },
    'add-detached-metadata-string': { type: 'string', multiple: true, arg: 'KEY=VALUE', description: 'Add a key/value pair to detached metadata' },
    'owner-uid': { type: 'string', arg: 'UID', description: 'Set file ownership user id' },
    'owner-gid': { type: 'string', arg: 'GID', description: 'Set file ownership group id' },
    'canonical-permissions': { type: 'boolean', description: 'Canonicalize permissions in the same way bare-user does for hardlinked files' },
    'mode-ro-executables': { type: 'boolean', description: 'Ensure executable files are not writable' },
    'no-xattrs': { type: 'boolean', description: 'Do not import extended attributes (ostree-ts never imports them)' },
    'tar-autocreate-parents': { type: 'boolean', description: 'When loading tar archives, automatically create parent directories as needed' },
    consume: { type: 'boolean', description: 'Consume (delete) content after commit (for local directories)' },
    'table-output': { type: 'boolean', description: 'Output more information in a KEY: VALUE format' },
    'generate-sizes': { type: 'boolean', description: 'Generate size information along with commit metadata' },
    fsync: { type: 'string', arg: 'POLICY', description: 'Specify how to invoke fsync() (true/false)' },
    timestamp: { type: 'string', arg: 'TIMESTAMP', description: 'Override the timestamp of the commit' },
    ...GPG_SIGN_OPTIONS,
    ...SIGN_OPTIONS,
  },
  async run(args, io, ctx) {
    onContentWorkersReady(() => ctx.tuneRuntime());
    const v = args.values;
    const repo = await Repo.open(ctx.repoPath());
    const fsyncPolicy = one(v.fsync);
    if (fsyncPolicy !== undefined && /^(false|no|0)$/i.test(fsyncPolicy)) repo.config.setString('core', 'fsync', 'false');

    const trees: TreeSource[] = [];
    const treeSpecs = many(v.tree);
    if (treeSpecs.length === 0) trees.push({ kind: 'dir', path: resolve(io.cwd, args.positionals[0] ?? '.') });
    for (const spec of treeSpecs) {
      const eq = spec.indexOf('=');
      if (eq < 0) throw new OstreeError('INVALID_ARGUMENT', `Missing type in tree specification '${spec}'`);
      const type = spec.slice(0, eq);
      const arg = spec.slice(eq + 1);
      if (type === 'dir') trees.push({ kind: 'dir', path: resolve(io.cwd, arg) });
      else if (type === 'tar') trees.push({ kind: 'tar', path: arg === '-' ? '-' : resolve(io.cwd, arg) });
      else if (type === 'ref') trees.push({ kind: 'ref', rev: arg });
      else throw new OstreeError('INVALID_ARGUMENT', `Invalid tree type specification '${type}'`);
    }

    let body = one(v.body);
    const bodyFile = one(v['body-file']);
    if (bodyFile !== undefined) body = await readFile(resolve(io.cwd, bodyFile), 'utf8');

    const metadataTexts = many(v['add-metadata']);
    const parseGVariantText = metadataTexts.length ? (await import('../../gvariant/text.js')).parse : null;
    const metadata: Array<[string, Variant]> = metadataTexts.map((s) => {
      const [k, text] = keyValue(s, 'metadata');
      try {
        const p = parseGVariantText!(text);
        return [k, new Variant(p.type, p.value)];
      } catch (e) {
        throw new OstreeError('INVALID_ARGUMENT', `Parsing ${s}: ${(e as Error).message}`, { cause: e });
      }
    });
    let timestamp: string | bigint | undefined = one(v.timestamp);
    if (timestamp === undefined && io.env.SOURCE_DATE_EPOCH) timestamp = BigInt(io.env.SOURCE_DATE_EPOCH);

    // Keys are resolved before committing so that a bad key or passphrase leaves no unsigned commit.
    const signers = await signersFromArgs(v, io);
    const progress = new ProgressRenderer(io, ctx);
    const r = await commit(repo, {
      signers,
      branch: one(v.branch),
      orphan: v.orphan === true,
      parent: one(v.parent),
      trees,
      subject: one(v.subject),
      body,
      timestamp,
      ownerUid: intOption(one(v['owner-uid']), 'owner-uid'),
      ownerGid: intOption(one(v['owner-gid']), 'owner-gid'),
      canonicalPermissions: v['canonical-permissions'] === true,
      modeRoExecutables: v['mode-ro-executables'] === true,
      noXattrs: v['no-xattrs'] === true,
      metadataStrings: many(v['add-metadata-string']).map((s) => keyValue(s, 'metadata')),
      metadata,
      keepMetadata: many(v['keep-metadata']),
      detachedMetadataStrings: many(v['add-detached-metadata-string']).map((s) => keyValue(s, 'metadata')),
      bindRefs: many(v['bind-ref']),
      noBindings: v['no-bindings'] === true,
      consume: v.consume === true,
      generateSizes: v['generate-sizes'] === true,
      tarAutocreateParents: v['tar-autocreate-parents'] === true,
      onProgress: (e) => {
        if (e.phase === 'write') progress.update(`Committing: ${e.files} files, ${formatBytes(e.bytes)}`);
      },
    });
    progress.done();
    if (v['table-output']) {
      const s = r.stats;
      io.stdout.write(
        `Commit: ${r.checksum}\nMetadata Total: ${s.metadataTotal}\nMetadata Written: ${s.metadataWritten}\n` +
          `Content Total: ${s.contentTotal}\nContent Written: ${s.contentWritten}\nContent Cache Hits: 0\n` +
          `Content Bytes Written: ${s.contentBytesWritten}\n`,
      );
    } else {
      io.stdout.write(`${r.checksum}\n`);
    }
    return 0;
  },
};
