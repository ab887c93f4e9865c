/**
 * The repository `summary` file `(a(s(taya{sv}))a{sv})`, its detached signatures `summary.sig`
 * (`a{sv}`), static-delta indexes (`delta-indexes/…/X.index`, `a{sv}`) and the delta naming and
 * path rules they rely on. Pure: bytes in, plain objects out.
 *
 * Facts from upstream (ostree v2022.7):
 * - `src/libostree/ostree-repo.c`: `summary_add_ref_entry()` (per-ref `(t@ay@a{sv})`: commit size
 *   is `g_variant_get_size()` in host byte order, `ostree.commit.timestamp` is `GUINT64_TO_BE`,
 *   both per-ref keys inserted through a `GVariantDict`) and `ostree_repo_regenerate_summary()`
 *   (additional-metadata insertion order, `strcmp`-sorted refs and collection map);
 * - `src/libostree/ostree-repo-static-delta-core.c`: `ostree_repo_static_delta_reindex()` (index
 *   file = `{ "ostree.static-deltas": v(a{sv}) }`, froms sorted with `g_strcmp0`, GVariantDicts);
 * - `src/libostree/ostree-core.c`: `_ostree_get_relative_static_delta_path()` and friends (paths);
 * - `src/libostree/ostree-repo-pull.c`: clients binary-search the refs array, so it must be sorted.
 * See ostree-formats.md §4.5, §5, §6.4.
 *
 * Dictionaries that ostree builds with `GVariantDict` are emitted in GLib hash-table order
 * ({@link ghashOrderEntries}) so that output can be byte-identical to `ostree summary -u`.
 *
 * @module
 */

import { OstreeError } from '../errors.js';
import { decode, encode, Variant, type GVValue } from '../gvariant/index.js';
import { bswap64, compareUtf8, sortByUtf8 } from './bytes.js';
import { bytesToHex, checksumBytesFromB64, checksumToB64, checksumToBytes, isChecksum } from './checksum.js';
import { ghashOrderEntries } from './ghash-order.js';
import { isValidCollectionId, isValidRef } from './names.js';
import { DELTA_INDEX_TYPE, SUMMARY_COLLECTION_MAP_TYPE, SUMMARY_SIG_TYPE, SUMMARY_TYPE } from './types.js';

/** Well-known summary and per-ref metadata keys (`ostree-core.h`, `ostree-repo-private.h`). */
export const SummaryKeys = {
  /** Per-ref: commit timestamp, `t` big-endian. */
  COMMIT_TIMESTAMP: 'ostree.commit.timestamp',
  /** Per-ref: the commit's `version` metadata, `s`. */
  COMMIT_VERSION: 'ostree.commit.version',
  /** `a{sv}` delta name → `v(ay)` superblock SHA-256. */
  STATIC_DELTAS: 'ostree.static-deltas',
  /** `t` big-endian, seconds. */
  LAST_MODIFIED: 'ostree.summary.last-modified',
  /** `t` big-endian, seconds (only from user-supplied metadata). */
  EXPIRES: 'ostree.summary.expires',
  /** `s`, the raw `core.mode` string. */
  MODE: 'ostree.summary.mode',
  /** `b`. */
  TOMBSTONE_COMMITS: 'ostree.summary.tombstone-commits',
  /** `b`, always true when written by ostree ≥ 2020.8. */
  INDEXED_DELTAS: 'ostree.summary.indexed-deltas',
  /** `s`. */
  COLLECTION_ID: 'ostree.summary.collection-id',
  /** `a{sa(s(taya{sv}))}`. */
  COLLECTION_MAP: 'ostree.summary.collection-map',
} as const;

/** Keys of `summary.sig` (`ostree-repo.c`, `ostree-sign.c`). */
export const SummarySigKeys = {
  GPGSIGS: 'ostree.gpgsigs',
  ED25519: 'ostree.sign.ed25519',
  SPKI: 'ostree.sign.spki',
} as const;

