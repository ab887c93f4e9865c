/**
 * `ostree-ts summary -u [--add-metadata=KEY=VALUE…]`, `summary --view`, `summary --raw`
 * (`ostree summary`, `src/ostree/ot-builtin-summary.c`; output of `--view`/`--raw` as
 * `ot_dump_summary_bytes()` in `src/ostree/ot-dump.c`).
 *
 * The GVariant text printer and the `--add-metadata` value parser here cover the value kinds a
 * summary holds (GLib `g_variant_print()` / `g_variant_parse()` rules for them).
 *
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Variant } from '../../gvariant/value.js';
import { print, parse } from '../../gvariant/text.js';
import { byteswapValue } from '../../ops/show.js';
import { bswap64 } from '../../format/bytes.js';
import { SUMMARY_TYPE } from '../../format/types.js';
import { decode } from '../../gvariant/codec.js';
import { repoModeFromString } from '../../format/object-type.js';
import { SummaryKeys, type SummaryRef } from '../../format/summary.js';
import { Repo } from '../../store/repo.js';
import { readSummary, updateSummary, viewSummary } from '../../ops/summary.js';
import { keyValue, many, type Command, type CliIO } from '../command.js';
import { signCommit, signSummaryBytes } from '../../ops/sign.js';
import { GPG_SIGN_OPTIONS, SIGN_OPTIONS, signersFromArgs } from '../signing-options.js';

/** `g_format_size()` with default flags: SI units, `N byte(s)` below 1000. */
export function gFormatSize(n: number | bigint): string {
  const v = Number(n);
  if (v < 1000) return `${v} ${v === 1 ? 'byte' : 'bytes'}`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let f = 1000;
  let i = 0;
  while (i < units.length - 1 && v >= f * 1000) {
    f *= 1000;
    i++;
  }
  return `${(v / f).toFixed(1)}\u00a0${units[i]}`; // GLib separates number and unit with U+00A0
}

