// The agent endpoints through the real HTTP adapter (buildHttpServer, app.inject, no network)
// over SQLite and MariaDB. Proves the response shapes (ids and rates as decimal strings,
// amounts with 4 fraction digits), that cursors page through uplines and downlines to the
// end, and the status codes: 200; 400 naming the field for a bad id, rate, parent id,
// cursor, limit or depth; 404 for an unknown agent; 409 naming the pair for a rate above
// the parent, the child for a rate below it, and for a move that would make a cycle; and
// that the routes appear in the OpenAPI document.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { agentRoutes } from '../../src/adapters/http/routes/agents.ts';
import { buildHttpServer, type HttpApp } from '../../src/adapters/http/server.ts';
import { createAgentTreeRepository, createAgentTreeTransaction } from '../../src/adapters/sql/agent-tree-repository.ts';
import { insertRows, type SqlDatabase } from '../../src/adapters/sql/database.ts';
import { migrate } from '../../src/adapters/sql/migrate.ts';
import { insertTree, type TreeNode } from '../contract/agent-tree.contract.ts';
import { openDatabaseHarness } from '../support/backends.ts';

const nowMs = 1_764_000_000_000;

/** 1 (10%) ─┬─ 2 (8%) ─┬─ 4 (6%) ── 7 (5%);  3 (9%) ── 6 (2%) under 1;  10 (3%) a root. */
const tree: TreeNode[] = [
  { id: '1', parent: null, ratePpm: 100_000 },
  { id: '2', parent: '1', ratePpm: 80_000 },
  { id: '3', parent: '1', ratePpm: 90_000 },
  { id: '4', parent: '2', ratePpm: 60_000 },
  { id: '5', parent: '2', ratePpm: 70_000 },
  { id: '6', parent: '3', ratePpm: 20_000 },
  { id: '7', parent: '4', ratePpm: 50_000 },
  { id: '10', parent: null, ratePpm: 30_000 },
];

interface Harness {
  readonly database: SqlDatabase;
  cleanup(): Promise<void>;
}

/** The fields the assertions read; whole bodies are compared with deepEqual. */
interface ReplyBody {
  readonly code?: string;
  readonly status?: number;
  readonly field?: string;
  readonly detail?: string;
  readonly items?: readonly { readonly userId: string; readonly depth: number }[];
  readonly nextCursor?: string | null;
  readonly parentId?: string | null;
  readonly depth?: number;
  readonly paths?: Record<string, Record<string, { readonly requestBody?: unknown }>>;
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: ReplyBody;
}

