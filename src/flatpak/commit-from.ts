/**
 * `flatpak build-commit-from DST-REPO [DST-REF…] (--src-repo=SRC | --src-ref=COMMIT)`: re-commit
 * existing trees as new commits (flatpak 1.14 `app/flatpak-builtins-build-commit-from.c`). This
 * is the command flat-manager runs to move uploads into build repos and builds into the main repo.
 *
 * Per ref: the new commit's root is the source root (nothing is rewritten); it is skipped when it
 * equals the destination head's root unless `force` (implied by the end-of-life options); subject
 * and body are the source's unless overridden; the timestamp is the source's, or `timestamp`
 * (`NOW` = the current time); the parent is the destination head. Metadata, in this order (a
 * `GVariantBuilder`, so insertion order is kept): `ostree.collection-binding` (destination
 * collection ID, else the first extra one, else ""), `ostree.collection-refs-binding` `a(ss)` (sorted
 * collection IDs × the ref) when any, `ostree.ref-binding`, `xa.ref`, `xa.from_commit`,
 * `xa.download-size` (recomputed, only with a source repository), every other source key minus the
 * overridden ones, then `ostree.endoflife`, `ostree.endoflife-rebase`, `xa.token-type` (LE `i`),
 * `xa.subsets`. Refs are set in the destination (and under `refs/mirrors/CID/` for every extra
 * collection ID).
 *
 * Then the source's deltas to the source commit (from empty, and from the destination parent) are
 * copied and re-targeted at the new commit ({@link rewriteDelta}; failures are ignored, as in
 * flatpak), then `--update-appstream` ({@link generateAppstream}) and the summary update.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { Variant } from '../gvariant/value.js';
import { bswap64, compareUtf8 } from '../format/bytes.js';
import { encodeCommit } from '../format/commit.js';
import { ObjectType } from '../format/object-type.js';
import { validateCollectionId } from '../format/names.js';
import { Repo } from '../store/repo.js';
import { listAllRefs } from '../ops/summary.js';
import { signCommit } from '../ops/sign.js';
import type { Signer } from '../sign/types.js';
import { importCommit } from './import.js';
import { rewriteDelta } from './delta-rewrite.js';
import { collectTreeSizes } from './sizes.js';
import { nameProblem } from './names.js';
import { updateFlatpakSummary, type FlatpakSummaryOptions } from './summary.js';
import { withFsyncDisabled } from './fsync.js';
import { generateAppstream } from './appstream.js';
import { flatpakTimestamp } from './timestamp.js';

/** Options of {@link buildCommitFrom}, named after the command's. */
export interface BuildCommitFromOptions {
  /** `--src-repo`: a repository (path or open) to import from. */
  srcRepo?: Repo | string;
  /** `--src-ref`: a commit or ref (in the source repository, else the destination). Needs exactly one dst ref. */
  srcRef?: string;
  /** DST-REF…: refs to write. Default (with `srcRepo`): every `app/` and `runtime/` ref of the source. */
  dstRefs?: readonly string[];
  /** `--untrusted`: verify object checksums while importing. */
  untrusted?: boolean;
  /** `--force`: commit even if the tree is unchanged. */
  force?: boolean;
  /** `--extra-collection-id` (repeatable). */
  extraCollectionIds?: readonly string[];
  /** `--subset` (repeatable; replaces the source's `xa.subsets`; only empty strings ⇒ removed). */
  subsets?: readonly string[];
  /** `--subject`. */
  subject?: string;
  /** `--body`. */
  body?: string;
  /** `--end-of-life=REASON`. */
  endOfLife?: string;
  /** `--end-of-life-rebase=OLDID=NEWID` (repeatable), as `[old, new]` pairs or `OLD=NEW` strings. */
  endOfLifeRebase?: ReadonlyArray<readonly [string, string] | string>;
  /** `--token-type`. */
  tokenType?: number;
  /** `--timestamp`: seconds, Date, `NOW`, or a string `parseTimestamp` accepts. */
  timestamp?: bigint | number | Date | string;
  /** `--gpg-sign` etc., resolved. */
  signers?: readonly Signer[];
  /** `--update-appstream`: regenerate the appstream branches afterwards (signed with `signers`). */
  updateAppstream?: boolean;
  /** Update the summary afterwards (default true; `--no-update-summary` = false). */
  updateSummary?: boolean;
  /** `--disable-fsync`: no filesystem sync (the repo config is not changed). */
  disableFsync?: boolean;
  /** Options for the summary update. */
  summary?: Omit<FlatpakSummaryOptions, 'signers' | 'signal'>;
  signal?: AbortSignal;
}

/** One ref's outcome. */
export interface CommitFromEntry {
  ref: string;
  /** The new commit, or `null` when skipped as unchanged. */
  checksum: string | null;
  source: string;
}

/**
 * `flatpak_has_name_prefix()` (common/flatpak-ref-utils.c): `name` starts with `prefix` and the
 * prefix ends a name element (followed by nothing, `.`, or a character that cannot continue a name
 * segment, such as `-`).
 */
