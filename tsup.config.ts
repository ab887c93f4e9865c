import { defineConfig } from 'tsup';

export default defineConfig({
  // delta-part-worker: the static-delta part decoder's worker, an entry of its own so that it loads
  // only what it needs (src/ops/delta-part-worker.ts)
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', 'delta-part-worker': 'src/ops/delta-part-worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: true,
  // CJS output: import.meta.url from __filename (store/deflate-pool.ts, ops/delta-compress.ts)
  shims: true,
  tsconfig: 'tsconfig.build.json',
});
