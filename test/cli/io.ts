/**
 * Run the CLI in-process with captured output, for CLI tests.
 */
import { Writable } from 'node:stream';
import { run } from '../../src/cli/main.js';

/** Result of {@link cli}. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Run `ostree-ts ARGV…` with `cwd` (default process.cwd()) and `env` (default: no CI variable, no TTY). */
export async function cli(argv: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; tuneRuntime?: () => void } = {}): Promise<CliResult> {
  const out = sink();
  const err = sink();
  const code = await run(argv, { stdout: out.stream, stderr: err.stream, env: opts.env ?? { PATH: process.env.PATH }, cwd: opts.cwd ?? process.cwd() }, { tuneRuntime: opts.tuneRuntime });
  return { code, stdout: out.text(), stderr: err.text() };
}
