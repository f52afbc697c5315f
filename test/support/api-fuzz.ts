// The API fuzzer shared by test/property/api-fuzz.test.ts (SQLite) and api-fuzz.mysql.test.ts
// (MariaDB): the real Fastify app with every route plugin `tiernet serve` mounts, over a runtime
// of the chosen backend, driven through app.inject with random and near-valid requests to
// every /v1 operation the app's own OpenAPI document lists. No background loop runs (relay,
// review, settlement trigger), so any change to a table comes from the request under test.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { buildHttpServer, type HttpApp } from '../../src/adapters/http/server.ts';
import { eventRoutes } from '../../src/adapters/http/routes/events.ts';
import { vipRoutes } from '../../src/adapters/http/routes/vip.ts';
import { agentRoutes } from '../../src/adapters/http/routes/agents.ts';
import { statsRoutes } from '../../src/adapters/http/routes/stats.ts';
import { consoleRoutes } from '../../src/adapters/http/console/console-routes.ts';
import { groupRoutes } from '../../src/adapters/http/routes/groups.ts';
import { settlementRoutes } from '../../src/adapters/http/routes/settlements.ts';
import { rebateRoutes } from '../../src/adapters/http/routes/rebates.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { createTestDatabase, type TestDatabase } from './mysql.ts';
import { trickyStrings } from './event-corpus.ts';
import { changedTables, tableDigest } from './table-digest.ts';

export const fuzzToken = 'api-fuzz-token-0123456789abcdef';
const auth = { authorization: `Bearer ${fuzzToken}` };
const httpMethods = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

export interface Operation {
  readonly method: Method;
  /** OpenAPI path, e.g. /v1/users/{id}. */
  readonly path: string;
  readonly queryNames: readonly string[];
  readonly hasBody: boolean;
}

export interface FuzzApp {
  readonly app: HttpApp;
  readonly runtime: Runtime;
  cleanup(): Promise<void>;
}

/** The service's routes (as src/main/service.ts mounts them) on a fresh runtime of `backend`. */
export async function openFuzzApp(backend: 'sqlite' | 'mysql', tag: string): Promise<FuzzApp> {
  const dataDir = mkdtempSync(join(tmpdir(), `tiernet-${tag}-`));
  let database: TestDatabase | undefined;
  if (backend === 'mysql') database = await createTestDatabase(tag);
  const config = loadConfig({
    env: {
      TIERNET_DATA_DIR: dataDir,
      TIERNET_ADMIN_TOKEN: fuzzToken,
      ...(database === undefined ? {} : { TIERNET_MYSQL_URL: database.url }),
    },
  });
  const runtime = await openRuntime(config, pino({ level: 'silent' }));
  await runtime.migrate();
  const app = await buildHttpServer({
    logger: pino({ level: 'silent' }),
    registry: runtime.registry,
    probes: runtime.probes,
    adminToken: fuzzToken,
    version: 'test',
    // Rate limits are proven by test/int/http-guards.test.ts; here they would only answer 429.
    mutationsPerMinute: 0,
    routes: [
      eventRoutes({ ingest: runtime.ingest, afterIngest: () => {} }),
      vipRoutes(runtime.vip),
      agentRoutes(runtime.agents),
      statsRoutes(runtime.vip),
      consoleRoutes({}),
      groupRoutes({ groups: runtime.groups }),
      settlementRoutes({ settlement: runtime.settlement }),
      rebateRoutes({ store: runtime.store, clock: runtime.clock }),
    ],
  });
  await app.ready();
  return {
    app,
    runtime,
    async cleanup() {
      await app.close();
      await runtime.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface OpenApiParameter {
  readonly in: string;
  readonly name: string;
}
interface OpenApiOperation {
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: unknown;
}

/** Every /v1 operation of the app's OpenAPI document. */
export async function operationsOf(app: HttpApp): Promise<Operation[]> {
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  const document = response.json<{ paths: Record<string, Partial<Record<string, OpenApiOperation>>> }>();
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const method of httpMethods) {
      const operation = item[method];
      if (operation === undefined) continue;
      operations.push({
        method: method.toUpperCase() as Method,
        path,
        queryNames: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: operation.requestBody !== undefined,
      });
    }
  }
  return operations;
}

// ---- inputs ----

const hourMs = 3_600_000;

/** Ids and names the seed creates, so that some fuzzed requests reach the handlers' happy paths. */
export const seedIds = { root: '1000', child: '1001', group: 'fuzz.static', dynamicGroup: 'fuzz.dynamic' };

/** Valid request bodies per operation; near-valid bodies are these with one field broken. */
function validBodies(nowMs: number): Record<string, readonly unknown[]> {
  return {
    'POST /v1/events': [
      {
        events: [
          {
            type: 'bet.placed',
            betId: '50001',
            userId: seedIds.child,
            gameId: 'g',
            periodId: 'p1',
            amount: '10',
            placedAt: nowMs - hourMs,
          },
        ],
      },
    ],
    'PUT /v1/vip/ladder': [
      {
        timezone: 'UTC',
        levels: [
          { level: 0, name: 'Member' },
          { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '50' } },
        ],
        demotion: { mode: 'one_down', cycleDays: 30 },
      },
    ],
    'PUT /v1/users/{id}/vip': [
      { kind: 'floor', level: 1, reason: 'ticket 1', actor: 'ops' },
      { kind: 'none', reason: 'done', actor: 'ops' },
    ],
    'POST /v1/agents/{id}/move': [{ parentId: seedIds.root, actor: 'ops', reason: 'fuzz' }],
    'PUT /v1/agents/{id}/rebate-rate': [{ rebateRate: '0.01', actor: 'ops' }],
    'POST /v1/groups': [
      { id: 'fuzz.new', name: 'New', kind: 'static' },
      { id: 'fuzz.rule', name: 'Rule', kind: 'dynamic', rule: { field: 'vip.level', op: 'gte', value: 1 } },
    ],
    'PUT /v1/groups/{id}': [{ name: 'Renamed', rule: { field: 'user.tags', op: 'has', value: 'vip' }, priority: 2 }],
    'POST /v1/groups/{id}/members': [{ userIds: [seedIds.child] }],
    'DELETE /v1/groups/{id}/members': [{ userIds: [seedIds.child] }],
    'POST /v1/groups/preview': [{ rule: { field: 'vip.level', op: 'gte', value: 0 }, sampleSize: 3 }],
    'PUT /v1/rebates/policy': [
      { model: 'differential', selfRebate: true },
      { model: 'per_level', selfRate: '0.01', rates: ['0.005', '0.003'] },
    ],
    'POST /v1/settlements': [{}, { periods: [{ gameId: 'g', periodId: 'p1' }] }],
  };
}

