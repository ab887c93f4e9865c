/**
 * Interop test harness: find the real tools (`ostree`, `flatpak`, …), run them asynchronously, make
 * self-cleaning temp dirs, serve a directory over HTTP for `ostree pull` / `flatpak remote-add`, and
 * build an isolated flatpak environment.
 *
 * Skip policy (project ground rule): an interop suite whose tools are missing is skipped with a printed
 * reason only when `process.env.CI` is unset; under CI it runs anyway and fails loudly.
 *
 * Everything here is test-only code: it imports nothing from `src/`.
 */
import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants as fsc, createReadStream, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir as osTmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it, onTestFinished } from 'vitest';

// ---------------------------------------------------------------------------------------------------
// Tools

/** Whether a tool is installed, and where. */
export interface ToolInfo {
  /** True when an executable of that name was found on `PATH` (or the absolute path is executable). */
  available: boolean;
  /** Absolute path of the executable when available. */
  path?: string;
}

const toolCache = new Map<string, ToolInfo>();

function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, fsc.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Look a tool up like `which NAME` (cached per process). An absolute or relative path containing `/`
 * is checked directly.
 */
export function tool(name: string): ToolInfo {
  const hit = toolCache.get(name);
  if (hit) return hit;
  let info: ToolInfo = { available: false };
  if (name.includes('/')) {
    const p = resolve(name);
    if (isExecutableFile(p)) info = { available: true, path: p };
  } else {
    for (const d of (process.env.PATH ?? '').split(delimiter)) {
      if (!d) continue;
      const p = join(d, name);
      if (isExecutableFile(p)) {
        info = { available: true, path: p };
        break;
      }
    }
  }
  toolCache.set(name, info);
  return info;
}

