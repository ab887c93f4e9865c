/**
 * The small framework every CLI command uses: a declarative option list (GOption-style spellings,
 * parsed with `node:util` `parseArgs`), generated `--help`, and the I/O handles.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { OstreeError } from '../errors.js';

/** Streams and environment a command runs with. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `PATH`. */
  arg?: string;
  description: string;
}

/** Parsed arguments of a command. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** A CLI command. */
export interface Command {
  name: string;
  /** Usage line after the command name, e.g. `[OPTION…] [PATH]`. */
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Whether the command takes `--repo`. */
  repo?: boolean;
  /**
   * The command calls {@link CommandContext.tuneRuntime} itself, once its workers have started
   * (otherwise {@link run} calls it as soon as the command's modules are loaded).
   */
  tunesRuntime?: boolean;
  run(args: Parsed, io: CliIO, ctx: CommandContext): Promise<number>;
}

/** Helpers passed to every command. */
export interface CommandContext {
  /** The repository path from `--repo`, the `OSTREE_REPO` variable, or the current directory. */
  repoPath(): string;
  /** True when progress should be animated (interactive TTY outside CI). */
  interactive: boolean;
  quiet: boolean;
  /** Apply the process tuning the caller of `run` asked for (`RunOptions.tuneRuntime`); at most once. */
  tuneRuntime(): void;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show help options' },
  verbose: { type: 'boolean', short: 'v', description: 'Print debug information during command processing' },
  quiet: { type: 'boolean', short: 'q', description: 'Print no progress' },
};

/** The `--repo` option. */
export const REPO_OPTION: Record<string, OptionSpec> = {
  repo: { type: 'string', arg: 'PATH', description: 'Path to OSTree repository (defaults to the current directory)' },
};

/** Render a command's help text. */
export function helpText(cmd: Command): string {
  const opts = { ...(cmd.repo ? REPO_OPTION : {}), ...cmd.options, ...COMMON_OPTIONS };
  const lines = [`Usage:\n  ostree-ts ${cmd.name} ${cmd.usage}\n`, `${cmd.summary}\n`, 'Options:'];
  for (const [name, o] of Object.entries(opts)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? `=${o.arg ?? 'VALUE'}` : ''}`;
    lines.push(`  ${flag.padEnd(40)} ${o.description}`);
  }
  return lines.join('\n') + '\n';
}

/** Parse `argv` for `cmd`; throws OstreeError INVALID_ARGUMENT on unknown options. */
export function parseCommandArgs(cmd: Command, argv: string[]): Parsed {
  const all = { ...(cmd.repo ? REPO_OPTION : {}), ...cmd.options, ...COMMON_OPTIONS };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [k, o] of Object.entries(all)) options[k] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    throw new OstreeError('INVALID_ARGUMENT', (e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** Build the command context. */
export function makeContext(args: Parsed, io: CliIO, tune?: () => void): CommandContext {
  const quiet = args.values.quiet === true;
  const isTTY = (io.stderr as { isTTY?: boolean }).isTTY === true;
  let tuned = false;
  return {
    quiet,
    tuneRuntime() {
      if (tuned) return;
      tuned = true;
      tune?.();
    },
    interactive: isTTY && !io.env.CI,
    repoPath() {
      const r = args.values.repo;
      if (typeof r === 'string') return resolve(io.cwd, r);
      if (io.env.OSTREE_REPO) return resolve(io.cwd, io.env.OSTREE_REPO);
      if (existsSync(resolve(io.cwd, 'config')) && existsSync(resolve(io.cwd, 'objects'))) return io.cwd;
      throw new OstreeError('INVALID_ARGUMENT', 'Command requires a --repo argument');
    },
  };
}

/** A string option's value(s) as an array. */
export function many(v: Parsed['values'][string]): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

/** A string option's single value. */
export function one(v: Parsed['values'][string]): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Split `KEY=VALUE`. */
export function keyValue(s: string, what: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq < 0) throw new OstreeError('INVALID_ARGUMENT', `Missing '=' in KEY=VALUE ${what} '${s}'`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

/** Parse an integer option. */
export function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new OstreeError('INVALID_ARGUMENT', `Cannot parse integer value “${v}” for --${name}`);
  return Number.parseInt(v, 10);
}

/** Renders progress on stderr: a rewritten line on a TTY, plain milestones otherwise. */
export class ProgressRenderer {
  private last = 0;
  private lineOpen = false;

  constructor(
    private readonly io: CliIO,
    private readonly ctx: CommandContext,
  ) {}

  /** Show a status line (rate-limited). */
  update(text: string): void {
    if (this.ctx.quiet) return;
    const now = Date.now();
    if (this.ctx.interactive) {
      if (now - this.last < 100) return;
      this.last = now;
      this.io.stderr.write(`\r\x1b[K${text}`);
      this.lineOpen = true;
    } else {
      if (now - this.last < 5000) return;
      this.last = now;
      this.io.stderr.write(`${text}\n`);
    }
  }

  /** Clear the status line. */
  done(): void {
    if (this.lineOpen) this.io.stderr.write('\r\x1b[K');
    this.lineOpen = false;
  }
}

/** Human-readable byte count. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(1)} ${units[i]}`;
}
