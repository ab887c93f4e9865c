/**
 * `flatpak build-sign LOCATION [ID [BRANCH]]` (flatpak 1.14 `app/flatpak-builtins-build-sign.c`):
 * add signatures to the head commit of one ref, or of every `app/` and `runtime/` ref. A key that
 * already signed a commit is skipped silently (ostree's `G_IO_ERROR_EXISTS` is ignored there). The
 * summary is not updated.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import type { Repo } from '../store/repo.js';
import { signCommit } from '../ops/sign.js';
import { listAllRefs } from '../ops/summary.js';
import type { Signer } from '../sign/types.js';
import { branchProblem, formatRef, hostArch, nameProblem } from './names.js';

/** Options of {@link buildSign}. */
export interface BuildSignOptions {
  /** ID: sign only this app (or runtime with `runtime`); default every app/runtime ref. */
  id?: string;
  /** BRANCH (default `master`; only with `id`). */
  branch?: string;
  /** `--arch` (default: the host arch). */
  arch?: string;
  /** `--runtime`: ID names a runtime. */
  runtime?: boolean;
  /** The keys (`--gpg-sign` etc., resolved). At least one. */
  signers: readonly Signer[];
  signal?: AbortSignal;
}

/** One signed ref. */
export interface BuildSignEntry {
  ref: string;
  checksum: string;
  /** Key IDs whose signature was added (already-present ones are not listed). */
  added: string[];
}

/**
 * Sign app/runtime head commits (see the module notes).
 *
 * @throws OstreeError `INVALID_ARGUMENT` (bad ID/branch, no signers), `REF_NOT_FOUND`
 *   (unknown ref), signing errors of `signCommit`
 */
export async function buildSign(repo: Repo, opts: BuildSignOptions): Promise<BuildSignEntry[]> {
  if (!opts.signers.length) throw new OstreeError('INVALID_ARGUMENT', 'No gpg key ids specified');
  const branch = opts.branch ?? 'master';
  if (opts.id !== undefined) {
    const np = nameProblem(opts.id);
    if (np) throw new OstreeError('INVALID_ARGUMENT', `'${opts.id}' is not a valid name: ${np}`, { data: { id: opts.id } });
  }
  const bp = branchProblem(branch);
  if (bp) throw new OstreeError('INVALID_ARGUMENT', `'${branch}' is not a valid branch name: ${bp}`, { data: { branch } });
  let refs: string[];
  if (opts.id !== undefined) {
    refs = [formatRef({ kind: opts.runtime ? 'runtime' : 'app', id: opts.id, arch: opts.arch ?? hostArch(), branch })];
  } else {
    const all = await listAllRefs(repo);
    refs = [...new Set(all.filter((r) => r.remote === undefined && r.collectionId === undefined).map((r) => r.ref))]
      .filter((r) => r.startsWith('app/') || r.startsWith('runtime/'))
      .sort();
  }
  const out: BuildSignEntry[] = [];
  for (const ref of refs) {
    opts.signal?.throwIfAborted();
    const checksum = await repo.resolveRev(ref, true);
    if (!checksum) throw new OstreeError('REF_NOT_FOUND', `Refspec '${ref}' not found`, { data: { ref } });
    const added: string[] = [];
    for (const s of opts.signers) {
      try {
        await signCommit(repo, checksum, s, { signal: opts.signal });
        added.push(s.keyId);
      } catch (e) {
        if (!(e instanceof OstreeError && e.code === 'ALREADY_SIGNED')) throw e;
      }
    }
    out.push({ ref, checksum, added });
  }
  return out;
}