/** One ref of a summary (an element of `a(s(taya{sv}))`). */
export interface SummaryRef {
  /** Ref name (no remote prefix). */
  name: string;
  /** Size in bytes of the commit object; stored in host (little-endian) order. */
  commitSize: bigint;
  /** Commit checksum, lowercase hex. */
  checksum: string;
  /** Per-ref metadata in serialized order (use {@link summaryRefMetadata} to build it). */
  metadata: Array<[string, Variant]>;
}

/** A decoded summary: refs (sorted by name) and the additional metadata, both as stored. */
export interface Summary {
  refs: SummaryRef[];
  /** Additional metadata in serialized order. */
  metadata: Array<[string, Variant]>;
}

/** The typed view of a summary's well-known metadata (see {@link summaryInfo}). */
export interface SummaryInfo {
  /** `ostree.summary.last-modified`, seconds (decoded from big-endian). */
  lastModified?: bigint;
  /** `ostree.summary.expires`, seconds (decoded from big-endian). */
  expires?: bigint;
  /** `ostree.summary.mode`, e.g. `archive-z2`. */
  mode?: string;
  tombstoneCommits?: boolean;
  indexedDeltas?: boolean;
  /** `ostree.summary.collection-id`. */
  collectionId?: string;
  /** `ostree.summary.collection-map`: collection ID → refs, both sorted. */
  collectionMap: Array<[string, SummaryRef[]]>;
  /** `ostree.static-deltas`: delta name → superblock SHA-256 (hex), serialized order. */
  staticDeltas: Array<[string, string]>;
}

/** Per-ref facts as the summary carries them (see {@link readSummaryRefMetadata}). */
export interface SummaryRefFacts {
  /** Commit timestamp in seconds. */
  timestamp?: bigint;
  /** Commit `version` metadata. */
  version?: string;
}

/** GDateTime's valid range ends at 9999-12-31T23:59:59Z (`g_date_time_new_from_unix_utc`). */
const MAX_GDATETIME_UNIX = 253402300799n;

function invalid(why: string, cause?: unknown): OstreeError {
  return new OstreeError('SUMMARY_INVALID', `Invalid summary: ${why}`, cause === undefined ? {} : { cause });
}

/**
 * Build the per-ref `a{sv}` the way `summary_add_ref_entry()` does: `ostree.commit.timestamp`
 * (big-endian `t`, only when `g_date_time_new_from_unix_utc()` accepts it) then
 * `ostree.commit.version` (when the commit has a `version`), through a GVariantDict (GLib hash
 * order).
 */
export function summaryRefMetadata(facts: SummaryRefFacts): Array<[string, Variant]> {
  const entries: Array<[string, Variant]> = [];
  if (facts.timestamp !== undefined && facts.timestamp >= 0n && facts.timestamp <= MAX_GDATETIME_UNIX) {
    entries.push([SummaryKeys.COMMIT_TIMESTAMP, new Variant('t', bswap64(facts.timestamp))]);
  }
  if (facts.version !== undefined) entries.push([SummaryKeys.COMMIT_VERSION, new Variant('s', facts.version)]);
  return ghashOrderEntries(entries);
}

/** Read `ostree.commit.timestamp` / `ostree.commit.version` from per-ref metadata (wrong types ignored). */
export function readSummaryRefMetadata(metadata: ReadonlyArray<readonly [string, Variant]>): SummaryRefFacts {
  const out: SummaryRefFacts = {};
  for (const [k, v] of metadata) {
    if (k === SummaryKeys.COMMIT_TIMESTAMP && v.type === 't' && out.timestamp === undefined) out.timestamp = bswap64(v.value as bigint);
    else if (k === SummaryKeys.COMMIT_VERSION && v.type === 's' && out.version === undefined) out.version = v.value as string;
  }
  return out;
}

function sortRefs(refs: readonly SummaryRef[]): SummaryRef[] {
  return sortByUtf8(refs, (r) => r.name);
}

function refsValue(refs: readonly SummaryRef[]): GVValue {
  const sorted = sortRefs(refs);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) throw new RangeError(`summary: duplicate ref ${sorted[i]!.name}`);
  }
  return sorted.map((r) => {
    if (!isValidRef(r.name)) throw new OstreeError('INVALID_REF', `Invalid ref name ${JSON.stringify(r.name)} in summary`);
    if (typeof r.commitSize !== 'bigint' || r.commitSize < 0n || r.commitSize >= 1n << 64n) {
      throw new RangeError('summary: commitSize must be a bigint in 0..2^64-1');
    }
    return [r.name, [r.commitSize, checksumToBytes(r.checksum), r.metadata as GVValue]];
  });
}

