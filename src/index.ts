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
export * as codec from './codec/index.js';
export { xzCompress, xzDecompress } from './codec/xz/index.js';
export { bsdiff } from './codec/bsdiff.js';
export { bspatch } from './codec/bspatch.js';
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

export { listRefs, listCollectionRefs, createRef, deleteRefs } from './ops/refs.js';
export type { RefEntry, ListRefsOptions, CollectionRefEntry, CreateRefOptions } from './ops/refs.js';
export { revParse, revParseSingle } from './ops/rev-parse.js';
export { log } from './ops/log.js';
export type { LogEntry, LogResult, LogOptions } from './ops/log.js';
export { showObject, commitMetadataKey } from './ops/show.js';
export type { ShownObject } from './ops/show.js';
export { ls } from './ops/ls.js';
export type { LsOptions, LsResult, TreeEntry } from './ops/ls.js';
export { catFile } from './ops/cat.js';
export { diffCommits } from './ops/diff.js';
export type { DiffItem, DiffResult, DiffOptions } from './ops/diff.js';
export { configGet, configSet, configUnset } from './ops/config.js';
export { resetRef } from './ops/reset.js';
export { remoteAdd, remoteDelete, remoteList, remoteGetUrl } from './ops/remote.js';
export type { RemoteAddOptions, RemoteInfo } from './ops/remote.js';

export { updateSummary, viewSummary, readSummary } from './ops/summary.js';
export type { UpdateSummaryOptions, UpdateSummaryResult, SummaryView } from './ops/summary.js';
export { prune } from './ops/prune.js';
export type { PruneOptions, PruneResult, PruneProgress } from './ops/prune.js';
export {
  signCommit, deleteCommitSignature, verifyCommit, signSummaryBytes, verifySummary, resolveSigners, loadTrustedGpgKeys, loadEd25519Verifier,
} from './ops/sign.js';
export type { CommitSignOptions, SignCommitResult, DeleteSignatureOptions, VerifyOptions, SignSummaryOptions, ResolveSignersOptions } from './ops/sign.js';

export { generateStaticDelta, computeSimilarObjects } from './ops/delta-generate.js';
export type { GenerateDeltaOptions, GenerateDeltaResult, GenerateDeltaProgress } from './ops/delta-generate.js';
export { applyStaticDelta, applyDeltaOffline } from './ops/delta-apply.js';
export type { ApplyDeltaOptions, ApplyDeltaResult, ApplyDeltaProgress, ApplyOfflineOptions } from './ops/delta-apply.js';
export { createPartDecoder } from './ops/delta-part-worker.js';
export type { PartDecoder } from './ops/delta-part-worker.js';
export { listStaticDeltas, describeStaticDelta, deleteStaticDelta } from './ops/delta-info.js';
export type { DeltaInfo, DeltaPartInfo } from './ops/delta-info.js';

export { pull, fetchRemoteSummary, listRemoteSummaryRefs } from './ops/pull.js';
export type { PullOptions, PullResult, PullProgress, PulledRef, RemoteSummaryOptions, RemoteSummary } from './ops/pull.js';
export { serveRepo, repoRequestHandler, cacheControlFor } from './ops/serve.js';
export type { ServeOptions, ServeRequestEvent, RunningServer } from './ops/serve.js';
export { publish } from './ops/publish.js';
export type { PublishOptions, PublishResult, PublishProgress, PublishPhase } from './ops/publish.js';
export { HttpFetcher, LocalFetcher, openRemoteFetcher } from './store/http.js';
export type { RemoteFetcher, FetchOptions, HttpFetcherOptions } from './store/http.js';

export { buildExport, openOrCreateExportRepo } from './flatpak/export.js';
export type { BuildExportOptions, BuildExportResult } from './flatpak/export.js';
export { buildCommitFrom } from './flatpak/commit-from.js';
export type { BuildCommitFromOptions, CommitFromEntry } from './flatpak/commit-from.js';
export { buildSign } from './flatpak/build-sign.js';
export type { BuildSignOptions, BuildSignEntry } from './flatpak/build-sign.js';
export { buildUpdateRepo } from './flatpak/update-repo.js';
export type { BuildUpdateRepoOptions, BuildUpdateRepoResult } from './flatpak/update-repo.js';
export { writeFlatpakref, writeFlatpakrepo, parseFlatpakref, parseFlatpakrepo } from './flatpak/flatpakref.js';
export type { FlatpakRef, FlatpakRepo, RepoFileCommon } from './flatpak/flatpakref.js';

export { run } from './cli/main.js';
export type { CliIO } from './cli/command.js';
