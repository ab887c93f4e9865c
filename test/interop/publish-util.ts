/**
 * Shared setup for the publish tests: an ostree-made source repo with a second version on demand.
 */
import { join } from 'node:path';
import { ostree, tmpdir } from './harness.js';
import { generateTreeSpec, writeTree } from '../util/trees.js';

export async function makeSource(): Promise<{ src: string; dir: string; commitV2: () => Promise<string>; v1: string }> {
  const dir = tmpdir();
  writeTree(join(dir, 't1'), generateTreeSpec({ seed: 21, files: 80, safeModes: true, bigFileSize: 200_000, manyFiles: 20, deepDepth: 4 }));
  writeTree(join(dir, 't2'), generateTreeSpec({ seed: 22, files: 80, safeModes: true, bigFileSize: 200_000, manyFiles: 20, deepDepth: 4 }));
  const src = join(dir, 'src');
  await ostree(src, 'init', '--mode=archive');
  await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't1')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-01');
  await ostree(src, 'static-delta', 'generate', '--empty', 'main');
  await ostree(src, 'summary', '-u');
  const v1 = (await ostree(src, 'rev-parse', 'main')).stdout.trim();
  return {
    src,
    dir,
    v1,
    commitV2: async () => {
      await ostree(src, 'commit', '--branch=main', `--tree=dir=${join(dir, 't2')}`, '--owner-uid=0', '--owner-gid=0', '--timestamp=2021-01-02');
      await ostree(src, 'prune', '--refs-only', '--depth=0');
      await ostree(src, 'static-delta', 'generate', '--empty', 'main');
      await ostree(src, 'summary', '-u');
      return (await ostree(src, 'rev-parse', 'main')).stdout.trim();
    },
  };
}