function agentsApi(name: string, open: () => Promise<Harness>): void {
  describe(`agents API: ${name}`, () => {
    let harness: Harness;
    let app: HttpApp;

    async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<Reply> {
      const response = await app.inject(
        payload === undefined ? { method, url } : { method, url, payload: payload as Record<string, unknown> },
      );
      return {
        status: response.statusCode,
        contentType: String(response.headers['content-type']),
        body: response.json<ReplyBody>(),
      };
    }

    function assertProblem(reply: Reply, status: number, code: string, field?: string): void {
      assert.equal(reply.status, status, JSON.stringify(reply.body));
      assert.match(reply.contentType, /application\/problem\+json/);
      assert.equal(reply.body.code, code);
      assert.equal(reply.body.status, status);
      if (field !== undefined) assert.equal(reply.body.field, field);
    }

    before(async () => {
      harness = await open();
      const { database } = harness;
      await migrate(database, nowMs);
      await insertTree(database, tree, nowMs);
      await insertRows(
        database,
        database.db,
        'user_totals',
        ['user_id', 'turnover_minor', 'bet_count'],
        [
          [4n, 12_345n, 2],
          [7n, 5n, 1],
        ],
        '',
      );
      app = await buildHttpServer({
        logger: pino({ level: 'silent' }),
        registry: new Registry(),
        probes: [],
        adminToken: undefined,
        version: 'test',
        routes: [
          agentRoutes({
            tree: createAgentTreeRepository(database, database.db),
            transaction: createAgentTreeTransaction(database),
            clock: { nowMs: () => nowMs + 1 },
          }),
        ],
      });
    });

    after(async () => {
      await app.close();
      await harness.cleanup();
    });

    test('GET upline: ancestors nearest first, rates as decimal strings; cursors page to the end', async () => {
      const reply = await call('GET', '/v1/agents/7/upline');
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, {
        userId: '7',
        items: [
          { userId: '4', parentId: '2', distance: 1, depth: 2, rebateRate: '0.06', placeholder: false },
          { userId: '2', parentId: '1', distance: 2, depth: 1, rebateRate: '0.08', placeholder: false },
          { userId: '1', parentId: null, distance: 3, depth: 0, rebateRate: '0.1', placeholder: false },
        ],
        nextCursor: null,
      });
      const seen: string[] = [];
      let url = '/v1/agents/7/upline?limit=1';
      for (let page = 0; page < 10; page += 1) {
        const paged = await call('GET', url);
        assert.equal(paged.status, 200);
        seen.push(...paged.body.items!.map((item) => item.userId));
        if (paged.body.nextCursor === null) break;
        url = `/v1/agents/7/upline?limit=1&cursor=${paged.body.nextCursor}`;
      }
      assert.deepEqual(seen, ['4', '2', '1']);
    });

    test('GET downline: direct children by default, every level with depth=, paged in (level, id) order', async () => {
      const direct = await call('GET', '/v1/agents/1/downline');
      assert.equal(direct.status, 200);
      assert.deepEqual(direct.body, {
        userId: '1',
        depth: 1,
        items: [
          { userId: '2', parentId: '1', level: 1, depth: 1, rebateRate: '0.08', placeholder: false, directCount: 2 },
          { userId: '3', parentId: '1', level: 1, depth: 1, rebateRate: '0.09', placeholder: false, directCount: 1 },
        ],
        nextCursor: null,
      });
      const seen: string[] = [];
      let url = '/v1/agents/1/downline?depth=1000000&limit=2';
      for (let page = 0; page < 10; page += 1) {
        const paged = await call('GET', url);
        assert.equal(paged.status, 200);
        seen.push(...paged.body.items!.map((item) => item.userId));
        if (paged.body.nextCursor === null) break;
        url = `/v1/agents/1/downline?depth=1000000&limit=2&cursor=${paged.body.nextCursor}`;
      }
      assert.deepEqual(seen, ['2', '3', '4', '5', '6', '7']);
    });

    test('GET team: size, direct count, depth and lifetime turnover with 4 fraction digits', async () => {
      const reply = await call('GET', '/v1/agents/2/team');
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, {
        userId: '2',
        teamSize: 3,
        directCount: 2,
        maxDepth: 2,
        teamTurnoverLifetime: '1.2350',
      });
    });

    test('a bad id, cursor, limit or depth is a 400 naming the field', async () => {
      assertProblem(await call('GET', '/v1/agents/abc/upline'), 400, 'id_invalid', '/params/id');
      assertProblem(await call('GET', '/v1/agents/0/team'), 400, 'id_out_of_range', '/params/id');
      assertProblem(await call('GET', '/v1/agents/9223372036854775808/downline'), 400, 'id_out_of_range', '/params/id');
      assertProblem(
        await call('GET', '/v1/agents/7/upline?cursor=not-ours'),
        400,
        'request_invalid',
        '/querystring/cursor',
      );
      const other = await call('GET', '/v1/agents/7/upline?limit=1');
      assertProblem(
        await call('GET', `/v1/agents/5/upline?cursor=${other.body.nextCursor}`),
        400,
        'request_invalid',
        '/querystring/cursor',
      );
      assertProblem(await call('GET', '/v1/agents/7/upline?limit=0'), 400, 'request_invalid', '/querystring/limit');
      assertProblem(await call('GET', '/v1/agents/7/upline?limit=1001'), 400, 'request_invalid', '/querystring/limit');
      assertProblem(await call('GET', '/v1/agents/1/downline?depth=0'), 400, 'request_invalid', '/querystring/depth');
    });

    test('an unknown agent is a 404 on every endpoint', async () => {
      assertProblem(await call('GET', '/v1/agents/999/upline'), 404, 'user_unknown');
      assertProblem(await call('GET', '/v1/agents/999/downline'), 404, 'user_unknown');
      assertProblem(await call('GET', '/v1/agents/999/team'), 404, 'user_unknown');
      assertProblem(await call('PUT', '/v1/agents/999/rebate-rate', { rebateRate: '0.01' }), 404, 'user_unknown');
      assertProblem(await call('POST', '/v1/agents/999/move', { parentId: '1' }), 404, 'user_unknown');
    });

    test('PUT rebate-rate: 200 with both rates, 400 naming the field, 409 naming the pair or the child', async () => {
      const changed = await call('PUT', '/v1/agents/7/rebate-rate', { rebateRate: '0.055', actor: 'alice' });
      assert.equal(changed.status, 200);
      assert.deepEqual(changed.body, {
        userId: '7',
        parentId: '4',
        rebateRate: '0.055',
        previousRebateRate: '0.05',
        changed: true,
        actor: 'alice',
      });
      assertProblem(
        await call('PUT', '/v1/agents/7/rebate-rate', { rebateRate: 'abc' }),
        400,
        'rate_not_decimal',
        '/body/rebateRate',
      );
      assertProblem(
        await call('PUT', '/v1/agents/7/rebate-rate', { rebateRate: '1.5' }),
        400,
        'rate_too_large',
        '/body/rebateRate',
      );
      assertProblem(await call('PUT', '/v1/agents/7/rebate-rate', {}), 400, 'request_invalid', '/body/rebateRate');
      const above = await call('PUT', '/v1/agents/4/rebate-rate', { rebateRate: '0.081' });
      assertProblem(above, 409, 'rate_above_parent');
      for (const part of [/user 4\b/, /parent 2\b/, /0\.081\b/, /0\.08\b/]) assert.match(above.body.detail!, part);
      const below = await call('PUT', '/v1/agents/2/rebate-rate', { rebateRate: '0.065' });
      assertProblem(below, 409, 'rate_below_child');
      assert.match(below.body.detail!, /user 2\b.*child 5\b/);
    });

    test('POST move: 200 with the new position, 400 naming the parent field, 409 for a cycle or a rate above the new parent', async () => {
      assertProblem(await call('POST', '/v1/agents/2/move', { parentId: 'x' }), 400, 'id_invalid', '/body/parentId');
      assertProblem(await call('POST', '/v1/agents/2/move', {}), 400, 'request_invalid', '/body/parentId');
      assertProblem(
        await call('POST', '/v1/agents/2/move', { parentId: '999' }),
        400,
        'parent_unknown',
        '/body/parentId',
      );
      const cycle = await call('POST', '/v1/agents/2/move', { parentId: '7' });
      assertProblem(cycle, 409, 'move_cycle');
      assert.match(cycle.body.detail!, /2\b.*7\b/);
      const above = await call('POST', '/v1/agents/4/move', { parentId: '10' });
      assertProblem(above, 409, 'rate_above_parent');
      assert.match(above.body.detail!, /user 4\b.*parent 10\b/);

      const moved = await call('POST', '/v1/agents/2/move', { parentId: '3', actor: 'alice', reason: 'team merge' });
      assert.equal(moved.status, 200);
      assert.deepEqual(moved.body, {
        userId: '2',
        parentId: '3',
        previousParentId: '1',
        depth: 2,
        previousDepth: 1,
        depthsShifted: 4,
        changed: true,
        actor: 'alice',
        reason: 'team merge',
      });
      const upline = await call('GET', '/v1/agents/7/upline');
      assert.deepEqual(
        upline.body.items!.map((item) => [item.userId, item.depth]),
        [
          ['4', 3],
          ['2', 2],
          ['3', 1],
          ['1', 0],
        ],
      );
      const toRoot = await call('POST', '/v1/agents/2/move', { parentId: null });
      assert.equal(toRoot.status, 200);
      assert.equal(toRoot.body.parentId, null);
      assert.equal(toRoot.body.depth, 0);
      assert.equal((await call('POST', '/v1/agents/2/move', { parentId: '1' })).body.depth, 1);
    });

    test('the agent routes are in the OpenAPI document', async () => {
      const reply = await call('GET', '/openapi.json');
      assert.equal(reply.status, 200);
      for (const path of [
        '/v1/agents/{id}/upline',
        '/v1/agents/{id}/downline',
        '/v1/agents/{id}/team',
        '/v1/agents/{id}/move',
        '/v1/agents/{id}/rebate-rate',
      ]) {
        assert.ok(reply.body.paths![path] !== undefined, `${path} documented`);
      }
      assert.ok(reply.body.paths!['/v1/agents/{id}/rebate-rate']!.put!.requestBody !== undefined);
    });
  });
}

agentsApi('sqlite', () => openDatabaseHarness('sqlite', 'agents_api'));

agentsApi('mysql', () => openDatabaseHarness('mysql', 'agents_api'));
