/**
 * Copy a commit and everything its tree needs from one local repository into another — what
 * `flatpak build-commit-from --src-repo` gets from `ostree_repo_pull_with_options()` with
 * `depth: 0` over a `file://` URL. Archive objects are copied byte for byte (so `.filez` sizes,
 * and with them flatpak's download sizes, are preserved); with `untrusted`, every object is
 * checksummed first (`OSTREE_REPO_PULL_FLAGS_UNTRUSTED`). Content objects are written before
 * trees and the commit last, so an interrupted import never leaves a commit without its objects.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { ObjectType } from '../format/object-type.js';
import { metadataChecksum } from '../format/checksums.js';
import { inflateRawSync } from 'node:zlib';
import { contentChecksum, parseFilez } from '../format/file-header.js';
import { S_IFMT, S_IFREG } from '../format/mode.js';
import type { Repo } from '../store/repo.js';
import { traverseCommit } from '../ops/traverse.js';

/** Options of {@link importCommit}. */
export interface ImportCommitOptions {
  /** Verify every object's checksum before storing it. */
  untrusted?: boolean;
  signal?: AbortSignal;
}

/** Counts of what {@link importCommit} did. */
export interface ImportCommitResult {
  /** Objects the commit needs. */
  total: number;
  /** Objects copied (the rest were present). */
  copied: number;
}

const CONCURRENCY = 16;

const ORDER: Record<number, number> = { [ObjectType.FILE]: 0, [ObjectType.DIR_META]: 1, [ObjectType.DIR_TREE]: 2, [ObjectType.COMMIT]: 3 };

/**
 * Import commit `checksum` (depth 0) from `src` into `dst` (see the module notes).
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` (missing in `src`), `CORRUPT_OBJECT` (checksum mismatch
 *   with `untrusted`)
 */
export async function importCommit(dst: Repo, src: Repo, checksum: string, opts: ImportCommitOptions = {}): Promise<ImportCommitResult> {
  if (await src.isCommitPartial(checksum)) {
    throw new OstreeError('COMMIT_PARTIAL', `Commit ${checksum} is partial in ${src.path}`, { data: { checksum } });
  }
  const reach = await traverseCommit(src, checksum, { depth: 0, signal: opts.signal });
  const objs = [...reach.objects()].sort((a, b) => (ORDER[a.type] ?? 9) - (ORDER[b.type] ?? 9));
  let copied = 0;
  const raw = src.mode === 'archive' && dst.mode === 'archive';
  // Re-encoded objects are compressed as ostree would, so flatpak's download sizes stay comparable.
  const savedFlavour = dst.deflateFlavour;
  dst.deflateFlavour = 'exact';
  const copyOne = async (o: { checksum: string; type: ObjectType }): Promise<void> => {
    opts.signal?.throwIfAborted();
    if (await dst.hasObject(o.checksum, o.type)) return;
    if (o.type === ObjectType.FILE) {
      // Objects only in the source's `core.parent` repository are re-encoded (below) rather than copied.
      const bytes = raw ? await src.storage.read(src.objectPath(o.checksum, o.type)) : null;
      if (bytes !== null) {
        if (opts.untrusted) verifyFilez(bytes, o.checksum);
        await dst.storage.writeAtomic(dst.objectPath(o.checksum, o.type), bytes, { mode: 0o644 });
      } else {
        const obj = await src.readContent(o.checksum);
        if (opts.untrusted && contentChecksum(obj.header, obj.content) !== o.checksum) throw corrupt(o.checksum, 'file');
        await dst.writeContent(obj.header, obj.content);
      }
    } else {
      const bytes = await src.readMetadataBytes(o.type, o.checksum);
      if (bytes === null) throw new OstreeError('OBJECT_NOT_FOUND', `No such metadata object ${o.checksum}.${ObjectType[o.type]} in ${src.path}`, { data: { checksum: o.checksum } });
      if (opts.untrusted && metadataChecksum(bytes) !== o.checksum) throw corrupt(o.checksum, ObjectType[o.type]!.toLowerCase());
      await dst.writeMetadata(o.type, bytes, o.checksum);
    }
    copied++;
  };
  try {
    // Content, then dirmeta, then dirtrees, then the commit; each group copied concurrently.
    for (const group of [ObjectType.FILE, ObjectType.DIR_META, ObjectType.DIR_TREE, ObjectType.COMMIT]) {
      const todo = objs.filter((o) => o.type === group);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < todo.length) await copyOne(todo[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
    }
  } finally {
    dst.deflateFlavour = savedFlavour;
  }
  return { total: objs.length, copied };
}

/**
 * Check an archive object's bytes against its name: parse, inflate (output bounded by the declared
 * size; an absurd declared size fails inside zlib and becomes CORRUPT_OBJECT), hash.
 */
function verifyFilez(bytes: Uint8Array, checksum: string): void {
  const f = parseFilez(bytes);
  let content: Uint8Array = new Uint8Array(0);
  if ((f.header.mode & S_IFMT) === S_IFREG) {
    try {
      content = inflateRawSync(f.deflated, { maxOutputLength: Math.max(1, Number(f.size)) });
    } catch (e) {
      throw new OstreeError('CORRUPT_OBJECT', `Corrupted file object ${checksum}: ${(e as Error).message}`, { cause: e, data: { checksum } });
    }
    if (content.byteLength !== Number(f.size)) throw corrupt(checksum, 'file');
  }
  if (contentChecksum(f.header, content) !== checksum) throw corrupt(checksum, 'file');
}

function corrupt(checksum: string, kind: string): OstreeError {
  return new OstreeError('CORRUPT_OBJECT', `Corrupted ${kind} object; checksum expected='${checksum}'`, { data: { checksum, kind } });
}
