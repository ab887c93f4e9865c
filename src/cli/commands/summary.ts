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
import { Variant, type GVValue } from '../../gvariant/value.js';
import { parseType, type GVType } from '../../gvariant/type.js';
import { bswap32, bswap64 } from '../../format/bytes.js';
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

// ---------------------------------------------------------------------------------------------
// g_variant_print (subset-complete for basic types and containers)

function quoteString(s: string): string {
  const q = s.includes("'") ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0)) out += ch;
    else {
      const esc: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
      out += esc[c] ?? (c <= 0xffff ? `\\u${c.toString(16).padStart(4, '0')}` : `\\U${c.toString(16).padStart(8, '0')}`);
    }
  }
  return out + q;
}

function bytestring(b: Uint8Array): string | null {
  if (b.length === 0 || b[b.length - 1] !== 0) return null;
  for (let i = 0; i < b.length - 1; i++) if (b[i] === 0) return null;
  const s = Buffer.from(b.subarray(0, b.length - 1)).toString('latin1');
  const q = s.includes("'") ? '"' : "'";
  let out = "b" + q;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    const esc: Record<number, string> = { 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 92: '\\\\' };
    if (esc[c]) out += esc[c];
    else if (ch === q) out += '\\' + ch;
    else if (c < 0x20 || c >= 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + q;
}

/** `g_variant_print(value, annotate)` for a value of type `t`. */
export function printGVariant(t: GVType | string, v: GVValue, annotate: boolean): string {
  const type = typeof t === 'string' ? parseType(t) : t;
  switch (type.code) {
    case 'b':
      return v ? 'true' : 'false';
    case 'y':
      return `${annotate ? 'byte ' : ''}0x${(v as number).toString(16).padStart(2, '0')}`;
    case 'n':
      return `${annotate ? 'int16 ' : ''}${v}`;
    case 'q':
      return `${annotate ? 'uint16 ' : ''}${v}`;
    case 'i':
      return `${v}`;
    case 'u':
      return `${annotate ? 'uint32 ' : ''}${v}`;
    case 'x':
      return `${annotate ? 'int64 ' : ''}${v}`;
    case 't':
      return `${annotate ? 'uint64 ' : ''}${v}`;
    case 'h':
      return `${annotate ? 'handle ' : ''}${v}`;
    case 'd': {
      let s = String(v as number);
      if (!/[.eEn]/.test(s)) s += '.0';
      return s;
    }
    case 's':
      return quoteString(v as string);
    case 'o':
      return `${annotate ? 'objectpath ' : ''}${quoteString(v as string)}`;
    case 'g':
      return `${annotate ? 'signature ' : ''}${quoteString(v as string)}`;
    case 'v': {
      const vv = v as Variant;
      return `<${printGVariant(vv.type, vv.value, true)}>`;
    }
    case 'm': {
      if (v === null) return annotate ? `@${type.str} nothing` : 'nothing';
      const inner = (v as { just: GVValue }).just;
      return `${annotate ? `@${type.str} ` : ''}just ${printGVariant(type.elem!, inner, false)}`;
    }
    case 'a': {
      const elem = type.elem!;
      if (elem.code === 'y') {
        const b = v as Uint8Array;
        const bs = bytestring(b);
        if (bs !== null) return bs;
        if (b.length === 0) return annotate ? '@ay []' : '[]';
        const parts: string[] = [];
        b.forEach((x, i) => parts.push(printGVariant(elem, x, annotate && i === 0)));
        return `[${parts.join(', ')}]`;
      }
      const arr = v as GVValue[];
      if (arr.length === 0) return annotate ? `@${type.str} []` : '[]';
      let ann = annotate;
      if (elem.code === '{') {
        const parts = arr.map((e) => {
          const [k, val] = e as [GVValue, GVValue];
          const s = `${printGVariant(elem.members![0]!, k, ann)}: ${printGVariant(elem.members![1]!, val, ann)}`;
          ann = false;
          return s;
        });
        return `{${parts.join(', ')}}`;
      }
      const parts = arr.map((e) => {
        const s = printGVariant(elem, e, ann);
        ann = false;
        return s;
      });
      return `[${parts.join(', ')}]`;
    }
    case '(': {
      const m = type.members!;
      const arr = v as GVValue[];
      const parts = m.map((mt, i) => printGVariant(mt, arr[i]!, annotate));
      return `(${parts.join(', ')}${m.length === 1 ? ',' : ''})`;
    }
    case '{': {
      const [k, val] = v as [GVValue, GVValue];
      return `{${printGVariant(type.members![0]!, k, annotate)}, ${printGVariant(type.members![1]!, val, annotate)}}`;
    }
    default:
      return String(v);
  }
}

/** `g_variant_byteswap()`: swap every multi-byte number (used by `--raw`, which prints byteswapped on LE hosts). */
export function byteswapValue(t: GVType | string, v: GVValue): GVValue {
  const type = typeof t === 'string' ? parseType(t) : t;
  switch (type.code) {
    case 'n':
      return ((((v as number) & 0xff) << 8) | (((v as number) >> 8) & 0xff)) << 16 >> 16;
    case 'q':
      return (((v as number) & 0xff) << 8) | (((v as number) >> 8) & 0xff);
    case 'i':
    case 'h':
      return bswap32(v as number) | 0;
    case 'u':
      return bswap32(v as number);
    case 't':
      return bswap64(v as bigint);
    case 'x':
      return BigInt.asIntN(64, bswap64(BigInt.asUintN(64, v as bigint)));
    case 'd': {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setFloat64(0, v as number, true);
      return dv.getFloat64(0, false);
    }
    case 'v':
      return new Variant((v as Variant).type, byteswapValue((v as Variant).type, (v as Variant).value));
    case 'm':
      return v === null ? null : { just: byteswapValue(type.elem!, (v as { just: GVValue }).just) };
    case 'a':
      if (type.elem!.code === 'y') return v;
      return (v as GVValue[]).map((e) => byteswapValue(type.elem!, e));
    case '(':
    case '{':
      return (v as GVValue[]).map((e, i) => byteswapValue(type.members![i]!, e));
    default:
      return v;
  }
}

// ---------------------------------------------------------------------------------------------
// --add-metadata values (g_variant_parse for scalars, strings, typed scalars and string arrays)

const TYPED: Record<string, string> = {
  boolean: 'b', byte: 'y', int16: 'n', uint16: 'q', int32: 'i', uint32: 'u', int64: 'x', uint64: 't', handle: 'h', double: 'd', string: 's', objectpath: 'o', signature: 'g',
};

function unquote(s: string): string | null {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s.length < 2 || s[s.length - 1] !== q) return null;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c === q) return null;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', "'": "'", '"': '"' };
    if (n === 'u' || n === 'U') {
      const len = n === 'u' ? 4 : 8;
      out += String.fromCodePoint(Number.parseInt(s.slice(i + 1, i + 1 + len), 16));
      i += len;
    } else if (n !== undefined && map[n] !== undefined) out += map[n];
    else return null;
  }
  return out;
}

