/**
 * A streaming tar reader (push parser) for `ostree commit --tree=tar=FILE`.
 *
 * Formats (facts from POSIX.1-2001 `pax`/ustar, GNU tar's `tar.h` and its manual "Basic Tar
 * Format"): ustar (with the 155-byte `prefix`), GNU (`L` long name, `K` long link target, base-256
 * numeric fields), pax (`x` per-entry and `g` global extended headers; `path`, `linkpath`, `size`,
 * `uid`, `gid`, `mtime`, `uname`, `gname` are used, other keywords ignored) and v7 (no magic).
 *
 * Entry types: regular file (`0`, NUL, `7`), hard link (`1`), symlink (`2`), directory (`5`, GNU
 * dump-dir `D`); GNU volume labels (`V`) are skipped. Character/block devices, FIFOs, sparse,
 * multi-volume and unknown types are rejected with `OstreeError('TAR_INVALID')`, as are checksum
 * mismatches, malformed numeric fields, invalid UTF-8 names, oversized extended headers and
 * archives that end inside a header or body.
 *
 * Names are normalized like ostree's `path_relative()` (`ostree-repo-libarchive.c`): leading `/`
 * and `./` are stripped, empty and `.` components dropped, a trailing `/` removed (the root
 * directory `./` becomes `''`), and a `..` component is rejected with `TAR_INVALID`. The raw name is
 * kept in {@link TarEntry.rawPath}.
 *
 * The end of the archive is the first all-zero block; anything after it (the second zero block,
 * record padding) is ignored. Input that ends cleanly at an entry boundary without the zero blocks
 * is accepted, as GNU tar does.
 *
 * Memory: only a 512-byte header and extended-header bodies (capped at
 * {@link TAR_MAX_EXTENDED_HEADER} bytes) are buffered; file bodies are passed through as views of
 * the pushed chunks.
 *
 * @module
 */
import { OstreeError } from '../errors.js';

/** Largest GNU `L`/`K` or pax `x`/`g` header body accepted (bytes). */
export const TAR_MAX_EXTENDED_HEADER = 1 << 20;

const BLOCK = 512;

/** What a tar entry is. */
export type TarEntryKind = 'file' | 'directory' | 'symlink' | 'hardlink';

/** One archive member's metadata. */
export interface TarEntry {
  /** Entry kind. */
  readonly kind: TarEntryKind;
  /** Normalized relative path (`a/b/c`; `''` is the archive root directory). */
  readonly path: string;
  /** The name as stored (after long-name / pax overrides), before normalization. */
  readonly rawPath: string;
  /** Symlink target as stored (not normalized); normalized target path for hard links; else `''`. */
  readonly linkPath: string;
  /** Body size in bytes (regular files; 0 for the other kinds). */
  readonly size: number;
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number;
  /** Owner user id. */
  readonly uid: number;
  /** Owner group id. */
  readonly gid: number;
  /** Modification time in seconds since the epoch (pax may give a fraction). */
  readonly mtime: number;
  /** Owner user name (may be empty). */
  readonly uname: string;
  /** Owner group name (may be empty). */
  readonly gname: string;
}

/**
 * Parser events, in order: `entry`, then (regular files only) zero or more `data` chunks, then
 * `entry-end`. `data.chunk` is a view into the chunk given to {@link TarReader.push}: copy it if
 * you keep it after reusing that buffer.
 */
export type TarEvent =
  | { readonly type: 'entry'; readonly entry: TarEntry }
  | { readonly type: 'data'; readonly chunk: Uint8Array }
  | { readonly type: 'entry-end'; readonly entry: TarEntry };