/** `uint64_secs_to_iso8601()`: local time as `%FT%T%:::z` (e.g. `2020-01-01T00:00:00+00`). */
export function isoLocal(secs: bigint): string {
  if (secs < 0n || secs > 253402300799n) return 'invalid';
  const d = new Date(Number(secs) * 1000);
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const zone = `${sign}${p(Math.floor(a / 60))}${a % 60 ? `:${p(a % 60)}` : ''}`;
  return `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
}

/** `--add-metadata` value: GVariant text, as `g_variant_parse(NULL, …)`. */
export function parseMetadataValue(text: string): Variant {
  const p = parse(text);
  return new Variant(p.type, p.value);
}

function refBlock(cid: string | undefined, r: SummaryRef): string {
  let s = cid === undefined ? `* ${r.name}\n` : `* (${cid}, ${r.name})\n`;
  s += `    Latest Commit (${gFormatSize(r.commitSize)}):\n      ${r.checksum}\n`;
  for (const [k, v] of r.metadata) {
    if (k === SummaryKeys.COMMIT_TIMESTAMP && v.type === 't') s += `    Timestamp (${k}): ${isoLocal(bswap64(v.value as bigint))}\n`;
    else if (k === SummaryKeys.COMMIT_VERSION && v.type === 's') s += `    Version (${k}): ${v.value as string}\n`;
    else s += `    ${k}: ${print(v.type, v.value, { annotate: false })}\n`;
  }
  return s + '\n';
}

/** The text `ostree summary --view` prints for `bytes`. */
export function formatSummaryView(bytes: Uint8Array): string {
  const view = viewSummary(bytes);
  const cid = view.info.collectionId;
  let out = '';
  for (const r of view.summary.refs) out += refBlock(cid, r);
  for (const [c, refs] of view.info.collectionMap) for (const r of refs) out += refBlock(c, r);
  for (const [k, v] of view.summary.metadata) {
    let pretty: string | null = null;
    let value: string;
    if (k === SummaryKeys.STATIC_DELTAS) {
      pretty = 'Static Deltas';
      value = print(v.type, v.value, { annotate: false });
    } else if (k === SummaryKeys.LAST_MODIFIED && v.type === 't') {
      pretty = 'Last-Modified';
      value = isoLocal(bswap64(v.value as bigint));
    } else if (k === SummaryKeys.EXPIRES && v.type === 't') {
      pretty = 'Expires';
      value = isoLocal(bswap64(v.value as bigint));
    } else if (k === SummaryKeys.COLLECTION_ID && v.type === 's') {
      pretty = 'Collection ID';
      value = v.value as string;
    } else if (k === SummaryKeys.COLLECTION_MAP) {
      pretty = 'Collection Map';
      value = '(printed above)';
    } else if (k === SummaryKeys.MODE && v.type === 's') {
      pretty = 'Repository Mode';
      try {
        repoModeFromString(v.value as string);
        value = v.value as string;
      } catch {
        value = `Invalid (‘${v.value as string}’)`;
      }
    } else if (k === SummaryKeys.TOMBSTONE_COMMITS && v.type === 'b') {
      pretty = 'Has Tombstone Commits';
      value = v.value ? 'Yes' : 'No';
    } else {
      value = print(v.type, v.value, { annotate: false });
    }
    out += pretty !== null ? `${pretty} (${k}): ${value}\n` : `${k}: ${value}\n`;
  }
  return out;
}

/** The text `ostree summary --raw` prints: the byteswapped summary, type-annotated. */
export function formatSummaryRaw(bytes: Uint8Array): string {
  viewSummary(bytes); // validate
  const v = decode(SUMMARY_TYPE, bytes);
  return print(SUMMARY_TYPE, byteswapValue(SUMMARY_TYPE, v), { annotate: true }) + '\n';
}

/** `summary` */
export const summaryCommand: Command = {
  name: 'summary',
  usage: '[OPTION…]',
  summary: 'Manage summary metadata',
  repo: true,
  options: {
    update: { type: 'boolean', short: 'u', description: 'Update the summary' },
    view: { type: 'boolean', description: 'View the local summary file (-v also works, as in ostree)' },
    raw: { type: 'boolean', description: 'View the raw bytes of the summary file' },
    'add-metadata': { type: 'string', short: 'm', multiple: true, arg: 'KEY=VALUE', description: 'Additional metadata field to add to the summary' },
    ...GPG_SIGN_OPTIONS,
    ...SIGN_OPTIONS,
  },
  async run(args, io: CliIO, ctx) {
    const repo = await Repo.open(ctx.repoPath());
    if (args.values.update) {
      const extra = many(args.values['add-metadata']).map((kv) => {
        const [k, v] = keyValue(kv, 'metadata');
        try {
          return [k, parseMetadataValue(v)] as [string, Variant];
        } catch (e) {
          throw new OstreeError('GVARIANT_TEXT_INVALID', `Error parsing variant ‘${v}’: ${(e as Error).message}`, { cause: e });
        }
      });
      // --gpg-sign/--sign: keys first (a bad key writes nothing), then summary.sig with the summary,
      // and the ostree-metadata commit of a collection repo signed too (ot-builtin-summary.c).
      const signers = await signersFromArgs(args.values, io);
      const sign = signers.length > 0 ? (bytes: Uint8Array) => signSummaryBytes(bytes, signers) : undefined;
      const res = await updateSummary(repo, { addMetadata: extra, sign });
      if (sign && res.metadataCommit) await signCommit(repo, res.metadataCommit, signers);
      return 0;
    }
    // ostree's summary-specific -v (view) shadows the global -v (verbose)
    if (args.values.view || args.values.raw || args.values.verbose) {
      const bytes = await readSummary(repo);
      io.stdout.write(args.values.raw ? formatSummaryRaw(bytes) : formatSummaryView(bytes));
      return 0;
    }
    throw new OstreeError('INVALID_ARGUMENT', 'No option specified; use -u to update summary');
  },
};