function hasNamePrefix(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false;
  const c = name[prefix.length];
  return c === undefined || c === '.' || !/^[A-Za-z0-9_]$/.test(c);
}

function parseRebase(list: BuildCommitFromOptions['endOfLifeRebase']): Array<[string, string]> {
  return (list ?? []).map((e) => {
    let pair: [string, string];
    if (typeof e === 'string') {
      const eq = e.indexOf('=');
      if (eq < 0) throw new OstreeError('INVALID_ARGUMENT', 'Invalid argument format of use  --end-of-life-rebase=OLDID=NEWID');
      pair = [e.slice(0, eq), e.slice(eq + 1)];
    } else pair = [e[0], e[1]];
    for (const n of pair) {
      const p = nameProblem(n);
      if (p) throw new OstreeError('INVALID_ARGUMENT', `Invalid name ${n} in --end-of-life-rebase: ${p}`, { data: { name: n } });
    }
    return pair;
  });
}

const SKIP_KEYS = new Set(['xa.ref', 'xa.from_commit', 'ostree.collection-binding', 'ostree.collection-refs-binding', 'ostree.ref-binding']);

/**
 * Make new commits in `dst` from existing commits (see the module notes).
 *
 * @throws OstreeError `INVALID_ARGUMENT` (option combinations, names, timestamp),
 *   `REF_NOT_FOUND`, `COMMIT_PARTIAL`, `CORRUPT_OBJECT` (with `untrusted`), `OBJECT_NOT_FOUND`
 */
export async function buildCommitFrom(dst: Repo | string, opts: BuildCommitFromOptions): Promise<CommitFromEntry[]> {
  const dstRepo = typeof dst === 'string' ? await Repo.open(dst) : dst;
  return withFsyncDisabled(dstRepo, opts.disableFsync, () => commitFrom(dstRepo, opts));
}

