// The HTTP adapter: Fastify with TypeBox schemas, problem+json errors, bearer-token auth,
// OpenAPI at /openapi.json and /docs, /health and /metrics. Use cases plug their routes in
// as Fastify plugins; this file owns only the cross-cutting concerns.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isTiernetError } from '../../app/errors.ts';
import { bearerToken, tokenMatches } from './auth.ts';
import { checkHealth, type HealthProbe } from './health.ts';
import { problem, sendProblem } from './problem.ts';

export type HttpApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger, TypeBoxTypeProvider>;

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly probes: readonly HealthProbe[];
  /** When set, every /v1 route requires `Authorization: Bearer <token>`. */
  readonly adminToken: string | undefined;
  readonly version: string;
  /** Route plugins, registered after the cross-cutting hooks. */
  readonly routes?: readonly ((app: HttpApp) => Promise<void>)[];
  readonly bodyLimitBytes?: number;
  /** Mutations (POST/PUT/DELETE under /v1) allowed per client and minute; /v1/events gets 10x. 0 disables. */
  readonly mutationsPerMinute?: number;
}

const publicPrefixes = ['/health', '/metrics', '/docs', '/openapi.json', '/console', '/favicon.ico'];

function isPublic(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  return path === '/' || publicPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export async function buildHttpServer(options: HttpServerOptions): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false } },
    // A URL the router cannot take apart (bad percent-encoding, a path parameter over the
    // router's length limit) is refused before any hook runs; without this Fastify answers in
    // its own JSON shape. The detail does not echo the URL back.
    frameworkErrors: (error, _request, reply) => {
      const detail =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path parameter is longer than the router accepts (100 characters)'
          : 'the URL is not valid (malformed percent-encoding)';
      void sendProblem(reply, problem('request_invalid', detail, '/params'));
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpApp;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tiernet admin API',
        version: options.version,
        description: 'VIP tiers, user groups and agent rebates.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Rate limits apply to mutations only: reads are cheap and bounded by paging, while a
  // runaway script PUTting ladders or moving agents is exactly what an operator must stop.
  const mutationsPerMinute = options.mutationsPerMinute ?? 600;
  if (mutationsPerMinute > 0) {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const mutates = methods.some((method) => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS');
      if (!mutates || !route.url.startsWith('/v1/')) return;
      const max = route.url === '/v1/events' ? mutationsPerMinute * 10 : mutationsPerMinute;
      route.config = { ...(route.config as object | undefined), rateLimit: { max, timeWindow: 60_000 } };
    });
    // After the hook above: the plugin reads config.rateLimit in its own onRoute hook.
    await app.register(rateLimit, {
      global: false,
      keyGenerator: (request) => request.headers.authorization ?? request.ip,
      errorResponseBuilder: (_request, context) => ({
        ...problem(
          'rate_limited',
          `at most ${context.max} mutations per minute; retry after ${Math.ceil(context.ttl / 1000)} s`,
        ),
        statusCode: 429,
      }),
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    if (options.adminToken === undefined || isPublic(request.url)) return;
    const token = bearerToken(request.headers.authorization);
    if (token === null) {
      await sendProblem(
        reply.header('www-authenticate', 'Bearer'),
        problem('unauthorized', 'a bearer token is required'),
      );
      return;
    }
    if (!tokenMatches(options.adminToken, token)) {
      await sendProblem(reply, problem('forbidden', 'the bearer token is not valid'));
    }
  });

  // Ajv coerces the query-string text "Infinity" (or "1e400") to a number and then skips the
  // minimum/maximum checks, which only look at finite numbers: such a value reached a LIMIT
  // clause and failed there with a 500. Query strings and path parameters are flat and
  // small, so every coerced number in them is checked here, after validation.
  app.addHook('preHandler', async (request, reply) => {
    for (const [location, values] of [
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      if (typeof values !== 'object' || values === null) continue;
      for (const [name, value] of Object.entries(values)) {
        if (typeof value === 'number' && !Number.isFinite(value))
          return sendProblem(
            reply,
            problem('request_invalid', `${location}/${name} must be a finite number`, `/${location}/${name}`),
          );
      }
    }
    return undefined;
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.validation !== undefined && error.validation.length > 0) {
      const first = error.validation[0];
      const location = error.validationContext ?? 'body';
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const pointer = `${first?.instancePath ?? ''}${missing === undefined ? '' : `/${missing}`}`;
      return sendProblem(
        reply,
        problem(
          'request_invalid',
          `${location}${pointer || ''} ${first?.message ?? 'is invalid'}`,
          `/${location}${pointer}`,
        ),
      );
    }
    if (isTiernetError(error)) {
      const body = problem(error.code, error.message);
      if (body.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, body);
    }
    if (error.statusCode === 429) {
      const detail = (error as unknown as { detail?: string }).detail ?? error.message;
      return sendProblem(reply.header('retry-after', '60'), problem('rate_limited', detail));
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // Content-type parser errors (not JSON, empty, unsupported media type, too large) are about the body as a whole.
      const field = error.code.startsWith('FST_ERR_CTP_') ? '/body' : undefined;
      return sendProblem(reply, problem('request_invalid', error.message, field));
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendProblem(reply, problem('internal', 'internal error; see the server log'));
  });

  app.setNotFoundHandler(async (request, reply) =>
    sendProblem(reply, problem('route_not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );

  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    const health = await checkHealth(options.probes);
    return reply.code(health.status === 'ok' ? 200 : 503).send({ ...health, version: options.version });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(options.registry.contentType).send(await options.registry.metrics()),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const plugin of options.routes ?? []) await plugin(app);
  return app;
}
