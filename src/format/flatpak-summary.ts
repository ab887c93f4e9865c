/**
 * Flatpak's summary formats (pure: values in, bytes out, and back):
 *
 * - the compat `summary` and the per-arch/per-subset subsummaries, both
 *   `(a(s(taya{sv}))a{sv})`, as `generate_summary()` builds them;
 * - the summary index `summary.idx`, `(a{s(ayaaya{sv})}a{sv})` (`generate_summary_index()`);
 * - the global metadata of both (`add_summary_metadata()`);
 * - the `xadf` subsummary diff (`flatpak_summary_generate_diff()` / `flatpak_summary_apply_diff()`),
 *   uncompressed (the files are gzip'd by the caller).
 *
 * Facts from flatpak 1.14.10 `common/flatpak-utils.c` (function names above) and
 * `common/flatpak-utils-private.h` (`FLATPAK_XA_CACHE_VERSION` 2, `FLATPAK_XA_SUMMARY_VERSION` 1,
 * `FLATPAK_SUMMARY_DIFF_HEADER` "xadf"); see /work/shared/docs/flatpak-and-flat-manager.md A2.
 *
 * Key order: flatpak fills the global metadata with a `GVariantBuilder` (insertion order, kept
 * here), and the per-ref dicts and the `ostree.static-deltas` dict with `GVariantDict`s (GLib hash
 * order, {@link ghashOrderEntries}), so that the bytes match flatpak's.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { decode, encode, Variant, type GVValue } from '../gvariant/index.js';
import { bswap64, compareUtf8, sortByUtf8 } from './bytes.js';
import { bytesToHex, checksumToBytes } from './checksum.js';
import { ghashOrderEntries } from './ghash-order.js';
import type { KeyFile } from './keyfile.js';
import { encodeSummary, staticDeltasVariant, type SummaryRef } from './summary.js';

/** `FLATPAK_XA_CACHE_VERSION`. */
export const XA_CACHE_VERSION = 2;
/** `FLATPAK_XA_SUMMARY_VERSION` (subsummaries' `xa.summary-version`). */
export const XA_SUMMARY_VERSION = 1;
/** `FLATPAK_SUMMARY_HISTORY_LENGTH_DEFAULT`. */
export const SUMMARY_HISTORY_LENGTH_DEFAULT = 16;
/** GVariant type of `summary.idx`. */
export const SUMMARY_INDEX_TYPE = '(a{s(ayaaya{sv})}a{sv})';

/** What flatpak caches per commit of an app/runtime/appstream ref (`CommitData`). */
export interface FlatpakCommitData {
  installedSize: bigint;
  downloadSize: bigint;
  /** The `metadata` keyfile text ("" for appstream commits). */
  metadata: string;
  /** `xa.subsets`, when the commit has it. */
  subsets?: string[];
  /** Sparse entries (`eol`, `eolr`, `tokt`, `eds`), or null when none apply. */
  sparse: Array<[string, Variant]> | null;
  /** Size of the commit object in bytes. */
  commitSize: bigint;
  /** Commit timestamp, seconds. */
  timestamp: bigint;
}

/** Size and timestamp of any commit (for refs flatpak does not cache data for). */
export interface CommitFacts {
  commitSize: bigint;
  timestamp: bigint;
}

/** Whether `ref` is an `app/`, `runtime/`, `appstream/` or `appstream2/` ref (`flatpak_is_app_runtime_or_appstream_ref()`). */
export function isAppRuntimeOrAppstreamRef(ref: string): boolean {
  return ref.startsWith('app/') || ref.startsWith('runtime/') || ref.startsWith('appstream/') || ref.startsWith('appstream2/');
}

/** The arch of a ref (`flatpak_get_arch_for_ref()`): 3rd component of app/runtime refs, text after the last `-` of appstream refs; null otherwise. */
export function archForRef(ref: string): string | null {
  if (ref.startsWith('appstream/') || ref.startsWith('appstream2/')) {
    const rest = ref.slice(ref.indexOf('/') + 1);
    const dash = rest.lastIndexOf('-');
    return dash >= 0 ? rest.slice(dash + 1) : rest;
  }
  if (ref.startsWith('app/') || ref.startsWith('runtime/')) {
    const parts = ref.split('/');
    if (parts.length < 4) return null;
    return parts[2]!;
  }
  return null;
}