/**
 * Serialize a summary in normal form. Refs are sorted by name (`strcmp` order) whatever their
 * input order; metadata entries are written in the given order.
 *
 * @throws OstreeError `INVALID_REF` / `INVALID_CHECKSUM`; RangeError for duplicates or a bad size
 */
export function encodeSummary(s: Summary): Uint8Array {
  return encode(SUMMARY_TYPE, [refsValue(s.refs), s.metadata as GVValue]);
}

/** The `ostree.summary.collection-map` value for `map` (IDs and refs sorted by `strcmp`). */
export function collectionMapVariant(map: ReadonlyArray<readonly [string, readonly SummaryRef[]]>): Variant {
  const sorted = [...map].sort((a, b) => compareUtf8(a[0], b[0]));
  return new Variant(
    SUMMARY_COLLECTION_MAP_TYPE,
    sorted.map(([cid, refs]) => {
      if (!isValidCollectionId(cid)) throw new OstreeError('INVALID_COLLECTION_ID', `Invalid collection ID ${JSON.stringify(cid)}`);
      return [cid, refsValue(refs)];
    }),
  );
}

function decodeRefs(v: GVValue, where: string): SummaryRef[] {
  const arr = v as Array<[string, [bigint, Uint8Array, Array<[string, Variant]>]]>;
  const out: SummaryRef[] = new Array(arr.length);
  let prev: string | null = null;
  for (let i = 0; i < arr.length; i++) {
    const [name, [size, csum, metadata]] = arr[i]!;
    if (!isValidRef(name)) throw invalid(`${where}: invalid ref name ${JSON.stringify(name)}`);
    if (prev !== null && compareUtf8(prev, name) >= 0) throw invalid(`${where}: refs not sorted or duplicated at ${JSON.stringify(name)}`);
    if (csum.length !== 32) throw invalid(`${where}: ref ${name} has a checksum of ${csum.length} bytes`);
    prev = name;
    out[i] = { name, commitSize: size, checksum: bytesToHex(csum), metadata };
  }
  return out;
}

/**
 * Parse a summary: normal form, ref names valid and strictly `strcmp`-sorted, 32-byte checksums,
 * and well-known metadata keys of the right types (checked by {@link summaryInfo}).
 *
 * @throws OstreeError `SUMMARY_INVALID` (cause: the GVariant error, if any)
 */
export function decodeSummary(bytes: Uint8Array): Summary {
  let v: GVValue[];
  try {
    v = decode(SUMMARY_TYPE, bytes) as GVValue[];
  } catch (e) {
    if (e instanceof OstreeError) throw invalid(e.message, e);
    throw e;
  }
  const s: Summary = { refs: decodeRefs(v[0]!, 'refs'), metadata: v[1] as Array<[string, Variant]> };
  summaryInfo(s);
  return s;
}

function expectType(v: Variant, type: string, key: string): void {
  if (v.type !== type) throw invalid(`${key} has type ${v.type}, expected ${type}`);
}

/**
 * The well-known metadata of a summary, type-checked. The first occurrence of a key wins (as
 * `g_variant_lookup`).
 *
 * @throws OstreeError `SUMMARY_INVALID` when a well-known key has the wrong type or content
 */
