/**
 * `ostree reset REF COMMIT`: point an existing ref at another commit (`src/ostree/ot-builtin-reset.c`).
 * Like ostree 2022.7, no ancestry check is made.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import type { Repo } from '../store/repo.js';
import { listRefs } from './refs.js';

/**
 * Set the local ref `ref` (which must already exist, as `ostree refs` lists it) to the commit `rev`
 * resolves to, inside a transaction. Returns the checksum.
 *
 * @throws OstreeError `REF_NOT_FOUND` ("Invalid ref 'X'") for an unknown ref or rev
 */
export async function resetRef(repo: Repo, ref: string, rev: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
  const known = await listRefs(repo);
  if (!known.some((r) => r.name === ref)) throw new OstreeError('REF_NOT_FOUND', `Invalid ref '${ref}'`, { data: { ref } });
  const checksum = (await repo.resolveRev(rev, false))!;
  await repo.transaction(async () => {
    await repo.setRef({ ref }, checksum);
  }, { signal: opts.signal });
  return checksum;
}