/** The subset of an `appstream2/SUBSET-ARCH` ref (`appstream_ref_get_subset()`), else null. */
export function appstreamRefSubset(ref: string): string | null {
  if (!ref.startsWith('appstream2/')) return null;
  const rest = ref.slice('appstream2/'.length);
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? null : rest.slice(0, dash);
}

/** Inputs of {@link flatpakSummaryMetadata}. */
export interface FlatpakMetadataInput {
  /** The repository config. */
  config: KeyFile;
  /** `core.collection-id`, if any. */
  collectionId?: string;
  /** Seconds since the epoch (`ostree.summary.last-modified`). */
  lastModified: bigint;
}

/**
 * The global keys `add_summary_metadata()` appends, in its order: `ostree.summary.mode`,
 * `tombstone-commits`, `indexed-deltas`, `last-modified` (BE), `collection-id`, the `xa.*` texts,
 * the deploy-collection-id key, `xa.authenticator-name`/`-install`, `xa.cache-version`,
 * `xa.authenticator-options.*` (config key order), `xa.gpg-keys`.
 */
export function flatpakSummaryMetadata(m: FlatpakMetadataInput): Array<[string, Variant]> {
  const cfg = m.config;
  const str = (k: string): string | undefined => cfg.getString('flatpak', k);
  const bool = (g: string, k: string): boolean => {
    try {
      return cfg.getBoolean(g, k, false) === true;
    } catch {
      return false;
    }
  };
  const out: Array<[string, Variant]> = [];
  out.push(['ostree.summary.mode', new Variant('s', cfg.getString('core', 'mode') ?? 'bare')]);
  out.push(['ostree.summary.tombstone-commits', new Variant('b', bool('core', 'tombstone-commits'))]);
  out.push(['ostree.summary.indexed-deltas', new Variant('b', true)]);
  out.push(['ostree.summary.last-modified', new Variant('t', bswap64(m.lastModified))]);
  const cid = m.collectionId;
  if (cid !== undefined) out.push(['ostree.summary.collection-id', new Variant('s', cid)]);
  for (const k of ['title', 'comment', 'description', 'homepage', 'icon', 'redirect-url', 'default-branch']) {
    const v = str(k);
    if (v !== undefined) out.push([`xa.${k}`, new Variant('s', v)]);
  }
  if (bool('flatpak', 'deploy-collection-id') && cid !== undefined) out.push(['ostree.deploy-collection-id', new Variant('s', cid)]);
  else if (bool('flatpak', 'deploy-sideload-collection-id') && cid !== undefined) out.push(['xa.deploy-collection-id', new Variant('s', cid)]);
  const an = str('authenticator-name');
  if (an !== undefined) out.push(['xa.authenticator-name', new Variant('s', an)]);
  if (cfg.hasKey('flatpak', 'authenticator-install')) out.push(['xa.authenticator-install', new Variant('b', bool('flatpak', 'authenticator-install'))]);
  out.push(['xa.cache-version', new Variant('u', XA_CACHE_VERSION)]);
  for (const k of cfg.keys('flatpak') ?? []) {
    if (!k.startsWith('authenticator-options.')) continue;
    const v = str(k);
    if (v !== undefined) out.push([`xa.${k}`, new Variant('s', v)]);
  }
  const keys = str('gpg-keys');
  if (keys !== undefined) out.push(['xa.gpg-keys', new Variant('ay', new Uint8Array(Buffer.from(keys.trim(), 'base64')))]);
  return out;
}

/** Inputs of {@link buildFlatpakSummary}. */
export interface FlatpakSummaryInput {
  /** true: the compat `summary`; false: a subsummary. */
  compat: boolean;
  /** ref → commit checksum (any order). */
  refs: ReadonlyMap<string, string>;
  /** commit → flatpak data (only commits of app/runtime/appstream refs). */
  data: ReadonlyMap<string, FlatpakCommitData>;
  /** commit → size/timestamp for commits without flatpak data. */
  facts: ReadonlyMap<string, CommitFacts>;
  /** Delta name → superblock SHA-256 hex, or null to omit `ostree.static-deltas`. */
  deltas: ReadonlyArray<readonly [string, string]> | null;
  /** "" or a subset name. */
  subset: string;
  /** Keep only refs of these arches (arch-less refs are always kept); null = all. */
  arches: readonly string[] | null;
  /** For the compat summary: {@link flatpakSummaryMetadata}'s entries. */
  globalMetadata: ReadonlyArray<readonly [string, Variant]>;
}

