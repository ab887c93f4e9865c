/**
 * CLI entry: `run(argv, io)` returns an exit code. Thin: parse argv, call ops, render results.
 * @module
 */
import { OstreeError } from '../errors.js';
import { helpText, makeContext, parseCommandArgs, type CliIO, type Command } from './command.js';
export type { CliIO } from './command.js';
export { tuneCliRuntime, CLI_INTERRUPT_BUDGET } from './runtime.js';

/**
 * Every command, in help order: its name and a loader of its module. A run imports only the
 * module of the command it runs (with what that needs), not all of them: ≈ 21 ms of module loading
 * for `commit` instead of ≈ 31 ms for the whole CLI.
 */
export const COMMAND_LOADERS: ReadonlyArray<readonly [name: string, load: () => Promise<Command>]> = [
  ['init', async () => (await import('./commands/init.js')).initCommand],
  ['commit', async () => (await import('./commands/commit.js')).commitCommand],
  ['checkout', async () => (await import('./commands/checkout.js')).checkoutCommand],
  ['fsck', async () => (await import('./commands/fsck.js')).fsckCommand],
  ['refs', async () => (await import('./commands/refs.js')).refsCommand],
  ['rev-parse', async () => (await import('./commands/rev-parse.js')).revParseCommand],
  ['log', async () => (await import('./commands/log.js')).logCommand],
  ['show', async () => (await import('./commands/show.js')).showCommand],
  ['ls', async () => (await import('./commands/ls.js')).lsCommand],
  ['cat', async () => (await import('./commands/cat.js')).catCommand],
  ['diff', async () => (await import('./commands/diff.js')).diffCommand],
  ['config', async () => (await import('./commands/config.js')).configCommand],
  ['reset', async () => (await import('./commands/reset.js')).resetCommand],
  ['remote', async () => (await import('./commands/remote.js')).remoteCommand],
  ['summary', async () => (await import('./commands/summary.js')).summaryCommand],
  ['prune', async () => (await import('./commands/prune.js')).pruneCommand],
  ['gpg-sign', async () => (await import('./commands/gpg-sign.js')).gpgSignCommand],
  ['sign', async () => (await import('./commands/sign.js')).signCommand],
  ['static-delta', async () => (await import('./commands/static-delta.js')).staticDeltaCommand],
  ['pull', async () => (await import('./commands/pull.js')).pullCommand],
  ['pull-local', async () => (await import('./commands/pull-local.js')).pullLocalCommand],
  ['serve', async () => (await import('./commands/serve.js')).serveCommand],
  ['publish', async () => (await import('./commands/publish.js')).publishCommand],
  ['build-export', async () => (await import('./commands/build-export.js')).buildExportCommand],
  ['build-commit-from', async () => (await import('./commands/build-commit-from.js')).buildCommitFromCommand],
  ['build-sign', async () => (await import('./commands/build-sign.js')).buildSignCommand],
  ['flatpakref', async () => (await import('./commands/flatpakref.js')).flatpakrefCommand],
  ['flatpakrepo', async () => (await import('./commands/flatpakref.js')).flatpakrepoCommand],
  ['build-update-repo', async () => (await import('./commands/build-update-repo.js')).buildUpdateRepoCommand],
];

/** Every command, in help order (imports all of their modules). */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
}

async function mainHelp(): Promise<string> {
  const lines = ['Usage:', '  ostree-ts COMMAND [OPTION…]', '', 'Builtin Commands:'];
  for (const c of await loadCommands()) lines.push(`  ${c.name.padEnd(22)} ${c.summary}`);
  lines.push('', 'Run "ostree-ts COMMAND --help" for the options of a command.');
  return lines.join('\n') + '\n';
}

/** Options of {@link run}. */
export interface RunOptions {
  /**
   * Tune the process for this run: `bin/ostree-ts.js` passes {@link tuneCliRuntime}. Called once
   * the command's modules are loaded (Node's code cache for its own modules is only valid with
   * V8's default flags), or by the command once its workers have started (`Command.tunesRuntime`).
   */
  tuneRuntime?: () => void;
}

/** Run the CLI with `argv` (without node and script). */
export async function run(argv: string[], io: CliIO, opts: RunOptions = {}): Promise<number> {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  if (first < 0) {
    if (argv.includes('--version')) {
      io.stdout.write('ostree-ts\n');
      return 0;
    }
    io[argv.includes('--help') || argv.includes('-h') ? 'stdout' : 'stderr'].write(await mainHelp());
    return argv.includes('--help') || argv.includes('-h') ? 0 : 1;
  }
  const name = argv[first];
  const load = COMMAND_LOADERS.find(([n]) => n === name)?.[1];
  if (!load) {
    io.stderr.write(`error: Unknown command '${name}'\n${await mainHelp()}`);
    return 1;
  }
  const cmd = await load();
  // Global options before the command (e.g. `--repo=X commit`) are passed through.
  const rest = [...argv.slice(0, first), ...argv.slice(first + 1)];
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      io.stdout.write(helpText(cmd));
      return 0;
    }
    const ctx = makeContext(args, io, opts.tuneRuntime);
    if (!cmd.tunesRuntime) ctx.tuneRuntime();
    return await cmd.run(args, io, ctx);
  } catch (e) {
    if (e instanceof OstreeError) {
      io.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