function bad(message: string, data: Record<string, unknown> = {}): OstreeError {
  return new OstreeError('TAR_INVALID', message, { data });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(b: Uint8Array, what: string): string {
  let end = b.indexOf(0);
  if (end < 0) end = b.length;
  try {
    return utf8.decode(b.subarray(0, end));
  } catch {
    throw bad(`tar ${what} is not valid UTF-8`);
  }
}

/** Parse an octal or GNU base-256 numeric header field. */
function parseNumber(field: Uint8Array, what: string, offset: number): number {
  if (field[0] & 0x80) {
    // Base-256 (GNU): big-endian two's complement, the top bit of the first byte is the marker.
    const negative = (field[0] & 0x40) !== 0;
    let v = BigInt(field[0] & 0x3f) - (negative ? 0x40n : 0n);
    for (let i = 1; i < field.length; i++) v = (v << 8n) | BigInt(field[i]);
    if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw bad(`tar ${what} field out of range`, { offset });
    }
    return Number(v);
  }
  let i = 0;
  while (i < field.length && field[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < field.length; i++) {
    const c = field[i];
    if (c >= 0x30 && c <= 0x37) {
      v = v * 8 + (c - 0x30);
      digits++;
    } else break;
  }
  for (; i < field.length; i++) {
    if (field[i] !== 0 && field[i] !== 0x20) throw bad(`tar ${what} field is not octal`, { offset });
  }
  if (v > Number.MAX_SAFE_INTEGER || digits > 18) throw bad(`tar ${what} field out of range`, { offset });
  return v;
}

/** Normalize an archive path like ostree's `path_relative()`; `..` is rejected. */
export function normalizeTarPath(raw: string): string {
  const out: string[] = [];
  for (const c of raw.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw bad(`tar member name contains "..": ${JSON.stringify(raw)}`, { path: raw });
    out.push(c);
  }
  return out.join('/');
}

function parsePaxDecimal(v: string, key: string, allowFraction: boolean): number {
  const re = allowFraction ? /^-?[0-9]+(\.[0-9]*)?$/ : /^[0-9]+$/;
  if (!re.test(v)) throw bad(`invalid pax ${key} value ${JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) throw bad(`pax ${key} out of range`);
  return n;
}

/** Parse a pax extended header body: records `"<len> <key>=<value>\n"`. */
function parsePax(body: Uint8Array, into: Map<string, string>): void {
  let pos = 0;
  while (pos < body.length) {
    // Some writers pad the body with NULs.
    if (body[pos] === 0) break;
    let sp = pos;
    let len = 0;
    while (sp < body.length && body[sp] >= 0x30 && body[sp] <= 0x39 && sp - pos < 10) {
      len = len * 10 + (body[sp] - 0x30);
      sp++;
    }
    if (sp === pos || body[sp] !== 0x20 || len <= sp - pos + 1 || pos + len > body.length || body[pos + len - 1] !== 0x0a) {
      throw bad('malformed pax extended header record', { offset: pos });
    }
    const rec = body.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw bad('malformed pax extended header record', { offset: pos });
    let key: string;
    let value: string;
    try {
      key = utf8.decode(rec.subarray(0, eq));
      value = utf8.decode(rec.subarray(eq + 1));
    } catch {
      throw bad('pax extended header record is not valid UTF-8', { offset: pos });
    }
    into.set(key, value);
    pos += len;
  }
}

type State = 'header' | 'body' | 'meta' | 'skip' | 'eof';

/**
 * Push parser: feed chunks with {@link push}, call {@link end} at end of input. Each call returns
 * the events completed by that input. Throws `OstreeError('TAR_INVALID')` on malformed input;
 * after an error the reader must not be used again.
 *
 * @example
 * ```ts
 * const r = new TarReader();
 * for (const chunk of chunks) for (const ev of r.push(chunk)) handle(ev);
 * for (const ev of r.end()) handle(ev);
 * ```
 */
export class TarReader {
  private state: State = 'header';
  private readonly header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Body bytes left of the current entry or meta header. */
  private remaining = 0;
  /** Padding bytes left after the current body. */
  private padding = 0;
  private entry: TarEntry | null = null;
  private metaType = 0;
  private metaParts: Uint8Array[] = [];
  private metaFill = 0;
  private longName: string | null = null;
  private longLink: string | null = null;
  private pax = new Map<string, string>();
  private readonly globalPax = new Map<string, string>();
  private offset = 0;
  private failed = false;

  /** Feed the next chunk of the archive. */
  push(chunk: Uint8Array): TarEvent[] {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('TarReader.push expects a Uint8Array');
    if (this.failed) throw new Error('TarReader used after an error');
    const events: TarEvent[] = [];
    try {
      this.consume(chunk, events);
    } catch (e) {
      this.failed = true;
      throw e;
    }
    return events;
  }

  /** Signal end of input; throws `TAR_INVALID` when the archive is truncated. */
  end(): TarEvent[] {
    if (this.failed) throw new Error('TarReader used after an error');
    if (this.state === 'eof') return [];
    if (this.state === 'header' && this.headerFill === 0 && this.longName === null && this.longLink === null && this.pax.size === 0) {
      this.state = 'eof';
      return [];
    }
    this.failed = true;
    throw bad('truncated tar archive', { offset: this.offset, state: this.state });
  }

  private consume(chunk: Uint8Array, events: TarEvent[]): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'eof':
          this.offset += chunk.length - pos;
          return;
        case 'header': {
          const n = Math.min(BLOCK - this.headerFill, chunk.length - pos);
          this.header.set(chunk.subarray(pos, pos + n), this.headerFill);
          this.headerFill += n;
          pos += n;
          this.offset += n;
          if (this.headerFill === BLOCK) {
            this.headerFill = 0;
            this.onHeader(events);
          }
          break;
        }
        case 'body': {
          const n = Math.min(this.remaining, chunk.length - pos);
          if (n > 0) events.push({ type: 'data', chunk: chunk.subarray(pos, pos + n) });
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finishBody(events);
          break;
        }
        case 'meta': {
          const n = Math.min(this.remaining, chunk.length - pos);
          this.metaParts.push(chunk.slice(pos, pos + n));
          this.metaFill += n;
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finishMeta();
          break;
        }
        case 'skip': {
          const n = Math.min(this.remaining + this.padding, chunk.length - pos);
          const fromBody = Math.min(n, this.remaining);
          this.remaining -= fromBody;
          this.padding -= n - fromBody;
          pos += n;
          this.offset += n;
          if (this.remaining === 0 && this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
    // A body of size 0 completes as soon as its header is seen (handled in onHeader).
  }

  private finishBody(events: TarEvent[]): void {
    events.push({ type: 'entry-end', entry: this.entry! });
    this.entry = null;
    this.remaining = 0;
    this.state = this.padding > 0 ? 'skip' : 'header';
  }

  private finishMeta(): void {
    const body = new Uint8Array(this.metaFill);
    let o = 0;
    for (const p of this.metaParts) {
      body.set(p, o);
      o += p.length;
    }
    this.metaParts = [];
    this.metaFill = 0;
    const t = String.fromCharCode(this.metaType);
    if (t === 'L') this.longName = decodeName(body, 'long name');
    else if (t === 'K') this.longLink = decodeName(body, 'long link name');
    else if (t === 'x') parsePax(body, this.pax);
    else parsePax(body, this.globalPax);
    this.state = this.padding > 0 ? 'skip' : 'header';
  }

  private onHeader(events: TarEvent[]): void {
    const h = this.header;
    const headerOffset = this.offset - BLOCK;
    let zero = true;
    for (let i = 0; i < BLOCK; i++) {
      if (h[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      if (this.longName !== null || this.longLink !== null || this.pax.size > 0) {
        throw bad('tar archive ends after an extended header', { offset: headerOffset });
      }
      this.state = 'eof';
      return;
    }
    // Checksum: sum of all header bytes with the checksum field counted as spaces (unsigned, or
    // signed as some historic tars computed it).
    const stored = parseNumber(h.subarray(148, 156), 'checksum', headerOffset);
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : h[i];
      unsigned += b;
      signed += b >= 0x80 ? b - 256 : b;
    }
    if (stored !== unsigned && stored !== signed) {
      throw bad('tar header checksum mismatch', { offset: headerOffset, stored, computed: unsigned });
    }
    const typeflag = h[156];
    const size = parseNumber(h.subarray(124, 136), 'size', headerOffset);
    if (size < 0) throw bad('negative tar size field', { offset: headerOffset });
    const type = String.fromCharCode(typeflag);

    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      if (size > TAR_MAX_EXTENDED_HEADER) {
        throw bad(`tar extended header too large (${size} bytes)`, { offset: headerOffset, size });
      }
      this.metaType = typeflag;
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      this.metaParts = [];
      this.metaFill = 0;
      if (size === 0) this.finishMeta();
      else this.state = 'meta';
      return;
    }

    const magic = h.subarray(257, 263);
    const posixUstar = magic[0] === 0x75 && magic[1] === 0x73 && magic[2] === 0x74 && magic[3] === 0x61 && magic[4] === 0x72 && magic[5] === 0;
    const gnu = magic[0] === 0x75 && magic[5] === 0x20;
    let name = decodeName(h.subarray(0, 100), 'member name');
    if (posixUstar && h[345] !== 0) name = `${decodeName(h.subarray(345, 500), 'name prefix')}/${name}`;
    let link = decodeName(h.subarray(157, 257), 'link name');
    const merged = new Map(this.globalPax);
    for (const [k, v] of this.pax) merged.set(k, v);
    if (this.longName !== null) name = this.longName;
    if (this.longLink !== null) link = this.longLink;
    if (merged.has('path')) name = merged.get('path')!;
    if (merged.has('linkpath')) link = merged.get('linkpath')!;
    let realSize = size;
    if (merged.has('size')) realSize = parsePaxDecimal(merged.get('size')!, 'size', false);
    const uid = merged.has('uid') ? parsePaxDecimal(merged.get('uid')!, 'uid', false) : parseNumber(h.subarray(108, 116), 'uid', headerOffset);
    const gid = merged.has('gid') ? parsePaxDecimal(merged.get('gid')!, 'gid', false) : parseNumber(h.subarray(116, 124), 'gid', headerOffset);
    const mtime = merged.has('mtime')
      ? parsePaxDecimal(merged.get('mtime')!, 'mtime', true)
      : parseNumber(h.subarray(136, 148), 'mtime', headerOffset);
    const mode = parseNumber(h.subarray(100, 108), 'mode', headerOffset) & 0o7777;
    const uname = merged.get('uname') ?? (posixUstar || gnu ? decodeName(h.subarray(265, 297), 'user name') : '');
    const gname = merged.get('gname') ?? (posixUstar || gnu ? decodeName(h.subarray(297, 329), 'group name') : '');
    this.longName = null;
    this.longLink = null;
    this.pax = new Map();

    let kind: TarEntryKind | 'skip';
    switch (type) {
      case '0':
      case '\0':
      case '7':
        // Old (pre-POSIX) archives mark directories only by a trailing slash.
        kind = !posixUstar && !gnu && name.endsWith('/') ? 'directory' : 'file';
        break;
      case '1':
        kind = 'hardlink';
        break;
      case '2':
        kind = 'symlink';
        break;
      case '5':
      case 'D':
        kind = 'directory';
        break;
      case 'V':
        kind = 'skip';
        break;
      case '3':
      case '4':
      case '6':
        throw bad(`unsupported tar entry type ${type === '6' ? 'FIFO' : type === '3' ? 'character device' : 'block device'}: ${name}`, {
          offset: headerOffset,
          path: name,
          type,
        });
      default:
        throw bad(`unsupported tar entry type ${JSON.stringify(type)}: ${name}`, { offset: headerOffset, path: name, type });
    }
    const padding = (BLOCK - (realSize % BLOCK)) % BLOCK;
    if (kind === 'skip' || kind !== 'file') {
      // Bodies of non-file entries (dump-dir listings, labels, hard links with data) are skipped.
      this.remaining = realSize;
      this.padding = padding;
      this.state = realSize + padding > 0 ? 'skip' : 'header';
      if (kind === 'skip') return;
    }
    const path = normalizeTarPath(name);
    if (name === '' && kind !== 'directory') throw bad('tar member with an empty name', { offset: headerOffset });
    const entry: TarEntry = {
      kind,
      path,
      rawPath: name,
      linkPath: kind === 'hardlink' ? normalizeTarPath(link) : kind === 'symlink' ? link : '',
      size: kind === 'file' ? realSize : 0,
      mode,
      uid,
      gid,
      mtime,
      uname,
      gname,
    };
    if (kind === 'hardlink' && entry.linkPath === '') throw bad('tar hard link without a target', { offset: headerOffset, path: name });
    if (kind === 'file' && path === '') throw bad('tar regular file names the archive root', { offset: headerOffset, path: name });
    events.push({ type: 'entry', entry });
    if (kind === 'file') {
      this.entry = entry;
      this.remaining = realSize;
      this.padding = padding;
      if (realSize === 0) this.finishBody(events);
      else this.state = 'body';
    } else {
      events.push({ type: 'entry-end', entry });
    }
  }
}

/** A structural `ReadableStream<Uint8Array>` (web streams) so no DOM types are needed. */
export interface ByteStreamLike {
  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; releaseLock(): void };
}

/**
 * Read a tar archive from an async byte source (a Node stream, any `AsyncIterable<Uint8Array>`, or
 * a web `ReadableStream`), yielding {@link TarEvent}s as they complete. Memory stays bounded by
 * the source's chunk size.
 */
export async function* readTar(source: AsyncIterable<Uint8Array> | ByteStreamLike): AsyncGenerator<TarEvent> {
  const reader = new TarReader();
  if (Symbol.asyncIterator in source) {
    for await (const chunk of source as AsyncIterable<Uint8Array>) yield* reader.push(chunk);
  } else {
    const r = (source as ByteStreamLike).getReader();
    try {
      for (;;) {
        const { done, value } = await r.read();
        if (done) break;
        if (value) yield* reader.push(value);
      }
    } finally {
      r.releaseLock();
    }
  }
  yield* reader.end();
}
