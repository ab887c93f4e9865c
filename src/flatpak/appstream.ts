/**
 * The appstream branches `build-update-repo` maintains (`flatpak_repo_generate_appstream()` and
 * `_flatpak_repo_generate_appstream()`, flatpak 1.14.10 `common/flatpak-utils.c`):
 * `appstream/ARCH` (gzip'd `appstream.xml.gz`) and `appstream2/ARCH` (plain `appstream.xml`) for
 * every arch of the repository's flatpak refs (plus the kernel arch of a compat arch: `i386` ⇒
 * `x86_64`, `arm` ⇒ `aarch64`), and `appstream2/SUBSET-ARCH` for every `xa.subsets` value.
 *
 * Tree (dirmeta 0:0 040755 everywhere): the XML file (0644, 0:0), `icons/64x64/`,
 * `icons/128x128/`, `icons/flatpak/{64x64,128x128}` symlinks to `../64x64` / `../128x128`. A
 * branch whose new root equals its parent's root is not committed. Commits: subject `Update`, no
 * body, metadata `ostree.collection-binding` (collection ID or "") and `ostree.ref-binding`
 * `[BRANCH]` through a GVariantDict, parent = current head, signed with every signer.
 *
 * Content (`extract_appstream()`): for each flatpak ref of the arch (refs in sorted order; a
 * compat-arch ref when the main-arch ref is absent; no end-of-life refs; for a subset only refs whose
 * `xa.subsets` has it) the gzip'd `files/share/app-info/xmls/ID.xml.gz` is parsed
 * (`appstream-xml.ts`), its components whose id starts with ID are moved into the catalogue with
 * a new `<bundle>` (and `X-Flatpak-Tags`), and the 64×64/128×128 icons of matching components are
 * linked into the tree by checksum. Refs without data are skipped (apps with a message).
 *
 * `appstream.xml.gz` is gzip'd with pako (zlib's algorithm, level 6, as GLib's `GZlibCompressor`)
 * and file objects are deflated in the repository's `exact` flavour, so trees, `.filez` sizes and
 * hence the summaries' download sizes equal flatpak's.
 *
 * @module
 */
import { gunzipSync } from 'node:zlib';
import pako from 'pako';
import { OstreeError } from '../errors.js';
import { Variant } from '../gvariant/value.js';
import { KeyFile } from '../format/keyfile.js';
import { compareUtf8, sortByUtf8 } from '../format/bytes.js';
import { decodeCommit, encodeCommit } from '../format/commit.js';
import { encodeDirmeta } from '../format/dirmeta.js';
import { encodeDirtree } from '../format/dirtree.js';
import { ghashOrderEntries } from '../format/ghash-order.js';
import { ObjectType } from '../format/object-type.js';
import { S_IFLNK, S_IFREG } from '../format/mode.js';
import { contentChecksum, type FileHeader } from '../format/file-header.js';
import { metadataChecksum } from '../format/checksums.js';
import type { Repo } from '../store/repo.js';
import { lockRepo } from '../store/lock.js';
import { listAllRefs } from '../ops/summary.js';
import { signCommit } from '../ops/sign.js';
import type { Signer } from '../sign/types.js';
import { tryParseRef } from './names.js';
import { componentIdText, finishAppstream, migrateComponents, newAppstreamRoot, parseXml, type XmlNode } from './appstream-xml.js';
import { newReadCache, readCommitBytes, readDirtreeCached, type FlatpakReadCache } from './summary.js';

/** flatpak's kernel-arch ↔ compat-arch table (`compat_arches` in `common/flatpak-utils.c`). */
const COMPAT_ARCHES: ReadonlyArray<readonly [kernel: string, compat: string]> = [
  ['x86_64', 'i386'],
  ['aarch64', 'arm'],
];

/** The XML flatpak writes when no component is merged (`flatpak_appstream_xml_new()` + `_root_to_data()`). */
export const EMPTY_APPSTREAM_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<components version="0.8" origin="flatpak">\n  \n</components>';

