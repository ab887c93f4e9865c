/**
 * Installed and download sizes of a commit tree, as flatpak computes them
 * (`flatpak_repo_collect_sizes()` in flatpak 1.14 `common/flatpak-utils.c`): for every
 * regular-file *entry* of the tree (a file present twice counts twice), installed size adds
 * `ceil(size / 512) * 512` and download size adds the on-disk size of the stored content object
 * (the `.filez` in archive repositories). Directories and symlinks count 0.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { ObjectType } from '../format/object-type.js';
import { parseFilez } from '../format/file-header.js';
import { S_IFMT, S_IFREG } from '../format/mode.js';
import type { Repo } from '../store/repo.js';

/** Sizes of a tree in bytes. */
export interface TreeSizes {
  installedSize: bigint;
  downloadSize: bigint;
}

/** Installed size of one regular file of `size` bytes (512-byte blocks). */
export function installedFileSize(size: bigint | number): bigint {
  const s = BigInt(size);
  return ((s + 511n) / 512n) * 512n;
}

/** Size and type of one content object (archive header read without inflating). */
async function fileFacts(repo: Repo, checksum: string): Promise<{ regular: boolean; size: bigint; stored: bigint }> {
  const stored = await repo.storedObjectSize(checksum, ObjectType.FILE);
  if (repo.mode === 'archive' && stored !== null) {
    const bytes = await repo.storage.read(repo.objectPath(checksum, ObjectType.FILE));
    if (bytes) {
      const f = parseFilez(bytes);
      return { regular: (f.header.mode & S_IFMT) === S_IFREG, size: f.size, stored: BigInt(stored) };
    }
  }
  const obj = await repo.readContent(checksum);
  const regular = (obj.header.mode & S_IFMT) === S_IFREG;
  if (stored === null && regular) {
    throw new OstreeError('OBJECT_NOT_FOUND', `Unable to find the stored size of content object ${checksum}`, { data: { checksum } });
  }
  return { regular, size: BigInt(obj.content.byteLength), stored: BigInt(stored ?? 0) };
}

/**
 * Sizes of the tree rooted at dirtree `rootTree` (see the module notes).
 *
 * @throws OstreeError `OBJECT_NOT_FOUND` / `CORRUPT_OBJECT` for missing or bad objects
 */
export async function collectTreeSizes(repo: Repo, rootTree: string, signal?: AbortSignal): Promise<TreeSizes> {
  const facts = new Map<string, Promise<{ regular: boolean; size: bigint; stored: bigint }>>();
  let installedSize = 0n;
  let downloadSize = 0n;
  const walk = async (tree: string): Promise<void> => {
    signal?.throwIfAborted();
    const dt = await repo.loadDirtree(tree);
    const fs = dt.files.map((f) => {
      let p = facts.get(f.checksum);
      if (!p) {
        p = fileFacts(repo, f.checksum);
        facts.set(f.checksum, p);
      }
      return p;
    });
    for (const f of await Promise.all(fs)) {
      if (!f.regular) continue;
      installedSize += installedFileSize(f.size);
      downloadSize += f.stored;
    }
    for (const d of dt.dirs) await walk(d.tree);
  };
  await walk(rootTree);
  return { installedSize, downloadSize };
}
