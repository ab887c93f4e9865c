/**
 * ostree-ts public API. Explicit re-exports only: the everyday entry points at the top level, and
 * each lower layer as a namespace (`gvariant`, `format`, `sign`, `codec`).
 *
 * @example
 * ```ts
 * import { Repo, commit } from 'ostree-ts';
 * const repo = await Repo.init('repo', { mode: 'archive' });
 * const { checksum } = await commit(repo, { branch: 'main', trees: [{ kind: 'dir', path: 'build' }] });
 * ```
 * @module
 */
export { OstreeError, isOstreeError } from './errors.js';
export type { OstreeErrorCode, OstreeErrorOptions } from './errors.js';

export { Variant, dictGet, variant } from './gvariant/value.js';
export type { GVValue, GVMaybe, DictEntry } from './gvariant/value.js';
export * as gvariant from './gvariant/index.js';
export * as format from './format/index.js';
export * as sign from './sign/index.js';
export { KeyFile } from './format/keyfile.js';
export { ObjectType } from './format/object-type.js';
export type { RepoMode } from './format/object-type.js';
export type { Commit } from './format/commit.js';
export type { Dirtree } from './format/dirtree.js';
export type { Dirmeta } from './format/dirmeta.js';
export type { FileHeader } from './format/file-header.js';

export { Repo, MAX_METADATA_SIZE } from './store/repo.js';
export type { InitOptions, ContentObject, TransactionStats } from './store/repo.js';
export { NodeStorage } from './store/storage.js';
export type { Storage, StatInfo, DirEntry, EntryKind, WriteOptions } from './store/storage.js';
export { lockRepo } from './store/lock.js';
export type { HeldLock, LockOptions } from './store/lock.js';
export type { DeflateFlavour } from './store/deflate.js';
export { loadGpgHomeSigner, loadGpgHomePublicKeys } from './store/gpg-home.js';

export { commit, parseTimestamp } from './ops/commit.js';
export type { CommitOptions, CommitResult, CommitProgress, TreeSource, MemDir, MemFile, MemSymlink, MemNode } from './ops/commit.js';
export { checkout } from './ops/checkout.js';
export type { CheckoutOptions, CheckoutProgress } from './ops/checkout.js';
export { fsck } from './ops/fsck.js';
export type { FsckOptions, FsckResult, FsckProblem, FsckProgress } from './ops/fsck.js';

export { run } from './cli/main.js';
export type { CliIO } from './cli/command.js';
