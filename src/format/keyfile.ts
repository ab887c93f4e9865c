/**
 * GLib `GKeyFile` compatible reader/writer (pure: text or bytes in, text out).
 *
 * Used for the ostree repo `config` (`[core]`, `[remote "name"]`), flatpak `metadata`, `.flatpakref`
 * and `.flatpakrepo` files. The behaviour mirrors GLib 2.74's `glib/gkeyfile.c` loaded with
 * `G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS` and was checked differentially against
 * it (python3-gi):
 *
 * - Lines split on `\n`; one `\r` before `\n` is dropped. Leading ASCII whitespace of a line is
 *   skipped for classification. Empty, whitespace-only and `#` lines are comments and are kept
 *   verbatim (inside the group they follow; comments before the first group belong to an unnamed
 *   top group).
 * - `[name]` (optionally followed by spaces/tabs) starts a group; names are non-empty without `[`,
 *   `]` or control characters. A repeated group merges into the first one (later keys are appended
 *   to it).
 * - `key=value`: trailing whitespace of the key and leading whitespace of the value are dropped;
 *   trailing whitespace of the value is kept. Duplicate keys are all kept in the text; lookups see
 *   the last one (GLib's hash-table replace).
 * - After any modification, {@link KeyFile.toString} renders like `g_key_file_to_data()`:
 *   `key=value` lines, comments verbatim, and an empty line inserted before a group header when the
 *   output so far does not already end with one. New keys are appended at the end of their group
 *   (after trailing comments/blank lines, as GLib 2.74 does).
 *
 * Deviations (strict where GLib is lenient): invalid UTF-8 and NUL bytes are rejected at parse time
 * (GLib accepts them and fails only in `get_string`); translations are always kept.
 *
 * @module
 */
import { OstreeError } from '../errors.js';

/** One line inside a group: a comment (`key === null`, `value` is the verbatim line) or a pair. */
interface Entry {
  key: string | null;
  value: string;
}

interface Group {
  /** `null` for the unnamed top group holding comments before the first group header. */
  name: string | null;
  entries: Entry[];
  /** Key → the entry lookups see (the last one added, as GLib's `g_hash_table_replace`). */
  lookup: Map<string, Entry>;
}

/** GLib's `g_ascii_isspace`: space, \t, \n, \v, \f, \r. */
function isAsciiSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function invalid(message: string, data: Record<string, unknown> = {}): OstreeError {
  return new OstreeError('KEYFILE_INVALID', message, { data });
}

/**
 * True when `name` is a valid group name (`g_key_file_is_group_name()`, `gkeyfile.c`): non-empty,
 * without `[`, `]` or ASCII control characters.
 */
export function isValidGroupName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5b || c === 0x5d || c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const LOCALE_CHAR = /^[\p{L}\p{N}\-_.@]$/u;

/**
 * True when `name` is a valid key name (`g_key_file_is_key_name()`, `gkeyfile.c`): non-empty, no
 * `=`, `[`, `]`, NUL, no leading or trailing space, optionally followed by one `[locale]` whose
 * characters are letters, digits, `-`, `_`, `.` or `@`.
 */
export function isValidKeyName(name: string): boolean {
  let q = 0;
  const n = name.length;
  while (q < n) {
    const c = name[q];
    if (c === '=' || c === '[' || c === ']' || c === '\0') break;
    q++;
  }
  if (q === 0) return false;
  if (name[0] === ' ' || name[q - 1] === ' ') return false;
  if (name[q] === '[') {
    q++;
    while (q < n) {
      const cp = name.codePointAt(q)!;
      const ch = String.fromCodePoint(cp);
      if (!LOCALE_CHAR.test(ch)) break;
      q += ch.length;
    }
    if (name[q] !== ']') return false;
    q++;
  }
  return q >= n;
}

/**
 * Locale variants tried for a translated key, most specific first (`g_get_locale_variants()`,
 * `glib/gcharset.c`): for `en_GB.UTF-8@euro` → `en_GB.UTF-8@euro, en_GB@euro, en.UTF-8@euro,
 * en@euro, en_GB.UTF-8, en_GB, en.UTF-8, en`.
 */
