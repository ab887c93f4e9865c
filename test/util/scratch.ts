/**
 * Scratch directories for tests: `scratch()` for one test (`done()` removes it), `tempDirs()` for a
 * whole file.
 */
import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under `base` (default the system temp dir; `ostree-ts-<prefix>-…`) and its cleanup. */
export function scratch(prefix: string, base = tmpdir()): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(base, `ostree-ts-${prefix}-`));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A maker of fresh `ostree-ts-<prefix>-…` directories under the system temp dir, all removed after
 * the calling test file's tests (an `afterAll` registered when this is called at its top level).
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), `ostree-ts-${prefix}-`));
    made.push(d);
    return d;
  };
}

const shared: string[] = [];

/**
 * A fresh `ostree-ts-<prefix>-…` directory under the system temp dir for a fixture cached at module
 * level and shared by several tests; {@link removeSharedTempDirs} (a test file's `afterAll`) removes
 * it.
 */
export function sharedTempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `ostree-ts-${prefix}-`));
  shared.push(d);
  return d;
}

/** Remove every {@link sharedTempDir} made so far. */
export function removeSharedTempDirs(): void {
  for (const d of shared.splice(0)) rmSync(d, { recursive: true, force: true });
}