async function commitFrom(dstRepo: Repo, opts: BuildCommitFromOptions): Promise<CommitFromEntry[]> {
  let dstRefs = [...(opts.dstRefs ?? [])];
  if (opts.srcRepo === undefined && dstRefs.length !== 1) {
    throw new OstreeError('INVALID_ARGUMENT', 'If --src-repo is not specified, exactly one destination ref must be specified');
  }
  if (opts.srcRef !== undefined && dstRefs.length !== 1) {
    throw new OstreeError('INVALID_ARGUMENT', 'If --src-ref is specified, exactly one destination ref must be specified');
  }
  if (opts.srcRepo === undefined && opts.srcRef === undefined) throw new OstreeError('INVALID_ARGUMENT', 'Either --src-repo or --src-ref must be specified');
  if (opts.tokenType !== undefined && (!Number.isInteger(opts.tokenType) || opts.tokenType < 0 || opts.tokenType > 0x7fffffff)) {
    throw new RangeError(`buildCommitFrom: tokenType must be an integer in 0..2^31-1, got ${opts.tokenType}`);
  }
  for (const c of opts.extraCollectionIds ?? []) validateCollectionId(c);
  const rebase = parseRebase(opts.endOfLifeRebase);
  const force = !!opts.force || opts.endOfLife !== undefined || opts.endOfLifeRebase !== undefined;
  const timestamp = opts.timestamp === undefined ? undefined : flatpakTimestamp(opts.timestamp);
  const srcRepo = opts.srcRepo === undefined ? dstRepo : typeof opts.srcRepo === 'string' ? await Repo.open(opts.srcRepo) : opts.srcRepo;

  let srcRefs: string[];
  if (opts.srcRef !== undefined) srcRefs = [opts.srcRef];
  else if (dstRefs.length === 0) {
    const all = await listAllRefs(srcRepo);
    srcRefs = [...new Set(all.filter((r) => r.remote === undefined && r.collectionId === undefined).map((r) => r.ref))]
      .filter((r) => r.startsWith('runtime/') || r.startsWith('app/'))
      .sort(compareUtf8);
    dstRefs = srcRefs;
  } else srcRefs = dstRefs;

  const resolved: string[] = [];
  for (const r of srcRefs) {
    const c = await srcRepo.resolveRev(r, true);
    if (!c) throw new OstreeError('REF_NOT_FOUND', `Refspec '${r}' not found`, { data: { ref: r } });
    resolved.push(c);
  }
  if (srcRepo !== dstRepo) {
    for (const c of resolved) await importCommit(dstRepo, srcRepo, c, { untrusted: opts.untrusted, signal: opts.signal });
  }

  const dstCid = dstRepo.collectionId;
  const out: CommitFromEntry[] = [];
  const made: Array<{ ref: string; checksum: string; source: string; parent: string | null }> = [];
  await dstRepo.transaction(
    async () => {
      for (let i = 0; i < resolved.length; i++) {
        opts.signal?.throwIfAborted();
        const dstRef = dstRefs[i]!;
        const source = resolved[i]!;
        const parent = await dstRepo.resolveRev(dstRef, true);
        if (await dstRepo.isCommitPartial(source)) throw new OstreeError('COMMIT_PARTIAL', "Can't commit from partial source commit", { data: { checksum: source } });
        const src = await dstRepo.loadCommit(source);
        if (!force && parent !== null) {
          const pc = await dstRepo.loadCommit(parent);
          if (pc.rootTree === src.rootTree && pc.rootMeta === src.rootMeta) {
            out.push({ ref: dstRef, checksum: null, source });
            continue;
          }
        }
        const cids: string[] = [];
        let mainCid = dstCid;
        if (dstCid !== undefined) cids.push(dstCid);
        for (const c of opts.extraCollectionIds ?? []) {
          mainCid ??= c;
          if (c !== dstCid) cids.push(c);
        }
        cids.sort(compareUtf8);
        const md: Array<[string, Variant]> = [['ostree.collection-binding', new Variant('s', mainCid ?? '')]];
        if (cids.length) md.push(['ostree.collection-refs-binding', new Variant('a(ss)', cids.map((c) => [c, dstRef]))]);
        md.push(['ostree.ref-binding', new Variant('as', [dstRef])]);
        md.push(['xa.ref', new Variant('s', dstRef)]);
        md.push(['xa.from_commit', new Variant('s', source)]);
        const fromRepo = opts.srcRepo !== undefined;
        if (fromRepo) {
          const sizes = await collectTreeSizes(dstRepo, src.rootTree, opts.signal);
          md.push(['xa.download-size', new Variant('t', bswap64(sizes.downloadSize))]);
        }
        for (const [k, v] of src.metadata) {
          if (SKIP_KEYS.has(k)) continue;
          if (fromRepo && k === 'xa.download-size') continue;
          if (opts.endOfLife !== undefined && k === 'ostree.endoflife') continue;
          if (opts.endOfLifeRebase !== undefined && k === 'ostree.endoflife-rebase') continue;
          if (opts.tokenType !== undefined && k === 'xa.token-type') continue;
          if (opts.subsets !== undefined && k === 'xa.subsets') continue;
          md.push([k, v]);
        }
        if (opts.endOfLife) md.push(['ostree.endoflife', new Variant('s', opts.endOfLife)]);
        const parts = dstRef.split('/');
        for (const [oldId, newId] of rebase) {
          if (parts.length >= 4 && hasNamePrefix(parts[1]!, oldId)) {
            md.push(['ostree.endoflife-rebase', new Variant('s', `${parts[0]}/${newId}${parts[1]!.slice(oldId.length)}/${parts[2]}/${parts[3]}`)]);
            break;
          }
        }
        if (opts.tokenType !== undefined) md.push(['xa.token-type', new Variant('i', opts.tokenType)]);
        const subsets = (opts.subsets ?? []).filter((s) => s !== '');
        if (subsets.length) md.push(['xa.subsets', new Variant('as', subsets)]);
        const bytes = encodeCommit({
          metadata: md,
          parent,
          related: [],
          subject: opts.subject ?? src.subject,
          body: opts.body ?? src.body,
          timestamp: timestamp ?? src.timestamp,
          rootTree: src.rootTree,
          rootMeta: src.rootMeta,
        });
        const checksum = await dstRepo.writeMetadata(ObjectType.COMMIT, bytes);
        await dstRepo.setRef(dstRef, checksum);
        for (const c of opts.extraCollectionIds ?? []) {
          if (c !== dstCid) await dstRepo.setRef({ collectionId: c, ref: dstRef }, checksum);
        }
        out.push({ ref: dstRef, checksum, source });
        made.push({ ref: dstRef, checksum, source, parent });
      }
    },
    { signal: opts.signal },
  );
  if (opts.signers?.length) {
    for (const m of made) {
      for (const s of opts.signers) {
        try {
          await signCommit(dstRepo, m.checksum, s, { signal: opts.signal });
        } catch (e) {
          if (!(e instanceof OstreeError && e.code === 'ALREADY_SIGNED')) throw e;
        }
      }
    }
  }
  // Copy + rewrite the source's deltas (from the destination parent, and from empty) for the new
  // commits; failures are not fatal, as in flatpak (it only logs them).
  for (const m of made) {
    for (const from of m.parent !== null ? [m.parent, null] : [null]) {
      opts.signal?.throwIfAborted();
      try {
        await rewriteDelta(srcRepo, m.source, dstRepo, m.checksum, from);
      } catch (e) {
        if (!(e instanceof OstreeError)) throw e;
      }
    }
  }
  if (opts.updateAppstream) await generateAppstream(dstRepo, { signers: opts.signers ?? [], signal: opts.signal });
  if (opts.updateSummary !== false) await updateFlatpakSummary(dstRepo, { ...opts.summary, signers: opts.signers, signal: opts.signal });
  return out;
}