/** A built summary: its bytes and the commits it lists. */
export interface BuiltFlatpakSummary {
  bytes: Uint8Array;
  refs: SummaryRef[];
  commits: Set<string>;
}

/**
 * `generate_summary()`: the compat summary (per-ref `ostree.commit.timestamp`, `xa.cache`,
 * `xa.sparse-cache`, deltas) or a subsummary (per-ref `xa.data`, sparse keys, `ot.ts`;
 * `xa.summary-version`).
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` when a listed commit has neither data nor facts
 */
export function buildFlatpakSummary(s: FlatpakSummaryInput): BuiltFlatpakSummary {
  const ordered = sortByUtf8(s.refs.keys(), (r) => r);
  const arches = s.arches ? new Set(s.arches) : null;
  const commits = new Set<string>();
  for (const ref of ordered) {
    const rev = s.refs.get(ref)!;
    if (arches) {
      const arch = archForRef(ref);
      if (arch !== null && !arches.has(arch)) continue;
    }
    const d = s.data.get(rev);
    if (s.subset !== '') {
      if (ref.startsWith('appstream/')) continue;
      if (ref.startsWith('appstream2/')) {
        if (appstreamRefSubset(ref) !== s.subset) continue;
      } else if (d && !(d.subsets ?? []).includes(s.subset)) continue;
    } else if (appstreamRefSubset(ref) !== null) continue;
    commits.add(rev);
  }
  const refs: SummaryRef[] = [];
  const cache: GVValue[] = [];
  const sparse: GVValue[] = [];
  for (const ref of ordered) {
    const rev = s.refs.get(ref)!;
    if (!commits.has(rev)) continue;
    const d = isAppRuntimeOrAppstreamRef(ref) ? s.data.get(rev) : undefined;
    const f = d ?? s.facts.get(rev);
    if (!f) throw new OstreeError('OBJECT_NOT_FOUND', `No commit data for ${rev} (ref ${ref})`, { data: { ref, checksum: rev } });
    const entries: Array<[string, Variant]> = [];
    if (!s.compat && d) {
      entries.push(['xa.data', new Variant('(tts)', [bswap64(d.installedSize), bswap64(d.downloadSize), d.metadata])]);
      for (const [k, v] of d.sparse ?? []) {
        const i = entries.findIndex(([x]) => x === k);
        if (i >= 0) entries[i] = [k, v];
        else entries.push([k, v]);
      }
    }
    entries.push([s.compat ? 'ostree.commit.timestamp' : 'ot.ts', new Variant('t', bswap64(f.timestamp))]);
    refs.push({ name: ref, commitSize: f.commitSize, checksum: rev, metadata: ghashOrderEntries(entries) });
    if (s.compat && d) {
      cache.push([ref, [bswap64(d.installedSize), bswap64(d.downloadSize), d.metadata]]);
      if (d.sparse) sparse.push([ref, d.sparse as GVValue]);
    }
  }
  const metadata: Array<[string, Variant]> = s.compat ? s.globalMetadata.map(([k, v]) => [k, v]) : [];
  if (s.deltas) {
    const kept = s.deltas.filter(([name]) => commits.has(name.includes('-') ? name.slice(name.indexOf('-') + 1) : name));
    if (s.deltas.length > 0) metadata.push(['ostree.static-deltas', staticDeltasVariant(kept)]);
  }
  if (s.compat) {
    metadata.push(['xa.cache', new Variant('v', new Variant('a{s(tts)}', cache))]);
    metadata.push(['xa.sparse-cache', new Variant('a{sa{sv}}', sparse)]);
  } else {
    metadata.push(['xa.summary-version', new Variant('u', XA_SUMMARY_VERSION)]);
  }
  return { bytes: encodeSummary({ refs, metadata }), refs, commits };
}

// ---------------------------------------------------------------------------------------------
// summary.idx

/** One subsummary entry of the index. */
export interface SubsummaryEntry {
  /** SHA-256 hex of the uncompressed subsummary. */
  digest: string;
  /** Older digests, newest first. */
  history: string[];
  metadata: Array<[string, Variant]>;
}

/** A decoded `summary.idx`. */
export interface SummaryIndex {
  /** name (`ARCH` or `SUBSET-ARCH`) → entry, sorted by name. */
  subsummaries: Array<[string, SubsummaryEntry]>;
  metadata: Array<[string, Variant]>;
}

