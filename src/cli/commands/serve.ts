/**
 * `ostree-ts serve REPO [--port=N] [--bind=ADDR]`: serve a repository over HTTP until interrupted
 * (like `ostree trivial-httpd`, with repository-aware caching headers; see `ops/serve.ts`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { serveRepo } from '../../ops/serve.js';
import { intOption, one, type Command } from '../command.js';

/** `serve` */
export const serveCommand: Command = {
  name: 'serve',
  usage: '[OPTION…] REPO',
  summary: 'Serve a repository over HTTP',
  options: {
    port: { type: 'string', short: 'p', arg: 'PORT', description: 'Port to listen on (default 0: pick a free port)' },
    bind: { type: 'string', arg: 'ADDRESS', description: 'Address to bind (default 127.0.0.1)' },
    'log-requests': { type: 'boolean', description: 'Print one line per request on stderr' },
  },
  async run(args, io, ctx) {
    const repoPath = args.positionals[0] ?? (typeof args.values.repo === 'string' ? args.values.repo : undefined);
    if (repoPath === undefined) throw new OstreeError('INVALID_ARGUMENT', 'REPO must be specified');
    const port = intOption(one(args.values.port), 'port') ?? 0;
    const { resolve } = await import('node:path');
    const srv = await serveRepo(resolve(io.cwd, repoPath), {
      port,
      bind: one(args.values.bind) ?? '127.0.0.1',
      onRequest: args.values['log-requests'] ? (e) => io.stderr.write(`${e.method} ${e.path} ${e.status}\n`) : undefined,
    });
    io.stdout.write(`${srv.url}\n`);
    if (!ctx.quiet) io.stderr.write(`Serving ${repoPath} on ${srv.url} (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void srv.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      srv.server.on('close', () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      });
    });
    return 0;
  },
};