export function summaryInfo(s: Summary): SummaryInfo {
  const info: SummaryInfo = { collectionMap: [], staticDeltas: [] };
  const seen = new Set<string>();
  for (const [k, v] of s.metadata) {
    if (seen.has(k)) continue;
    seen.add(k);
    switch (k) {
      case SummaryKeys.LAST_MODIFIED:
        expectType(v, 't', k);
        info.lastModified = bswap64(v.value as bigint);
        break;
      case SummaryKeys.EXPIRES:
        expectType(v, 't', k);
        info.expires = bswap64(v.value as bigint);
        break;
      case SummaryKeys.MODE:
        expectType(v, 's', k);
        info.mode = v.value as string;
        break;
      case SummaryKeys.TOMBSTONE_COMMITS:
        expectType(v, 'b', k);
        info.tombstoneCommits = v.value as boolean;
        break;
      case SummaryKeys.INDEXED_DELTAS:
        expectType(v, 'b', k);
        info.indexedDeltas = v.value as boolean;
        break;
      case SummaryKeys.COLLECTION_ID:
        expectType(v, 's', k);
        if (!isValidCollectionId(v.value as string)) throw invalid(`invalid collection ID ${JSON.stringify(v.value)}`);
        info.collectionId = v.value as string;
        break;
      case SummaryKeys.COLLECTION_MAP: {
        expectType(v, SUMMARY_COLLECTION_MAP_TYPE, k);
        let prev: string | null = null;
        for (const [cid, refs] of v.value as Array<[string, GVValue]>) {
          if (!isValidCollectionId(cid)) throw invalid(`collection map: invalid collection ID ${JSON.stringify(cid)}`);
          if (prev !== null && compareUtf8(prev, cid) >= 0) throw invalid('collection map: IDs not sorted or duplicated');
          prev = cid;
          info.collectionMap.push([cid, decodeRefs(refs, `collection ${cid}`)]);
        }
        break;
      }
      case SummaryKeys.STATIC_DELTAS:
        expectType(v, 'a{sv}', k);
        info.staticDeltas = staticDeltasFromValue(v.value as Array<[string, Variant]>, invalid);
        break;
      default:
        break;
    }
  }
  return info;
}

function staticDeltasFromValue(d: Array<[string, Variant]>, err: (why: string) => OstreeError): Array<[string, string]> {
  return d.map(([name, sv]) => {
    try {
      parseDeltaName(name);
    } catch {
      throw err(`invalid delta name ${JSON.stringify(name)}`);
    }
    if (sv.type !== 'ay' || (sv.value as Uint8Array).length !== 32) throw err(`delta ${name}: superblock checksum is not a 32-byte ay`);
    return [name, bytesToHex(sv.value as Uint8Array)];
  });
}

/** The `ostree.static-deltas` value: a GVariantDict of name → `v(ay)`, in GLib hash order. */
export function staticDeltasVariant(deltas: ReadonlyArray<readonly [string, string]>): Variant {
  return new Variant(
    'a{sv}',
    ghashOrderEntries(deltas.map(([name, csum]) => [name, new Variant('ay', checksumToBytes(csum))] as [string, Variant])),
  );
}

/** Inputs of {@link buildSummaryMetadata}, in the order `ostree_repo_regenerate_summary()` inserts them. */
export interface SummaryMetadataInput {
  /** `--add-metadata` entries (the dict is initialized from them, in order). */
  additional?: ReadonlyArray<readonly [string, Variant]>;
  /** Deltas (name, superblock SHA-256 hex) in directory order; omitted when empty. */
  staticDeltas?: ReadonlyArray<readonly [string, string]>;
  /** Seconds since the epoch. */
  lastModified: bigint;
  /** Raw `core.mode` string (`bare` when unset). */
  mode: string;
  tombstoneCommits: boolean;
  /** `core.collection-id`. */
  collectionId?: string;
  /** Refs of foreign collections; omitted when it has no refs. */
  collectionMap?: ReadonlyArray<readonly [string, readonly SummaryRef[]]>;
}

/**
 * The summary's additional metadata exactly as `ostree_repo_regenerate_summary()` builds it: the
 * user entries, then `ostree.static-deltas`, `last-modified`, `mode`, `tombstone-commits`,
 * `indexed-deltas` (true), `collection-id`, `collection-map`, through one GVariantDict (GLib
 * hash order; a user key that ostree also sets is replaced in place).
 */
