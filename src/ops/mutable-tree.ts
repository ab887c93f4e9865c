/**
 * An in-memory directory tree being assembled for a commit (libostree's `OstreeMutableTree`,
 * `src/libostree/ostree-mutable-tree.c`): file names map to content checksums, directory names to
 * subtrees, and each directory carries its dirmeta checksum. Overlaying follows ostree: a file
 * replaces a file, a directory merges into a directory, and a file/directory clash is an error.
 *
 * @module
 */
import { OstreeError } from '../errors.js';

/** A directory under construction. */
export class MutableTree {
  /** File name → content object checksum. */
  readonly files = new Map<string, string>();
  /** Directory name → subtree. */
  readonly dirs = new Map<string, MutableTree>();
  /** Dirmeta checksum of this directory, once known. */
  metaChecksum: string | null = null;
  /**
   * Dirtree checksum when this tree is known to equal a stored dirtree (set when loaded from a
   * commit and cleared by any change), so unchanged subtrees are not re-serialized.
   */
  cachedTreeChecksum: string | null = null;

  /** Set a file entry, replacing an existing file of that name. */
  replaceFile(name: string, checksum: string): void {
    if (this.dirs.has(name)) {
      throw new OstreeError('INVALID_ARGUMENT', `Can't replace directory with file: ${name}`, { data: { name } });
    }
    this.files.set(name, checksum);
    this.cachedTreeChecksum = null;
  }

  /** The subdirectory `name`, created empty when absent. */
  ensureDir(name: string): MutableTree {
    if (this.files.has(name)) {
      throw new OstreeError('INVALID_ARGUMENT', `Can't replace file with directory: ${name}`, { data: { name } });
    }
    let d = this.dirs.get(name);
    if (!d) {
      d = new MutableTree();
      this.dirs.set(name, d);
    }
    this.cachedTreeChecksum = null;
    return d;
  }

  /** Walk to (and create) a directory by path components. */
  ensurePath(parts: readonly string[]): MutableTree {
    let t: MutableTree = this;
    for (const p of parts) t = t.ensureDir(p);
    return t;
  }

  /** Remove an entry (file or directory); returns whether it existed. */
  remove(name: string): boolean {
    const had = this.files.delete(name) || this.dirs.delete(name);
    if (had) this.cachedTreeChecksum = null;
    return had;
  }
}
