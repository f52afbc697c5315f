// SQL-injection strings on SQLite and MariaDB: every free-text field the API and the events
// let through — group names and policy attribute values, ladder level names, the actor header
// on ladder and rebate-policy edits, override reasons and actors, agent move reasons and
// actors, and the original text of a dead-lettered event (a currency, a game id, an unknown
// type holding the string) — is stored verbatim and read back byte for byte, and no statement
// in them runs: every table is still there with the rows it had.
// (gameId, periodId, ids, tags and the currency are refused unless they match their strict
// patterns, so an injection string there only reaches the store inside a dead letter.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ingestBatch } from '../../src/app/ingest/ingest-batch.ts';
import { fuzzToken, openFuzzApp, seed, seedIds, type FuzzApp } from '../support/api-fuzz.ts';
import { sqlBackends } from '../support/backends.ts';
import { tableNames } from '../support/table-digest.ts';

const injections = [
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  "Robert'); DROP TABLE user_groups;--",
  "1' OR '1'='1",
  '1; DELETE FROM bets',
  "\\'; DROP TABLE outbox; --",
  '\\',
  '\\\\',
  "\\'",
  '\\"',
  "%' OR 1=1 --",
  '`users`',
  '/* comment */ SELECT 1',
  '$1 ? :name @var',
  "' UNION SELECT user_id FROM users --",
  'O\'Brien "quoted" 😀 \u202eRTL',
];
const auth = { authorization: `Bearer ${fuzzToken}` };

