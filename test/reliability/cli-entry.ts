/**
 * Entry of the CLI bundle the reliability harnesses spawn (same as `bin/ostree-ts.js`, but built
 * from the sources so it never runs a stale `dist/`).
 */
import { run } from '../../src/cli/main.js';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
