/**
 * `ostree-ts static-delta list | show | delete | generate | apply-offline | verify`
 * (`src/ostree/ot-builtin-static-delta.c`, ostree v2022.7; `show` prints what
 * `_ostree_repo_static_delta_dump()` prints).
 *
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { generateStaticDelta } from '../../ops/delta-generate.js';
import { applyDeltaOffline } from '../../ops/delta-apply.js';
import { deleteStaticDelta, describeStaticDelta, listStaticDeltas } from '../../ops/delta-info.js';
import { intOption, one, type CliIO, type Command } from '../command.js';
import { gFormatSize } from './summary.js';

const USAGE = `SUBCOMMAND [OPTION…]

Subcommands:
  list                         List static delta files
  show DELTA|PATH              Dump information on a delta
  delete DELTA                 Remove a delta
  generate --to=REV [--from=REV|--empty]
                               Generate static delta files
  apply-offline PATH           Apply static delta file
  verify DELTA|PATH            Check a delta's superblock, part checksums and op streams`;

function out(io: CliIO, s: string): void {
  io.stdout.write(s + '\n');
}

async function show(repo: Repo, io: CliIO, name: string): Promise<number> {
  const info = await describeStaticDelta(repo, name);
  const sb = info.superblock;
  out(io, `Delta: ${name}`);
  out(io, `Signed: ${info.signed ? 'yes' : 'no'}`);
  out(io, sb.from ? `From: ${sb.from}` : 'From <scratch>');
  out(io, `To: ${sb.to}`);
  out(io, `Endianness: ${sb.endianness}${sb.endiannessGuessed ? ' (heuristic)' : ''}`);
  out(io, `Timestamp: ${sb.timestamp}`);
  out(io, `Number of parents: ${Math.floor(sb.parents.length / 64)}`);
  out(io, `Number of fallback entries: ${sb.fallbacks.length}`);
  let fs = 0;
  let fu = 0;
  for (const f of sb.fallbacks) {
    out(io, `  ${f.checksum}`);
    fs += f.size;
    fu += f.usize;
  }
  out(io, `Total Fallback Size: ${fs} (${gFormatSize(fs)})`);
  out(io, `Total Fallback Uncompressed Size: ${fu} (${gFormatSize(fu)})`);
  out(io, `Number of parts: ${info.parts.length}`);
  let ts = 0;
  let tu = 0;
  info.parts.forEach((p, i) => {
    ts += p.size;
    tu += p.usize;
    out(io, `PartMeta${i}: nobjects=${p.objects} size=${p.size} usize=${p.usize}`);
    out(io, `PartPayload${i}: nmodes=${p.modes} nxattrs=${p.xattrs} blobsize=${p.blobSize} opsize=${p.opSize}`);
    const o = p.ops;
    out(io, `PartPayloadOps${i}: openspliceclose=${o.S} open=${o.o} write=${o.w} setread=${o.r} unsetread=${o.R} close=${o.c} bspatch=${o.B}`);
  });
  out(io, `Total Part Size: ${ts} (${gFormatSize(ts)})`);
  out(io, `Total Part Uncompressed Size: ${tu} (${gFormatSize(tu)})`);
  out(io, `Total Size: ${ts + fs} (${gFormatSize(ts + fs)})`);
  out(io, `Total Uncompressed Size: ${tu + fu} (${gFormatSize(tu + fu)})`);
  return 0;
}

/** The `static-delta` command. */
export const staticDeltaCommand: Command = {
  name: 'static-delta',
  usage: USAGE,
  summary: 'Manage static delta files',
  repo: true,
  options: {
    from: { type: 'string', arg: 'REV', description: 'generate: create delta from revision REV' },
    empty: { type: 'boolean', description: 'generate: create delta from scratch' },
    to: { type: 'string', arg: 'REV', description: 'generate: create delta to revision REV' },
    inline: { type: 'boolean', description: 'generate: inline delta parts into main delta' },
    'disable-bsdiff': { type: 'boolean', description: 'generate: disable use of bsdiff' },
    'min-fallback-size': { type: 'string', arg: 'SIZE', description: 'generate: minimum uncompressed size in megabytes for individual HTTP request' },
    'max-bsdiff-size': { type: 'string', arg: 'SIZE', description: 'generate: maximum size in megabytes to consider bsdiff compression for input files' },
    'max-chunk-size': { type: 'string', arg: 'SIZE', description: 'generate: maximum size of delta chunks in megabytes' },
    'set-endianness': { type: 'string', arg: 'ENDIAN', description: "generate: choose metadata endianness ('l' or 'B')" },
    'swap-endianness': { type: 'boolean', description: 'generate: swap metadata endianness from host order' },
    filename: { type: 'string', arg: 'PATH', description: 'generate: write the superblock to PATH, parts beside it' },
    'if-not-exists': { type: 'boolean', short: 'n', description: 'generate: only generate if a delta does not already exist' },
    workers: { type: 'string', arg: 'N', description: 'generate: compression worker threads (default: all cores; 0 = none)' },
    'skip-validation': { type: 'boolean', description: 'apply-offline: do not verify part checksums' },
  },
  async run(args, io, ctx) {
    const [sub, ...rest] = args.positionals;
    const v = args.values;
    if (sub === undefined) throw new OstreeError('INVALID_ARGUMENT', 'No subcommand specified');
    const repo = await Repo.open(ctx.repoPath());
    switch (sub) {
      case 'list': {
        const names = await listStaticDeltas(repo);
        if (names.length === 0) out(io, '(No static deltas)');
        for (const n of names) out(io, n);
        return 0;
      }
      case 'show':
        if (rest.length !== 1) throw new OstreeError('INVALID_ARGUMENT', 'DELTA must be specified');
        return show(repo, io, rest[0]!);
      case 'verify': {
        if (rest.length !== 1) throw new OstreeError('INVALID_ARGUMENT', 'DELTA must be specified');
        const info = await describeStaticDelta(repo, rest[0]!, { verify: true });
        if (info.signed) io.stderr.write('warning: superblock signatures are not verified by ostree-ts\n');
        out(io, `Delta ${rest[0]} is valid (${info.parts.length} parts, ${info.superblock.fallbacks.length} fallbacks)`);
        return 0;
      }
      case 'delete':
        if (rest.length !== 1) throw new OstreeError('INVALID_ARGUMENT', 'DELTA must be specified');
        await deleteStaticDelta(repo, rest[0]!);
        return 0;
      case 'apply-offline': {
        if (rest.length < 1) throw new OstreeError('INVALID_ARGUMENT', 'PATH must be specified');
        const r = await applyDeltaOffline(repo, rest[0]!, { verifyParts: v['skip-validation'] !== true });
        if (!ctx.quiet && v.verbose) io.stderr.write(`applied ${r.partsApplied} parts, skipped ${r.partsSkipped}\n`);
        return 0;
      }
      case 'generate': {
        const toRev = one(v.to);
        if (toRev === undefined) throw new OstreeError('INVALID_ARGUMENT', '--to=REV must be specified');
        const fromRev = one(v.from);
        if (v.empty === true && fromRev !== undefined) throw new OstreeError('INVALID_ARGUMENT', 'Cannot specify both --empty and --from=REV');
        let endianness: 'little' | 'big' = 'little';
        const se = one(v['set-endianness']);
        if (se !== undefined) {
          if (se === 'l') endianness = 'little';
          else if (se === 'B') endianness = 'big';
          else throw new OstreeError('INVALID_ARGUMENT', `Invalid endianness '${se}'`);
        } else if (v['swap-endianness'] === true) {
          endianness = 'big';
        }
        const to = (await repo.resolveRev(toRev))!;
        const from = v.empty === true ? null : fromRev !== undefined ? (await repo.resolveRev(fromRev))! : (await repo.resolveRev(`${to}^`))!;
        const filename = one(v.filename);
        if (v['if-not-exists'] === true && filename === undefined) {
          const names = await listStaticDeltas(repo);
          if (names.includes(from === null ? to : `${from}-${to}`)) {
            out(io, `Delta ${from === null ? to : `${from}-${to}`} already exists.`);
            return 0;
          }
        }
        out(io, 'Generating static delta:');
        out(io, `  From: ${from ?? 'empty'}`);
        out(io, `  To:   ${to}`);
        const r = await generateStaticDelta(repo, {
          from,
          to,
          inline: v.inline === true,
          bsdiff: v['disable-bsdiff'] !== true,
          minFallbackSize: intOption(one(v['min-fallback-size']), 'min-fallback-size'),
          maxBsdiffSize: intOption(one(v['max-bsdiff-size']), 'max-bsdiff-size'),
          maxChunkSize: intOption(one(v['max-chunk-size']), 'max-chunk-size'),
          endianness,
          filename: filename === undefined ? undefined : (await import('node:path')).resolve(io.cwd, filename),
          workers: intOption(one(v.workers), 'workers'),
          onProgress: (e) => {
            if (ctx.quiet) return;
            if (e.phase === 'part') io.stderr.write(`part ${e.index} n:${e.objects} compressed:${e.size} uncompressed:${e.usize}\n`);
          },
        });
        if (!ctx.quiet) {
          io.stderr.write(`uncompressed=${r.usize} compressed=${r.size}\n`);
          io.stderr.write(`rollsum=${r.rollsum} objects\nedits=${r.edits} objects\nbsdiff=${r.bsdiff} objects\n`);
        }
        return 0;
      }
      default:
        throw new OstreeError('INVALID_ARGUMENT', `Unknown subcommand '${sub}'`);
    }
  },
};
