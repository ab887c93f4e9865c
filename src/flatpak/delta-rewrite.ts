/**
 * Re-target a static delta at a re-committed commit, as `build-commit-from` does
 * (`rewrite_delta()` in flatpak 1.14 `app/flatpak-builtins-build-commit-from.c`): the new commit
 * has the same root tree as the source commit, so the source's delta parts still produce every
 * object it needs; only the superblock changes — target checksum, embedded commit object, and the
 * detached-metadata entry (the source's `…/commitmeta` key removed, the new commit's detached
 * metadata, e.g. its signatures, added under its own key). The superblock metadata is rebuilt
 * through a `GVariantDict`, so it comes out in GLib hash-table order (removals are not modelled
 * there — a key landing in the removed key's slot may sort differently than in flatpak; clients
 * only check the superblock against the delta index, which is regenerated from our bytes).
 * Parts are copied byte for byte; the superblock is written last.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { Variant, type GVValue } from '../gvariant/value.js';
import { decode, encode } from '../gvariant/codec.js';
import { checksumToBytes } from '../format/checksum.js';
import { decodeCommitmeta } from '../format/commitmeta.js';
import { ghashOrderEntries } from '../format/ghash-order.js';
import { ObjectType } from '../format/object-type.js';
import { COMMIT_TYPE, DELTA_SUPERBLOCK_TYPE } from '../format/types.js';
import { deltaCommitmetaKey, isSignedDeltaSuperblock } from '../format/delta.js';
import { deltaDirPath } from '../format/summary.js';
import type { Repo } from '../store/repo.js';

/**
 * Copy the delta `from → srcCommit` of `src` as `from → dstCommit` into `dst` (see the module
 * notes). Returns false when `src` has no such delta.
 *
 * @throws OstreeError `DELTA_CORRUPT` (unparsable or signed superblock, recursive delta, missing
 *   part), `OBJECT_NOT_FOUND` (no `dstCommit`)
 */
export async function rewriteDelta(src: Repo, srcCommit: string, dst: Repo, dstCommit: string, from: string | null): Promise<boolean> {
  const srcDir = deltaDirPath(from, srcCommit);
  const dstDir = deltaDirPath(from, dstCommit);
  const sbBytes = await src.storage.read(`${srcDir}/superblock`);
  if (sbBytes === null) return false;
  const corrupt = (why: string, cause?: unknown) => new OstreeError('DELTA_CORRUPT', `Cannot rewrite delta ${srcDir}: ${why}`, { cause, data: { delta: srcDir } });
  if (isSignedDeltaSuperblock(sbBytes)) throw corrupt('signed superblocks are not supported');
  let sb: GVValue[];
  try {
    sb = decode(DELTA_SUPERBLOCK_TYPE, sbBytes) as GVValue[];
  } catch (e) {
    throw corrupt('unparsable superblock', e);
  }
  if ((sb[5] as Uint8Array).length !== 0) throw corrupt('Recursive deltas not supported');
  const commitBytes = await dst.readMetadataBytes(ObjectType.COMMIT, dstCommit);
  if (commitBytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such commit ${dstCommit}`, { data: { checksum: dstCommit } });
  const srcKey = deltaCommitmetaKey(from, srcCommit);
  const entries: Array<[string, Variant]> = (sb[0] as Array<[string, Variant]>).filter(([k]) => k !== srcKey);
  const detached = await dst.readCommitDetachedMetadata(dstCommit);
  if (detached !== null) entries.push([deltaCommitmetaKey(from, dstCommit), new Variant('a{sv}', decodeCommitmeta(detached) as never)]);
  const out = encode(DELTA_SUPERBLOCK_TYPE, [
    ghashOrderEntries(entries) as never,
    sb[1]!,
    sb[2]!,
    checksumToBytes(dstCommit),
    decode(COMMIT_TYPE, commitBytes),
    sb[5]!,
    sb[6]!,
    sb[7]!,
  ]);
  const parts = (sb[6] as unknown[]).length;
  for (let i = 0; i < parts; i++) {
    const part = await src.storage.read(`${srcDir}/${i}`);
    if (part === null) throw corrupt(`part ${i} is missing`);
    await dst.storage.writeAtomic(`${dstDir}/${i}`, part, { fsync: dst.fsyncEnabled });
  }
  await dst.storage.writeAtomic(`${dstDir}/superblock`, out, { fsync: dst.fsyncEnabled });
  return true;
}