for (const backend of sqlBackends) {
  describe(`SQL-injection strings on ${backend}`, () => {
    let fuzz: FuzzApp;
    const nowMs = Date.now();
    let tablesBefore: string[];
    let usersBefore: number;

    before(async () => {
      fuzz = await openFuzzApp(backend, `sql_injection_${backend}`);
      await seed(fuzz.app, nowMs);
      tablesBefore = await tableNames(fuzz.runtime.database);
      usersBefore = await fuzz.runtime.store.users.count();
    });
    after(async () => {
      await fuzz?.cleanup();
    });

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are JSON; the assertions read nested fields
    const call = async (method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown, headers = {}): Promise<any> => {
      const response = await fuzz.app.inject({
        method,
        url,
        headers: { ...auth, ...headers },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    };

    test('group names and policy attribute values come back byte for byte', async () => {
      for (const [index, text] of injections.entries()) {
        const id = `inj.${index}`;
        await call('POST', '/v1/groups', {
          id,
          name: text,
          kind: 'static',
          policy: { 'attributes.note': text },
        });
        const group = await call('GET', `/v1/groups/${id}`);
        assert.equal(group.name, text);
        assert.equal(group.policy['attributes.note'], text);
        await call('POST', `/v1/groups/${id}/members`, { userIds: [seedIds.child] });
      }
      const policy = await call('GET', `/v1/users/${seedIds.child}/policy`);
      assert.ok(injections.includes(policy.policy['attributes.note'].value), 'the effective attribute is one of them');
      const page = await call('GET', '/v1/groups?limit=1000');
      const names = page.items.map((item: { name: string }) => item.name);
      for (const text of injections) assert.ok(names.includes(text), `listed: ${text}`);
    });

    test('ladder level names and the actor of ladder and rebate-policy versions', async () => {
      const actor = "admin'; DROP TABLE ladder_versions; --";
      const ladder = {
        timezone: 'UTC',
        levels: injections.slice(0, 6).map((name, level) => ({
          level,
          name,
          ...(level === 0 ? {} : { promote: { turnoverLifetime: String(level * 100) } }),
        })),
        demotion: { mode: 'one_down', cycleDays: 30 },
      };
      await call('PUT', '/v1/vip/ladder', ladder, { 'x-tiernet-actor': actor });
      const current = await call('GET', '/v1/vip/ladder');
      assert.deepEqual(
        current.ladder.levels.map((level: { name: string }) => level.name),
        injections.slice(0, 6),
      );
      const versions = await call('GET', '/v1/vip/ladder/versions?limit=10');
      assert.equal(versions.items[0].actor, actor);
      await call(
        'PUT',
        '/v1/rebates/policy',
        { model: 'differential', selfRebate: true },
        { 'x-tiernet-actor': actor },
      );
      assert.equal((await call('GET', '/v1/rebates/policy')).actor, actor);
    });

    test('override reasons and actors, in the user view and the history', async () => {
      for (const text of injections) {
        const reason = text;
        const actor = text.slice(0, 128);
        const user = await call('PUT', `/v1/users/${seedIds.child}/vip`, { kind: 'floor', level: 1, reason, actor });
        assert.equal(user.vip.override.reason, reason);
        assert.equal(user.vip.override.actor, actor);
        const view = await call('GET', `/v1/users/${seedIds.child}`);
        assert.equal(view.vip.override.reason, reason);
      }
      const history = await call('GET', `/v1/users/${seedIds.child}/vip-history?limit=1000`);
      const reasons = history.items.flatMap(
        (row: { cause: { reason?: string; override?: { reason?: string } } | null }) => {
          const reason = row.cause?.override?.reason ?? row.cause?.reason;
          return reason === undefined ? [] : [reason];
        },
      );
      // Each override that changed something left a history row; its reason is one of the strings, intact.
      assert.ok(reasons.length > 0, 'the history holds override reasons');
      for (const reason of reasons) assert.ok(injections.includes(reason), `history reason intact: ${reason}`);
    });

    test('agent move reasons and actors', async () => {
      await call('POST', '/v1/events', {
        events: [{ type: 'user.registered', userId: '3000', rebateRate: '0.01', registeredAt: nowMs - 1000 }],
      });
      for (const text of injections.slice(0, 4)) {
        const moved = await call('POST', `/v1/agents/3000/move`, { parentId: seedIds.root, actor: text, reason: text });
        assert.equal(moved.reason, text);
        assert.equal(moved.actor, text);
        await call('POST', `/v1/agents/3000/move`, { parentId: null, actor: text });
      }
    });

    test('a dead-lettered event keeps the injection text verbatim in its DLQ record', async () => {
      const texts = injections.flatMap((text, index) => [
        JSON.stringify({
          type: 'bet.placed',
          betId: String(90_000 + index),
          userId: seedIds.child,
          gameId: 'g',
          periodId: 'p1',
          amount: '1',
          placedAt: nowMs - 1000,
          currency: text,
        }),
        JSON.stringify({ type: 'period.closed', gameId: text, periodId: 'p1', closedAt: nowMs - 1000 }),
        JSON.stringify({ type: text }),
        text,
      ]);
      const { results } = await ingestBatch(
        fuzz.runtime.ingest,
        texts.map((text, offset) => ({
          input: { kind: 'text', text, byteLength: Buffer.byteLength(text) },
          source: {
            topic: 'injection',
            partition: 0,
            offset: String(offset),
            key: injections[Math.floor(offset / 4)] ?? null,
          },
        })),
      );
      assert.ok(results.every((result) => result.status === 'rejected'));
      const rows = await sql<{ message_key: string | null; payload: string }>`
        select message_key, payload from outbox where topic = ${fuzz.runtime.config.topics.dlq}`.execute(
        fuzz.runtime.database.db,
      );
      const originals = new Map(rows.rows.map((row) => [(JSON.parse(row.payload) as { offset: string }).offset, row]));
      for (const [offset, text] of texts.entries()) {
        const row = originals.get(String(offset));
        assert.equal((JSON.parse(row?.payload ?? '{}') as { original?: string }).original, text);
        assert.equal(row?.message_key, injections[Math.floor(offset / 4)], 'the message key as given');
      }
    });

    test('every table is still there and no row was deleted', async () => {
      assert.deepEqual(await tableNames(fuzz.runtime.database), tablesBefore);
      assert.equal(await fuzz.runtime.store.users.count(), usersBefore + 1, 'the seed users and user 3000');
      assert.equal((await fuzz.runtime.store.bets.getMany(['40001'])).size, 1, 'the seed bet');
    });
  });
}
