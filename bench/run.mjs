#!/usr/bin/env node
// Bench runner: `npm run bench [-- NAME…]` bundles bench/NAME.bench.ts with esbuild (a tsup dependency,
// so nothing extra to install) and runs each in its own node process, one after another.
import { build } from 'esbuild';
import { readdirSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -9)).sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : all;
const outdir = join(here, 'out');
mkdirSync(outdir, { recursive: true });
// the static-delta part decoder's worker (src/ops/delta-part-worker.ts), which benches pass as
// `partDecoderUrl`: in the package it is its own dist/ entry
await build({
  entryPoints: [join(here, '..', 'src', 'ops', 'delta-part-worker.ts')], outfile: join(outdir, 'delta-part-worker.mjs'),
  bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error',
});
// the CLI as a user runs it: bin/ostree-ts.js with its dist/cli.js built from src/ (split into
// chunks as tsup splits dist/), for benches that time the very command a user types
// (`bench/out/cli/ostree-ts.js`, see cliPath() in bench/lib.ts)
await build({
  entryPoints: { 'ostree-ts': join(here, '..', 'bin', 'ostree-ts.js') }, outdir: join(outdir, 'cli'),
  bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error',
  plugins: [{
    name: 'cli-from-src',
    setup(b) {
      b.onResolve({ filter: /\/dist\/cli\.js$/ }, () => ({ path: join(here, '..', 'src', 'cli', 'main.ts') }));
    },
  }],
});
let failed = 0;
for (const name of names) {
  if (!all.includes(name)) { console.error(`bench: no bench/${name}.bench.ts (have: ${all.join(', ')})`); failed++; continue; }
  const outfile = join(outdir, `${name}.mjs`);
  await build({
    entryPoints: [join(here, `${name}.bench.ts`)], outfile, bundle: true, platform: 'node', format: 'esm',
    target: 'node20', packages: 'external', sourcemap: 'inline', logLevel: 'error',
  });
  console.log(`\n=== bench/${name} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', outfile, ...process.argv.slice(2).filter((a) => a.startsWith('-'))], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
