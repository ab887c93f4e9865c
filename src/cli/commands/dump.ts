/**
 * Text renderings shared by `log` and `show`, matching `src/ostree/ot-dump.c`: the commit block
 * (`commit X`, `Parent:  …`, `ContentChecksum:  …`, `Date:  …`, `Version: …`, indented subject and
 * body), and GVariant text for `--raw` / `--print-metadata-key` / `ls -X`.
 *
 * @module
 */
import { OstreeError } from '../../errors.js';
import { commitContentChecksum, type Commit } from '../../format/commit.js';
import { commitVersion } from '../../ops/show.js';
import type { GVValue } from '../../gvariant/value.js';
import { print } from '../../gvariant/text.js';

/** `format_timestamp(…, FALSE)`: `%Y-%m-%d %H:%M:%S +0000`, or an error like GLib's for years past 9999. */
export function formatCommitDate(ts: bigint): string {
  // g_date_time_new_from_unix_utc() accepts 0001-01-01 .. 9999-12-31
  if (ts > 253402300799n) throw new OstreeError('CORRUPT_OBJECT', `Failed to read commit: Invalid timestamp: ${ts}`);
  const d = new Date(Number(ts) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** `dump_indented_lines()`: each line prefixed with four spaces; a final partial line gets `\n`. */
export function indentLines(text: string): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl >= 0) {
      out += `    ${text.slice(pos, nl + 1)}`;
      pos = nl + 1;
    } else {
      if (pos < text.length) out += `    ${text.slice(pos)}\n`;
      return out;
    }
  }
}

/** `dump_commit()` without the `commit X` header line. */
export function formatCommitBody(c: Commit): string {
  let s = '';
  if (c.parent !== null) s += `Parent:  ${c.parent}\n`;
  s += `ContentChecksum:  ${commitContentChecksum(c)}\n`;
  s += `Date:  ${formatCommitDate(c.timestamp)}\n`;
  const v = commitVersion(c);
  if (v !== undefined) s += `Version: ${v}\n`;
  s += c.subject ? `\n${indentLines(c.subject)}` : '(no subject)\n';
  if (c.body) s += `\n${indentLines(c.body)}`;
  return s + '\n';
}

/** `ot_dump_object()` for a commit: `commit CHECKSUM` then {@link formatCommitBody}. */
export function formatCommit(checksum: string, c: Commit): string {
  return `commit ${checksum}\n${formatCommitBody(c)}`;
}

/** `g_variant_print(value, TRUE)` (`src/gvariant/text.ts`). Async for the callers' convenience. */
export async function printVariant(type: string, value: GVValue): Promise<string> {
  return print(type, value, { annotate: true });
}
