/**
 * Run CLI commands in-process with captured output. Dispatches like `run()` in src/cli/main.ts
 * (same parsing, help and error rendering) over an explicit command list, so a test does not
 * depend on every other command module loading.
 */
import { Writable } from 'node:stream';
import { OstreeError } from '../../src/errors.js';
import { helpText, makeContext, parseCommandArgs, type CliIO, type Command } from '../../src/cli/command.js';
import { refsCommand } from '../../src/cli/commands/refs.js';
import { revParseCommand } from '../../src/cli/commands/rev-parse.js';
import { logCommand } from '../../src/cli/commands/log.js';
import { showCommand } from '../../src/cli/commands/show.js';
import { lsCommand } from '../../src/cli/commands/ls.js';
import { catCommand } from '../../src/cli/commands/cat.js';
import { diffCommand } from '../../src/cli/commands/diff.js';
import { configCommand } from '../../src/cli/commands/config.js';
import { resetCommand } from '../../src/cli/commands/reset.js';
import { remoteCommand } from '../../src/cli/commands/remote.js';
import { initCommand } from '../../src/cli/commands/init.js';

/** The commands the everyday tests exercise. */
export const EVERYDAY_COMMANDS: Command[] = [initCommand, refsCommand, revParseCommand, logCommand, showCommand, lsCommand, catCommand, diffCommand, configCommand, resetCommand, remoteCommand];

/** Captured result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
}

/** Run `argv` (command name first) with captured stdout/stderr. */
export async function cli(argv: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: CliIO = { stdout: sink(out), stderr: sink(err), env: opts.env ?? { LC_ALL: 'C' }, cwd: opts.cwd ?? process.cwd() };
  const first = argv.findIndex((a) => !a.startsWith('-'));
  const cmd = EVERYDAY_COMMANDS.find((c) => c.name === argv[first]);
  if (!cmd) throw new Error(`no command in ${argv.join(' ')}`);
  const rest = [...argv.slice(0, first), ...argv.slice(first + 1)];
  let code: number;
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      io.stdout.write(helpText(cmd));
      code = 0;
    } else {
      code = await cmd.run(args, io, makeContext(args, io));
    }
  } catch (e) {
    if (!(e instanceof OstreeError)) throw e;
    io.stderr.write(`error: ${e.message}\n`);
    code = 1;
  }
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes };
}