/**
 * {@link EMPTY_APPSTREAM_XML} as flatpak stores it in `appstream.xml.gz`: GLib's `GZlibCompressor`
 * (gzip container, level -1 = 6, system zlib) output, recorded from flatpak 1.14.10 on Debian 12
 * (the reference for this module's pako-based compression; Node's bundled zlib gives other bytes).
 */
export const EMPTY_APPSTREAM_XML_GZ: Uint8Array = new Uint8Array(
  Buffer.from(
    '1f8b0800000000000003b3b1afc8cd51284b2d2acecccfb35532d433505248cd4bce4fc9cc4bb7550a0d71d3b550b2b7e3b249cecf2dc8cf4bcd2b29462836d0b35052c82fca4ccf0472d272124b0a12b395ecb81414b86cf411eaed0078f1b85f63000000',
    'hex',
  ),
);

/** Options of {@link generateAppstream}. */
export interface AppstreamOptions {
  /** Sign new commits with these. */
  signers?: readonly Signer[];
  /** Commit timestamp (seconds); default now. */
  timestamp?: bigint;
  /** The repository's `refs/heads` (ref → commit), when the caller already listed them. */
  refs?: ReadonlyMap<string, string>;
  /** Read caches shared with the other steps of a run. */
  cache?: FlatpakReadCache;
  /** Take the repository lock (default true; false when the caller holds it). */
  lock?: boolean;
  /** flatpak's informational lines ("No appstream data for REF: …"). */
  onMessage?: (message: string) => void;
  signal?: AbortSignal;
}

/** One appstream branch considered. */
export interface AppstreamBranch {
  branch: string;
  /** The new commit, or null when the tree was unchanged. */
  commit: string | null;
}

/** How {@link writeTree} stores objects: into the repository, or only computing their checksums. */
interface TreeWriter {
  metadata(type: ObjectType, bytes: Uint8Array): Promise<string>;
  content(header: FileHeader, content: Uint8Array): Promise<string>;
}

function repoWriter(repo: Repo): TreeWriter {
  return { metadata: (type, bytes) => repo.writeMetadata(type, bytes), content: (header, content) => repo.writeContent(header, content) };
}

/** Checksums only: the same names {@link repoWriter} would store the objects under. */
const dryWriter: TreeWriter = {
  metadata: async (_type, bytes) => metadataChecksum(bytes),
  content: async (header, content) => contentChecksum(header, content),
};

async function writeTree(w: TreeWriter, xmlName: string, xml: Uint8Array, icons64: ReadonlyMap<string, string>, icons128: ReadonlyMap<string, string>): Promise<{ tree: string; meta: string }> {
  const dirmeta = await w.metadata(ObjectType.DIR_META, encodeDirmeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] }));
  const iconDir = (icons: ReadonlyMap<string, string>) =>
    w.metadata(
      ObjectType.DIR_TREE,
      encodeDirtree({ files: [...icons].sort((a, b) => compareUtf8(a[0], b[0])).map(([name, checksum]) => ({ name, checksum })), dirs: [] }),
    );
  const link = (target: string) => w.content({ uid: 0, gid: 0, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: target, xattrs: [] }, new Uint8Array(0));
  const l128 = await link('../128x128');
  const l64 = await link('../64x64');
  const flatpakDir = await w.metadata(ObjectType.DIR_TREE, encodeDirtree({ files: [{ name: '128x128', checksum: l128 }, { name: '64x64', checksum: l64 }], dirs: [] }));
  const icons = await w.metadata(
    ObjectType.DIR_TREE,
    encodeDirtree({
      files: [],
      dirs: [
        { name: '128x128', tree: await iconDir(icons128), meta: dirmeta },
        { name: '64x64', tree: await iconDir(icons64), meta: dirmeta },
        { name: 'flatpak', tree: flatpakDir, meta: dirmeta },
      ],
    }),
  );
  const file = await w.content({ uid: 0, gid: 0, mode: S_IFREG | 0o644, rdev: 0, symlinkTarget: '', xattrs: [] }, xml);
  const root = await w.metadata(ObjectType.DIR_TREE, encodeDirtree({ files: [{ name: xmlName, checksum: file }], dirs: [{ name: 'icons', tree: icons, meta: dirmeta }] }));
  return { tree: root, meta: dirmeta };
}

