// The operator console: static ES modules, HTML and CSS served under /console by tiernet
// itself (no build step, no second server), with / redirecting there. The files are read
// once at start from ./public (a fixed, bounded set), so a request can never name a path
// outside it. The console calls the admin API with the operator's bearer token; these
// routes are public (server.ts lists /console and / as public prefixes).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TiernetError } from '../../../app/errors.ts';
import { problem, sendProblem } from '../problem.ts';
import type { HttpApp } from '../server.ts';

export interface ConsoleOptions {
  /** Served as /console/demo.json: shortcuts the demo knows (chain root, heavy bettors). Absent outside the demo. */
  readonly hints?: unknown;
  /** Where the static files live; defaults to ./public beside this file. */
  readonly directory?: string;
}

interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
};

const filesMax = 200;
const bytesMax = 5 * 1024 * 1024;
const depthMax = 4;
/** Same-origin only; inline styles are allowed for computed widths (bars, indentation), scripts never. */
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const defaultConsoleDirectory = fileURLToPath(new URL('./public/', import.meta.url));

/** Reads every servable file under `directory` (breadth-first, bounded), keyed by URL path relative to /console/. */
export function loadConsoleFiles(directory: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let totalBytes = 0;
  const pending: { path: string; depth: number }[] = [{ path: directory, depth: 0 }];
  for (let visited = 0; pending.length > 0; visited++) {
    if (visited > filesMax)
      throw new TiernetError('bound_exceeded', `console: more than ${filesMax} entries under ${directory}`);
    const { path, depth } = pending.shift() as { path: string; depth: number };
    for (const name of readdirSync(path).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(path, name);
      if (statSync(full).isDirectory()) {
        if (depth + 1 > depthMax)
          throw new TiernetError('bound_exceeded', `console: ${full} is nested deeper than ${depthMax}`);
        pending.push({ path: full, depth: depth + 1 });
        continue;
      }
      const contentType = contentTypes[extname(name)];
      if (contentType === undefined) continue;
      const body = readFileSync(full);
      totalBytes += body.length;
      if (totalBytes > bytesMax || files.size >= filesMax)
        throw new TiernetError(
          'bound_exceeded',
          `console: files under ${directory} exceed ${filesMax} files or ${bytesMax} bytes`,
        );
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      files.set(relative(directory, full).split(sep).join('/'), { body, contentType, etag });
    }
  }
  return files;
}

export function consoleRoutes(options: ConsoleOptions = {}) {
  return async (app: HttpApp): Promise<void> => {
    const files = loadConsoleFiles(options.directory ?? defaultConsoleDirectory);
    if (!files.has('index.html')) throw new TiernetError('config_invalid', 'console: index.html is missing');
    const hidden = { schema: { hide: true } };

    app.get('/', hidden, async (_request, reply) => reply.redirect('/console/', 302));
    app.get('/console', hidden, async (_request, reply) => reply.redirect('/console/', 301));

    if (options.hints !== undefined) {
      const hints = JSON.stringify(options.hints);
      app.get('/console/demo.json', hidden, async (_request, reply) =>
        reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(hints),
      );
    }

    app.get('/console/*', hidden, async (request, reply) => {
      const wildcard = (request.params as { '*'?: string })['*'] ?? '';
      const name = wildcard === '' ? 'index.html' : wildcard;
      const file = files.get(name);
      if (file === undefined) return sendProblem(reply, problem('route_not_found', `no console file ${name}`));
      reply
        .header('content-type', file.contentType)
        .header('etag', file.etag)
        // Revalidate every time: files are small and an upgrade must show at once.
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer');
      if (file.contentType.startsWith('text/html')) reply.header('content-security-policy', contentSecurityPolicy);
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.send(file.body);
    });
  };
}
