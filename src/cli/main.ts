/**
 * CLI entry: `run(argv, io)` returns an exit code. Thin: parse argv, call ops, render results.
 * @module
 */
import { OstreeError } from '../errors.js';
import { helpText, makeContext, parseCommandArgs, type CliIO, type Command } from './command.js';
import { initCommand } from './commands/init.js';
import { commitCommand } from './commands/commit.js';
import { checkoutCommand } from './commands/checkout.js';
import { fsckCommand } from './commands/fsck.js';
import { refsCommand } from './commands/refs.js';
import { revParseCommand } from './commands/rev-parse.js';
import { logCommand } from './commands/log.js';
import { showCommand } from './commands/show.js';
import { lsCommand } from './commands/ls.js';
import { catCommand } from './commands/cat.js';
import { diffCommand } from './commands/diff.js';
import { configCommand } from './commands/config.js';
import { resetCommand } from './commands/reset.js';
import { remoteCommand } from './commands/remote.js';
import { gpgSignCommand } from './commands/gpg-sign.js';
import { signCommand } from './commands/sign.js';
import { summaryCommand } from './commands/summary.js';
import { pruneCommand } from './commands/prune.js';
import { staticDeltaCommand } from './commands/static-delta.js';
import { pullCommand } from './commands/pull.js';
import { pullLocalCommand } from './commands/pull-local.js';
import { serveCommand } from './commands/serve.js';
import { publishCommand } from './commands/publish.js';
import { buildExportCommand } from './commands/build-export.js';
import { buildCommitFromCommand } from './commands/build-commit-from.js';
import { buildSignCommand } from './commands/build-sign.js';
import { flatpakrefCommand, flatpakrepoCommand } from './commands/flatpakref.js';
import { buildUpdateRepoCommand } from './commands/build-update-repo.js';

export type { CliIO } from './command.js';

/** Every command, in help order. */
export const COMMANDS: Command[] = [initCommand, commitCommand, checkoutCommand, fsckCommand,
  refsCommand, revParseCommand, logCommand, showCommand, lsCommand, catCommand, diffCommand, configCommand, resetCommand, remoteCommand,
  summaryCommand, pruneCommand, gpgSignCommand, signCommand, staticDeltaCommand,
  pullCommand, pullLocalCommand, serveCommand, publishCommand,
  buildExportCommand, buildCommitFromCommand, buildSignCommand, flatpakrefCommand, flatpakrepoCommand, buildUpdateRepoCommand];

function mainHelp(): string {
  const lines = ['Usage:', '  ostree-ts COMMAND [OPTION…]', '', 'Builtin Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(22)} ${c.summary}`);
  lines.push('', 'Run "ostree-ts COMMAND --help" for the options of a command.');
  return lines.join('\n') + '\n';
}

/** Run the CLI with `argv` (without node and script). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  if (first < 0) {
    if (argv.includes('--version')) {
      io.stdout.write('ostree-ts\n');
      return 0;
    }
    io[argv.includes('--help') || argv.includes('-h') ? 'stdout' : 'stderr'].write(mainHelp());
    return argv.includes('--help') || argv.includes('-h') ? 0 : 1;
  }
  const name = argv[first];
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`error: Unknown command '${name}'\n${mainHelp()}`);
    return 1;
  }
  // Global options before the command (e.g. `--repo=X commit`) are passed through.
  const rest = [...argv.slice(0, first), ...argv.slice(first + 1)];
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      io.stdout.write(helpText(cmd));
      return 0;
    }
    return await cmd.run(args, io, makeContext(args, io));
  } catch (e) {
    if (e instanceof OstreeError) {
      io.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
