#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli.js (built by `npm install` through `prepare`).
import { run, tuneCliRuntime } from '../dist/cli.js';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
}, { tuneRuntime: tuneCliRuntime });
process.exitCode = code;
