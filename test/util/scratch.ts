/**
 * A scratch directory for one test: `done()` removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under `base` (default the system temp dir; `ostree-ts-<prefix>-…`) and its cleanup. */
export function scratch(prefix: string, base = tmpdir()): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(base, `ostree-ts-${prefix}-`));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}
