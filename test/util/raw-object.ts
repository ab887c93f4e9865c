/**
 * Writing hostile objects straight into a repository's `objects/`, bypassing every check.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '../../src/store/repo.js';
import type { ObjectType } from '../../src/format/object-type.js';

/** Write raw bytes as an object file (bypassing validation), named by their own checksum unless given. */
export async function putRaw(repo: Repo, type: ObjectType, bytes: Uint8Array, name?: string): Promise<string> {
  const csum = name ?? createHash('sha256').update(bytes).digest('hex');
  const path = repo.storage.resolve(repo.objectPath(csum, type));
  await fsp.mkdir(join(path, '..'), { recursive: true });
  await fsp.writeFile(path, bytes);
  return csum;
}
