// Proves DESIGN.md §4 end to end on SQLite and on MariaDB (one SQL code path): group CRUD
// through the HTTP adapter with refusals naming the JSON path (/body/rule/..., /body/policy/...);
// static members added and removed with unknown users refused and listed; a preview that
// counts and samples and writes nothing; a rule edit that diffs every user in batches and
// emits each join and leave exactly once (also when the request hands the rest to the
// background loop); the ingest hook re-evaluating only the groups whose rules read a changed
// field (counted by an injected observer); downlineOf over a 10k-deep chain; deletion
// emitting group.left for every member; the day tick flipping a registeredDays rule when the
// clock moves; effective policies with their sources and settlement's rebate eligibility
// from groups and VIP levels.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { sql } from 'kysely';
import { MemoryCache } from '../../src/adapters/memory/cache.ts';
import { groupRoutes } from '../../src/adapters/http/routes/groups.ts';
import { buildHttpServer, type HttpApp } from '../../src/adapters/http/server.ts';
import { ingestBatch, type IngestDependencies, type IngestItem } from '../../src/app/ingest/ingest-batch.ts';
import { GroupCatalog } from '../../src/app/groups/group-catalog.ts';
import { groupMaintenanceLoopStep } from '../../src/app/groups/group-maintenance.ts';
import type { GroupsDependencies } from '../../src/app/groups/groups-deps.ts';
import { createGroupsHook } from '../../src/app/groups/groups-hook.ts';
import { reevaluateTimeRelativeGroups } from '../../src/app/groups/day-tick.ts';
import { validateLadderPolicies } from '../../src/app/groups/ladder-policies.ts';
import { groupsOfUser, loadRebateEligibility } from '../../src/app/groups/policies.ts';
import type { UserRow } from '../../src/app/ports/store.ts';
import { LadderSource } from '../../src/app/vip/ladder-source.ts';
import { validateLadder } from '../../src/domain/vip/ladder.ts';
import { sqlBackends, openStoreFixture, type StoreFixture } from '../support/backends.ts';

const dayMs = 86_400_000;
const t0 = Date.UTC(2026, 10, 25, 8);
const windowDays = [1, 7, 30, 90];
const topics = { vipChanges: 'vip', groupChanges: 'groups', settlements: 'settlements', dlq: 'dlq' };
const ladderDocument = {
  timezone: 'UTC',
  levels: [
    { level: 0, name: 'Member' },
    {
      level: 1,
      name: 'Bronze',
      promote: { turnoverLifetime: '1000' },
      keep: { turnover30d: '1' },
      policy: { 'rebate.maxPerSettlement': '100' },
    },
    {
      level: 2,
      name: 'Silver',
      promote: { turnoverLifetime: '5000' },
      keep: { turnover30d: '1' },
      policy: { 'rebate.enabled': false },
    },
  ],
  demotion: { mode: 'one_down', cycleDays: 30 },
};

/** Users 100..129: rates 0.01..0.09 cycling, every third one tagged whale, every fifth vip. */
const population = Array.from({ length: 30 }, (_, index) => {
  const id = String(100 + index);
  const rateHundredths = 1 + (index % 9);
  const tags = [...(index % 3 === 0 ? ['whale'] : []), ...(index % 5 === 0 ? ['vip'] : [])];
  return { id, ratePpm: rateHundredths * 10_000, tags };
});
const idsWhere = (predicate: (user: (typeof population)[number]) => boolean): string[] =>
  population.filter(predicate).map((user) => user.id);