export function localeVariants(locale: string): string[] {
  let at = locale.indexOf('@');
  let modifier = '';
  let mask = 0;
  if (at >= 0) {
    mask |= 4;
    modifier = locale.slice(at);
  } else at = locale.length;
  let dot = locale.indexOf('.');
  let codeset = '';
  if (dot >= 0 && dot < at) {
    mask |= 1;
    codeset = locale.slice(dot, at);
  } else dot = at;
  let us = locale.indexOf('_');
  let territory = '';
  if (us >= 0 && us < dot) {
    mask |= 2;
    territory = locale.slice(us, dot);
  } else us = dot;
  const language = locale.slice(0, us);
  const out: string[] = [];
  for (let j = 0; j <= mask; j++) {
    const i = mask - j;
    if ((i & ~mask) !== 0) continue;
    out.push(language + (i & 2 ? territory : '') + (i & 1 ? codeset : '') + (i & 4 ? modifier : ''));
  }
  return out;
}

/** `g_key_file_parse_string_as_value()`: escape a string for storage. */
function escapeValue(s: string, escapeSeparator: boolean): string {
  let out = '';
  let leading = true;
  for (const c of s) {
    switch (c) {
      case ' ':
        out += leading ? '\\s' : ' ';
        break;
      case '\t':
        out += leading ? '\\t' : '\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\\':
        out += '\\\\';
        leading = false;
        break;
      default:
        if (escapeSeparator && c === ';') {
          out += '\\;';
          leading = true;
        } else {
          out += c;
          leading = false;
        }
    }
  }
  return out;
}

/**
 * `g_key_file_parse_value_as_string()`: unescape `\s \n \t \r \\` (and `\;` when splitting a list).
 * Returns the pieces when `list` is set, else a one-element array. `lenient` keeps invalid escapes
 * literally and drops a trailing backslash instead of failing (what `g_key_file_get_locale_string()`
 * gets, as it ignores the parse error).
 */
function unescapeValue(value: string, list: boolean, where: Record<string, unknown>, lenient = false): string[] {
  const pieces: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      i++;
      if (i >= value.length) {
        if (lenient) break;
        throw invalid('Key file contains escape character at end of line', where);
      }
      const d = value[i];
      if (d === 's') cur += ' ';
      else if (d === 'n') cur += '\n';
      else if (d === 't') cur += '\t';
      else if (d === 'r') cur += '\r';
      else if (d === '\\') cur += '\\';
      else if (list && d === ';') cur += ';';
      else if (lenient) cur += '\\' + d;
      else throw invalid(`Key file contains invalid escape sequence "\\${d}"`, where);
    } else if (list && c === ';') {
      pieces.push(cur);
      cur = '';
    } else cur += c;
  }
  if (!list) return [cur];
  if (cur.length > 0) pieces.push(cur);
  return pieces;
}

