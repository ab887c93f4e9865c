/**
 * `ostree-ts log [--raw] [--json] REV` (`src/ostree/ot-builtin-log.c`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { log } from '../../ops/log.js';
import { byteswapValue } from '../../ops/show.js';
import { COMMIT_TYPE } from '../../format/types.js';
import { decode } from '../../gvariant/codec.js';
import { ObjectType } from '../../format/object-type.js';
import { formatCommit, printVariant } from './dump.js';
import { commitJson } from './show.js';
import type { Command } from '../command.js';

/** `log` */
export const logCommand: Command = {
  name: 'log',
  usage: '[OPTION…] REV',
  summary: 'Show log starting at commit or ref',
  repo: true,
  options: {
    raw: { type: 'boolean', description: 'Show raw variant data' },
    json: { type: 'boolean', description: 'Print the commits as a JSON array' },
  },
  async run(args, io, ctx) {
    const rev = args.positionals[0];
    if (rev === undefined) throw new OstreeError('INVALID_ARGUMENT', 'A rev argument is required');
    const repo = await Repo.open(ctx.repoPath());
    const r = await log(repo, rev);
    if (args.values.json) {
      io.stdout.write(JSON.stringify({ commits: r.entries.map((e) => commitJson(e.checksum, e.commit)), truncated: r.truncated, ...(r.missingParent ? { missingParent: r.missingParent } : {}) }, null, 2) + '\n');
      return 0;
    }
    for (const e of r.entries) {
      if (args.values.raw) {
        const bytes = (await repo.readMetadataBytes(ObjectType.COMMIT, e.checksum))!;
        io.stdout.write(`commit ${e.checksum}\n${await printVariant(COMMIT_TYPE, byteswapValue(COMMIT_TYPE, decode(COMMIT_TYPE, bytes)))}\n`);
      } else {
        io.stdout.write(formatCommit(e.checksum, e.commit));
      }
    }
    if (r.truncated) io.stdout.write('<< History beyond this commit not fetched >>\n');
    return 0;
  },
};