/** True when `process.env.CI` is set to anything but `''`, `0` or `false`. */
export function isCI(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * A vitest `describe` for tests that need real tools. When any of `tools` is missing:
 * - `CI` unset: the suite is `describe.skip`ped and the reason is printed with `console.warn`;
 * - `CI` set: the suite runs anyway (its tests fail on the missing tool) and an extra test fails with
 *   a message naming the missing tools, so the cause is obvious in the report.
 */
export function interopSuite(name: string, tools: string[], fn: () => void): void {
  const missing = tools.filter((t) => !tool(t).available);
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const reason = `interop suite "${name}": missing tool(s) ${missing.join(', ')}`;
  if (!isCI()) {
    console.warn(`SKIP ${reason} (CI is unset, so skipping; install them to run these tests)`);
    describe.skip(name, fn);
    return;
  }
  describe(name, () => {
    it('has its required tools (CI is set, so missing tools are a failure)', () => {
      throw new Error(`${reason}; CI is set, so this is a failure, not a skip`);
    });
    fn();
  });
}

// ---------------------------------------------------------------------------------------------------
// Running commands

/** Options for {@link run}. */
export interface RunOptions {
  /** Working directory. */
  cwd?: string;
  /** Full environment for the child (default: `process.env`). `NO_PROXY` gains 127.0.0.1/localhost. */
  env?: NodeJS.ProcessEnv;
  /** Bytes or text written to the child's stdin (stdin is closed either way). */
  input?: string | Uint8Array;
  /** When true a non-zero exit code is returned instead of thrown. */
  allowFail?: boolean;
  /** Kill the child (SIGKILL) and fail after this many milliseconds; default 120 000. */
  timeoutMs?: number;
}

/** Result of {@link run}. */
export interface RunResult {
  /** Exit code, or -1 when the child was killed by a signal (see `signal`). */
  code: number;
  /** Signal that ended the child, if any. */
  signal: NodeJS.Signals | null;
  /** Standard output decoded as UTF-8. */
  stdout: string;
  /** Standard error decoded as UTF-8. */
  stderr: string;
  /** Standard output as raw bytes (for binary output such as `ostree cat`). */
  stdoutBytes: Buffer;
}

/** Error thrown by {@link run} when a command fails unexpectedly; carries the result. */
export class CommandError extends Error {
  /** The command line that failed. */
  readonly argv: string[];
  /** What the command produced (absent when it could not be started). */
  readonly result?: RunResult;
  constructor(message: string, argv: string[], result?: RunResult, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CommandError';
    this.argv = argv;
    this.result = result;
  }
}

function withNoProxy(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const add = '127.0.0.1,localhost';
  const cur = env.NO_PROXY ?? env.no_proxy;
  const v = cur ? `${cur},${add}` : add;
  return { ...env, NO_PROXY: v, no_proxy: v };
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * Run a command asynchronously (so an HTTP server from {@link serveDirectory} in this same process can
 * answer it) and collect its output. Throws a {@link CommandError} that quotes the command line, exit
 * status and stderr when it cannot start or exits non-zero (unless `allowFail`), or on timeout.
 */
export function run(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const argv = [cmd, ...args];
  const shown = argv.map(quoteArg).join(' ');
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise<RunResult>((resolvePromise, reject) => {
    let child;
    try {
      child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: withNoProxy(opts.env ?? process.env),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      reject(new CommandError(`could not start ${shown}: ${(e as Error).message}`, argv, undefined, e));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' ? ' (is it installed and on PATH?)' : '';
      reject(new CommandError(`could not start ${shown}: ${e.message}${hint}`, argv, undefined, e));
    });
    child.stdin.on('error', () => {
      /* the child may exit without reading its stdin (EPIPE); its exit status tells the story */
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const result: RunResult = {
        code: code ?? -1,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      };
      if (timedOut) {
        reject(new CommandError(`timed out after ${timeoutMs} ms: ${shown}\nstderr:\n${result.stderr}`, argv, result));
      } else if (result.code !== 0 && !opts.allowFail) {
        const status = signal ? `killed by ${signal}` : `exited ${result.code}`;
        const tailOut = result.stdout.length > 2000 ? '…' + result.stdout.slice(-2000) : result.stdout;
        reject(
          new CommandError(
            `command ${status}: ${shown}${opts.cwd ? ` (cwd ${opts.cwd})` : ''}\nstderr:\n${result.stderr.trimEnd()}` +
              (tailOut ? `\nstdout:\n${tailOut.trimEnd()}` : ''),
            argv,
            result,
          ),
        );
      } else {
        resolvePromise(result);
      }
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/**
 * `ostree --repo=REPO ARGS…` via {@link run}. Pass a {@link RunOptions} object as the last argument to
 * set cwd/env/input/allowFail.
 */
export function ostree(repo: string, ...args: Array<string | RunOptions>): Promise<RunResult> {
  let opts: RunOptions = {};
  const last = args[args.length - 1];
  if (last !== undefined && typeof last !== 'string') {
    opts = last;
    args = args.slice(0, -1);
  }
  return run('ostree', [`--repo=${repo}`, ...(args as string[])], opts);
}

// ---------------------------------------------------------------------------------------------------
// Temp dirs

const pendingDirs = new Set<string>();

function removeDir(dir: string): void {
  if (!pendingDirs.delete(dir)) return;
  if (process.env.OSTREE_TS_KEEP_TMP) {
    console.warn(`keeping ${dir} (OSTREE_TS_KEEP_TMP is set)`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

// Any dir not removed earlier goes when the test file finishes. Importing this module from a test
// file registers the hook on that file's root suite.
afterAll(() => {
  for (const d of [...pendingDirs]) removeDir(d);
});

/**
 * Create a fresh directory under `os.tmpdir()` named `ostree-ts-test-XXXXXX` (mode 0700). Called inside
 * a running test it is removed when that test finishes (like `afterEach`); called at collection time
 * or in a hook it is removed in the file's `afterAll`. Set `OSTREE_TS_KEEP_TMP=1` to keep them.
 */
export function tmpdir(): string {
  const dir = mkdtempSync(join(osTmpdir(), 'ostree-ts-test-'));
  pendingDirs.add(dir);
  try {
    onTestFinished(() => removeDir(dir));
  } catch {
    // not inside a test: the afterAll above removes it
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------------
// Static HTTP server

/** One request seen by a {@link serveDirectory} server. */
export interface ServedRequest {
  /** HTTP method. */
  method: string;
  /** Decoded path (no query string), e.g. `/objects/ab/cd….commit`. */
  path: string;
  /** Response status sent. */
  status: number;
}

/** A running static server. */
export interface StaticServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Every request served so far, in order (useful to assert ostree's fetch sequence, §8). */
  requests: ServedRequest[];
  /** Stop listening and drop keep-alive connections. */
  close(): Promise<void>;
}

/**
 * Serve `root` read-only over HTTP/1.1 on 127.0.0.1 with an ephemeral port: GET and HEAD of regular
 * files (`application/octet-stream`, Content-Length, keep-alive), 404 for anything missing, a
 * directory, or outside `root` (after `..` normalisation and symlink resolution), 405 for other
 * methods. `+` in paths is literal (delta directories contain it, ostree-formats §4.5).
 */
export function serveDirectory(root: string): Promise<StaticServer> {
  const base = realpathSync(root);
  const requests: ServedRequest[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    let path = '/';
    const send = (status: number, body = ''): void => {
      requests.push({ method, path, status });
      res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(method === 'HEAD' ? undefined : body);
    };
    try {
      const rawPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
      path = decodeURIComponent(rawPath);
    } catch {
      send(400, 'bad path\n');
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(405, 'method not allowed\n');
      return;
    }
    if (path.includes('\0')) {
      send(400, 'bad path\n');
      return;
    }
    const candidate = resolve(base, '.' + (path.startsWith('/') ? path : '/' + path));
    if (candidate !== base && !candidate.startsWith(base + sep)) {
      send(404, 'not found\n');
      return;
    }
    let real: string;
    let size: number;
    try {
      real = realpathSync(candidate);
      if (real !== base && !real.startsWith(base + sep)) throw new Error('escape');
      const st = statSync(real);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      send(404, 'not found\n');
      return;
    }
    requests.push({ method, path, status: 200 });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    if (method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  return new Promise((resolvePromise, reject) => {
    const server = createServer({ keepAlive: true }, handle);
    server.keepAliveTimeout = 30_000;
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Flatpak environment

/**
 * An environment for running `flatpak` isolated under `dir`: `HOME`, `XDG_DATA_HOME`,
 * `XDG_CONFIG_HOME`, `XDG_CACHE_HOME`, `XDG_RUNTIME_DIR` (mode 0700) are directories below `dir`, and so
 * are the system installation (`FLATPAK_SYSTEM_DIR`) and system config (`FLATPAK_CONFIG_DIR`), since
 * the tests run as root and must not touch `/var/lib/flatpak` or `/etc/flatpak`. The user installation
 * is then `XDG_DATA_HOME/flatpak`. All directories are created. Returns a complete env (based on
 * `process.env`) for {@link run}.
 */
export function flatpakEnv(dir: string): NodeJS.ProcessEnv {
  if (!isAbsolute(dir)) dir = resolve(dir);
  const p = {
    HOME: join(dir, 'home'),
    XDG_DATA_HOME: join(dir, 'home', '.local', 'share'),
    XDG_CONFIG_HOME: join(dir, 'home', '.config'),
    XDG_CACHE_HOME: join(dir, 'home', '.cache'),
    XDG_RUNTIME_DIR: join(dir, 'runtime'),
    FLATPAK_SYSTEM_DIR: join(dir, 'system', 'flatpak'),
    FLATPAK_CONFIG_DIR: join(dir, 'system', 'etc-flatpak'),
  };
  for (const d of Object.values(p)) mkdirSync(d, { recursive: true });
  chmodSync(p.XDG_RUNTIME_DIR, 0o700); // mkdir's mode is filtered by the umask; chmod is not
  const env: NodeJS.ProcessEnv = { ...process.env, ...p };
  // Do not talk to the developer's real session.
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.FLATPAK_USER_DIR;
  return env;
}

// ---------------------------------------------------------------------------------------------------
// Fixtures

/** Absolute path of the repository root (the directory holding `fixtures/`). */
export const projectRoot: string = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/**
 * Path of a committed fixture repo (`fixtures/repos/NAME`, e.g. `archive`, `bare-user-only`); see
 * fixtures/README.md. Treat it as read-only: use {@link copyFixture} before writing.
 */
export function fixtureRepo(name: string): string {
  return join(projectRoot, 'fixtures', 'repos', name);
}

/**
 * Copy a fixture repo (`cp -a`, symlinks and modes kept) into a fresh {@link tmpdir} and return the
 * copy's path. Object files get the modes a git checkout with umask 022 gives (0644, or 0755 when
 * executable), so bare-user-only objects verify regardless of the developer's umask.
 */
export async function copyFixture(name: string): Promise<string> {
  const dst = join(tmpdir(), name);
  await run('cp', ['-a', fixtureRepo(name), dst]);
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile()) chmodSync(p, statSync(p).mode & 0o100 ? 0o755 : 0o644);
    }
  };
  walk(join(dst, 'objects'));
  return dst;
}