type Entry = { kind: 'file'; checksum: string } | { kind: 'dir'; tree: string };

/** Look up `path` (components) below dirtree `root`. */
async function lookup(repo: Repo, root: string, path: readonly string[], cache: FlatpakReadCache): Promise<Entry | null> {
  let tree = root;
  for (const [i, name] of path.entries()) {
    const dt = await readDirtreeCached(repo, tree, cache);
    if (i === path.length - 1) {
      const f = dt.files.find((e) => e.name === name);
      if (f) return { kind: 'file', checksum: f.checksum };
      const d = dt.dirs.find((e) => e.name === name);
      return d ? { kind: 'dir', tree: d.tree } : null;
    }
    const d = dt.dirs.find((e) => e.name === name);
    if (!d) return null;
    tree = d.tree;
  }
  return { kind: 'dir', tree };
}

async function regularFile(repo: Repo, root: string, path: readonly string[], cache: FlatpakReadCache): Promise<Uint8Array | null> {
  const e = await lookup(repo, root, path, cache);
  if (!e || e.kind !== 'file') return null;
  const obj = await repo.readContent(e.checksum);
  if ((obj.header.mode & 0o170000) !== S_IFREG) throw new OstreeError('APPSTREAM_INVALID', `${path.join('/')} is not a regular file`);
  return obj.content;
}

/** Uncompressed AppStream catalogues larger than this are refused. */
const MAX_APPSTREAM_XML = 256 * 1024 * 1024;

/** What {@link prepareExtract} read for one ref: its metadata and catalogue text. */
interface Prepared {
  metadata: KeyFile;
  xml: string;
}

/**
 * The I/O half of `extract_appstream()` (independent of the catalogue being built, so prefetched).
 * A ref without a catalogue — the common case — gives its message instead of an exception (no
 * stack trace to capture per ref); other failures throw.
 */
