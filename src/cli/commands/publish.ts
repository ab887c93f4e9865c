/**
 * `ostree-ts publish SRC-REPO DEST-DIR [--dry-run] [--delete]`: update a served copy of a
 * repository in the order that keeps it complete for pulling clients (see `ops/publish.ts`).
 * @module
 */
import { resolve } from 'node:path';
import { OstreeError } from '../../errors.js';
import { publish } from '../../ops/publish.js';
import { ProgressRenderer, type Command } from '../command.js';

/** `publish` */
export const publishCommand: Command = {
  name: 'publish',
  usage: '[OPTION…] SRC-REPO DEST-DIR',
  summary: 'Copy a repository to a served directory in a client-safe order',
  options: {
    'dry-run': { type: 'boolean', short: 'n', description: 'Print what would be copied and deleted' },
    delete: { type: 'boolean', description: 'Delete files DEST has that SRC no longer has (last)' },
    'no-fsync': { type: 'boolean', description: 'Do not flush DEST between phases' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run(args, io, ctx) {
    const [src, dest] = args.positionals;
    if (src === undefined || dest === undefined) throw new OstreeError('INVALID_ARGUMENT', 'SRC-REPO and DEST-DIR must be specified');
    const dry = args.values['dry-run'] === true;
    const progress = new ProgressRenderer(io, ctx);
    const r = await publish(resolve(io.cwd, src), resolve(io.cwd, dest), {
      dryRun: dry,
      delete: args.values.delete === true,
      fsync: args.values['no-fsync'] !== true,
      onProgress: (e) => progress.update(`${e.phase}: ${e.done}/${e.total}`),
    });
    progress.done();
    if (args.values.json) {
      io.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return 0;
    }
    if (dry) {
      for (const p of r.copied) io.stdout.write(`copy ${p}\n`);
      for (const p of r.deleted) io.stdout.write(`delete ${p}\n`);
    }
    if (!ctx.quiet) io.stdout.write(`${dry ? 'Would copy' : 'Copied'} ${r.copied.length} files, ${dry ? 'would delete' : 'deleted'} ${r.deleted.length}, ${r.unchanged} unchanged\n`);
    return 0;
  },
};