function scalar(code: string, text: string): GVValue {
  const bad = () => new OstreeError('GVARIANT_TEXT_INVALID', `Error parsing variant ‘${text}’`);
  switch (code) {
    case 'b':
      if (text === 'true' || text === 'false') return text === 'true';
      throw bad();
    case 's':
    case 'o':
    case 'g': {
      const s = unquote(text);
      if (s === null) throw bad();
      return s;
    }
    case 'd': {
      const n = Number(text);
      if (!Number.isFinite(n)) throw bad();
      return n;
    }
    case 'x':
    case 't': {
      if (!/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(text)) throw bad();
      const n = BigInt(text.replace(/^\+/, ''));
      if (code === 't' ? n < 0n || n >= 1n << 64n : n < -(1n << 63n) || n >= 1n << 63n) throw bad();
      return n;
    }
    default: {
      if (!/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(text)) throw bad();
      const n = Number(text.replace(/^\+/, ''));
      const range: Record<string, [number, number]> = { y: [0, 255], n: [-32768, 32767], q: [0, 65535], i: [-(2 ** 31), 2 ** 31 - 1], h: [-(2 ** 31), 2 ** 31 - 1], u: [0, 2 ** 32 - 1] };
      const r = range[code];
      if (!r || n < r[0] || n > r[1]) throw bad();
      return n;
    }
  }
}

