/**
 * `--tree=tar=FILE` import (placeholder until the tar reader lands).
 * @module
 */
import { OstreeError } from '../errors.js';
import type { FileHeader } from '../format/file-header.js';
import type { MutableTree } from './mutable-tree.js';

/** Callbacks the tar importer uses to write objects. */
export interface TarImportHooks {
  autocreateParents: boolean;
  dirmeta(uid: number, gid: number, mode: number): Promise<string>;
  content(header: FileHeader, data: Uint8Array): Promise<string>;
  checkAbort(): void;
}

/** Import a tar archive into `tree`. */
export async function importTar(path: string, _tree: MutableTree, _hooks: TarImportHooks): Promise<void> {
  throw new OstreeError('NOT_IMPLEMENTED', `tar import is not available yet (${path})`);
}