export function buildSummaryMetadata(m: SummaryMetadataInput): Array<[string, Variant]> {
  const entries: Array<[string, Variant]> = (m.additional ?? []).map(([k, v]) => [k, v]);
  if (m.staticDeltas && m.staticDeltas.length > 0) entries.push([SummaryKeys.STATIC_DELTAS, staticDeltasVariant(m.staticDeltas)]);
  entries.push([SummaryKeys.LAST_MODIFIED, new Variant('t', bswap64(m.lastModified))]);
  entries.push([SummaryKeys.MODE, new Variant('s', m.mode)]);
  entries.push([SummaryKeys.TOMBSTONE_COMMITS, new Variant('b', m.tombstoneCommits)]);
  entries.push([SummaryKeys.INDEXED_DELTAS, new Variant('b', true)]);
  if (m.collectionId !== undefined) entries.push([SummaryKeys.COLLECTION_ID, new Variant('s', m.collectionId)]);
  const map = (m.collectionMap ?? []).filter(([, refs]) => refs.length > 0);
  if (map.length > 0) entries.push([SummaryKeys.COLLECTION_MAP, collectionMapVariant(map)]);
  return ghashOrderEntries(entries);
}

// ---------------------------------------------------------------------------------------------
// summary.sig

/** A decoded `summary.sig`: every entry as stored plus the signature arrays by engine. */
export interface SummarySignatures {
  metadata: Array<[string, Variant]>;
  /** `ostree.gpgsigs`: binary OpenPGP detached signatures over the summary bytes. */
  gpg: Uint8Array[];
  /** `ostree.sign.ed25519`: 64-byte signatures. */
  ed25519: Uint8Array[];
  /** `ostree.sign.spki`. */
  spki: Uint8Array[];
}

/** Serialize `summary.sig` (entries in the given order; use `ghashOrderEntries` for ostree's order). */
export function encodeSummarySig(entries: ReadonlyArray<readonly [string, Variant]>): Uint8Array {
  return encode(SUMMARY_SIG_TYPE, entries as unknown as GVValue);
}

/**
 * Parse `summary.sig`; the three signature keys must be `aay` when present.
 *
 * @throws OstreeError `SUMMARY_INVALID`
 */
