/**
 * `ostree-ts ls [-R] [-C] [-d] [-X] [--nul-filenames-only] COMMIT [PATH…]` (`src/ostree/ot-builtin-ls.c`),
 * plus `--json`. Lines: `TYPE` `0MODE` `UID GID` `%6d SIZE` [`CHECKSUM(S)`] [`{ XATTRS }`] `PATH`
 * [`-> TARGET`].
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { ls, type TreeEntry } from '../../ops/ls.js';
import type { GVValue } from '../../gvariant/value.js';
import type { Command } from '../command.js';
import { jsonValue } from './show.js';
import { printVariant } from './dump.js';

/** One `ostree ls` text line (without the trailing newline). */
export async function formatLsLine(e: TreeEntry, opts: { checksum?: boolean; xattrs?: boolean }): Promise<string> {
  const t = e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : '-';
  let s = `${t}0${(e.mode & 0o7777).toString(8).padStart(4, '0')} ${e.uid} ${e.gid} ${String(e.size).padStart(6, ' ')} `;
  if (opts.checksum) {
    if (e.type === 'dir') s += `${e.contentsChecksum} `;
    s += `${e.checksum} `;
  }
  if (opts.xattrs) s += `{ ${await printVariant('a(ayay)', e.xattrs as unknown as GVValue)} } `;
  s += e.path;
  if (e.type === 'symlink') s += ` -> ${e.symlinkTarget}`;
  return s;
}

/** `ls` */
export const lsCommand: Command = {
  name: 'ls',
  usage: '[OPTION…] COMMIT [PATH…]',
  summary: 'List file paths',
  repo: true,
  options: {
    dironly: { type: 'boolean', short: 'd', description: 'Do not recurse into directory arguments' },
    recursive: { type: 'boolean', short: 'R', description: 'Print directories recursively' },
    checksum: { type: 'boolean', short: 'C', description: 'Print checksum' },
    xattrs: { type: 'boolean', short: 'X', description: 'Print extended attributes' },
    'nul-filenames-only': { type: 'boolean', description: 'Print only filenames, NUL separated' },
    json: { type: 'boolean', description: 'Print the entries as a JSON array' },
  },
  async run(args, io, ctx) {
    const v = args.values;
    const [rev, ...paths] = args.positionals;
    if (rev === undefined) throw new OstreeError('INVALID_ARGUMENT', 'An COMMIT argument is required');
    const repo = await Repo.open(ctx.repoPath());
    // One argument at a time, so entries of earlier paths are printed before a later one fails.
    const opts = { recursive: v.recursive === true, dirOnly: v.dironly === true };
    const groups = paths.length ? paths.map((p) => [p]) : [[]];
    if (v.json) {
      const rows: unknown[] = [];
      for (const g of groups) {
        for (const e of (await ls(repo, rev, { ...opts, paths: g })).entries) {
          rows.push({
            path: e.path,
            type: e.type,
            mode: e.mode & 0o7777,
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            checksum: e.checksum,
            ...(e.contentsChecksum ? { contentsChecksum: e.contentsChecksum } : {}),
            ...(e.symlinkTarget !== undefined ? { target: e.symlinkTarget } : {}),
            ...(v.xattrs ? { xattrs: jsonValue(e.xattrs as unknown as GVValue) } : {}),
          });
        }
      }
      io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    for (const g of groups) {
      const r = await ls(repo, rev, { ...opts, paths: g });
      if (v['nul-filenames-only']) {
        io.stdout.write(r.entries.map((e) => `${e.path}\0`).join(''));
        continue;
      }
      const lines: string[] = [];
      for (const e of r.entries) lines.push(await formatLsLine(e, { checksum: v.checksum === true, xattrs: v.xattrs === true }));
      io.stdout.write(lines.map((l) => l + '\n').join(''));
    }
    return 0;
  },
};
