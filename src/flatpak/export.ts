/**
 * `flatpak build-export LOCATION DIRECTORY [BRANCH]`: commit a build directory (`metadata` +
 * `files/`, and `export/` for apps) as `app/ID/ARCH/BRANCH` or `runtime/ID/ARCH/BRANCH`.
 *
 * Facts from flatpak 1.14 `app/flatpak-builtins-build-export.c` (`flatpak_builtin_build_export()`,
 * `commit_filter()`, `add_file_to_mtree()`, `metadata_get_arch()`, `collect_extra_data()`):
 * - every entry gets uid = gid = 0 and no xattrs; directories 040755; regular files 0100755 when
 *   the owner-exec bit is set, else 0100644; symlinks keep their mode;
 * - `--exclude`/`--include` patterns (`flatpak_path_match_prefix()`) filter the `files` tree only;
 * - `/metadata` is stored as a 0100644 file; the root directory's dirmeta is 0:0 040755;
 * - the commit metadata is a `GVariantDict`, so its keys come out in GLib hash-table order
 *   (reproduced with {@link ghashOrderEntries}); sizes are big-endian `t`, `xa.token-type` a
 *   little-endian `i`;
 * - archive objects are compressed exactly as ostree's zlib does, so `xa.download-size` (the sum
 *   of the `.filez` sizes) matches flatpak's for the same input.
 *
 * @module
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { OstreeError } from '../errors.js';
import { Variant } from '../gvariant/value.js';
import { ObjectType } from '../format/object-type.js';
import { encodeCommit } from '../format/commit.js';
import { encodeDirmeta } from '../format/dirmeta.js';
import { encodeDirtree } from '../format/dirtree.js';
import { contentChecksum, type FileHeader } from '../format/file-header.js';
import { KeyFile } from '../format/keyfile.js';
import { ghashOrderEntries } from '../format/ghash-order.js';
import { bswap64 } from '../format/bytes.js';
import { isChecksum, checksumToBytes } from '../format/checksum.js';
import { filenameProblem, validateCollectionId } from '../format/names.js';
import { S_IFDIR, S_IFLNK, S_IFREG } from '../format/mode.js';
import { Repo, type TransactionStats } from '../store/repo.js';
import { signCommit } from '../ops/sign.js';
import type { Signer } from '../sign/types.js';
import { branchProblem, formatRef, hostArch, nameProblem, pathMatchPrefix, type RefKind } from './names.js';
import { installedFileSize } from './sizes.js';
import { updateFlatpakSummary, type FlatpakSummaryOptions } from './summary.js';
import { withFsyncDisabled } from './fsync.js';
import { flatpakTimestamp } from './timestamp.js';
import { validateExports } from './validate-exports.js';
import { generateAppstream } from './appstream.js';
import { TaskPool } from '../ops/task-pool.js';

/** Options of {@link buildExport}, named after `flatpak build-export`'s. */
export interface BuildExportOptions {
  /** `--runtime`: commit `usr/` (or `--files`) as a runtime. */
  runtime?: boolean;
  /** `--files=SUBDIR`: alternative files directory, relative to the build directory. */
  files?: string;
  /** `--metadata=FILE`: alternative metadata file, relative to the build directory. */
  metadata?: string;
  /** `--arch`. Default: from the metadata's runtime/sdk, else the host arch. */
  arch?: string;
  /** BRANCH (default `master`). */
  branch?: string;
  /** `--subject` (default `Export ID`). */
  subject?: string;
  /** `--body` (default `Name: ID\nArch: ARCH\nBranch: BRANCH\nBuilt with: BUILT-WITH\n`). */
  body?: string;
  /** The tool named in the default body (flatpak writes its `PACKAGE_STRING`, e.g. `Flatpak 1.14.10`). Default `ostree-ts`. */
  builtWith?: string;
  /** `--timestamp`: seconds, a Date, `NOW`, or a string as `parseTimestamp` accepts. Default: now. */
  timestamp?: bigint | number | Date | string;
  /** `--collection-id`: set on a new repository; must equal an existing repository's. */
  collectionId?: string;
  /** `--gpg-sign` etc., resolved: signers for the new commit (and the summary). */
  signers?: readonly Signer[];
  /** `--exclude=PATTERN` (files tree only). */
  exclude?: readonly string[];
  /** `--include=PATTERN`: re-include excluded paths. */
  include?: readonly string[];
  /** `--end-of-life=REASON`. */
  endOfLife?: string;
  /** `--end-of-life-rebase=ID`. */
  endOfLifeRebase?: string;
  /** `--subset=NAME` (repeatable; empty names ignored). */
  subsets?: readonly string[];
  /** `--token-type=N` (≥ 0). */
  tokenType?: number;
  /** `--update-appstream`: regenerate the appstream branches after the commit (signed with `signers`). */
  updateAppstream?: boolean;
  /** Update the summary afterwards (default true; `--no-update-summary` = false). */
  updateSummary?: boolean;
  /** `--disable-fsync`: no filesystem sync for this export (the repo config is not changed). */
  disableFsync?: boolean;
  /** Called with each export-validation warning (apps), as flatpak prints `WARNING: …`. */
  onWarning?: (message: string) => void;
  /** Options for the summary update. */
  summary?: Omit<FlatpakSummaryOptions, 'signers' | 'signal'>;
  signal?: AbortSignal;
}

