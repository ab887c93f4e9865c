/**
 * `ostree-ts diff [REV] REV` (`src/ostree/ot-builtin-diff.c`): `M    /path`, `D    /path`,
 * `A    /path` lines between two commits (one argument compares `REV^` with `REV`), plus `--json`.
 * Comparing against a local directory (`/…` or `./…`) and `--stats` are not supported.
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { diffCommits } from '../../ops/diff.js';
import type { Command } from '../command.js';

/** `diff` */
export const diffCommand: Command = {
  name: 'diff',
  usage: '[OPTION…] REV_OR_DIR REV_OR_DIR',
  summary: 'Compare directory TARGETDIR against revision REV',
  repo: true,
  options: {
    'fs-diff': { type: 'boolean', description: 'Print filesystem diff (the default)' },
    'no-xattrs': { type: 'boolean', description: 'Skip output of extended attributes (accepted; commits are compared by checksum)' },
    json: { type: 'boolean', description: 'Print {modified, removed, added} path lists as JSON' },
  },
  async run(args, io, ctx) {
    const pos = args.positionals;
    if (pos.length === 0) throw new OstreeError('INVALID_ARGUMENT', 'REV must be specified');
    const [src, target] = pos.length === 1 ? [`${pos[0]}^`, pos[0]!] : [pos[0]!, pos[1]!];
    for (const a of [src, target]) {
      if (a.startsWith('/') || a.startsWith('./')) throw new OstreeError('NOT_IMPLEMENTED', `Comparing with a directory is not supported: ${a}`);
    }
    const repo = await Repo.open(ctx.repoPath());
    const r = await diffCommits(repo, src, target);
    if (args.values.json) {
      io.stdout.write(JSON.stringify({ src: r.src, target: r.target, modified: r.modified.map((m) => m.path), removed: r.removed.map((e) => e.path), added: r.added.map((e) => e.path) }, null, 2) + '\n');
      return 0;
    }
    let s = '';
    for (const m of r.modified) s += `M    ${m.path}\n`;
    for (const e of r.removed) s += `D    ${e.path}\n`;
    for (const e of r.added) s += `A    ${e.path}\n`;
    io.stdout.write(s);
    return 0;
  },
};