const injectionStrings = [
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  "1' OR '1'='1",
  '1; DELETE FROM bets',
  "\\'; --",
  '1 UNION SELECT * FROM users',
  '%27%20OR%201%3D1',
];

const oddStrings = [...trickyStrings, ...injectionStrings];

/** Path parameter values: known ids, huge and negative numbers, non-numeric, unicode, injection. */
const pathValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(seedIds.root, seedIds.child, seedIds.group, seedIds.dynamicGroup, '1', '999999'),
  fc.constantFrom(
    '0',
    '-1',
    '-9223372036854775808',
    '9223372036854775807',
    '9223372036854775808',
    '18446744073709551616',
    '9'.repeat(40),
    '9'.repeat(500),
    '1e3',
    '1.5',
    '0x10',
    'abc',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '..',
    '.',
    'a'.repeat(300),
  ),
  fc.constantFrom(...oddStrings),
  fc.string({ maxLength: 30 }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);

/** Query values: numbers in and out of range, floats, garbage cursors, unicode, injection. */
const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('1', '10', '1000', '1001', '0', '-1', '1.5', '1e3', '9'.repeat(30), 'true', '', 'null'),
  fc.constantFrom('Infinity', '-Infinity', 'NaN', '1e400', '-0', '0x10', ' 5'),
  fc.constantFrom(...oddStrings),
  fc.base64String({ maxLength: 60 }),
  fc.string({ maxLength: 40 }),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
);

const anyJson = fc.jsonValue({ maxDepth: 4 });
const oddJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  anyJson,
  fc.constantFrom(...oddStrings),
  fc.constantFrom(-1, 0, 1.5, 1e300, -1e300, Number.MAX_SAFE_INTEGER + 2, '9'.repeat(40), [], {}, null, true),
  fc.nat({ max: 100_000 }).map((length) => 'x'.repeat(length)),
);

export type BodySpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'raw'; readonly text: string; readonly contentType: string };

