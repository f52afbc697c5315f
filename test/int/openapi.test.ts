// Proves the "Product surface" contract of the admin API, on the service as `tiernet serve`
// builds it (openRuntime + startService, embedded backends):
// 1. /openapi.json documents every /v1 operation with tags, a summary, a success response
//    whose JSON schema has a shape (properties, items, or a described union), open shapes
//    nested inside it described, and problem responses: 401/403 everywhere (every /v1 route
//    takes a bearer token), 400 where there is input to refuse, 404 where a path id can be
//    unknown. It iterates the document, so a route added later without a response schema
//    (settlements, rebates, ...) fails here without this file changing. /docs serves HTML.
// 2. Response schemas drop nothing: Fastify serialises from the schema and silently omits
//    every field the schema lacks, so for each VIP and group operation the body the handler
//    produced (captured before serialisation) must equal the body on the wire, with nested
//    overrides, keep/rise comparisons, metric maps, history causes and policies present.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { startService, type RunningService } from '../../src/main/service.ts';
import { buildHttpServer, type HttpApp } from '../../src/adapters/http/server.ts';
import { eventRoutes } from '../../src/adapters/http/routes/events.ts';
import { vipRoutes } from '../../src/adapters/http/routes/vip.ts';
import { groupRoutes } from '../../src/adapters/http/routes/groups.ts';

const token = 'openapi-test-token-0123456789';
const httpMethods = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Operations this suite knows must be documented; the check itself covers every /v1 operation found. */
const expectedOperations = [
  'GET /v1/vip/ladder',
  'PUT /v1/vip/ladder',
  'GET /v1/vip/ladder/versions',
  'GET /v1/users/{id}',
  'GET /v1/users/{id}/vip-history',
  'GET /v1/users/{id}/explain',
  'PUT /v1/users/{id}/vip',
  'GET /v1/users/{id}/policy',
  'GET /v1/groups',
  'POST /v1/groups',
  'POST /v1/groups/preview',
  'GET /v1/groups/{id}',
  'PUT /v1/groups/{id}',
  'DELETE /v1/groups/{id}',
  'GET /v1/groups/{id}/members',
  'POST /v1/groups/{id}/members',
  'DELETE /v1/groups/{id}/members',
  'POST /v1/events',
];

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly $ref?: string;
}

interface Operation {
  readonly tags?: readonly string[];
  readonly summary?: string;
  readonly parameters?: readonly { readonly in: string; readonly name: string }[];
  readonly requestBody?: unknown;
  readonly responses?: Readonly<
    Record<string, { readonly content?: Readonly<Record<string, { readonly schema?: JsonSchema }>> }>
  >;
}

interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Partial<Record<(typeof httpMethods)[number], Operation>>>>;
}

const isEmptyRecord = (record: Readonly<Record<string, unknown>> | undefined): boolean =>
  record === undefined || Object.keys(record).length === 0;

/** A schema that says nothing about its value: no type, no shape, no constraint. */
function saysNothing(schema: JsonSchema): boolean {
  if (
    schema.anyOf ||
    schema.oneOf ||
    schema.allOf ||
    schema.$ref !== undefined ||
    schema.const !== undefined ||
    schema.enum
  )
    return false;
  if (schema.type === undefined) return true;
  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
  const isMap = typeof schema.additionalProperties === 'object' || !isEmptyRecord(schema.patternProperties);
  return isObject && isEmptyRecord(schema.properties) && !isMap && schema.additionalProperties !== false;
}

function childrenOf(schema: JsonSchema): [string, JsonSchema][] {
  const children: [string, JsonSchema][] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) children.push([`/properties/${name}`, child]);
  for (const [pattern, child] of Object.entries(schema.patternProperties ?? {}))
    children.push([`/patternProperties/${pattern}`, child]);
  if (typeof schema.additionalProperties === 'object')
    children.push(['/additionalProperties', schema.additionalProperties]);
  if (schema.items !== undefined) children.push(['/items', schema.items]);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    schema[key]?.forEach((child, index) => children.push([`/${key}/${index}`, child]));
  return children;
}

