/**
 * `ostree rev-parse`: resolve revisions to commit checksums (`src/ostree/ot-builtin-rev-parse.c`,
 * `ostree_repo_resolve_rev()`).
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { ObjectType } from '../format/object-type.js';
import type { Repo } from '../store/repo.js';

/**
 * Resolve each revision (a checksum, unique checksum prefix, `ref`, `remote:ref`, `REV^`…) in
 * order; the first failure throws.
 *
 * @throws OstreeError `REF_NOT_FOUND` ("Refspec 'X' not found", "Commit X has no parent")
 */
export async function revParse(repo: Repo, revs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of revs) out.push((await repo.resolveRev(r, false))!);
  return out;
}

/**
 * `ostree rev-parse --single`: the repository's only commit object.
 *
 * @throws OstreeError `NOT_UNIQUE` ("Multiple commit objects found"), `OBJECT_NOT_FOUND` ("No
 *   commit objects found")
 */
export async function revParseSingle(repo: Repo): Promise<string> {
  let found: string | null = null;
  for await (const o of repo.listObjects()) {
    if (o.type !== ObjectType.COMMIT) continue;
    if (found !== null && found !== o.checksum) throw new OstreeError('NOT_UNIQUE', 'Multiple commit objects found');
    found = o.checksum;
  }
  if (found === null) throw new OstreeError('OBJECT_NOT_FOUND', 'No commit objects found');
  return found;
}