function breakOne(valid: unknown): fc.Arbitrary<unknown> {
  if (typeof valid !== 'object' || valid === null || Array.isArray(valid)) return oddJsonValue;
  const record = valid as Record<string, unknown>;
  const keys = Object.keys(record);
  return fc.oneof(
    // drop a field
    keys.length === 0
      ? fc.constant(record)
      : fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))),
    // replace a field (or a nested one) with an odd value
    keys.length === 0
      ? oddJsonValue.map((value) => ({ extra: value }))
      : fc.tuple(fc.constantFrom(...keys), oddJsonValue).map(([key, value]) => ({ ...record, [key]: value })),
    // an unknown extra field
    fc
      .tuple(fc.constantFrom(...oddStrings, 'extra', '__proto__', 'constructor'), oddJsonValue)
      .map(([key, value]) => ({ ...record, [key]: value })),
    // the first array inside, emptied or filled with odd items
    fc.array(oddJsonValue, { maxLength: 3 }).map((items) => {
      const arrayKey = keys.find((key) => Array.isArray(record[key]));
      return arrayKey === undefined ? record : { ...record, [arrayKey]: items };
    }),
  );
}

function bodyFor(operation: Operation, nowMs: number): fc.Arbitrary<BodySpec> {
  const valid = validBodies(nowMs)[`${operation.method} ${operation.path}`] ?? [{}];
  const json = (value: fc.Arbitrary<unknown>) => value.map((v): BodySpec => ({ kind: 'json', value: v }));
  return fc.oneof(
    { weight: 2, arbitrary: json(fc.constantFrom(...valid)) },
    { weight: 6, arbitrary: json(fc.constantFrom(...valid).chain(breakOne)) },
    { weight: 2, arbitrary: json(oddJsonValue) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.constantFrom('{', '{"a":', '[1,', 'nul', '{"events":[}', "{'a':1}", '\u0000', ''),
            fc.string({ maxLength: 40 }),
          ),
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml'),
        )
        .map(([text, contentType]): BodySpec => ({ kind: 'raw', text, contentType })),
    },
    { weight: 1, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
  );
}

export interface FuzzRequest {
  readonly operation: Operation;
  readonly url: string;
  readonly body: BodySpec;
  readonly actorHeader: string | undefined;
}

/**
 * Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as on the wire).
 * `raw` leaves printable ASCII but '?', '#' and '/' as it is, stray '%' included.
 */
function percentEncode(text: string, raw: boolean): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const character = String.fromCharCode(byte);
    const keep = raw ? byte > 0x20 && byte < 0x7f && !'?#/'.includes(character) : /[A-Za-z0-9\-_.~]/.test(character);
    out += keep ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function requestArbitrary(operations: readonly Operation[], nowMs: number): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...operations).chain((operation) =>
    fc
      .record({
        id: pathValue,
        encodeId: fc.boolean(),
        query: fc.array(
          fc.tuple(
            fc.oneof(
              operation.queryNames.length === 0
                ? fc.constant('limit')
                : fc.constantFrom(...operation.queryNames, ...operation.queryNames),
              fc.constantFrom('extra', 'limit', 'cursor', 'depth', '__proto__', "'; --"),
            ),
            queryValue,
          ),
          { maxLength: 3 },
        ),
        body:
          operation.hasBody || operation.method !== 'GET'
            ? bodyFor(operation, nowMs)
            : fc.constant<BodySpec>({ kind: 'none' }),
        actorHeader: fc.option(fc.constantFrom('ops', '', 'x'.repeat(300), ...injectionStrings), { nil: undefined }),
      })
      .map(({ id, encodeId, query, body, actorHeader }) => {
        // Mostly encoded as a client library would; sometimes raw (stray '%', quotes, dots).
        const segment = encodeId ? percentEncode(id, false) : percentEncode(id, true);
        const path = operation.path.replace('{id}', segment === '' ? '%20' : segment);
        const search = query
          .map(([key, value]) => `${percentEncode(key, false)}=${percentEncode(value, false)}`)
          .join('&');
        return { operation, url: search === '' ? path : `${path}?${search}`, body, actorHeader };
      }),
  );
}

