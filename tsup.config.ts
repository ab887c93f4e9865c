import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
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
