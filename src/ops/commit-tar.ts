/**
 * `ostree commit --tree=tar=FILE`: import a tar archive into a {@link MutableTree}, following
 * `src/libostree/ostree-repo-libarchive.c` (2022.7):
 * - `./` (path `''`) sets the root directory's metadata; directories merge into existing ones;
 * - a missing parent directory is an error unless `--tar-autocreate-parents`, which creates it as
 *   0755 owned by the entry's uid/gid, without the commit modifier (`aic_ensure_parent_dir()`);
 * - hard links take the checksum of their target file, resolved after the whole archive is read;
 * - gzip-compressed archives are detected by magic and inflated on the fly.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { PassThrough, Readable } from 'node:stream';
import { OstreeError } from '../errors.js';
import { readTar, type TarEntry } from '../codec/tar.js';
import type { FileHeader } from '../format/file-header.js';
import { S_IFDIR, S_IFLNK, S_IFREG } from '../format/mode.js';
import { filenameProblem } from '../format/names.js';
import type { MutableTree } from './mutable-tree.js';

/** Callbacks the tar importer uses to write objects. */
export interface TarImportHooks {
  /** `--tar-autocreate-parents`. */
  autocreateParents: boolean;
  /** Write a dirmeta after applying the commit modifier. */
  dirmeta(uid: number, gid: number, mode: number): Promise<string>;
  /** Write a dirmeta exactly as given (auto-created parents). Defaults to `dirmeta`. */
  dirmetaUnmodified?(uid: number, gid: number, mode: number): Promise<string>;
  /** Write a content object after applying the commit modifier. */
  content(header: FileHeader, data: Uint8Array): Promise<string>;
  checkAbort(): void;
}

async function* gunzipIfNeeded(src: Readable): AsyncGenerator<Uint8Array> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  const head: Buffer = first.value;
  const rest = new PassThrough();
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const out = gz ? rest.pipe(createGunzip()) : rest;
  (async () => {
    try {
      rest.write(head);
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (!rest.write(r.value)) await new Promise((res) => rest.once('drain', res));
      }
      rest.end();
    } catch (e) {
      rest.destroy(e as Error);
    }
  })();
  try {
    for await (const c of out) yield c as Uint8Array;
  } catch (e) {
    if (gz) throw new OstreeError('TAR_INVALID', `Corrupt gzip data: ${(e as Error).message}`, { cause: e });
    throw e;
  }
}

function split(path: string): string[] {
  if (path === '') return [];
  const parts = path.split('/');
  for (const p of parts) {
    const problem = filenameProblem(p);
    if (problem) throw new OstreeError('TAR_INVALID', `Invalid path ${JSON.stringify(path)} in tar archive: ${problem}`, { data: { path } });
  }
  return parts;
}

/**
 * Import the tar archive at `path` (or `-` for standard input) into `tree`.
 */
export async function importTar(path: string, tree: MutableTree, hooks: TarImportHooks): Promise<void> {
  const src = path === '-' ? (process.stdin as Readable) : createReadStream(path, { highWaterMark: 1 << 20 });
  const rawDirmeta = hooks.dirmetaUnmodified ?? hooks.dirmeta;
  const hardlinks: Array<{ entry: TarEntry }> = [];

  const parentOf = async (parts: string[], entry: TarEntry): Promise<MutableTree> => {
    let t = tree;
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts[i];
      let next = t.dirs.get(name);
      if (!next) {
        if (!hooks.autocreateParents) {
          throw new OstreeError('TAR_INVALID', `ostree-tar: Failed to create parent: No such file or directory: ${parts.slice(0, i + 1).join('/')}`, {
            data: { path: entry.path },
          });
        }
        if (!tree.metaChecksum) tree.metaChecksum = await rawDirmeta(entry.uid, entry.gid, S_IFDIR | 0o755);
        next = t.ensureDir(name);
        next.metaChecksum = await rawDirmeta(entry.uid, entry.gid, S_IFDIR | 0o755);
      }
      t = next;
    }
    return t;
  };

  let current: { entry: TarEntry; chunks: Uint8Array[]; size: number } | null = null;
  for await (const ev of readTar(gunzipIfNeeded(src))) {
    hooks.checkAbort();
    if (ev.type === 'entry') {
      if (ev.entry.kind === 'file') current = { entry: ev.entry, chunks: [], size: 0 };
      continue;
    }
    if (ev.type === 'data') {
      if (current) {
        current.chunks.push(ev.chunk.slice());
        current.size += ev.chunk.byteLength;
      }
      continue;
    }
    const e = ev.entry;
    const parts = split(e.path);
    if (e.kind === 'directory') {
      if (parts.length === 0) {
        tree.metaChecksum = await hooks.dirmeta(e.uid, e.gid, S_IFDIR | e.mode);
      } else {
        const parent = await parentOf(parts, e);
        const d = parent.ensureDir(parts[parts.length - 1]);
        d.metaChecksum = await hooks.dirmeta(e.uid, e.gid, S_IFDIR | e.mode);
      }
    } else if (e.kind === 'hardlink') {
      hardlinks.push({ entry: e });
    } else if (e.kind === 'symlink') {
      if (parts.length === 0) throw new OstreeError('TAR_INVALID', 'Symlink entry for the archive root');
      const parent = await parentOf(parts, e);
      const header: FileHeader = { uid: e.uid, gid: e.gid, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: e.linkPath, xattrs: [] };
      parent.replaceFile(parts[parts.length - 1], await hooks.content(header, new Uint8Array(0)));
    } else {
      if (parts.length === 0) throw new OstreeError('TAR_INVALID', 'File entry for the archive root');
      const parent = await parentOf(parts, e);
      const data = new Uint8Array(current?.size ?? 0);
      let off = 0;
      for (const c of current?.chunks ?? []) {
        data.set(c, off);
        off += c.byteLength;
      }
      current = null;
      const header: FileHeader = { uid: e.uid, gid: e.gid, mode: S_IFREG | e.mode, rdev: 0, symlinkTarget: '', xattrs: [] };
      parent.replaceFile(parts[parts.length - 1], await hooks.content(header, data));
    }
  }
  // Hard links: the target's content object, looked up once everything is in the tree.
  for (const { entry } of hardlinks) {
    const targetParts = split(entry.linkPath);
    let t: MutableTree | undefined = tree;
    for (const p of targetParts.slice(0, -1)) t = t?.dirs.get(p);
    const csum = t?.files.get(targetParts[targetParts.length - 1] ?? '');
    if (!csum) {
      throw new OstreeError('TAR_INVALID', `Expected hardlink file target at "${entry.linkPath}" but found none`, { data: { path: entry.path } });
    }
    const parts = split(entry.path);
    const parent = await parentOf(parts, entry);
    parent.replaceFile(parts[parts.length - 1], csum);
  }
  if (hooks.autocreateParents && !tree.metaChecksum) tree.metaChecksum = await hooks.dirmeta(0, 0, S_IFDIR | 0o755);
}