/**
 * Parse `--add-metadata` value text: `'str'`/`"str"`, `true`/`false`, integers (int32), floats
 * (double), `TYPE VALUE` (`uint64 5`, `byte 0x10`, …), `@T VALUE` for basic T, and `['a', 'b']`
 * string arrays.
 *
 * @throws OstreeError `GVARIANT_TEXT_INVALID`
 */
export function parseMetadataValue(text: string): Variant {
  const t = text.trim();
  const bad = () => new OstreeError('GVARIANT_TEXT_INVALID', `Error parsing variant ‘${text}’`);
  const at = /^@([bynqiuxthdsog])\s+(.+)$/s.exec(t);
  if (at) return new Variant(at[1]!, scalar(at[1]!, at[2]!.trim()));
  const typed = /^([a-z0-9]+)\s+(.+)$/s.exec(t);
  if (typed && TYPED[typed[1]!]) return new Variant(TYPED[typed[1]!]!, scalar(TYPED[typed[1]!]!, typed[2]!.trim()));
  if (t === 'true' || t === 'false') return new Variant('b', t === 'true');
  if (t[0] === "'" || t[0] === '"') return new Variant('s', scalar('s', t));
  if (/^[+-]?\d+$/.test(t)) return new Variant('i', scalar('i', t));
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$/.test(t)) return new Variant('d', Number(t));
  const arr = /^\[(.*)\]$/s.exec(t);
  if (arr) {
    const body = arr[1]!.trim();
    if (body === '') throw bad();
    const items = body.match(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g) ?? [];
    if (items.join(',').replace(/\s/g, '') !== body.replace(/\s/g, '')) throw bad();
    return new Variant('as', items.map((s) => scalar('s', s) as string));
  }
  throw bad();
}

// ---------------------------------------------------------------------------------------------
// --view

function refBlock(cid: string | undefined, r: SummaryRef): string {
  let s = cid === undefined ? `* ${r.name}\n` : `* (${cid}, ${r.name})\n`;
  s += `    Latest Commit (${gFormatSize(r.commitSize)}):\n      ${r.checksum}\n`;
  for (const [k, v] of r.metadata) {
    if (k === SummaryKeys.COMMIT_TIMESTAMP && v.type === 't') s += `    Timestamp (${k}): ${isoLocal(bswap64(v.value as bigint))}\n`;
    else if (k === SummaryKeys.COMMIT_VERSION && v.type === 's') s += `    Version (${k}): ${v.value as string}\n`;
    else s += `    ${k}: ${printGVariant(v.type, v.value, false)}\n`;
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
      value = printGVariant(v.type, v.value, false);
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
      value = printGVariant(v.type, v.value, false);
    }
    out += pretty !== null ? `${pretty} (${k}): ${value}\n` : `${k}: ${value}\n`;
  }
  return out;
}

/** The text `ostree summary --raw` prints: the byteswapped summary, type-annotated. */
export function formatSummaryRaw(bytes: Uint8Array): string {
  viewSummary(bytes); // validate
  const v = decode(SUMMARY_TYPE, bytes);
  return printGVariant(SUMMARY_TYPE, byteswapValue(SUMMARY_TYPE, v), true) + '\n';
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