/** Serialize a summary index (names sorted with `strcmp`). */
export function encodeSummaryIndex(idx: SummaryIndex): Uint8Array {
  const subs = [...idx.subsummaries].sort((a, b) => compareUtf8(a[0], b[0]));
  return encode(SUMMARY_INDEX_TYPE, [
    subs.map(([name, e]) => [name, [checksumToBytes(e.digest), e.history.map((h) => checksumToBytes(h)), e.metadata as GVValue]] as GVValue),
    idx.metadata as GVValue,
  ]);
}

/**
 * Parse a summary index.
 *
 * @throws OstreeError `SUMMARY_INVALID`
 */
export function decodeSummaryIndex(bytes: Uint8Array): SummaryIndex {
  let v: GVValue;
  try {
    v = decode(SUMMARY_INDEX_TYPE, bytes);
  } catch (e) {
    throw new OstreeError('SUMMARY_INVALID', 'Invalid summary index', { cause: e });
  }
  const [subs, metadata] = v as [Array<[string, [Uint8Array, Uint8Array[], Array<[string, Variant]>]]>, Array<[string, Variant]>];
  const hex = (b: Uint8Array): string => {
    if (b.byteLength !== 32) throw new OstreeError('SUMMARY_INVALID', `Invalid summary index: digest of ${b.byteLength} bytes`);
    return bytesToHex(b);
  };
  return {
    subsummaries: subs.map(([name, [d, h, m]]) => [name, { digest: hex(d), history: h.map(hex), metadata: m }]),
    metadata,
  };
}

// ---------------------------------------------------------------------------------------------
// xadf diffs

/** `FLATPAK_SUMMARY_DIFF_HEADER`. */
export const SUMMARY_DIFF_MAGIC = 'xadf';

const OP_REUSE = 0;
const OP_SKIP = 1;
const OP_DATA = 2;

function offsetSize(n: number): number {
  if (n === 0) return 0;
  if (n <= 0xff) return 1;
  if (n <= 0xffff) return 2;
  return 4;
}

function readOffset(b: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + b[at + i]!;
  return v;
}

/**
 * Byte ranges `[start, end)` of the ref-map entries of a serialized summary (the elements of its
 * first member, in order), computed from the GVariant framing offsets.
 *
 * @throws OstreeError `SUMMARY_INVALID` on framing that does not fit
 */
export function summaryRefRanges(b: Uint8Array): Array<[number, number]> {
  const bad = (): OstreeError => new OstreeError('SUMMARY_INVALID', 'Invalid summary: bad framing offsets');
  const n = b.byteLength;
  if (n === 0) return [];
  const os = offsetSize(n);
  if (os > n) throw bad();
  const arrEnd = readOffset(b, n - os, os);
  if (arrEnd > n - os) throw bad();
  if (arrEnd === 0) return [];
  const aos = offsetSize(arrEnd);
  const lastEnd = readOffset(b, arrEnd - aos, aos);
  if (lastEnd > arrEnd - aos || (arrEnd - lastEnd) % aos !== 0) throw bad();
  const count = (arrEnd - lastEnd) / aos;
  const out: Array<[number, number]> = [];
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const end = readOffset(b, lastEnd + i * aos, aos);
    const start = (prev + 7) & ~7;
    if (end < start || end > lastEnd) throw bad();
    out.push([start, end]);
    prev = end;
  }
  return out;
}

/**
 * The uncompressed `xadf` diff turning `oldBytes` into `newBytes` (two serialized summaries whose
 * ref names are `oldNames`/`newNames`, in serialized order): ref-map entries are aligned by name
 * and each aligned block is coded as common prefix (reuse), skipped old bytes, literal new bytes,
 * common suffix (reuse), as `flatpak_summary_generate_diff()` does.
 *
 * @throws OstreeError `SUMMARY_INVALID` when the framing of either summary is bad
 */