/** Result of {@link buildExport}. */
export interface BuildExportResult {
  checksum: string;
  ref: string;
  installedSize: bigint;
  downloadSize: bigint;
  stats: TransactionStats;
}

/** A directory of the tree being built. */
interface Node {
  files: Map<string, string>;
  dirs: Map<string, Node>;
}

const newNode = (): Node => ({ files: new Map(), dirs: new Map() });
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const CONCURRENCY = 8;
const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;

/** `metadata_get_arch()`: `--arch`, else ARCH of `[Application]`/`[Runtime]` runtime or sdk, else the host. */
function metadataArch(meta: KeyFile, explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  const runtime =
    meta.getString('Application', 'runtime') ?? meta.getString('Application', 'sdk') ?? meta.getString('Runtime', 'runtime') ?? meta.getString('Runtime', 'sdk');
  if (runtime === undefined) return hostArch();
  const parts = runtime.split('/');
  if (parts.length !== 3) throw new OstreeError('INVALID_METADATA', `Failed to determine arch from metadata runtime key: ${runtime}`, { data: { runtime } });
  return parts[1]!;
}

/** `collect_extra_data()`: `xa.extra-data-sources` from an `[Extra Data]` group, or null. */
function extraDataSources(meta: KeyFile): Variant | null {
  const keys = meta.keys('Extra Data');
  if (keys === undefined) return null;
  const out: unknown[] = [];
  const bad = (msg: string) => new OstreeError('INVALID_METADATA', msg);
  for (const key of keys) {
    if (!key.startsWith('uri')) continue;
    const suffix = key.slice(3);
    const uri = meta.getString('Extra Data', key)!;
    if (!uri.startsWith('http:') && !uri.startsWith('https:')) throw bad(`Invalid uri type ${uri}, only http/https supported`);
    let name = meta.getString('Extra Data', `name${suffix}`);
    if (name === undefined) {
      const path = uri.replace(/[?#].*$/, '').replace(/^[a-z]+:\/\/[^/]*/i, '');
      name = decodeURIComponent(path.split('/').filter((s) => s !== '').pop() ?? '');
      if (name === '') throw bad(`Unable to find basename in ${uri}, specify a name explicitly`);
    }
    if (name.includes('/')) throw bad('No slashes allowed in extra data name');
    const checksum = meta.getString('Extra Data', `checksum${suffix}`);
    if (checksum === undefined) throw bad(`Key file does not have key “checksum${suffix}” in group “Extra Data”`);
    if (!isChecksum(checksum)) throw bad(`Invalid format for sha256 checksum: '${checksum}'`);
    const size = uint64Key(meta, `size${suffix}`);
    if (size === 0n) throw bad('Extra data sizes of zero not supported');
    const installed = uint64Key(meta, `installed-size${suffix}`);
    const nameBytes = new TextEncoder().encode(name + '\0');
    out.push([nameBytes, bswap64(size), bswap64(installed), checksumToBytes(checksum), uri]);
  }
  return new Variant('a(ayttays)', out as never);
}

/** `g_key_file_get_uint64()` (missing or unparsable → 0). */
function uint64Key(meta: KeyFile, key: string): bigint {
  const raw = meta.getString('Extra Data', key);
  if (raw === undefined) return 0n;
  const m = /^\s*(\d+)/.exec(raw);
  return m ? BigInt(m[1]!) & 0xffffffffffffffffn : 0n;
}

/** The canonical permissions `commit_filter()` gives a filesystem entry. */
function canonicalMode(st: Stats): number {
  if (st.isDirectory()) return S_IFDIR | 0o755;
  if (st.isFile()) return S_IFREG | (st.mode & 0o100 ? 0o755 : 0o644);
  return st.mode;
}

function matchesAny(patterns: readonly string[] | undefined, path: string): boolean {
  return !!patterns && patterns.some((p) => pathMatchPrefix(p, path) >= 0);
}

/** Writes a build directory's trees into a repository inside an open transaction. */
class TreeWriter {
  installedSize = 0n;
  /** Checksums of every regular-file entry (with repetitions), for the download size. */
  readonly regularEntries: string[] = [];
  private readonly pool: TaskPool;
  dirmetaChecksum = '';

  constructor(
    readonly repo: Repo,
    readonly signal: AbortSignal | undefined,
  ) {
    this.pool = new TaskPool(CONCURRENCY, signal);
  }

  private schedule(task: () => Promise<void>): Promise<void> {
    return this.pool.schedule(task);
  }

  check(): void {
    this.pool.check();
  }

  drain(): Promise<void> {
    return this.pool.drain();
  }

  async writeDirmeta(): Promise<void> {
    this.dirmetaChecksum = await this.repo.writeMetadata(ObjectType.DIR_META, encodeDirmeta({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] }));
  }

  /** Add a regular file from bytes in memory. */
  async addBytes(node: Node, name: string, data: Uint8Array, mode: number): Promise<void> {
    const header: FileHeader = { uid: 0, gid: 0, mode, rdev: 0, symlinkTarget: '', xattrs: [] };
    const csum = await this.repo.writeContent(header, data, contentChecksum(header, data));
    node.files.set(name, csum);
    this.installedSize += installedFileSize(data.byteLength);
    this.regularEntries.push(csum);
  }

  /**
   * `ostree_repo_write_directory_to_mtree()` with flatpak's commit filter. `rel` is the path the
   * filter sees (`/` for the root of this tree).
   */
  async importDir(abs: string, node: Node, rel: string, filter: { exclude?: readonly string[]; include?: readonly string[] }): Promise<void> {
    let raw: Buffer[];
    try {
      raw = readdirSync(abs, { encoding: 'buffer' });
    } catch (e) {
      throw new OstreeError('INVALID_ARGUMENT', `Cannot read directory ${abs}: ${(e as Error).message}`, { cause: e });
    }
    for (const rawName of raw) {
      this.check();
      let name: string;
      try {
        name = fatalUtf8.decode(rawName);
      } catch {
        throw new OstreeError('INVALID_FILENAME', `Invalid UTF-8 in filename under ${abs}`, { data: { dir: abs } });
      }
      const problem = filenameProblem(name);
      if (problem) throw new OstreeError('INVALID_FILENAME', `Invalid filename ${JSON.stringify(name)} in ${abs}: ${problem}`, { data: { name } });
      const child = join(abs, name);
      const childRel = rel === '/' ? `/${name}` : `${rel}/${name}`;
      const st = lstatSync(child);
      if (!st.isDirectory() && !st.isFile() && !st.isSymbolicLink()) {
        throw new OstreeError('INVALID_MODE', `Unsupported file type for ${child} (mode 0${st.mode.toString(8)})`, { data: { path: child } });
      }
      if (matchesAny(filter.exclude, childRel) && !matchesAny(filter.include, childRel)) continue;
      const mode = canonicalMode(st);
      if (st.isDirectory()) {
        node.files.delete(name);
        let sub = node.dirs.get(name);
        if (!sub) node.dirs.set(name, (sub = newNode()));
        await this.importDir(child, sub, childRel, filter);
      } else if (st.isSymbolicLink()) {
        const header: FileHeader = { uid: 0, gid: 0, mode, rdev: 0, symlinkTarget: readlinkSync(child, 'utf8'), xattrs: [] };
        node.dirs.delete(name);
        node.files.set(name, await this.repo.writeContent(header, new Uint8Array(0)));
      } else {
        node.dirs.delete(name);
        node.files.set(name, '');
        const size = st.size;
        this.installedSize += installedFileSize(size);
        await this.schedule(async () => {
          const header: FileHeader = { uid: 0, gid: 0, mode, rdev: 0, symlinkTarget: '', xattrs: [] };
          let csum: string;
          if (size > WHOLE_FILE_LIMIT) {
            csum = await this.repo.writeContentFromFile(header, child, size);
          } else {
            const buf = readFileSync(child);
            const data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
            csum = await this.repo.writeContent(header, data, contentChecksum(header, data));
          }
          node.files.set(name, csum);
          this.regularEntries.push(csum);
        });
      }
    }
  }

  /** Write the dirtrees bottom-up; returns the root dirtree checksum. */
  async writeTree(node: Node): Promise<string> {
    const dirs: Array<{ name: string; tree: string; meta: string }> = [];
    for (const [name, sub] of node.dirs) dirs.push({ name, tree: await this.writeTree(sub), meta: this.dirmetaChecksum });
    const files = [...node.files].map(([name, checksum]) => ({ name, checksum }));
    return this.repo.writeMetadata(ObjectType.DIR_TREE, encodeDirtree({ files, dirs }));
  }
}

/** True when `path` does not exist or is an empty directory (`is_empty_directory()`). */
function isMissingOrEmpty(path: string): boolean {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) return false;
    return readdirSync(path).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Open LOCATION, or create it as an archive repository when it is missing or empty (with
 * `collectionId` if given); an existing repository's collection ID must equal `collectionId`.
 */
export async function openOrCreateExportRepo(location: Repo | string, collectionId: string | undefined): Promise<Repo> {
  if (collectionId !== undefined) validateCollectionId(collectionId);
  if (location instanceof Repo) {
    checkCollection(location, collectionId);
    return location;
  }
  if (isMissingOrEmpty(location)) {
    const repo = await Repo.init(location, { mode: 'archive', ...(collectionId !== undefined ? { collectionId } : {}) });
    return repo;
  }
  const repo = await Repo.open(location);
  checkCollection(repo, collectionId);
  return repo;
}

function checkCollection(repo: Repo, collectionId: string | undefined): void {
  if (collectionId !== undefined && repo.collectionId !== collectionId) {
    throw new OstreeError(
      'COLLECTION_ID_MISMATCH',
      `Specified collection ID ‘${collectionId}’ doesn’t match collection ID in repository configuration ‘${repo.collectionId ?? '(null)'}’.`,
      { data: { collectionId, repoCollectionId: repo.collectionId } },
    );
  }
}

/**
 * Export a build directory into a repository (like `flatpak build-export`), then update the
 * summary unless `updateSummary: false`.
 *
 * @example
 * ```ts
 * const r = await buildExport('repo', 'build/org.example.App', { branch: 'stable' });
 * console.log(r.ref, r.checksum);
 * ```
 * @throws OstreeError `BUILD_DIR_INVALID` (no `metadata`/`files`, app without `export/`),
 *   `EXPORT_INVALID` (bad desktop/D-Bus service file, see {@link validateExports}),
 *   `INVALID_METADATA` (no name, bad runtime key, bad `[Extra Data]`), `KEYFILE_INVALID`,
 *   `INVALID_ARGUMENT` (bad branch, timestamp, `--end-of-life-rebase` name, token type),
 *   `COLLECTION_ID_MISMATCH`, `INVALID_FILENAME`, `INVALID_MODE`
 */
export async function buildExport(location: Repo | string, directory: string, opts: BuildExportOptions = {}): Promise<BuildExportResult> {
  const branch = opts.branch ?? 'master';
  const bp = branchProblem(branch);
  if (bp) throw new OstreeError('INVALID_ARGUMENT', `'${branch}' is not a valid branch name: ${bp}`, { data: { branch } });
  if (opts.tokenType !== undefined && (!Number.isInteger(opts.tokenType) || opts.tokenType < 0 || opts.tokenType > 0x7fffffff)) {
    throw new RangeError(`buildExport: tokenType must be an integer in 0..2^31-1, got ${opts.tokenType}`);
  }
  if (opts.collectionId !== undefined) validateCollectionId(opts.collectionId);
  const base = resolve(directory);
  const filesDir = resolve(base, opts.files ?? 'files');
  const usrDir = resolve(base, opts.files ?? 'usr');
  const metadataPath = resolve(base, opts.metadata ?? 'metadata');
  const exportDir = join(base, 'export');
  const exists = (p: string) => lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  if (!exists(filesDir) || !exists(metadataPath)) {
    throw new OstreeError('BUILD_DIR_INVALID', `Build directory ${directory} not initialized, use flatpak build-init`, { data: { directory } });
  }
  const metadataBytes = new Uint8Array(readFileSync(metadataPath));
  let metadataText: string;
  try {
    metadataText = fatalUtf8.decode(metadataBytes);
  } catch (cause) {
    throw new OstreeError('KEYFILE_INVALID', `Metadata file ${metadataPath} is not valid UTF-8`, { cause });
  }
  const meta = KeyFile.parse(metadataText);
  let id = meta.getString('Application', 'name');
  let isRuntime = false;
  let isExtension = false;
  if (id === undefined) {
    id = meta.getString('Runtime', 'name');
    if (id === undefined) throw new OstreeError('INVALID_METADATA', 'No name specified in the metadata');
    isRuntime = true;
    isExtension = meta.hasGroup('ExtensionOf');
  }
  const runtime = !!opts.runtime || isRuntime;
  if (!runtime && !exists(exportDir)) {
    throw new OstreeError('BUILD_DIR_INVALID', `Build directory ${directory} not finalized, use flatpak build-finish`, { data: { directory } });
  }
  const extraData = extraDataSources(meta);
  if (!runtime) for (const w of validateExports(exportDir, filesDir, id)) opts.onWarning?.(w);
  const arch = metadataArch(meta, opts.arch);
  const kind: RefKind = runtime ? 'runtime' : 'app';
  const ref = formatRef({ kind, id, arch, branch });
  let rebased: string | undefined;
  if (opts.endOfLifeRebase) {
    const np = nameProblem(opts.endOfLifeRebase);
    if (np) throw new OstreeError('INVALID_ARGUMENT', `Invalid name in --end-of-life-rebase: ${np}`, { data: { name: opts.endOfLifeRebase } });
    rebased = `${kind}/${opts.endOfLifeRebase}/${arch}/${branch}`;
  }
  const subject = opts.subject ?? `Export ${id}`;
  const body = opts.body ?? `Name: ${id}\nArch: ${arch}\nBranch: ${branch}\nBuilt with: ${opts.builtWith ?? 'ostree-ts'}\n`;
  const timestamp = opts.timestamp === undefined ? BigInt(Math.floor(Date.now() / 1000)) : flatpakTimestamp(opts.timestamp);

  const repo = await openOrCreateExportRepo(location, opts.collectionId);
  return withFsyncDisabled(repo, opts.disableFsync, () => exportInto(repo, opts, { ref, kind, metadataBytes, metadataText, extraData, rebased, subject, body, timestamp, runtime, isExtension, filesDir, usrDir, exportDir }));
}

interface ExportPlan {
  ref: string;
  kind: RefKind;
  metadataBytes: Uint8Array;
  metadataText: string;
  extraData: Variant | null;
  rebased: string | undefined;
  subject: string;
  body: string;
  timestamp: bigint;
  runtime: boolean;
  isExtension: boolean;
  filesDir: string;
  usrDir: string;
  exportDir: string;
}

async function exportInto(repo: Repo, opts: BuildExportOptions, plan: ExportPlan): Promise<BuildExportResult> {
  const { ref, metadataBytes, metadataText, extraData, rebased, subject, body, timestamp, runtime, isExtension, filesDir, usrDir, exportDir } = plan;
  const parent = await repo.resolveRev(ref, true);
  const collectionId = repo.collectionId;
  const saved = repo.deflateFlavour;
  // Download sizes are the sizes of the .filez objects: compress byte-identically to ostree's zlib.
  repo.deflateFlavour = 'exact';
  let result: BuildExportResult;
  try {
    result = await repo.transaction(
      async (stats) => {
        const w = new TreeWriter(repo, opts.signal);
        await w.writeDirmeta();
        const root = newNode();
        const files = newNode();
        root.dirs.set('files', files);
        const filter = { exclude: opts.exclude, include: opts.include };
        const filesSource = isExtension || !runtime ? filesDir : usrDir;
        if (!statSync(filesSource, { throwIfNoEntry: false })?.isDirectory()) {
          throw new OstreeError('BUILD_DIR_INVALID', `Not a directory: ${filesSource}`, { data: { path: filesSource } });
        }
        await w.importDir(filesSource, files, '/', filter);
        await w.drain();
        if (!runtime) {
          const exp = newNode();
          root.dirs.set('export', exp);
          await w.importDir(exportDir, exp, '/', {});
          await w.drain();
        }
        root.dirs.delete('metadata');
        await w.addBytes(root, 'metadata', metadataBytes, S_IFREG | 0o644);
        const rootTree = await w.writeTree(root);
        let downloadSize = 0n;
        for (const c of w.regularEntries) downloadSize += BigInt((await repo.storedObjectSize(c, ObjectType.FILE)) ?? 0);

        // Insertion order of flatpak's GVariantDict; the dict serializes in hash-table order.
        const entries: Array<[string, Variant]> = [];
        if (extraData) entries.push(['xa.extra-data-sources', extraData]);
        entries.push(['ostree.collection-binding', new Variant('s', collectionId ?? '')]);
        entries.push(['ostree.ref-binding', new Variant('as', [ref])]);
        entries.push(['xa.ref', new Variant('s', ref)]);
        entries.push(['xa.metadata', new Variant('s', metadataText)]);
        entries.push(['xa.installed-size', new Variant('t', bswap64(w.installedSize))]);
        entries.push(['xa.download-size', new Variant('t', bswap64(downloadSize))]);
        if (opts.endOfLife) entries.push(['ostree.endoflife', new Variant('s', opts.endOfLife)]);
        if (rebased) entries.push(['ostree.endoflife-rebase', new Variant('s', rebased)]);
        if (opts.tokenType !== undefined) entries.push(['xa.token-type', new Variant('i', opts.tokenType)]);
        const subsets = (opts.subsets ?? []).filter((s) => s !== '');
        if (subsets.length) entries.push(['xa.subsets', new Variant('as', subsets)]);

        const bytes = encodeCommit({
          metadata: ghashOrderEntries(entries),
          parent,
          related: [],
          subject,
          body,
          timestamp,
          rootTree,
          rootMeta: w.dirmetaChecksum,
        });
        const checksum = await repo.writeMetadata(ObjectType.COMMIT, bytes);
        await repo.setRef(ref, checksum);
        return { checksum, ref, installedSize: w.installedSize, downloadSize, stats: { ...stats } };
      },
      { signal: opts.signal },
    );
  } finally {
    repo.deflateFlavour = saved;
  }
  if (opts.signers?.length) await signCommit(repo, result.checksum, opts.signers, { signal: opts.signal });
  if (opts.updateAppstream) {
    // flatpak passes the --timestamp (or 0 = now) to the appstream commits.
    await generateAppstream(repo, { signers: opts.signers ?? [], ...(opts.timestamp !== undefined ? { timestamp } : {}), signal: opts.signal });
  }
  if (opts.updateSummary !== false) {
    await updateFlatpakSummary(repo, { ...opts.summary, signers: opts.signers, signal: opts.signal });
  }
  return result;
}