/** Leading-whitespace / sign / decimal-digits scan shared by the strtol family. */
function scanInteger(value: string): { neg: boolean; digits: string; end: number } {
  let i = 0;
  while (isAsciiSpace(value[i])) i++;
  let neg = false;
  if (value[i] === '+' || value[i] === '-') {
    neg = value[i] === '-';
    i++;
  }
  const start = i;
  while (i < value.length && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  if (i === start) return { neg, digits: '', end: 0 };
  return { neg, digits: value.slice(start, i), end: i };
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/** `g_key_file_parse_value_as_integer()`: C `strtol`, trailing whitespace (and anything after it) allowed. */
function parseInteger(value: string, where: Record<string, unknown>): number {
  const { neg, digits, end } = scanInteger(value);
  if (value.length === 0 || (end < value.length && !isAsciiSpace(value[end]))) {
    throw invalid(`Value "${value}" cannot be interpreted as a number`, where);
  }
  if (digits === '') return 0;
  const n = neg ? -BigInt(digits) : BigInt(digits);
  if (n > 2147483647n || n < -2147483648n) throw invalid(`Integer value "${value}" out of range`, where);
  return Number(n);
}

/** `g_key_file_parse_value_as_boolean()`: `true`/`1`/`false`/`0`, trailing whitespace ignored. */
function parseBoolean(value: string, where: Record<string, unknown>): boolean {
  let end = value.length;
  while (end > 0 && isAsciiSpace(value[end - 1])) end--;
  const v = value.slice(0, end);
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(`Value "${value}" cannot be interpreted as a boolean`, where);
}

/** Exact value of a finite hex float `m * 2^e`, correctly rounded to a double. */
function hexToDouble(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  const top = e + bits - 1; // exponent of the leading bit
  if (top > 1023) return Infinity;
  let prec = 53;
  if (top < -1022) prec = 53 - (-1022 - top);
  if (prec <= 0) {
    // Below half the smallest subnormal rounds to 0; exactly half rounds to even (0); above → min.
    if (prec < 0) return 0;
    return m === 1n << BigInt(bits - 1) ? 0 : 2 ** -1074;
  }
  let mant: bigint;
  const drop = bits - prec;
  if (drop > 0) {
    mant = m >> BigInt(drop);
    const rem = m & ((1n << BigInt(drop)) - 1n);
    const half = 1n << BigInt(drop - 1);
    if (rem > half || (rem === half && (mant & 1n) === 1n)) mant++;
  } else mant = m << BigInt(-drop);
  const exp = top - prec + 1;
  return Number(mant) * 2 ** exp; // exp >= -1074 by construction, so the power of two is exact
}

/** C `strtod` in the C locale (`g_ascii_strtod`): returns the value and the end index (0 = none). */
function strtod(s: string): { value: number; end: number } {
  let i = 0;
  while (isAsciiSpace(s[i])) i++;
  let sign = 1;
  if (s[i] === '+' || s[i] === '-') {
    if (s[i] === '-') sign = -1;
    i++;
  }
  const rest = s.slice(i);
  let m: RegExpExecArray | null;
  if ((m = /^inf(inity)?/i.exec(rest))) return { value: sign * Infinity, end: i + m[0].length };
  if ((m = /^nan(\([A-Za-z0-9_]*\))?/i.exec(rest))) return { value: NaN, end: i + m[0].length };
  if ((m = /^0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?[0-9]+)?/.exec(rest))) {
    const [intPart, fracPart = ''] = m[1].split('.');
    const digits = intPart + fracPart;
    let exp = -4 * fracPart.length;
    if (m[2]) {
      const pe = m[2].slice(1);
      const pv = Number(pe.length > 12 ? (pe.startsWith('-') ? '-99999999' : '99999999') : pe);
      exp += pv;
    }
    const mant = BigInt('0x' + (digits.replace(/^0+/, '') || '0'));
    return { value: sign * hexToDouble(mant, exp), end: i + m[0].length };
  }
  if ((m = /^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?/.exec(rest))) {
    return { value: sign * Number(m[0]), end: i + m[0].length };
  }
  return { value: 0, end: 0 };
}

/** `g_key_file_parse_value_as_double()`. */
function parseDouble(value: string, where: Record<string, unknown>): number {
  const { value: v, end } = strtod(value);
  if (end === 0 || end !== value.length) {
    throw invalid(`Value "${value}" cannot be interpreted as a float number`, where);
  }
  return v;
}

/** `g_ascii_dtostr()` (`%.17g` in the C locale). */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  // 101 significant digits are exact enough to round half-even at the 17th like glibc's printf.
  const full = Math.abs(v).toExponential(100);
  const [mant, expStr] = full.split('e');
  let exp = Number(expStr);
  const all = mant.replace('.', '');
  let digits = all.slice(0, 17);
  const restDigits = all.slice(17);
  const first = restDigits.charCodeAt(0) - 0x30;
  const roundUp = first > 5 || (first === 5 && (/[1-9]/.test(restDigits.slice(1)) || (digits.charCodeAt(16) - 0x30) % 2 === 1));
  if (roundUp) {
    const inc = (BigInt(digits) + 1n).toString();
    if (inc.length > 17) {
      exp++;
      digits = inc.slice(0, 17);
    } else digits = inc;
  }
  if (exp < -4 || exp >= 17) {
    let m = digits[0] + '.' + digits.slice(1);
    m = m.replace(/0+$/, '').replace(/\.$/, '');
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  let s: string;
  if (exp >= 0) s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  else s = '0.' + '0'.repeat(-exp - 1) + digits;
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return sign + s;
}

/** Options for {@link KeyFile.parse}. */
export interface KeyFileParseOptions {
  /**
   * Keep comment and blank lines (`G_KEY_FILE_KEEP_COMMENTS`; default true). ostree loads its repo
   * `config` without this flag, so `ostree config set` drops every comment and blank line; pass
   * `false` to reproduce its rewrite exactly.
   */
  keepComments?: boolean;
  /**
   * `'all'` (default) keeps every `key[locale]` (`G_KEY_FILE_KEEP_TRANSLATIONS`). A list of
   * language names — what `g_get_language_names()` returns, e.g. `['C']` in the C locale — keeps
   * only translations whose locale equals one of them (ASCII case-insensitively) and drops the rest
   * while parsing, as GLib does without the flag.
   */
  translations?: 'all' | readonly string[];
}

function checkGroupArg(group: string): void {
  if (typeof group !== 'string') throw new TypeError('group must be a string');
  if (!isValidGroupName(group)) throw new RangeError(`invalid key file group name: ${JSON.stringify(group)}`);
}

function checkKeyArg(key: string): void {
  if (typeof key !== 'string') throw new TypeError('key must be a string');
  if (!isValidKeyName(key)) throw new RangeError(`invalid key file key name: ${JSON.stringify(key)}`);
}

function checkStringArg(s: string, what: string): void {
  if (typeof s !== 'string') throw new TypeError(`${what} must be a string`);
  if (s.includes('\0')) throw new RangeError(`${what} must not contain NUL`);
}

/**
 * A parsed key file that can be queried and edited (GLib `GKeyFile`).
 *
 * @example
 * ```ts
 * const kf = KeyFile.parse('[core]\nrepo_version=1\nmode=archive-z2\n');
 * kf.getString('core', 'mode'); // 'archive-z2'
 * kf.setBoolean('remote "origin"', 'gpg-verify', false);
 * kf.toString(); // GLib's g_key_file_to_data() rendering
 * ```
 */
export class KeyFile {
  private readonly groupList: Group[];
  private readonly groupMap = new Map<string, Group>();
  /** The parsed text while nothing was modified (so toString() is byte-identical). */
  private source: string | null = null;

  /** An empty key file. */
  constructor() {
    this.groupList = [{ name: null, entries: [], lookup: new Map() }];
  }

  /**
   * Parse key file text or UTF-8 bytes (`g_key_file_load_from_data()`; by default with comments
   * and translations kept, see {@link KeyFileParseOptions}). Throws `OstreeError('KEYFILE_INVALID')` naming the line on malformed input.
   */
  static parse(input: string | Uint8Array, options: KeyFileParseOptions = {}): KeyFile {
    let text: string;
    if (typeof input === 'string') {
      text = input;
      if (LONE_SURROGATE.test(text)) throw invalid('Key file is not valid UTF-8 (lone surrogate)');
    } else if (input instanceof Uint8Array) {
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
      } catch (cause) {
        throw new OstreeError('KEYFILE_INVALID', 'Key file is not valid UTF-8', { cause });
      }
    } else throw new TypeError('KeyFile.parse expects a string or Uint8Array');
    const kf = new KeyFile();
    const tr = options.translations ?? 'all';
    kf.load(text, options.keepComments ?? true, tr === 'all' ? null : new Set(tr.map((l) => asciiLower(l))));
    kf.source = text;
    return kf;
  }

  private load(text: string, keepComments: boolean, languages: Set<string> | null): void {
    let current = this.groupList[0];
    let startGroup: Group | null = null;
    let lineNo = 0;
    let pos = 0;
    while (pos < text.length) {
      lineNo++;
      let nl = text.indexOf('\n', pos);
      let line: string;
      if (nl < 0) {
        line = text.slice(pos);
        nl = text.length;
      } else {
        line = text.slice(pos, nl);
        if (line.endsWith('\r')) line = line.slice(0, -1);
      }
      pos = nl + 1;
      if (line.includes('\0')) throw invalid(`Key file contains a NUL byte on line ${lineNo}`, { line: lineNo });
      let s = 0;
      while (isAsciiSpace(line[s])) s++;
      if (s === line.length || line[s] === '#') {
        if (keepComments) current.entries.push({ key: null, value: line });
        continue;
      }
      const rest = line.slice(s);
      if (rest[0] === '[') {
        const close = rest.indexOf(']');
        if (close > 0 && /^[ \t]*$/.test(rest.slice(close + 1))) {
          const name = rest.slice(1, close);
          if (!isValidGroupName(name)) {
            throw invalid(`Invalid group name "${name}" on line ${lineNo}`, { line: lineNo, group: name });
          }
          let g = this.groupMap.get(name);
          if (!g) {
            g = { name, entries: [], lookup: new Map() };
            this.groupList.push(g);
            this.groupMap.set(name, g);
            startGroup ??= g;
          }
          current = g;
          continue;
        }
      }
      const eq = rest.indexOf('=');
      if (eq <= 0) {
        throw invalid(`Key file contains line ${lineNo} "${line}" which is not a key-value pair, group, or comment`, {
          line: lineNo,
        });
      }
      let ke = eq;
      while (ke > 0 && isAsciiSpace(rest[ke - 1])) ke--;
      const key = rest.slice(0, ke);
      if (!isValidKeyName(key)) {
        throw invalid(`Invalid key name "${key}" on line ${lineNo}`, { line: lineNo, key, group: current.name });
      }
      if (current.name === null) {
        throw invalid(`Key file does not start with a group (line ${lineNo})`, { line: lineNo, key });
      }
      let vs = eq + 1;
      while (isAsciiSpace(rest[vs])) vs++;
      const value = rest.slice(vs);
      if (current === startGroup && key === 'Encoding' && value.toLowerCase() !== 'utf-8') {
        throw invalid(`Key file contains unsupported encoding "${value}" on line ${lineNo}`, {
          line: lineNo,
          group: current.name,
          key,
        });
      }
      if (languages !== null && key.endsWith(']')) {
        const locale = key.slice(key.indexOf('[') + 1, -1);
        // g_key_file_locale_is_interesting(); GLib keeps an empty `key[]` like an untranslated key.
        if (locale !== '' && !languages.has(asciiLower(locale))) continue;
      }
      const entry: Entry = { key, value };
      current.entries.push(entry);
      current.lookup.set(key, entry);
    }
  }

  /** True when the key file was changed since it was parsed. */
  get modified(): boolean {
    return this.source === null;
  }

  /**
   * The text: byte-identical to the parsed input while unmodified, otherwise {@link toData}.
   */
  toString(): string {
    return this.source ?? this.toData();
  }

  /** Always render as GLib's `g_key_file_to_data()` does (whitespace and line endings normalized). */
  toData(): string {
    const parts: string[] = [];
    // Every part ends with '\n'; GLib inserts an empty line before a group when the output so far
    // is at least 2 bytes long and its next-to-last byte is not '\n' (i.e. no empty last line).
    let length = 0;
    let lastLine: string | null = null;
    const add = (line: string): void => {
      parts.push(line, '\n');
      length += line.length + 1;
      lastLine = line;
    };
    for (const g of this.groupList) {
      if (length >= 2 && lastLine !== '') add('');
      if (g.name !== null) add(`[${g.name}]`);
      for (const e of g.entries) add(e.key === null ? e.value : `${e.key}=${e.value}`);
    }
    return parts.join('');
  }

  /** Group names in file order (`g_key_file_get_groups()`). */
  groups(): string[] {
    const out: string[] = [];
    for (const g of this.groupList) if (g.name !== null) out.push(g.name);
    return out;
  }

  /** The first group's name (`g_key_file_get_start_group()`), or undefined when there is none. */
  startGroup(): string | undefined {
    return this.groups()[0];
  }

  /**
   * Key names of a group in file order (`g_key_file_get_keys()`): like GLib, a key written twice is
   * listed twice. Undefined when the group does not exist.
   */
  keys(group: string): string[] | undefined {
    const g = this.groupMap.get(group);
    if (!g) return undefined;
    const out: string[] = [];
    for (const e of g.entries) if (e.key !== null) out.push(e.key);
    return out;
  }

  /** True when the group exists (`g_key_file_has_group()`). */
  hasGroup(group: string): boolean {
    return this.groupMap.has(group);
  }

  /** True when the key exists in the group (`g_key_file_has_key()`). */
  hasKey(group: string, key: string): boolean {
    return this.groupMap.get(group)?.lookup.has(key) ?? false;
  }

  private touch(): void {
    this.source = null;
  }

  private ensureGroup(group: string): Group {
    checkGroupArg(group);
    let g = this.groupMap.get(group);
    if (!g) {
      g = { name: group, entries: [], lookup: new Map() };
      this.groupList.push(g);
      this.groupMap.set(group, g);
    }
    return g;
  }

  /** Create an empty group at the end if it does not exist yet (no-op otherwise). */
  addGroup(group: string): void {
    if (this.groupMap.has(group)) return;
    this.ensureGroup(group);
    this.touch();
  }

  /** Remove a group with all its lines (`g_key_file_remove_group()`); false when absent. */
  removeGroup(group: string): boolean {
    const g = this.groupMap.get(group);
    if (!g) return false;
    this.groupMap.delete(group);
    this.groupList.splice(this.groupList.indexOf(g), 1);
    this.touch();
    return true;
  }

  /**
   * Remove a key (`g_key_file_remove_key()`); false when absent. Like GLib, only the entry lookups
   * see is removed: an earlier duplicate line of the same key stays in the text but is not found.
   */
  removeKey(group: string, key: string): boolean {
    const g = this.groupMap.get(group);
    const e = g?.lookup.get(key);
    if (!g || !e) return false;
    g.lookup.delete(key);
    g.entries.splice(g.entries.indexOf(e), 1);
    this.touch();
    return true;
  }

  /** The raw (still escaped) value (`g_key_file_get_value()`), or undefined when absent. */
  getRaw(group: string, key: string): string | undefined {
    return this.groupMap.get(group)?.lookup.get(key)?.value;
  }

  /**
   * Set a raw value without escaping (`g_key_file_set_value()`). Creates the group (at the end) and
   * the key (at the end of its group) as needed. The value must not contain a newline or NUL.
   */
  setRaw(group: string, key: string, value: string): void {
    checkGroupArg(group);
    checkKeyArg(key);
    checkStringArg(value, 'value');
    if (value.includes('\n')) throw new RangeError('raw key file value must not contain a newline');
    const g = this.ensureGroup(group);
    const e = g.lookup.get(key);
    if (e) e.value = value;
    else {
      const entry: Entry = { key, value };
      g.entries.push(entry);
      g.lookup.set(key, entry);
    }
    this.touch();
  }

  private where(group: string, key: string): Record<string, unknown> {
    return { group, key };
  }

  /** An unescaped string value (`g_key_file_get_string()`); `fallback` (or undefined) when absent. */
  getString(group: string, key: string): string | undefined;
  getString(group: string, key: string, fallback: string): string;
  getString(group: string, key: string, fallback?: string): string | undefined {
    const raw = this.getRaw(group, key);
    if (raw === undefined) return fallback;
    return unescapeValue(raw, false, this.where(group, key))[0];
  }

  /** Store a string, escaping as `g_key_file_set_string()` does. */
  setString(group: string, key: string, value: string): void {
    checkStringArg(value, 'value');
    this.setRaw(group, key, escapeValue(value, false));
  }

  /** A `;`-separated string list (`g_key_file_get_string_list()`); undefined when absent. */
  getStringList(group: string, key: string): string[] | undefined {
    const raw = this.getRaw(group, key);
    if (raw === undefined) return undefined;
    return unescapeValue(raw, true, this.where(group, key));
  }

  /** Store a string list with `\;` escaping and a trailing `;` (`g_key_file_set_string_list()`). */
  setStringList(group: string, key: string, values: readonly string[]): void {
    let raw = '';
    for (const v of values) {
      checkStringArg(v, 'list item');
      raw += escapeValue(v, true) + ';';
    }
    this.setRaw(group, key, raw);
  }

  /**
   * A translated string (`g_key_file_get_locale_string()`): tries `key[variant]` for each
   * {@link localeVariants} of `locale`, then the untranslated key. Like GLib 2.74 it never fails on
   * a bad escape: invalid escapes are kept literally and a trailing backslash is dropped. Without
   * `locale` only the untranslated key is read (GLib would consult the process locale).
   */
  getLocaleString(group: string, key: string, locale?: string): string | undefined {
    const candidates = locale === undefined ? [] : localeVariants(locale).map((v) => `${key}[${v}]`);
    candidates.push(key);
    for (const c of candidates) {
      const raw = this.getRaw(group, c);
      if (raw !== undefined) return unescapeValue(raw, false, this.where(group, c), true)[0];
    }
    return undefined;
  }

  /** Store `key[locale]` (`g_key_file_set_locale_string()`). */
  setLocaleString(group: string, key: string, locale: string, value: string): void {
    this.setString(group, `${key}[${locale}]`, value);
  }

  /**
   * A translated string list (`g_key_file_get_locale_string_list()`): the {@link getLocaleString}
   * value with one trailing `;` dropped, split on `;` (GLib unescapes first, so `\;` does not
   * protect a separator: `a\;b` gives `['a\\', 'b']`).
   */
  getLocaleStringList(group: string, key: string, locale?: string): string[] | undefined {
    const s = this.getLocaleString(group, key, locale);
    if (s === undefined) return undefined;
    const t = s.endsWith(';') ? s.slice(0, -1) : s;
    return t === '' ? [] : t.split(';');
  }

  /** Store `key[locale]` as a list (`g_key_file_set_locale_string_list()`). */
  setLocaleStringList(group: string, key: string, locale: string, values: readonly string[]): void {
    this.setStringList(group, `${key}[${locale}]`, values);
  }

  /** A boolean (`true`/`false`, also `1`/`0`; `g_key_file_get_boolean()`). */
  getBoolean(group: string, key: string): boolean | undefined;
  getBoolean(group: string, key: string, fallback: boolean): boolean;
  getBoolean(group: string, key: string, fallback?: boolean): boolean | undefined {
    const raw = this.getRaw(group, key);
    if (raw === undefined) return fallback;
    return parseBoolean(raw, this.where(group, key));
  }

  /** Store `true`/`false` (`g_key_file_set_boolean()`). */
  setBoolean(group: string, key: string, value: boolean): void {
    if (typeof value !== 'boolean') throw new TypeError('value must be a boolean');
    this.setRaw(group, key, value ? 'true' : 'false');
  }

  /** A 32-bit integer (`g_key_file_get_integer()`: C `strtol`, range-checked). */
  getInteger(group: string, key: string): number | undefined;
  getInteger(group: string, key: string, fallback: number): number;
  getInteger(group: string, key: string, fallback?: number): number | undefined {
    const raw = this.getRaw(group, key);
    if (raw === undefined) return fallback;
    return parseInteger(raw, this.where(group, key));
  }

  /** Store a 32-bit integer (`g_key_file_set_integer()`). */
  setInteger(group: string, key: string, value: number): void {
    if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
      throw new RangeError('value must be a 32-bit integer');
    }
    this.setRaw(group, key, String(value));
  }

  /** A signed 64-bit integer (`g_key_file_get_int64()`: `g_ascii_strtoll`, saturating). */
  getInt64(group: string, key: string): bigint | undefined;
  getInt64(group: string, key: string, fallback: bigint): bigint;
  getInt64(group: string, key: string, fallback?: bigint): bigint | undefined {
    const raw = this.getRaw(group, key);
    if (raw === undefined) return fallback;
    const { neg, digits, end } = scanInteger(raw);
    if (raw.length === 0 || end !== raw.length) {
      throw invalid(`Key "${key}" in group "${group}" has value "${raw}" where int64 was expected`, this.where(group, key));
    }
    const n = BigInt(digits);
    if (neg) return -n < INT64_MIN ? INT64_MIN : -n;
    return n > INT64_MAX ? INT64_MAX : n;
  }

  /** Store a signed 64-bit integer (`g_key_file_set_int64()`). */
  setInt64(group: string, key: string, value: bigint): void {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) {
      throw new RangeError('value must be a bigint in the int64 range');
    }
    this.setRaw(group, key, value.toString());
  }

  /**
   * An unsigned 64-bit integer (`g_key_file_get_uint64()`: `g_ascii_strtoull`, which accepts a
   * leading `-` and negates modulo 2^64, and saturates to 2^64-1 on overflow whatever the sign).
   */
  getUint64(group: string, key: string): bigint | undefined;
  getUint64(group: string, key: string, fallback: bigint): bigint;
  getUint64(group: string, key: string, fallback?: bigint): bigint | undefined {
    const raw = this.getRaw(group, key);
    if (raw === undefined) return fallback;
    const { neg, digits, end } = scanInteger(raw);
    if (raw.length === 0 || end !== raw.length) {
      throw invalid(`Key "${key}" in group "${group}" has value "${raw}" where uint64 was expected`, this.where(group, key));
    }
    const n = BigInt(digits);
    if (n > UINT64_MAX) return UINT64_MAX; // overflow saturates, even with a minus sign
    return neg ? (UINT64_MAX + 1n - n) & UINT64_MAX : n;
  }

  /** Store an unsigned 64-bit integer (`g_key_file_set_uint64()`). */
  setUint64(group: string, key: string, value: bigint): void {
    if (typeof value !== 'bigint' || value < 0n || value > UINT64_MAX) {
      throw new RangeError('value must be a bigint in the uint64 range');
    }
    this.setRaw(group, key, value.toString());
  }

  /** A double (`g_key_file_get_double()`: C-locale `strtod`, whole value must parse). */
  getDouble(group: string, key: string): number | undefined;
  getDouble(group: string, key: string, fallback: number): number;
  getDouble(group: string, key: string, fallback?: number): number | undefined {
    const raw = this.getRaw(group, key);
    if (raw === undefined) return fallback;
    return parseDouble(raw, this.where(group, key));
  }

  /** Store a double as `%.17g` (`g_key_file_set_double()`). */
  setDouble(group: string, key: string, value: number): void {
    if (typeof value !== 'number') throw new TypeError('value must be a number');
    this.setRaw(group, key, formatDouble(value));
  }

  /** A boolean list (`g_key_file_get_boolean_list()`). */
  getBooleanList(group: string, key: string): boolean[] | undefined {
    return this.getStringList(group, key)?.map((s) => parseBoolean(s, this.where(group, key)));
  }

  /** Store a boolean list (`g_key_file_set_boolean_list()`: `true;false;`). */
  setBooleanList(group: string, key: string, values: readonly boolean[]): void {
    this.setRaw(group, key, values.map((v) => (v ? 'true;' : 'false;')).join(''));
  }

  /** An integer list (`g_key_file_get_integer_list()`). */
  getIntegerList(group: string, key: string): number[] | undefined {
    return this.getStringList(group, key)?.map((s) => parseInteger(s, this.where(group, key)));
  }

  /** Store an integer list (`g_key_file_set_integer_list()`: `1;2;`). */
  setIntegerList(group: string, key: string, values: readonly number[]): void {
    for (const v of values) {
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new RangeError('list items must be 32-bit integers');
    }
    this.setRaw(group, key, values.map((v) => `${v};`).join(''));
  }

  /** A double list (`g_key_file_get_double_list()`). */
  getDoubleList(group: string, key: string): number[] | undefined {
    return this.getStringList(group, key)?.map((s) => parseDouble(s, this.where(group, key)));
  }

  /** Store a double list (`g_key_file_set_double_list()`). */
  setDoubleList(group: string, key: string, values: readonly number[]): void {
    this.setRaw(group, key, values.map((v) => `${formatDouble(v)};`).join(''));
  }
}
