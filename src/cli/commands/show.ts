/**
 * `ostree-ts show` with `ostree show`'s main options (`src/ostree/ot-builtin-show.c`):
 * `--print-metadata-key`, `--print-detached-metadata-key`, `--print-related`, `--raw`,
 * `-B/--no-byteswap`, plus `--json`.
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { byteswapValue, commitMetadataKey, showObject } from '../../ops/show.js';
import { commitContentChecksum, type Commit } from '../../format/commit.js';
import { commitVersion } from '../../ops/show.js';
import { one, type Command } from '../command.js';
import { formatCommit, formatCommitDate, printVariant } from './dump.js';
import type { GVValue } from '../../gvariant/value.js';
import { GPG_VERIFY_OPTIONS, showCommitSignatures } from '../signing-options.js';

/** JSON form of a commit used by `show --json` and `log --json`. */
export function commitJson(checksum: string, c: Commit): Record<string, unknown> {
  return {
    checksum,
    parent: c.parent,
    contentChecksum: commitContentChecksum(c),
    timestamp: Number(c.timestamp),
    date: c.timestamp <= 253402300799n ? formatCommitDate(c.timestamp) : null,
    version: commitVersion(c) ?? null,
    subject: c.subject,
    body: c.body,
    rootTree: c.rootTree,
    rootMeta: c.rootMeta,
    metadata: Object.fromEntries(c.metadata.map(([k, v]) => [k, jsonValue(v.value)])),
  };
}

/** A GVariant value as JSON-friendly data (bigint → number or string, bytes → hex). */
export function jsonValue(v: GVValue): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') {
    if ('just' in v) return jsonValue((v as { just: GVValue }).just);
    if ('type' in v && 'value' in v) return jsonValue((v as { value: GVValue }).value);
  }
  return v;
}

/** `show` */
export const showCommand: Command = {
  name: 'show',
  usage: '[OPTION…] OBJECT',
  summary: 'Output a metadata object',
  repo: true,
  options: {
    'print-related': { type: 'boolean', description: 'Show the "related" commits' },
    'print-metadata-key': { type: 'string', arg: 'KEY', description: 'Print string value of metadata key' },
    'print-detached-metadata-key': { type: 'string', arg: 'KEY', description: 'Print string value of detached metadata key' },
    raw: { type: 'boolean', description: 'Show raw variant data' },
    'no-byteswap': { type: 'boolean', short: 'B', description: 'Do not automatically convert variant data from big endian' },
    json: { type: 'boolean', description: 'Print the object as JSON' },
    'gpg-verify': { type: 'boolean', description: 'Verify the commit GPG signatures; fail unless one is valid' },
    'gpg-homedir': { type: 'string', arg: 'HOMEDIR', description: 'GPG Homedir to use when looking for keyrings' },
    ...GPG_VERIFY_OPTIONS,
  },
  async run(args, io, ctx) {
    const v = args.values;
    const rev = args.positionals[0];
    if (rev === undefined) throw new OstreeError('INVALID_ARGUMENT', 'An object argument is required');
    const repo = await Repo.open(ctx.repoPath());
    const swap = (type: string, value: GVValue) => (v['no-byteswap'] ? value : byteswapValue(type, value));
    const mkey = one(v['print-metadata-key']);
    const dkey = one(v['print-detached-metadata-key']);
    if (mkey !== undefined || dkey !== undefined) {
      const val = await commitMetadataKey(repo, rev, (dkey ?? mkey)!, { detached: dkey !== undefined });
      if (v.json) io.stdout.write(JSON.stringify({ type: val.type, value: jsonValue(val.value) }) + '\n');
      else io.stdout.write(`${await printVariant(val.type, swap(val.type, val.value))}\n`);
      return 0;
    }
    if (v['print-related']) {
      const checksum = (await repo.resolveRev(rev, false))!;
      const c = await repo.loadCommit(checksum);
      for (const [name, csum] of c.related) io.stdout.write(`${name} ${csum}\n`);
      return 0;
    }
    const o = await showObject(repo, rev);
    if (v.json) {
      if (o.kind === 'commit') io.stdout.write(JSON.stringify({ kind: 'commit', ...commitJson(o.checksum, o.commit) }, null, 2) + '\n');
      else if (o.kind === 'file') io.stdout.write(JSON.stringify({ kind: 'file', checksum: o.checksum, type: (o.header.mode & 0o170000) === 0o120000 ? 'symlink' : 'regular', size: o.size, mode: o.header.mode, uid: o.header.uid, gid: o.header.gid, symlinkTarget: o.header.symlinkTarget || undefined, xattrs: jsonValue(o.header.xattrs as unknown as GVValue) }, null, 2) + '\n');
      else io.stdout.write(JSON.stringify({ kind: o.kind, checksum: o.checksum, ...(o.kind === 'dirmeta' ? o.dirmeta : o.dirtree) }, (_k, x) => (x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x), 2) + '\n');
      return 0;
    }
    if (o.kind === 'file') {
      const h = o.header;
      const isLink = (h.mode & 0o170000) === 0o120000;
      let s = `Object: ${o.checksum}\nType: file\nFile Type: `;
      s += isLink ? `symlink\nTarget: ${h.symlinkTarget}\n` : `regular\nSize: ${o.size}\n`;
      s += `Mode: 0${h.mode.toString(8).padStart(4, '0')}\nUid: ${h.uid}\nGid: ${h.gid}\n`;
      s += `Extended Attributes: { ${await printVariant('a(ayay)', h.xattrs as unknown as GVValue)} }\n`;
      io.stdout.write(s);
      return 0;
    }
    if (v['no-byteswap']) {
      io.stdout.write(`${o.kind} ${o.checksum}\n${await printVariant(o.type, o.value)}\n`);
      if (o.kind === 'commit') io.stdout.write(formatCommit(o.checksum, o.commit).replace(/^commit [^\n]*\n/u, ''));
      return 0;
    }
    if (v.raw) {
      io.stdout.write(`${o.kind} ${o.checksum}\n${await printVariant(o.type, byteswapValue(o.type, o.value))}\n`);
      return 0;
    }
    io.stdout.write(o.kind === 'commit' ? formatCommit(o.checksum, o.commit) : `${o.kind} ${o.checksum}\n`);
    if (o.kind === 'commit') return showCommitSignatures(repo, o.checksum, v, io);
    return 0;
  },
};
