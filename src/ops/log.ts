/**
 * `ostree log REV`: a commit and its ancestors, newest first (`src/ostree/ot-builtin-log.c`).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import type { Commit } from '../format/commit.js';
import type { Repo } from '../store/repo.js';

/** One commit in a log. */
export interface LogEntry {
  checksum: string;
  commit: Commit;
}

/** Result of {@link log}. */
export interface LogResult {
  entries: LogEntry[];
  /**
   * True when the walk stopped at a parent that is not in the repository (ostree prints
   * `<< History beyond this commit not fetched >>`); `missingParent` names it.
   */
  truncated: boolean;
  missingParent?: string;
}

/** Options of {@link log}. */
export interface LogOptions {
  /** Stop after this many commits (ostree has no such option; for the library and `--json`). */
  maxCount?: number;
  signal?: AbortSignal;
}

/**
 * Walk `rev` and its parents. A missing first commit is an error; a missing parent ends the walk
 * cleanly with `truncated` set, as ostree does.
 *
 * @throws OstreeError `REF_NOT_FOUND`, `OBJECT_NOT_FOUND` (the starting commit), `CORRUPT_OBJECT`
 */
export async function log(repo: Repo, rev: string, opts: LogOptions = {}): Promise<LogResult> {
  let checksum: string | null = (await repo.resolveRev(rev, false))!;
  const entries: LogEntry[] = [];
  const seen = new Set<string>();
  while (checksum !== null) {
    opts.signal?.throwIfAborted();
    if (opts.maxCount !== undefined && entries.length >= opts.maxCount) break;
    if (seen.has(checksum)) throw new OstreeError('CORRUPT_OBJECT', `Commit history loops at ${checksum}`, { data: { checksum } });
    seen.add(checksum);
    let commit: Commit;
    try {
      commit = await repo.loadCommit(checksum);
    } catch (e) {
      if (entries.length > 0 && e instanceof OstreeError && e.code === 'OBJECT_NOT_FOUND') {
        return { entries, truncated: true, missingParent: checksum };
      }
      throw e;
    }
    entries.push({ checksum, commit });
    checksum = commit.parent;
  }
  return { entries, truncated: false };
}