export function decodeSummarySig(bytes: Uint8Array): SummarySignatures {
  let d: Array<[string, Variant]>;
  try {
    d = decode(SUMMARY_SIG_TYPE, bytes) as Array<[string, Variant]>;
  } catch (e) {
    if (e instanceof OstreeError) throw new OstreeError('SUMMARY_INVALID', `Invalid summary.sig: ${e.message}`, { cause: e });
    throw e;
  }
  const out: SummarySignatures = { metadata: d, gpg: [], ed25519: [], spki: [] };
  const field = { [SummarySigKeys.GPGSIGS]: 'gpg', [SummarySigKeys.ED25519]: 'ed25519', [SummarySigKeys.SPKI]: 'spki' } as const;
  const seen = new Set<string>();
  for (const [k, v] of d) {
    const f = (field as Record<string, 'gpg' | 'ed25519' | 'spki'>)[k];
    if (!f || seen.has(k)) continue;
    seen.add(k);
    if (v.type !== 'aay') throw new OstreeError('SUMMARY_INVALID', `Invalid summary.sig: ${k} has type ${v.type}, expected aay`);
    out[f] = v.value as Uint8Array[];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Delta names, paths and indexes

/** A parsed delta name: `to` (scratch delta, `from` null) or `from-to`. */
export interface DeltaName {
  from: string | null;
  to: string;
}

/**
 * Parse a delta name `TO` or `FROM-TO` (hex checksums; `_ostree_parse_delta_name()`).
 *
 * @throws OstreeError `INVALID_CHECKSUM`
 */
export function parseDeltaName(name: string): DeltaName {
  const dash = name.indexOf('-');
  const from = dash < 0 ? null : name.slice(0, dash);
  const to = dash < 0 ? name : name.slice(dash + 1);
  if (!isChecksum(to) || (from !== null && !isChecksum(from))) {
    throw new OstreeError('INVALID_CHECKSUM', `Invalid delta name ${JSON.stringify(name)}`, { data: { name } });
  }
  return { from, to };
}

/** `TO` or `FROM-TO`. */
export function formatDeltaName(from: string | null, to: string): string {
  return from === null ? to : `${from}-${to}`;
}

/**
 * Directory of a delta relative to the repository (`_ostree_get_relative_static_delta_path()`):
 * `deltas/<T[0:2]>/<T[2:]>` for a scratch delta, `deltas/<F[0:2]>/<F[2:]>-<T>` otherwise
 * (modified base64).
 */
export function deltaDirPath(from: string | null, to: string): string {
  const t = checksumToB64(to);
  if (from === null) return `deltas/${t.slice(0, 2)}/${t.slice(2)}`;
  const f = checksumToB64(from);
  return `deltas/${f.slice(0, 2)}/${f.slice(2)}-${t}`;
}

/** `deltaDirPath(from, to) + '/superblock'`. */
export function deltaSuperblockPath(from: string | null, to: string): string {
  return `${deltaDirPath(from, to)}/superblock`;
}

/** `delta-indexes/<T[0:2]>/<T[2:]>.index` (`_ostree_get_relative_static_delta_index_path()`). */
export function deltaIndexPath(to: string): string {
  const t = checksumToB64(to);
  return `delta-indexes/${t.slice(0, 2)}/${t.slice(2)}.index`;
}

/**
 * The delta name for the directory `deltas/<prefix>/<sub>` (`ostree_repo_list_static_delta_names()`),
 * or `null` when the names are not a delta directory.
 */
export function deltaNameFromDirs(prefix: string, sub: string): string | null {
  if (prefix.length !== 2) return null;
  const buf = prefix + sub;
  const dash = buf.indexOf('-');
  try {
    if (dash < 0) return bytesToHex(checksumBytesFromB64(buf));
    return `${bytesToHex(checksumBytesFromB64(buf.slice(0, dash)))}-${bytesToHex(checksumBytesFromB64(buf.slice(dash + 1)))}`;
  } catch {
    return null;
  }
}

/** The target checksum of `delta-indexes/<prefix>/<file>` or `null` (`ostree_repo_list_static_delta_indexes()`). */
export function deltaIndexTargetFromPath(prefix: string, file: string): string | null {
  if (prefix.length !== 2 || file.length !== 41 + '.index'.length || !file.endsWith('.index')) return null;
  try {
    return bytesToHex(checksumBytesFromB64(prefix + file.slice(0, 41)));
  } catch {
    return null;
  }
}

/**
 * Serialize the delta index of one target: `{ "ostree.static-deltas": v(a{sv}) }`, the inner
 * dict filled in `g_strcmp0` order of `from` (scratch first) through a GVariantDict.
 *
 * @param deltas - (from or null, superblock SHA-256 hex) pairs, any order
 */
export function encodeDeltaIndex(to: string, deltas: ReadonlyArray<readonly [string | null, string]>): Uint8Array {
  const sorted = [...deltas].sort((a, b) => (a[0] === null ? (b[0] === null ? 0 : -1) : b[0] === null ? 1 : compareUtf8(a[0], b[0])));
  const named = sorted.map(([from, csum]) => [formatDeltaName(from, to), csum] as [string, string]);
  return encode(DELTA_INDEX_TYPE, ghashOrderEntries([[SummaryKeys.STATIC_DELTAS, staticDeltasVariant(named)]]) as GVValue);
}

/**
 * Parse a delta index file: the `ostree.static-deltas` entries (name, superblock SHA-256 hex) in
 * serialized order; an index without that key has none.
 *
 * @throws OstreeError `DELTA_INDEX_INVALID`
 */
export function decodeDeltaIndex(bytes: Uint8Array): Array<[string, string]> {
  const err = (why: string, cause?: unknown) => new OstreeError('DELTA_INDEX_INVALID', `Invalid delta index: ${why}`, cause === undefined ? {} : { cause });
  let d: Array<[string, Variant]>;
  try {
    d = decode(DELTA_INDEX_TYPE, bytes) as Array<[string, Variant]>;
  } catch (e) {
    if (e instanceof OstreeError) throw err(e.message, e);
    throw e;
  }
  for (const [k, v] of d) {
    if (k !== SummaryKeys.STATIC_DELTAS) continue;
    if (v.type !== 'a{sv}') throw err(`${k} has type ${v.type}`);
    return staticDeltasFromValue(v.value as Array<[string, Variant]>, err);
  }
  return [];
}