export interface Answer {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

export async function send(app: HttpApp, request: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = { ...auth };
  if (request.actorHeader !== undefined) headers['x-tiernet-actor'] = request.actorHeader;
  let payload: string | undefined;
  if (request.body.kind === 'json') {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(request.body.value) ?? 'null';
  } else if (request.body.kind === 'raw') {
    headers['content-type'] = request.body.contentType;
    payload = request.body.text;
  }
  const response = await app.inject({
    method: request.operation.method,
    url: request.url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  return {
    statusCode: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    body: response.body,
  };
}

/** Seeds users, a ladder, groups and a closed period so that requests can also succeed. */
export async function seed(app: HttpApp, nowMs: number): Promise<void> {
  const call = async (method: Method, url: string, payload: unknown, expected: number[]) => {
    const response = await app.inject({ method, url, headers: auth, payload: payload as Record<string, unknown> });
    assert.ok(expected.includes(response.statusCode), `${method} ${url}: ${response.statusCode} ${response.body}`);
  };
  await call('PUT', '/v1/vip/ladder', validBodies(nowMs)['PUT /v1/vip/ladder']?.[0], [200]);
  await call(
    'POST',
    '/v1/events',
    {
      events: [
        { type: 'user.registered', userId: seedIds.root, rebateRate: '0.05', registeredAt: nowMs - 48 * hourMs },
        {
          type: 'user.registered',
          userId: seedIds.child,
          parentId: seedIds.root,
          rebateRate: '0.02',
          registeredAt: nowMs - 24 * hourMs,
          tags: ['vip'],
        },
        {
          type: 'bet.placed',
          betId: '40001',
          userId: seedIds.child,
          gameId: 'g',
          periodId: 'p0',
          amount: '150',
          placedAt: nowMs - hourMs,
        },
        { type: 'period.closed', gameId: 'g', periodId: 'p0', closedAt: nowMs - hourMs / 2 },
      ],
    },
    [200],
  );
  await call('POST', '/v1/groups', { id: seedIds.group, name: 'Static', kind: 'static' }, [201]);
  await call(
    'POST',
    '/v1/groups',
    { id: seedIds.dynamicGroup, name: 'Dynamic', kind: 'dynamic', rule: { field: 'vip.level', op: 'gte', value: 1 } },
    [201],
  );
  await call('POST', '/v1/settlements', {}, [201]);
}

// ---- the check ----

export interface FuzzTally {
  readonly statuses: Map<number, number>;
  readonly operations: Map<string, Map<string, number>>;
}

export function newTally(): FuzzTally {
  return { statuses: new Map(), operations: new Map() };
}

const describeRequest = (request: FuzzRequest): string =>
  `${request.operation.method} ${request.url.slice(0, 200)} ${JSON.stringify(request.body).slice(0, 300)}`;

/**
 * Sends one request and checks the contract: 2xx or 4xx, never 5xx; every 4xx is problem+json
 * with a code, naming the field when the request failed validation; a 4xx changes no table.
 */
export async function checkRequest(fuzz: FuzzApp, request: FuzzRequest, tally: FuzzTally): Promise<void> {
  const before = await tableDigest(fuzz.runtime.database);
  const answer = await send(fuzz.app, request);
  const what = `${describeRequest(request)} -> ${answer.statusCode} ${answer.body.slice(0, 400)}`;
  tally.statuses.set(answer.statusCode, (tally.statuses.get(answer.statusCode) ?? 0) + 1);
  const operationName = `${request.operation.method} ${request.operation.path}`;
  const perOperation = tally.operations.get(operationName) ?? new Map<string, number>();
  tally.operations.set(operationName, perOperation);
  const statusClass = `${Math.floor(answer.statusCode / 100)}xx`;
  perOperation.set(statusClass, (perOperation.get(statusClass) ?? 0) + 1);

  assert.ok(answer.statusCode >= 200 && answer.statusCode < 500, `not 2xx/4xx: ${what}`);
  if (answer.statusCode < 300) return;
  assert.match(answer.contentType, /^application\/problem\+json/, `4xx not problem+json: ${what}`);
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  for (const field of ['type', 'title', 'code', 'detail'])
    assert.equal(typeof problem[field], 'string', `problem without ${field}: ${what}`);
  assert.equal(problem.status, answer.statusCode, `problem status differs: ${what}`);
  // A 400 is a fault in the request: it names where, as a JSON pointer. group_not_static is a
  // refusal about the group's kind (its state), not about a field.
  if (answer.statusCode === 400 && problem.code !== 'group_not_static') {
    assert.equal(typeof problem.field, 'string', `a 400 names the field at fault: ${what}`);
    assert.match(String(problem.field), /^\//, `field is a JSON pointer: ${what}`);
  }
  const after = await tableDigest(fuzz.runtime.database);
  assert.deepEqual(changedTables(before, after), [], `a ${answer.statusCode} changed tables: ${what}`);
}