export function summaryDiff(oldBytes: Uint8Array, oldNames: readonly string[], newBytes: Uint8Array, newNames: readonly string[]): Uint8Array {
  const oldR = summaryRefRanges(oldBytes);
  const newR = summaryRefRanges(newBytes);
  if (oldR.length !== oldNames.length || newR.length !== newNames.length) throw new OstreeError('SUMMARY_INVALID', 'Invalid summary: ref count mismatch');
  const ops: Array<[number, number]> = [];
  const literals: Uint8Array[] = [];
  const emit = (kind: number, size: number): void => {
    if (size === 0) return;
    const last = ops[ops.length - 1];
    if (last && last[0] === kind) last[1] += size;
    else ops.push([kind, size]);
  };
  const block2 = (oOff: number, oSize: number, nOff: number, nSize: number): void => {
    let p = 0;
    while (p < oSize && p < nSize && oldBytes[oOff + p] === newBytes[nOff + p]) p++;
    emit(OP_REUSE, p);
    oOff += p;
    oSize -= p;
    nOff += p;
    nSize -= p;
    let q = 0;
    while (q < oSize && q < nSize && oldBytes[oOff + oSize - 1 - q] === newBytes[nOff + nSize - 1 - q]) q++;
    emit(OP_SKIP, oSize - q);
    if (nSize - q > 0) {
      emit(OP_DATA, nSize - q);
      literals.push(newBytes.subarray(nOff, nOff + nSize - q));
    }
    emit(OP_REUSE, q);
  };
  let lastOld = 0;
  let lastNew = 0;
  const block = (oOff: number, oSize: number, nOff: number, nSize: number): void => {
    if (oOff < 0) oOff = lastOld;
    if (nOff < 0) nOff = lastNew;
    if (oOff !== lastOld || nOff !== lastNew) block2(lastOld, oOff - lastOld, lastNew, nOff - lastNew);
    block2(oOff, oSize, nOff, nSize);
    lastOld = oOff + oSize;
    lastNew = nOff + nSize;
  };
  let i = 0;
  let j = 0;
  while (i < newR.length && j < oldR.length) {
    const cmp = compareUtf8(newNames[i]!, oldNames[j]!);
    const [ns, ne] = newR[i]!;
    const [os, oe] = oldR[j]!;
    if (cmp === 0) {
      block(os, oe - os, ns, ne - ns);
      i++;
      j++;
    } else if (cmp < 0) {
      block(-1, 0, ns, ne - ns);
      i++;
    } else {
      block(os, oe - os, -1, 0);
      j++;
    }
  }
  block2(lastOld, oldBytes.byteLength - lastOld, lastNew, newBytes.byteLength - lastNew);
  const words: number[] = [];
  for (const [kind, size0] of ops) {
    let size = size0;
    while (size > 0) {
      const chunk = Math.min(size, 0x0fffffff);
      size -= chunk;
      words.push((chunk | (kind << 28)) >>> 0);
    }
  }
  const dataLen = literals.reduce((a, l) => a + l.byteLength, 0);
  const out = new Uint8Array(8 + 4 * words.length + dataLen);
  const dv = new DataView(out.buffer);
  out.set([0x78, 0x61, 0x64, 0x66], 0);
  dv.setUint32(4, words.length, true);
  words.forEach((w, k) => dv.setUint32(8 + 4 * k, w, true));
  let at = 8 + 4 * words.length;
  for (const l of literals) {
    out.set(l, at);
    at += l.byteLength;
  }
  return out;
}

/**
 * Apply an uncompressed `xadf` diff to `oldBytes` (`flatpak_summary_apply_diff()`).
 *
 * @throws OstreeError `SUMMARY_DIFF_INVALID` on a bad header, op or overrun
 */
export function applySummaryDiff(oldBytes: Uint8Array, diff: Uint8Array): Uint8Array {
  const bad = (why: string): OstreeError => new OstreeError('SUMMARY_DIFF_INVALID', `Invalid summary diff: ${why}`);
  if (diff.byteLength < 8 || diff[0] !== 0x78 || diff[1] !== 0x61 || diff[2] !== 0x64 || diff[3] !== 0x66) throw bad('bad header');
  const dv = new DataView(diff.buffer, diff.byteOffset, diff.byteLength);
  const nOps = dv.getUint32(4, true);
  const dataOff = 8 + 4 * nOps;
  if (dataOff > diff.byteLength) throw bad('ops overrun');
  let dataAt = dataOff;
  let oldAt = 0;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let k = 0; k < nOps; k++) {
    const w = dv.getUint32(8 + 4 * k, true);
    const kind = w >>> 28;
    const size = w & 0x0fffffff;
    if (kind === OP_REUSE || kind === OP_SKIP) {
      if (size > oldBytes.byteLength - oldAt) throw bad('old data overrun');
      if (kind === OP_REUSE) parts.push(oldBytes.subarray(oldAt, oldAt + size));
      oldAt += size;
    } else if (kind === OP_DATA) {
      if (size > diff.byteLength - dataAt) throw bad('data overrun');
      parts.push(diff.subarray(dataAt, dataAt + size));
      dataAt += size;
    } else throw bad(`unknown op ${kind}`);
    if (kind !== OP_SKIP) total += size;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