/** JSON pointers of nodes that are open (say nothing) and do not describe what they hold. */
function undescribedOpenNodes(root: JsonSchema): string[] {
  const found: string[] = [];
  const stack: [string, JsonSchema][] = [['', root]];
  // Response schemas are small trees; the bound turns a cycle or a runaway schema into a failure.
  for (let visited = 0; stack.length > 0; visited++) {
    assert.ok(visited < 10_000, 'response schema has more than 10000 nodes');
    const [pointer, schema] = stack.pop() as [string, JsonSchema];
    if (saysNothing(schema) && (schema.description ?? '').trim() === '') found.push(pointer || '/');
    for (const [childPointer, child] of childrenOf(schema)) stack.push([`${pointer}${childPointer}`, child]);
  }
  return found;
}

/** The top of a success body must have a shape: fields, items, a map, or a described union. */
function hasShape(schema: JsonSchema): boolean {
  if (!isEmptyRecord(schema.properties) || schema.items !== undefined) return true;
  if (!isEmptyRecord(schema.patternProperties) || typeof schema.additionalProperties === 'object') return true;
  const union = schema.anyOf ?? schema.oneOf;
  return union !== undefined && union.length > 0 && (schema.description ?? '').trim() !== '';
}

const jsonSchemaOf = (operation: Operation, status: string): JsonSchema | undefined => {
  const content = operation.responses?.[status]?.content;
  return content?.['application/json']?.schema ?? content?.['application/problem+json']?.schema;
};

function isProblemSchema(schema: JsonSchema | undefined): boolean {
  if (schema === undefined) return false;
  return ['type', 'title', 'status', 'code', 'detail'].every(
    (field) => schema.properties?.[field] !== undefined && (schema.required ?? []).includes(field),
  );
}

/** Everything wrong with one operation's documentation; empty when it is complete. */
function operationFaults(path: string, operation: Operation): string[] {
  const faults: string[] = [];
  if ((operation.summary ?? '').trim() === '') faults.push('no summary');
  if ((operation.tags ?? []).length === 0) faults.push('no tags');
  const statuses = Object.keys(operation.responses ?? {});
  const successes = statuses.filter((status) => /^2\d\d$/.test(status));
  if (successes.length === 0) faults.push('no success response documented');
  for (const status of successes) {
    const schema = jsonSchemaOf(operation, status);
    if (schema === undefined) faults.push(`${status}: no JSON response schema`);
    else if (!hasShape(schema))
      faults.push(`${status}: the response schema has no shape (no properties, items or described union)`);
    else
      for (const pointer of undescribedOpenNodes(schema))
        faults.push(`${status}: open schema without a description at ${pointer}`);
  }
  const needsProblem = (status: string, why: string) => {
    if (!isProblemSchema(jsonSchemaOf(operation, status))) faults.push(`${status} problem response missing (${why})`);
  };
  needsProblem('401', 'every /v1 route takes a bearer token');
  needsProblem('403', 'every /v1 route takes a bearer token');
  if ((operation.parameters ?? []).length > 0 || operation.requestBody !== undefined)
    needsProblem('400', 'it has input that can be refused');
  if (path.includes('{')) needsProblem('404', 'its path names something that may not exist');
  return faults;
}

