/**
 * CLI entry: `run(argv, io)` returns an exit code.
 * @module
 */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Run the CLI with `argv` (without node and script). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write('Usage: ostree-ts COMMAND [OPTIONS…]\n');
    return 0;
  }
  io.stderr.write(`error: unknown command '${argv[0]}'\n`);
  return 1;
}
