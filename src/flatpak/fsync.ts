/**
 * `--disable-fsync` (`ostree_repo_set_disable_fsync()`): an in-memory override of `[core] fsync`
 * for the duration of one operation; the config file is not written.
 *
 * @module
 */
import type { Repo } from '../store/repo.js';

/** Run `fn` with fsync disabled on `repo` when `disable` is true, restoring the setting afterwards. */
export async function withFsyncDisabled<T>(repo: Repo, disable: boolean | undefined, fn: () => Promise<T>): Promise<T> {
  if (!disable) return fn();
  const cfg = repo.config;
  const before = cfg.getRaw('core', 'fsync');
  cfg.setString('core', 'fsync', 'false');
  try {
    return await fn();
  } finally {
    // The config object may have been reloaded meanwhile; only undo our change on the one we changed.
    if (before === undefined) cfg.removeKey('core', 'fsync');
    else cfg.setRaw('core', 'fsync', before);
  }
}
