/**
 * Static-delta housekeeping: list, describe (`show`), verify and delete deltas in a repository.
 *
 * Mirrors `ostree_repo_list_static_delta_names()`, `_ostree_repo_static_delta_dump()`,
 * `_ostree_repo_static_delta_delete()` (`src/libostree/ostree-repo-static-delta-core.c`) and the
 * `static-delta` builtin (`src/ostree/ot-builtin-static-delta.c`), ostree v2022.7. `verify` here
 * checks structure and checksums (superblock, embedded commit, every part file and op stream);
 * signature verification of signed superblocks is not implemented.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { resolve as resolvePath, dirname, basename } from 'node:path';
import { OstreeError } from '../errors.js';
import {
  decodeDeltaOps,
  decodeDeltaSuperblock,
  deltaDirPath,
  inlineDeltaParts,
  deltaSuperblockPath,
  parseDeltaName,
  unwrapDeltaSuperblock,
  type DeltaOperation,
  type DeltaSuperblock,
} from '../format/delta.js';
import { NodeStorage, type Storage } from '../store/storage.js';
import type { Repo } from '../store/repo.js';
import { listDeltaNames } from './summary.js';
import { openDeltaPart } from './delta-apply.js';

/** Delta names (`TO` or `FROM-TO`) in the repository (`ostree static-delta list`). */
export async function listStaticDeltas(repo: Repo): Promise<string[]> {
  return listDeltaNames(repo);
}

/** Statistics of one part (the `PartMeta`/`PartPayload`/`PartPayloadOps` lines of `show`). */
export interface DeltaPartInfo {
  objects: number;
  size: number;
  usize: number;
  /** Whether the part is inline in the superblock. */
  inline: boolean;
  modes: number;
  xattrs: number;
  blobSize: number;
  opSize: number;
  /** Count per opcode letter (S o w r R c B). */
  ops: Record<DeltaOperation['op'], number>;
}

/** A described delta. */
export interface DeltaInfo {
  name: string;
  signed: boolean;
  superblock: DeltaSuperblock;
  /** SHA-256 of the superblock file as stored. */
  superblockChecksum: string;
  parts: DeltaPartInfo[];
}

async function locate(repo: Repo, nameOrPath: string): Promise<{ storage: Storage; dir: string; superblock: string; name: string }> {
  if (nameOrPath.includes('/')) {
    const full = resolvePath(nameOrPath);
    return { storage: new NodeStorage(dirname(full)), dir: '', superblock: basename(full), name: nameOrPath };
  }
  const { from, to } = parseDeltaName(nameOrPath);
  return { storage: repo.storage, dir: deltaDirPath(from, to), superblock: deltaSuperblockPath(from, to), name: nameOrPath };
}

/**
 * Read and fully decode a delta (`show` / `verify`): superblock, every part (inline or file),
 * checksums of non-inline parts when `verify` is set, and every op stream.
 *
 * @param nameOrPath - a delta name, or a path to a superblock file (contains `/`)
 * @throws OstreeError `OBJECT_NOT_FOUND` for a missing delta or part, `DELTA_CORRUPT` /
 *   `DELTA_MISMATCH` for bad data
 */
export async function describeStaticDelta(repo: Repo, nameOrPath: string, opts: { verify?: boolean } = {}): Promise<DeltaInfo> {
  const loc = await locate(repo, nameOrPath);
  const file = await loc.storage.read(loc.superblock);
  if (file === null) throw new OstreeError('OBJECT_NOT_FOUND', `Can't find delta ${nameOrPath}`, { data: { name: nameOrPath } });
  const { superblock, signed } = unwrapDeltaSuperblock(file);
  const sb = decodeDeltaSuperblock(superblock);
  const commitSum = createHash('sha256').update(sb.commit).digest('hex');
  if (commitSum !== sb.to) throw new OstreeError('DELTA_MISMATCH', `Delta superblock embeds commit ${commitSum}, expected ${sb.to}`);
  const inline = inlineDeltaParts(sb);
  const parts: DeltaPartInfo[] = [];
  for (let i = 0; i < sb.parts.length; i++) {
    const h = sb.parts[i]!;
    const inl = inline.get(i);
    let bytes: Uint8Array;
    if (inl) {
      bytes = inl;
    } else {
      const p = loc.dir ? `${loc.dir}/${i}` : String(i);
      const b = await loc.storage.read(p);
      if (b === null) throw new OstreeError('OBJECT_NOT_FOUND', `Delta part ${i} (${p}) not found`, { data: { part: i } });
      bytes = b;
    }
    const payload = openDeltaPart(bytes, h, opts.verify && !inl ? h.checksum : null, i);
    const ops = decodeDeltaOps(payload, h.objects);
    const counts: Record<DeltaOperation['op'], number> = { S: 0, o: 0, w: 0, r: 0, R: 0, c: 0, B: 0 };
    for (const o of ops) counts[o.op]++;
    parts.push({
      objects: h.objects.length,
      size: h.size,
      usize: h.usize,
      inline: inl !== undefined,
      modes: payload.modes.length,
      xattrs: payload.xattrs.length,
      blobSize: payload.blob.length,
      opSize: payload.ops.length,
      ops: counts,
    });
  }
  return { name: loc.name, signed, superblock: sb, superblockChecksum: createHash('sha256').update(file).digest('hex'), parts };
}

/**
 * Delete a delta directory (`ostree static-delta delete`).
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` ("Can't find delta") when it does not exist
 */
export async function deleteStaticDelta(repo: Repo, name: string): Promise<void> {
  const { from, to } = parseDeltaName(name);
  const dir = deltaDirPath(from, to);
  if ((await repo.storage.lstat(dir)) === null) throw new OstreeError('OBJECT_NOT_FOUND', `Can't find delta ${name}`, { data: { name } });
  await repo.storage.rmrf(dir);
}
