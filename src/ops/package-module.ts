/**
 * Where module workers may be started from (the package's own files), and with which Node
 * options. Shared by the compression pool (delta-compress.ts) and the part decoder
 * (delta-part-worker.ts); kept apart so that the part decoder's worker does not load the compressor.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `url` when it names a `.js`/`.mjs` file of the ostree-ts package itself (its nearest
 * `package.json` is named `ostree-ts`: the `dist/` chunks), else null — whether a worker may be
 * started on the package's own files (see delta-compress.ts's module notes).
 */
export function packageModuleUrl(url: unknown): URL | null {
  if (typeof url !== 'string' || !url.startsWith('file:') || !/\.m?js$/.test(url)) return null;
  try {
    let dir = dirname(fileURLToPath(url));
    for (let i = 0; i < 4; i++) {
      const pj = join(dir, 'package.json');
      if (existsSync(pj)) return (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'ostree-ts' ? new URL(url) : null;
      dir = dirname(dir);
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * The Node options for a worker that runs a module file: this process's, without `--input-type`
 * (valid only with `-e`/stdin, it makes a worker on a file fail to start).
 */
export function moduleWorkerExecArgv(): string[] {
  return process.execArgv.filter((a) => !a.startsWith('--input-type'));
}