interface GroupEvent {
  readonly type: 'group.joined' | 'group.left';
  readonly userId: string;
  readonly groupId: string;
  readonly ruleVersion: number;
  readonly at: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reply bodies are JSON, checked field by field by the assertions
type Body = Record<string, any>;

interface Reply {
  readonly status: number;
  readonly body: Body;
}

for (const backend of sqlBackends) {
  describe(`groups on ${backend}`, () => {
    let fixture: StoreFixture;
    let app: HttpApp;
    let nowMs = t0;
    const clock = { nowMs: () => nowMs };
    const evaluations = new Map<string, number>();
    let groups: GroupsDependencies;
    let ingest: IngestDependencies;

    before(async () => {
      fixture = await openStoreFixture(backend, 'groups');
      await fixture.store.ladders.insert({
        version: 1,
        document: JSON.stringify(ladderDocument),
        actor: 'test',
        createdAtMs: t0,
      });
      const ladders = new LadderSource(windowDays);
      groups = {
        store: fixture.store,
        clock,
        ladders,
        windowDays,
        topic: topics.groupChanges,
        catalog: new GroupCatalog(windowDays),
        batchSize: 7,
        requestBatchesMax: 1_000,
        observer: {
          groupEvaluated: (groupId, users) => evaluations.set(groupId, (evaluations.get(groupId) ?? 0) + users),
        },
      };
      ingest = {
        store: fixture.store,
        cache: new MemoryCache({ clock }),
        clock,
        ladders,
        currency: 'CNY',
        windowDays,
        topics,
        consumerGroup: 'test',
        afterApply: createGroupsHook(groups),
      };
      app = await buildHttpServer({
        logger: pino({ level: 'silent' }),
        registry: new Registry(),
        probes: [],
        adminToken: undefined,
        version: 'test',
        routes: [groupRoutes({ groups })],
      });
      const { results } = await ingestBatch(
        ingest,
        population.map((user) =>
          json({
            type: 'user.registered',
            userId: user.id,
            rebateRate: (user.ratePpm / 1_000_000).toFixed(2),
            registeredAt: t0 - 3_600_000,
            tags: user.tags,
          }),
        ),
      );
      assert.ok(
        results.every((result) => result.status === 'applied'),
        JSON.stringify(results),
      );
    });
    after(async () => {
      await app?.close();
      await fixture?.cleanup();
    });

    const json = (value: unknown): IngestItem => ({ input: { kind: 'json', value } });
    let betCounter = 0;
    const bet = (userId: string, amount: string) =>
      json({
        type: 'bet.placed',
        betId: String(++betCounter),
        userId,
        gameId: 'ssc',
        periodId: 'p1',
        amount,
        placedAt: nowMs - 1_000,
      });

    async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<Reply> {
      const response = await app.inject(
        payload === undefined ? { method, url } : { method, url, payload: payload as Record<string, unknown> },
      );
      return { status: response.statusCode, body: response.json<Body>() };
    }

    function assertProblem(reply: Reply, status: number, code: string, field?: string): void {
      assert.equal(reply.status, status, JSON.stringify(reply.body));
      assert.equal(reply.body.code, code, JSON.stringify(reply.body));
      if (field !== undefined) assert.equal(reply.body.field, field, JSON.stringify(reply.body));
    }

    async function groupEvents(groupId: string): Promise<GroupEvent[]> {
      const records = await fixture.store.outbox.readBatch(1_000_000);
      return records
        .filter((record) => record.topic === topics.groupChanges)
        .map((record) => {
          const event = JSON.parse(record.payload) as GroupEvent;
          assert.equal(record.key, event.userId, 'group events are keyed by user id');
          return event;
        })
        .filter((event) => event.groupId === groupId);
    }

    async function memberIds(groupId: string): Promise<string[]> {
      const ids: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await fixture.store.groups.membersPage(groupId, after, 1_000);
        ids.push(...page.map((member) => member.userId));
        if (page.length < 1_000) return ids.sort();
        after = page.at(-1)!.userId;
      }
    }

    /** Each (type, user, ruleVersion) once, and per user joins and leaves alternate starting with a join. */
    function assertEmittedOnce(events: readonly GroupEvent[]): void {
      const seen = new Set<string>();
      const lastByUser = new Map<string, string>();
      for (const event of events) {
        const key = `${event.type}|${event.userId}|${event.ruleVersion}`;
        assert.ok(!seen.has(key), `emitted twice: ${key}`);
        seen.add(key);
        assert.notEqual(
          lastByUser.get(event.userId) ?? 'group.left',
          event.type,
          `two ${event.type} in a row for ${event.userId}`,
        );
        lastByUser.set(event.userId, event.type);
      }
    }

    /** The members the events add up to. */
    const membersFromEvents = (events: readonly GroupEvent[]): string[] => {
      const members = new Set<string>();
      for (const event of events) {
        if (event.type === 'group.joined') members.add(event.userId);
        else members.delete(event.userId);
      }
      return [...members].sort();
    };

    test('create, read, list by cursor, replace and delete through HTTP', async () => {
      const staticGroup = await call('POST', '/v1/groups', {
        id: 'crud.static',
        name: 'Hand-picked',
        kind: 'static',
        priority: 3,
      });
      assert.equal(staticGroup.status, 201, JSON.stringify(staticGroup.body));
      assert.deepEqual(
        [staticGroup.body.kind, staticGroup.body.rule, staticGroup.body.priority, staticGroup.body.membership],
        ['static', null, 3, null],
      );

      const dynamic = await call('POST', '/v1/groups', {
        id: 'crud:rate-5',
        name: 'Rate 5%+',
        kind: 'dynamic',
        rule: { field: 'user.rebateRate', op: 'gte', value: '0.050' },
      });
      assert.equal(dynamic.status, 201, JSON.stringify(dynamic.body));
      assert.deepEqual(
        dynamic.body.rule,
        { field: 'user.rebateRate', op: 'gte', value: '0.05' },
        'the rule is stored in canonical form',
      );
      assert.deepEqual(dynamic.body.membership, {
        usersExamined: 30,
        joined: idsWhere((user) => user.ratePpm >= 50_000).length,
        left: 0,
        batches: 5,
        complete: true,
      });

      const first = await call('GET', '/v1/groups?limit=1');
      assert.deepEqual(
        first.body.items.map((item: { id: string }) => item.id),
        ['crud.static'],
      );
      const second = await call('GET', `/v1/groups?limit=1&cursor=${first.body.nextCursor}`);
      assert.deepEqual(
        second.body.items.map((item: { id: string }) => item.id),
        ['crud:rate-5'],
      );
      assert.equal(second.body.nextCursor, null);
      assertProblem(await call('GET', '/v1/groups?cursor=not-ours'), 400, 'request_invalid', '/querystring/cursor');

      const read = await call('GET', '/v1/groups/crud:rate-5');
      assert.equal(read.status, 200);
      assert.deepEqual(
        [read.body.ruleVersion, read.body.memberCount, read.body.rebuild],
        [1, idsWhere((user) => user.ratePpm >= 50_000).length, null],
      );

      const renamed = await call('PUT', '/v1/groups/crud:rate-5', {
        name: 'Renamed',
        rule: { field: 'user.rebateRate', op: 'gte', value: '0.05' },
        policy: { 'attributes.badge': 'five' },
      });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.deepEqual(
        [renamed.body.name, renamed.body.ruleVersion, renamed.body.membership, renamed.body.policy],
        ['Renamed', 1, null, { 'attributes.badge': 'five' }],
      );

      assertProblem(
        await call('POST', '/v1/groups', { id: 'crud.static', name: 'again', kind: 'static' }),
        409,
        'group_exists',
        '/body/id',
      );
      assertProblem(await call('GET', '/v1/groups/nope'), 404, 'group_unknown');
      assertProblem(await call('GET', '/v1/groups/bad%20id'), 400, 'request_invalid', '/params/id');

      for (const id of ['crud.static', 'crud:rate-5'])
        assert.equal((await call('DELETE', `/v1/groups/${id}`)).status, 200);
      assert.deepEqual((await call('GET', '/v1/groups')).body.items, []);
      const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, unknown>;
      }>();
      for (const path of [
        '/v1/groups',
        '/v1/groups/{id}',
        '/v1/groups/{id}/members',
        '/v1/groups/preview',
        '/v1/users/{id}/policy',
      ])
        assert.ok(path in openapi.paths, path);
    });

    test('invalid documents are refused with 400 at the JSON path of the request, and nothing is stored', async () => {
      let deep: unknown = { field: 'vip.level', op: 'eq', value: 1 };
      for (let level = 0; level < 32; level += 1) deep = { not: deep };
      const dynamic = (rule: unknown, extra: Record<string, unknown> = {}) => ({
        id: 'v1',
        name: 'v',
        kind: 'dynamic',
        rule,
        ...extra,
      });
      const cases: [unknown, string, string][] = [
        [{ id: 'no spaces', name: 'v', kind: 'static' }, 'request_invalid', '/body/id'],
        [{ id: 'x'.repeat(65), name: 'v', kind: 'static' }, 'request_invalid', '/body/id'],
        [
          dynamic({ all: [{ field: 'vip.levle', op: 'eq', value: 1 }] }),
          'rule_field_unknown',
          '/body/rule/all/0/field',
        ],
        [dynamic({ field: 'vip.level', op: 'like', value: 1 }), 'rule_op_unknown', '/body/rule/op'],
        [dynamic({ field: 'vip.level', op: 'gte', value: '1' }), 'rule_value_invalid', '/body/rule/value'],
        [
          dynamic({ any: [{ field: 'metrics.turnover8d', op: 'gte', value: '1' }] }),
          'rule_field_unknown',
          '/body/rule/any/0/field',
        ],
        [dynamic(deep), 'rule_too_deep', `/body/rule${'/not'.repeat(32)}`],
        [dynamic({ downlineOf: 'abc' }), 'rule_value_invalid', '/body/rule/downlineOf'],
        [dynamic(undefined), 'rule_invalid', '/body/rule'],
        [
          { id: 'v1', name: 'v', kind: 'static', rule: { field: 'vip.level', op: 'eq', value: 1 } },
          'request_invalid',
          '/body/rule',
        ],
        [
          { id: 'v1', name: 'v', kind: 'static', policy: { 'rebate.enable': false } },
          'policy_key_unknown',
          '/body/policy/rebate.enable',
        ],
        [
          { id: 'v1', name: 'v', kind: 'static', policy: { 'rebate.maxPerSettlement': '1.23456' } },
          'policy_value_invalid',
          '/body/policy/rebate.maxPerSettlement',
        ],
        [{ id: 'v1', name: 'v', kind: 'static', policy: [] }, 'policy_invalid', '/body/policy'],
        [{ id: 'v1', kind: 'static' }, 'request_invalid', '/body/name'],
        [{ id: 'v1', name: 'v', kind: 'static', priority: 10_000_000 }, 'request_invalid', '/body/priority'],
      ];
      for (const [body, code, field] of cases) assertProblem(await call('POST', '/v1/groups', body), 400, code, field);
      assertProblem(
        await call('POST', '/v1/groups/preview', { rule: { field: 'user.tags', op: 'gt', value: 'x' } }),
        400,
        'rule_op_unknown',
        '/body/rule/op',
      );
      assert.equal((await call('POST', '/v1/groups', { id: 'v2', name: 'v', kind: 'static' })).status, 201);
      assertProblem(
        await call('PUT', '/v1/groups/v2', {
          name: 'v',
          kind: 'dynamic',
          rule: { field: 'vip.level', op: 'eq', value: 1 },
        }),
        400,
        'request_invalid',
        '/body/kind',
      );
      assertProblem(
        await call('PUT', '/v1/groups/v2', { name: 'v', policy: { 'bet.maxAmount': -1 } }),
        400,
        'policy_value_invalid',
        '/body/policy/bet.maxAmount',
      );
      assert.deepEqual(
        (await call('GET', '/v1/groups')).body.items.map((item: { id: string }) => item.id),
        ['v2'],
      );
      assert.equal((await call('DELETE', '/v1/groups/v2')).status, 200);
    });

    test('static members: added and removed, each event once; unknown users refused and listed; dynamic groups refuse', async () => {
      assert.equal((await call('POST', '/v1/groups', { id: 'manual', name: 'Manual', kind: 'static' })).status, 201);
      const added = await call('POST', '/v1/groups/manual/members', { userIds: ['100', 101] });
      assert.deepEqual([added.status, added.body.added, added.body.alreadyMembers], [200, ['100', '101'], 0]);
      const again = await call('POST', '/v1/groups/manual/members', { userIds: ['101', '102', '102'] });
      assert.deepEqual([again.body.added, again.body.alreadyMembers], [['102'], 1]);
      const unknown = await call('POST', '/v1/groups/manual/members', { userIds: ['103', '999999', '888888'] });
      assertProblem(unknown, 404, 'user_unknown', '/body/userIds/1');
      assert.match(unknown.body.detail as string, /999999, 888888/);
      assertProblem(
        await call('POST', '/v1/groups/manual/members', { userIds: ['1x'] }),
        400,
        'id_invalid',
        '/body/userIds/0',
      );
      assert.deepEqual(await memberIds('manual'), ['100', '101', '102']);

      const removed = await call('DELETE', '/v1/groups/manual/members', { userIds: ['100', '555'] });
      assert.deepEqual([removed.status, removed.body.removed, removed.body.notMembers], [200, ['100'], 1]);

      const page = await call('GET', '/v1/groups/manual/members?limit=1');
      assert.deepEqual(
        page.body.items.map((item: { userId: string; source: string }) => [item.userId, item.source]),
        [['101', 'manual']],
      );
      const rest = await call('GET', `/v1/groups/manual/members?limit=5&cursor=${page.body.nextCursor}`);
      assert.deepEqual(
        [rest.body.items.map((item: { userId: string }) => item.userId), rest.body.nextCursor],
        [['102'], null],
      );

      const events = await groupEvents('manual');
      assertEmittedOnce(events);
      assert.deepEqual(
        events.map((event) => [event.type, event.userId]),
        [
          ['group.joined', '100'],
          ['group.joined', '101'],
          ['group.joined', '102'],
          ['group.left', '100'],
        ],
      );

      assert.equal(
        (
          await call('POST', '/v1/groups', {
            id: 'manual.dyn',
            name: 'D',
            kind: 'dynamic',
            rule: { field: 'user.tags', op: 'has', value: 'vip' },
          })
        ).status,
        201,
      );
      assertProblem(await call('POST', '/v1/groups/manual.dyn/members', { userIds: ['100'] }), 400, 'group_not_static');
      assertProblem(
        await call('DELETE', '/v1/groups/manual.dyn/members', { userIds: ['100'] }),
        400,
        'group_not_static',
      );
      assertProblem(await call('POST', '/v1/groups/missing/members', { userIds: ['100'] }), 404, 'group_unknown');
      for (const id of ['manual', 'manual.dyn']) assert.equal((await call('DELETE', `/v1/groups/${id}`)).status, 200);
    });

    test('preview counts and samples over every user and writes nothing', async () => {
      const countRows = async (
        table: 'outbox' | 'group_members' | 'user_groups' | 'scheduler_state',
      ): Promise<number> => {
        const result = await sql<{ total: unknown }>`select count(*) as total from ${sql.table(table)}`.execute(
          fixture.database.db,
        );
        return Number(result.rows[0]?.total);
      };
      const before = await Promise.all([
        countRows('outbox'),
        countRows('group_members'),
        countRows('user_groups'),
        countRows('scheduler_state'),
      ]);
      const stateBefore = await fixture.database.db.selectFrom('scheduler_state').selectAll().execute();
      const expected = idsWhere((user) => user.tags.includes('whale') && user.ratePpm >= 30_000);
      const preview = await call('POST', '/v1/groups/preview', {
        rule: {
          all: [
            { field: 'user.tags', op: 'has', value: 'whale' },
            { field: 'user.rebateRate', op: 'gte', value: '0.03' },
          ],
        },
        sampleSize: 2,
      });
      assert.equal(preview.status, 200, JSON.stringify(preview.body));
      assert.deepEqual(preview.body, { count: expected.length, sample: expected.slice(0, 2), usersExamined: 30 });
      assert.deepEqual(
        await Promise.all([
          countRows('outbox'),
          countRows('group_members'),
          countRows('user_groups'),
          countRows('scheduler_state'),
        ]),
        before,
      );
      assert.deepEqual(await fixture.database.db.selectFrom('scheduler_state').selectAll().execute(), stateBefore);
    });

    test('a rule edit bumps ruleVersion and diffs every user in batches: each join and leave emitted once', async () => {
      const rate = (value: string) => ({ field: 'user.rebateRate', op: 'gte', value });
      const created = await call('POST', '/v1/groups', {
        id: 'diff',
        name: 'Diff',
        kind: 'dynamic',
        rule: rate('0.05'),
      });
      assert.equal(created.body.membership.joined, idsWhere((user) => user.ratePpm >= 50_000).length);

      const widened = await call('PUT', '/v1/groups/diff', { name: 'Diff', rule: rate('0.03') });
      assert.equal(widened.status, 200, JSON.stringify(widened.body));
      assert.equal(widened.body.ruleVersion, 2);
      assert.deepEqual(
        [widened.body.membership.joined, widened.body.membership.left, widened.body.membership.usersExamined],
        [idsWhere((user) => user.ratePpm >= 30_000 && user.ratePpm < 50_000).length, 0, 30],
      );

      const narrowed = await call('PUT', '/v1/groups/diff', { name: 'Diff', rule: rate('0.07') });
      assert.deepEqual(
        [narrowed.body.ruleVersion, narrowed.body.membership.joined, narrowed.body.membership.left],
        [3, 0, idsWhere((user) => user.ratePpm >= 30_000 && user.ratePpm < 70_000).length],
      );
      const unchanged = await call('PUT', '/v1/groups/diff', { name: 'Diff again', rule: rate('0.070') });
      assert.deepEqual(
        [unchanged.body.ruleVersion, unchanged.body.membership],
        [3, null],
        'the same rule in another spelling is no edit',
      );

      // A request that may run one batch leaves the rest to the background loop: 202, then the loop finishes.
      const oneBatch: GroupsDependencies = { ...groups, requestBatchesMax: 1 };
      const background = await buildHttpServer({
        logger: pino({ level: 'silent' }),
        registry: new Registry(),
        probes: [],
        adminToken: undefined,
        version: 'test',
        routes: [groupRoutes({ groups: oneBatch })],
      });
      try {
        const response = await background.inject({
          method: 'PUT',
          url: '/v1/groups/diff',
          payload: { name: 'Diff', rule: { field: 'user.tags', op: 'has', value: 'whale' } },
        });
        const body = response.json<Body>();
        assert.equal(response.statusCode, 202, JSON.stringify(body));
        assert.deepEqual(
          [body.ruleVersion, body.membership.complete, body.rebuild.pending, body.rebuild.afterUserId],
          [4, false, true, '106'],
        );
      } finally {
        await background.close();
      }
      for (let steps = 0; await groupMaintenanceLoopStep(groups); steps += 1)
        assert.ok(steps < 100, 'the loop finishes');
      assert.equal((await call('GET', '/v1/groups/diff')).body.rebuild, null);

      const expected = idsWhere((user) => user.tags.includes('whale'));
      assert.deepEqual(await memberIds('diff'), expected);
      const events = await groupEvents('diff');
      assertEmittedOnce(events);
      assert.deepEqual(membersFromEvents(events), expected, 'the events add up to the membership');
      assert.deepEqual([...new Set(events.map((event) => event.ruleVersion))], [1, 2, 3, 4]);
      const members = await fixture.store.groups.membersPage('diff', null, 100);
      assert.ok(members.every((member) => member.source === 'rule'));
      assert.equal((await call('DELETE', '/v1/groups/diff')).status, 200);
    });

    test('the hook re-evaluates only the groups whose rules read a changed field, for the changed users only', async () => {
      await call('POST', '/v1/groups', {
        id: 'hook.level',
        name: 'Level 1+',
        kind: 'dynamic',
        rule: { field: 'vip.level', op: 'gte', value: 1 },
      });
      await call('POST', '/v1/groups', {
        id: 'hook.bettor',
        name: 'Turnover 50+',
        kind: 'dynamic',
        rule: { field: 'metrics.turnoverLifetime', op: 'gte', value: '50' },
      });
      await call('POST', '/v1/groups', {
        id: 'hook.tags',
        name: 'Whales',
        kind: 'dynamic',
        rule: { field: 'user.tags', op: 'has', value: 'whale' },
      });
      evaluations.clear();

      // Metrics only (no promotion below 1000): the level and tags groups are not touched.
      await ingestBatch(ingest, [bet('110', '60'), bet('111', '10')]);
      assert.deepEqual(Object.fromEntries(evaluations), { 'hook.bettor': 2 });
      assert.deepEqual(await memberIds('hook.bettor'), ['110']);
      const loadsAfterFirstBatch = groups.catalog.loads;

      // A promotion changes the level and the metrics: both groups, for that user only.
      evaluations.clear();
      const promotion = bet('112', '2000');
      await ingestBatch(ingest, [promotion]);
      assert.deepEqual(Object.fromEntries(evaluations), { 'hook.bettor': 1, 'hook.level': 1 });
      assert.deepEqual(await memberIds('hook.level'), ['112']);
      assert.equal(
        groups.catalog.loads,
        loadsAfterFirstBatch,
        'the rules were cached across batches: no definition changed',
      );

      // A redelivered batch changes nothing and emits nothing.
      const outboxBefore = await fixture.store.outbox.count();
      evaluations.clear();
      await ingestBatch(ingest, [promotion]);
      assert.equal(await fixture.store.outbox.count(), outboxBefore);
      assert.deepEqual(Object.fromEntries(evaluations), {});

      for (const id of ['hook.level', 'hook.bettor', 'hook.tags']) {
        assertEmittedOnce(await groupEvents(id));
        assert.equal((await call('DELETE', `/v1/groups/${id}`)).status, 200);
      }
    });

    test('deleting a group emits group.left for every member, batch by batch, and frees the id', async () => {
      await call('POST', '/v1/groups', {
        id: 'doomed',
        name: 'Doomed',
        kind: 'dynamic',
        rule: { field: 'user.rebateRate', op: 'gte', value: '0.02' },
      });
      const members = await memberIds('doomed');
      assert.ok(members.length > 14, 'more members than two batches');
      const deleted = await call('DELETE', '/v1/groups/doomed');
      assert.deepEqual([deleted.status, deleted.body.left, deleted.body.complete], [200, members.length, true]);
      const events = await groupEvents('doomed');
      assertEmittedOnce(events);
      assert.deepEqual(
        events
          .filter((event) => event.type === 'group.left')
          .map((event) => event.userId)
          .sort(),
        members,
      );
      assert.deepEqual(await memberIds('doomed'), []);
      assertProblem(await call('GET', '/v1/groups/doomed'), 404, 'group_unknown');
      assertProblem(await call('DELETE', '/v1/groups/doomed'), 404, 'group_unknown');
      assert.equal((await call('POST', '/v1/groups', { id: 'doomed', name: 'Again', kind: 'static' })).status, 201);
      assert.equal((await call('DELETE', '/v1/groups/doomed')).status, 200);
    });

    test('the day tick flips a registeredDays rule when the clock moves, once per zone day', async () => {
      await call('POST', '/v1/groups', {
        id: 'veterans',
        name: 'Two days in',
        kind: 'dynamic',
        rule: { field: 'user.registeredDays', op: 'gte', value: 2 },
      });
      assert.deepEqual(await memberIds('veterans'), []);
      const sameDay = await reevaluateTimeRelativeGroups(groups, nowMs);
      assert.deepEqual([sameDay.joined, sameDay.left], [0, 0]);

      nowMs = t0 + 2 * dayMs;
      const tick = await reevaluateTimeRelativeGroups(groups, nowMs);
      const registered = population.map((user) => user.id).sort();
      assert.deepEqual([tick.users >= 30, tick.joined, tick.left, tick.complete], [true, registered.length, 0, true]);
      assert.deepEqual(await memberIds('veterans'), registered);
      const again = await reevaluateTimeRelativeGroups(groups, nowMs + 3_600_000);
      assert.deepEqual([again.users, again.joined], [0, 0], 'the tick of a day runs once');
      const events = await groupEvents('veterans');
      assertEmittedOnce(events);
      assert.equal(events.length, registered.length);
      assert.ok(events.every((event) => event.at === new Date(t0 + 2 * dayMs).toISOString()));
      nowMs = t0;
      assert.equal((await call('DELETE', '/v1/groups/veterans')).status, 200);
    });

    test('effective policy per key with its sources, and rebate eligibility for all users from groups and VIP levels', async () => {
      await call('POST', '/v1/groups', {
        id: 'pol.off',
        name: 'No rebate',
        kind: 'static',
        policy: { 'rebate.enabled': false },
      });
      await call('POST', '/v1/groups', {
        id: 'pol.cap500',
        name: 'Cap 500',
        kind: 'static',
        priority: 5,
        policy: { 'rebate.maxPerSettlement': '500', 'attributes.lounge': 'gold' },
      });
      await call('POST', '/v1/groups', {
        id: 'pol.vip',
        name: 'VIP tag',
        kind: 'dynamic',
        priority: 1,
        rule: { field: 'user.tags', op: 'has', value: 'vip' },
        policy: { 'rebate.maxPerSettlement': '300', 'attributes.lounge': 'silver', 'rebate.enabled': true },
      });
      await call('POST', '/v1/groups/pol.off/members', { userIds: ['121'] });
      await call('POST', '/v1/groups/pol.cap500/members', { userIds: ['121', '125', '126'] });
      // 122 reaches level 2 (rebate off), 123 level 1 (cap 100).
      await ingestBatch(ingest, [bet('122', '6000'), bet('123', '1500')]);

      const policy = await call('GET', '/v1/users/125/policy');
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
      assert.deepEqual([policy.body.vipLevel, policy.body.groups], [0, ['pol.cap500', 'pol.vip']]);
      assert.deepEqual(policy.body.policy['rebate.maxPerSettlement'], {
        value: '300.0000',
        rule: 'lowest_wins',
        source: { kind: 'group', id: 'pol.vip', priority: 1 },
        contributions: [
          { source: { kind: 'group', id: 'pol.cap500', priority: 5 }, value: '500.0000' },
          { source: { kind: 'group', id: 'pol.vip', priority: 1 }, value: '300.0000' },
        ],
      });
      assert.equal(policy.body.policy['attributes.lounge'].value, 'gold', 'the higher-priority group wins attributes');
      assert.deepEqual(policy.body.policy['rebate.enabled'].value, true);
      const silver = await call('GET', '/v1/users/122/policy');
      assert.deepEqual(silver.body.policy['rebate.enabled'].source, { kind: 'vip_level', id: '2', priority: 0 });
      assert.equal(silver.body.policy['rebate.enabled'].value, false);
      assertProblem(await call('GET', '/v1/users/424242/policy'), 404, 'user_unknown');
      assertProblem(await call('GET', '/v1/users/abc/policy'), 400, 'id_invalid', '/params/id');

      const eligibility = await loadRebateEligibility(fixture.store, nowMs);
      assert.deepEqual([...eligibility.disabled].sort(), ['121', '122']);
      assert.equal(eligibility.capMinor.get('121'), 5_000_000n);
      assert.equal(eligibility.capMinor.get('125'), 3_000_000n, 'lowest cap wins: the vip-tag group');
      assert.equal(eligibility.capMinor.get('126'), 5_000_000n);
      assert.equal(eligibility.capMinor.get('123'), 1_000_000n, 'the VIP level 1 cap');
      assert.equal(eligibility.capMinor.get('112'), 1_000_000n, 'promoted in an earlier test');
      assert.equal(eligibility.capMinor.get('100'), 3_000_000n, 'tagged vip');
      assert.equal(eligibility.capMinor.has('101'), false);
      assert.deepEqual(await groupsOfUser(fixture.store, '121'), ['pol.cap500', 'pol.off']);
      assert.deepEqual(await groupsOfUser(fixture.store, '424242'), []);

      const bad = validateLadder(
        {
          ...ladderDocument,
          levels: [ladderDocument.levels[0], { ...ladderDocument.levels[1], policy: { 'rebate.enable': false } }],
        },
        { windowDays },
      );
      assert.ok(bad.ok);
      const refused = validateLadderPolicies(bad.value);
      assert.deepEqual(refused.ok ? null : [refused.code, refused.path], [
        'policy_key_unknown',
        '/levels/1/policy/rebate.enable',
      ]);
      for (const id of ['pol.off', 'pol.cap500', 'pol.vip'])
        assert.equal((await call('DELETE', `/v1/groups/${id}`)).status, 200);
    });

    test('downlineOf over a 10k-deep chain: the rebuild and the hook find exactly the strict descendants', async () => {
      const chainLength = 10_000;
      const chain: UserRow[] = Array.from({ length: chainLength }, (_, index) => ({
        userId: String(1_000_001 + index),
        parentId: index === 0 ? null : String(1_000_000 + index),
        rebateRatePpm: 0,
        placeholder: false,
        registeredAtMs: t0,
        tags: [],
        depth: index,
        directCount: index === chainLength - 1 ? 0 : 1,
      }));
      await fixture.store.users.insertMissing(chain, t0);
      const wide: GroupsDependencies = { ...groups, batchSize: 1_000 };
      const ancestorId = String(1_000_001 + 99);
      const startedMs = Date.now();
      const chainApp = await buildHttpServer({
        logger: pino({ level: 'silent' }),
        registry: new Registry(),
        probes: [],
        adminToken: undefined,
        version: 'test',
        routes: [groupRoutes({ groups: wide })],
      });
      try {
        const created = (
          await chainApp.inject({
            method: 'POST',
            url: '/v1/groups',
            payload: { id: 'below', name: 'Below', kind: 'dynamic', rule: { downlineOf: ancestorId } },
          })
        ).json<Body>();
        assert.deepEqual([created.membership.joined, created.membership.complete], [chainLength - 100, true]);
      } finally {
        await chainApp.close();
      }
      const elapsedMs = Date.now() - startedMs;
      assert.ok(elapsedMs >= 0);
      const members = await memberIds('below');
      assert.equal(members.length, chainLength - 100);
      assert.equal(members.includes(ancestorId), false, 'the ancestor itself is not in its downline');

      // Registered under the bottom of the chain: joins through the hook; under the top: does not.
      const leafId = String(1_000_000 + chainLength);
      await ingestBatch(ingest, [
        json({ type: 'user.registered', userId: '2000000', parentId: leafId, rebateRate: '0', registeredAt: t0 }),
        json({ type: 'user.registered', userId: '2000001', parentId: '1000050', rebateRate: '0', registeredAt: t0 }),
      ]);
      const joined = (await groupEvents('below')).filter(
        (event) => event.userId === '2000000' || event.userId === '2000001',
      );
      assert.deepEqual(
        joined.map((event) => [event.type, event.userId]),
        [['group.joined', '2000000']],
      );
      const ancestors = await fixture.store.groups.ancestorsAmong(
        ['2000000', '2000001', '1000050'],
        [ancestorId, '1000001', '1'],
      );
      assert.deepEqual([...(ancestors.get('2000000') ?? [])].sort(), ['1000001', ancestorId].sort());
      assert.deepEqual([...(ancestors.get('2000001') ?? [])], ['1000001']);
      assert.deepEqual([...(ancestors.get('1000050') ?? [])], ['1000001']);
    });
  });
}