describe('OpenAPI on the service as `tiernet serve` builds it (embedded backends)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-openapi-'));
  let runtime: Runtime;
  let service: RunningService;

  before(async () => {
    const config = loadConfig({
      env: { TIERNET_DATA_DIR: dataDir, TIERNET_PORT: '0', TIERNET_HOST: '127.0.0.1', TIERNET_ADMIN_TOKEN: token },
    });
    runtime = await openRuntime(config, pino({ level: 'silent' }));
    await runtime.migrate();
    service = await startService(runtime, { version: 'test', reviewIntervalMs: 60_000 });
  });
  after(async () => {
    await service.stop();
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('every /v1 operation has a summary, a shaped success schema and problem responses', async () => {
    const response = await fetch(`${service.address}/openapi.json`);
    assert.equal(response.status, 200, 'the document is public');
    const document = (await response.json()) as OpenApiDocument;
    const seen: string[] = [];
    const faults: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const method of httpMethods) {
        const operation = item[method];
        if (operation === undefined) continue;
        const name = `${method.toUpperCase()} ${path}`;
        seen.push(name);
        for (const fault of operationFaults(path, operation)) faults.push(`${name}: ${fault}`);
      }
    }
    assert.deepEqual(faults, [], `undocumented parts of the API:\n${faults.join('\n')}`);
    const missing = expectedOperations.filter((name) => !seen.includes(name));
    assert.deepEqual(missing, [], 'operations the service serves but the document lacks');
  });

  test('the checks reject a route without a response schema, or with an open one', () => {
    const problem = {
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['type', 'title', 'status', 'code', 'detail'],
            properties: { type: {}, title: {}, status: {}, code: {}, detail: {} },
          },
        },
      },
    };
    const problems = { 400: problem, 401: problem, 403: problem, 404: problem };
    const base = { tags: ['t'], summary: 's', parameters: [{ in: 'path', name: 'id' }] };
    const withBody = (schema: JsonSchema | undefined): Operation => ({
      ...base,
      responses: { 200: schema === undefined ? {} : { content: { 'application/json': { schema } } }, ...problems },
    });
    assert.deepEqual(
      operationFaults('/v1/x/{id}', withBody({ type: 'object', properties: { a: { type: 'string' } } })),
      [],
    );
    assert.deepEqual(operationFaults('/v1/x/{id}', withBody(undefined)), ['200: no JSON response schema']);
    assert.equal(
      operationFaults('/v1/x/{id}', withBody({ type: 'object', additionalProperties: true })).length,
      1,
      'an empty object (the old JsonObject)',
    );
    assert.deepEqual(operationFaults('/v1/x/{id}', withBody({ type: 'object', properties: { doc: {} } })), [
      '200: open schema without a description at /properties/doc',
    ]);
    assert.deepEqual(
      operationFaults('/v1/x/{id}', withBody({ type: 'object', properties: { doc: { description: 'as written' } } })),
      [],
    );
    assert.deepEqual(
      operationFaults('/v1/x/{id}', withBody({ type: 'object', additionalProperties: { type: 'string' } })),
      [],
      'a map has a shape',
    );
    assert.deepEqual(
      operationFaults('/v1/x/{id}', {
        ...base,
        responses: { 200: withBody({ type: 'array', items: { type: 'string' } }).responses?.[200] ?? {} },
      }),
      [
        '401 problem response missing (every /v1 route takes a bearer token)',
        '403 problem response missing (every /v1 route takes a bearer token)',
        '400 problem response missing (it has input that can be refused)',
        '404 problem response missing (its path names something that may not exist)',
      ],
    );
  });

  test('/docs serves the HTML explorer without a token', async () => {
    const response = await fetch(`${service.address}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await response.text(), /swagger/i);
  });

  describe('response schemas drop nothing the handlers return', () => {
    let app: HttpApp;
    let produced: unknown;
    const dayMs = 86_400_000;
    const nowMs = Date.now();

    before(async () => {
      // The service's own app cannot take a hook once it listens: the same route plugins on a
      // second app over the same runtime, with a capture of each body before serialisation.
      const capture = async (target: HttpApp): Promise<void> => {
        target.addHook('preSerialization', async (_request, _reply, payload) => {
          produced = JSON.parse(JSON.stringify(payload)) as unknown;
          return payload;
        });
      };
      app = await buildHttpServer({
        logger: pino({ level: 'silent' }),
        registry: runtime.registry,
        probes: [],
        adminToken: token,
        version: 'test',
        mutationsPerMinute: 0,
        routes: [
          capture,
          eventRoutes({ ingest: runtime.ingest, afterIngest: () => {} }),
          vipRoutes(runtime.vip),
          groupRoutes({ groups: runtime.groups }),
        ],
      });
    });
    after(async () => {
      await app.close();
    });

    const roundTrip = async (
      method: 'GET' | 'PUT' | 'POST' | 'DELETE',
      url: string,
      status: number,
      payload?: unknown,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are JSON; the assertions read nested fields
    ): Promise<Record<string, any>> => {
      produced = undefined;
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
      assert.notEqual(produced, undefined, `${method} ${url}: the handler's body was captured`);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
      const body = response.json<Record<string, any>>();
      assert.deepEqual(body, produced, `${method} ${url}: the wire body differs from what the handler returned`);
      return body;
    };

    test('ladder, user view, explain, override and history', async () => {
      const ladder = {
        timezone: 'UTC',
        levels: [
          { level: 0, name: 'Member' },
          {
            level: 1,
            name: 'Bronze',
            promote: { turnoverLifetime: '100' },
            keep: { turnover30d: '100', betCount30d: 2 },
            policy: { 'rebate.maxPerSettlement': '50' },
          },
          {
            level: 2,
            name: 'Silver',
            promote: { turnoverLifetime: '1000', betCount30d: 5 },
            keep: { turnover30d: '500' },
            policy: { 'rebate.maxPerSettlement': '40' },
          },
          { level: 3, name: 'Gold' },
        ],
        demotion: { mode: 'one_down', cycleDays: 30, graceDays: 3 },
      };
      assert.equal((await roundTrip('GET', '/v1/vip/ladder', 200)).version, 0);
      const stored = await roundTrip('PUT', '/v1/vip/ladder', 200, ladder);
      assert.deepEqual(stored.ladder, ladder, 'the ladder comes back as written');
      assert.equal((await roundTrip('GET', '/v1/vip/ladder/versions', 200)).items[0].ladder.levels.length, 4);

      await roundTrip('POST', '/v1/events', 200, {
        events: [
          {
            type: 'user.registered',
            userId: '7100',
            rebateRate: '0.05',
            registeredAt: nowMs - 2 * dayMs,
            tags: ['whale'],
          },
          {
            type: 'user.registered',
            userId: '7101',
            parentId: '7100',
            rebateRate: '0.02',
            registeredAt: nowMs - dayMs,
          },
          {
            type: 'bet.placed',
            betId: '71001',
            userId: '7101',
            gameId: 'g',
            periodId: 'p1',
            amount: '150',
            placedAt: nowMs - 60_000,
          },
          {
            type: 'bet.placed',
            betId: '71002',
            userId: '7101',
            gameId: 'g',
            periodId: 'p1',
            amount: '25.5',
            placedAt: nowMs - 30_000,
          },
        ],
      });
      const user = await roundTrip('GET', '/v1/users/7101', 200);
      assert.equal(user.parentId, '7100');
      assert.equal(user.vip.level, 1);
      assert.equal(user.metrics.turnoverLifetime, '175.5000');
      assert.equal(user.metrics.betCount30d, 2);

      const explain = await roundTrip('GET', '/v1/users/7101/explain', 200);
      assert.notEqual(explain.keep, null, 'a keep cycle runs at Bronze');
      assert.equal(explain.keep.metrics.length, 2, 'money and count comparisons');
      assert.notEqual(explain.rise.metrics, null);
      assert.equal(typeof explain.keep.ifJudgedNow.reason, 'string');

      const overridden = await roundTrip('PUT', '/v1/users/7101/vip', 200, {
        kind: 'floor',
        level: 2,
        reason: 'ticket 42',
        actor: 'ops',
        expiresAt: new Date(nowMs + 10 * dayMs).toISOString(),
      });
      assert.deepEqual(overridden.vip.override, {
        kind: 'floor',
        level: 2,
        reason: 'ticket 42',
        actor: 'ops',
        expiresAt: new Date(nowMs + 10 * dayMs).toISOString(),
      });
      const frozen = await roundTrip('PUT', '/v1/users/7101/vip', 200, {
        kind: 'freeze',
        reason: 'audit',
        actor: 'ops',
      });
      assert.equal(frozen.vip.override.expiresAt, null);
      const explained = await roundTrip('GET', '/v1/users/7101/explain', 200);
      assert.equal(explained.rise.blockedBy, 'freeze');
      assert.equal(explained.basis, 'override');
      await roundTrip('GET', '/v1/users/7101', 200);
      await roundTrip('PUT', '/v1/users/7101/vip', 200, { kind: 'none', reason: 'audit done', actor: 'ops' });

      const history = await roundTrip('GET', '/v1/users/7101/vip-history?limit=50', 200);
      const kinds = history.items.map((row: { cause: { kind: string } | null }) => row.cause?.kind);
      for (const kind of ['bet', 'override', 'override_removed'])
        assert.ok(kinds.includes(kind), `a ${kind} cause in ${JSON.stringify(kinds)}`);
      assert.ok(
        history.items.some((row: { cause: Record<string, unknown> | null }) => row.cause?.override !== undefined),
        'nested override inside a cause',
      );
      await roundTrip('GET', '/v1/users/7100', 200);
      await roundTrip('GET', '/v1/users/7100/explain', 200);
    });

    test('groups: create, preview, read, members, replace, policy, delete', async () => {
      const dynamic = await roundTrip('POST', '/v1/groups', 201, {
        id: 'openapi.whales',
        name: 'Whales',
        kind: 'dynamic',
        priority: 3,
        rule: { any: [{ field: 'user.tags', op: 'has', value: 'whale' }, { downlineOf: '7100' }] },
        policy: { 'rebate.maxPerSettlement': '25', 'attributes.lounge': 'gold', 'attributes.seats': 2 },
      });
      assert.notEqual(dynamic.membership, null);
      assert.deepEqual(dynamic.policy, {
        'attributes.lounge': 'gold',
        'attributes.seats': 2,
        'rebate.maxPerSettlement': '25.0000',
      });
      await roundTrip('POST', '/v1/groups', 201, {
        id: 'openapi.manual',
        name: 'Manual',
        kind: 'static',
        policy: { 'rebate.enabled': false },
      });
      const preview = await roundTrip('POST', '/v1/groups/preview', 200, {
        rule: { field: 'user.tags', op: 'has', value: 'whale' },
        sampleSize: 5,
      });
      assert.ok(preview.sample.includes('7100'));
      assert.equal((await roundTrip('GET', '/v1/groups/openapi.whales', 200)).memberCount, 2);
      assert.ok((await roundTrip('GET', '/v1/groups?limit=10', 200)).items.length >= 2);
      assert.deepEqual(
        (await roundTrip('POST', '/v1/groups/openapi.manual/members', 200, { userIds: ['7100', '7101'] })).added,
        ['7100', '7101'],
      );
      assert.equal(
        (await roundTrip('DELETE', '/v1/groups/openapi.manual/members', 200, { userIds: ['7100'] })).removed.length,
        1,
      );
      assert.equal((await roundTrip('GET', '/v1/groups/openapi.whales/members', 200)).items.length, 2);

      const policy = await roundTrip('GET', '/v1/users/7101/policy', 200);
      assert.equal(policy.policy['rebate.enabled'].value, false);
      assert.equal(policy.policy['attributes.seats'].contributions[0].source.kind, 'group');
      assert.equal(policy.vipLevel, 2, 'the floor lifted the user to Silver');
      assert.deepEqual(
        policy.policy['rebate.maxPerSettlement'].contributions.map(
          (item: { source: { kind: string } }) => item.source.kind,
        ),
        ['group', 'vip_level'],
      );
      assert.equal(policy.policy['bet.maxAmount'], null);

      const replaced = await roundTrip('PUT', '/v1/groups/openapi.whales', 200, {
        name: 'Whales only',
        rule: { field: 'user.tags', op: 'has', value: 'whale' },
        priority: 4,
      });
      assert.equal(replaced.ruleVersion, 2);
      assert.equal(replaced.membership.left, 1);
      const deleted = await roundTrip('DELETE', '/v1/groups/openapi.whales', 200);
      assert.deepEqual(deleted, { id: 'openapi.whales', deleted: true, left: 1, complete: true });
    });
  });
});