async function prepareExtract(repo: Repo, id: string, rootTree: string, cache: FlatpakReadCache): Promise<Prepared | { missing: string }> {
  // the catalogue first: most refs (runtimes, apps without AppStream data) stop there, and
  // either missing piece fails the extraction alike
  const gz = await regularFile(repo, rootTree, ['files', 'share', 'app-info', 'xmls', `${id}.xml.gz`], cache);
  if (gz === null) return { missing: `No such file files/share/app-info/xmls/${id}.xml.gz` };
  const md = await regularFile(repo, rootTree, ['metadata'], cache);
  const metadata = md !== null ? KeyFile.parse(md) : KeyFile.parse('');
  try {
    return { metadata, xml: new TextDecoder('utf-8', { fatal: true }).decode(gunzipSync(gz, { maxOutputLength: MAX_APPSTREAM_XML })) };
  } catch (e) {
    throw new OstreeError('APPSTREAM_INVALID', `Invalid compressed AppStream data: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * `extract_appstream()`: merge the app's `files/share/app-info/xmls/ID.xml.gz` components into
 * `catalogue` and record the icons of matching components (by checksum, from
 * `files/share/app-info/icons/flatpak/SIZE/COMPONENT-ID.png`).
 *
 * @throws OstreeError `APPSTREAM_INVALID` / store errors when the ref has no usable data
 */
async function extractAppstream(
  repo: Repo,
  catalogue: XmlNode,
  ref: string,
  id: string,
  rootTree: string,
  prepared: Prepared,
  icons64: Map<string, string>,
  icons128: Map<string, string>,
  cache: FlatpakReadCache,
  onMessage?: (m: string) => void,
): Promise<void> {
  const source = parseXml(prepared.xml);
  if (!migrateComponents(source, catalogue, ref, id, prepared.metadata)) return;
  for (const component of catalogue.children[0]!.children) {
    if (component.name !== 'component') continue;
    let cid = componentIdText(component);
    if (cid === null || !cid.startsWith(id)) continue;
    const suffix = cid.slice(id.length);
    if (suffix !== '' && suffix[0] !== '.') continue;
    if (suffix.endsWith('.desktop')) cid = cid.slice(0, -'.desktop'.length);
    for (const [size, map] of [['64x64', icons64], ['128x128', icons128]] as const) {
      try {
        const e = await lookup(repo, rootTree, ['files', 'share', 'app-info', 'icons', 'flatpak', size, `${cid}.png`], cache);
        if (e && e.kind === 'file') map.set(`${cid}.png`, e.checksum);
      } catch (err) {
        onMessage?.(`Error copying ${size} icon for component ${cid}: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * Regenerate the appstream branches (see the module notes); one transaction for all of them, and
 * none when every branch's tree equals its head's (the trees are checksummed in memory first).
 *
 * @throws OstreeError from the store (`OBJECT_NOT_FOUND`, `CORRUPT_OBJECT`, lock errors)
 */
export async function generateAppstream(repo: Repo, opts: AppstreamOptions = {}): Promise<AppstreamBranch[]> {
  // one lock from the listing of refs to the last signature (a caller passing `lock: false` holds it)
  const lock = opts.lock === false ? null : await lockRepo(repo.path, { timeoutSecs: repo.lockTimeoutSecs, ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    return await generateLocked(repo, opts);
  } finally {
    await lock?.release();
  }
}

async function generateLocked(repo: Repo, opts: AppstreamOptions): Promise<AppstreamBranch[]> {
  const heads = opts.refs
    ? [...opts.refs].map(([ref, checksum]) => ({ ref, checksum }))
    : (await listAllRefs(repo)).filter((r) => r.remote === undefined && r.collectionId === undefined);
  const cache = opts.cache ?? newReadCache();
  const arches = new Set<string>();
  const subsets = new Set<string>(['']);
  const flatpakRefs = sortByUtf8(
    heads.map((r) => ({ ...r, parsed: tryParseRef(r.ref) })).filter((r): r is typeof r & { parsed: NonNullable<typeof r.parsed> } => r.parsed !== null),
    (r) => r.ref,
  );
  const commits = await Promise.all(flatpakRefs.map((r) => readCommitBytes(repo, r.checksum, cache)));
  const decoded = commits.map((b) => (b === null ? null : decodeCommit(b)));
  for (const [i, r] of flatpakRefs.entries()) {
    const c = decoded[i];
    if (!c) continue; // flatpak warns and skips
    const arch = r.parsed.arch;
    if (!arches.has(arch)) {
      arches.add(arch);
      const kernel = COMPAT_ARCHES.find(([, c]) => c === arch)?.[0];
      if (kernel !== undefined) arches.add(kernel);
    }
    const sub = c.metadata.find(([k]) => k === 'xa.subsets')?.[1];
    if (sub && sub.type === 'as') for (const s of sub.value as string[]) subsets.add(s);
  }
  const cid = repo.collectionId;
  const timestamp = opts.timestamp ?? BigInt(Math.floor(Date.now() / 1000));
  const loaded = new Set(flatpakRefs.filter((_, i) => decoded[i] !== null).map((r) => r.ref));
  // the reads of every ref's metadata and catalogue, started at once; used in ref order below
  const prepared = new Map<string, Promise<Prepared | { missing: string }>>();
  for (const [i, r] of flatpakRefs.entries()) {
    const c = decoded[i];
    if (!c) continue;
    const p = prepareExtract(repo, r.parsed.id, c.rootTree, cache);
    p.catch(() => undefined);
    prepared.set(r.ref, p);
  }
  // every branch's new tree, checksummed without writing; only changed ones are committed
  const out: AppstreamBranch[] = [];
  const changed: Array<{ result: AppstreamBranch; xmlName: string; data: Uint8Array; icons64: Map<string, string>; icons128: Map<string, string>; tree: string; meta: string; parent: string | null }> = [];
  for (const subset of [...subsets].sort(compareUtf8)) {
    for (const arch of [...arches].sort(compareUtf8)) {
      const compatArch = COMPAT_ARCHES.find(([k]) => k === arch)?.[1];
      const catalogue = newAppstreamRoot();
      const icons64 = new Map<string, string>();
      const icons128 = new Map<string, string>();
      for (const [i, r] of flatpakRefs.entries()) {
        const c = decoded[i];
        if (!c) continue;
        const fr = r.parsed;
        if (fr.arch !== arch) {
          // a compat-arch ref (i386 for x86_64) counts when the main-arch ref is absent
          if (compatArch === undefined || fr.arch !== compatArch) continue;
          if (loaded.has(`${fr.kind}/${fr.id}/${arch}/${fr.branch}`)) continue;
        }
        if (c.metadata.some(([k]) => k === 'ostree.endoflife' || k === 'ostree.endoflife-rebase')) continue;
        if (subset !== '') {
          const sub = c.metadata.find(([k]) => k === 'xa.subsets')?.[1];
          if (!(sub && sub.type === 'as' && (sub.value as string[]).includes(subset))) continue;
        }
        try {
          const p = await prepared.get(r.ref)!;
          if ('missing' in p) {
            if (fr.kind === 'app') opts.onMessage?.(`No appstream data for ${r.ref}: ${p.missing}`);
            continue;
          }
          await extractAppstream(repo, catalogue, r.ref, fr.id, c.rootTree, p, icons64, icons128, cache, opts.onMessage);
        } catch (e) {
          if (fr.kind === 'app') opts.onMessage?.(`No appstream data for ${r.ref}: ${(e as Error).message}`);
        }
      }
      const text = finishAppstream(catalogue);
      const xml = new TextEncoder().encode(text);
      // pako = zlib's algorithm as GLib's GZlibCompressor runs it (level 6, gzip header with
      // mtime 0, OS 3): the same bytes as flatpak's, unlike node:zlib's Chromium fork
      const xmlGz = pako.gzip(xml);
      for (const prefix of ['appstream', 'appstream2']) {
        if (subset !== '' && prefix === 'appstream') continue;
        opts.signal?.throwIfAborted();
        const branch = subset === '' ? `${prefix}/${arch}` : `${prefix}/${subset}-${arch}`;
        const xmlName = prefix === 'appstream' ? 'appstream.xml.gz' : 'appstream.xml';
        const data = prefix === 'appstream' ? xmlGz : xml;
        const { tree, meta } = await writeTree(dryWriter, xmlName, data, icons64, icons128);
        const parent = await repo.resolveRev(branch, true);
        const result: AppstreamBranch = { branch, commit: null };
        out.push(result);
        if (parent) {
          const p = await repo.loadCommit(parent);
          if (p.rootTree === tree && p.rootMeta === meta) continue;
        }
        changed.push({ result, xmlName, data, icons64, icons128, tree, meta, parent: parent ?? null });
      }
    }
  }
  if (changed.length === 0) return out;
  const toSign: string[] = [];
  // file objects are deflated exactly as ostree's zlib does, so the download sizes in the summaries
  // (sums of `.filez` sizes) match flatpak's
  const flavour = repo.deflateFlavour;
  repo.deflateFlavour = 'exact';
  try {
    await repo.transaction(
      async () => {
        for (const b of changed) {
          opts.signal?.throwIfAborted();
          // the same bytes as checksummed above, hence the same root `b.tree` / `b.meta`
          const { tree, meta } = await writeTree(repoWriter(repo), b.xmlName, b.data, b.icons64, b.icons128);
          const metadata = ghashOrderEntries<Variant>([
            ['ostree.collection-binding', new Variant('s', cid ?? '')],
            ['ostree.ref-binding', new Variant('as', [b.result.branch])],
          ]);
          const commit = await repo.writeMetadata(
            ObjectType.COMMIT,
            encodeCommit({ metadata, parent: b.parent, related: [], subject: 'Update', body: '', timestamp, rootTree: tree, rootMeta: meta }),
          );
          await repo.setRef({ ref: b.result.branch }, commit);
          toSign.push(commit);
          b.result.commit = commit;
        }
      },
      { ...(opts.signal ? { signal: opts.signal } : {}), lock: false },
    );
  } finally {
    repo.deflateFlavour = flavour;
  }
  if (opts.signers?.length) for (const c of toSign) await signCommit(repo, c, opts.signers, { ...(opts.signal ? { signal: opts.signal } : {}), lock: false });
  return out;
}
