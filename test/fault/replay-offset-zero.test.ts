// Fault: the operator moves the ingest consumer group back to offset 0 on every input topic
// and restarts `tiernet serve` (real binary, Kafka + MariaDB + Redis). Proves that replaying
// everything already applied changes no state — users, metrics, VIP status and history, group
// memberships, bets, voids, periods, settlements and their ledger lines, outbox, offsets —
// that the out-topics gain nothing a consumer could not dedupe (ideally nothing), that every
// out-event carries a key and the `tiernet-event-id` dedupe header, that the Redis caches
// agree with the database afterwards, and that the operator's `tiernet replay` (VIP states
// recomputed from stored bets) finds nothing to change either.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Admin, Kafka } from 'kafkajs';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { runCli, startServe, type ServeHandle } from '../support/cli.ts';
import {
  buildPlatformInput,
  groupLag,
  groupState,
  produceAll,
  readTopicToEnd,
  resetGroupToZero,
  type InputMessage,
  type ReadMessage,
} from '../support/fault-input.ts';
import { uniqueTopicPrefix } from '../support/kafka.ts';
import { connectTestRedis, uniqueKeyPrefix } from '../support/redis.ts';
import { RedisCache } from '../../src/adapters/redis/cache.ts';
import { prefixedTopics, waitFor } from '../support/stack.ts';
import { openKafkaFaultStack, type KafkaFaultStack } from '../support/kafka-fault-stack.ts';
import {
  diffSnapshots,
  snapshotCounts,
  snapshotDatabase,
  snapshotDigest,
  type SnapshotOptions,
  type StateSnapshot,
} from '../support/state-snapshot.ts';

const token = 'replay-offset-zero-token';
const t0Ms = Date.now() - 3_600_000;
const input = buildPlatformInput({ users: 60, bets: 1_500, periods: 4, voids: 100, seed: 11, t0Ms });
// Events that cannot be applied, each with a key: they must reach the DLQ once, not once per replay.
const malformed: InputMessage[] = [
  { key: input.userIds[1]!, value: 'not json at all' },
  {
    key: input.userIds[2]!,
    value: JSON.stringify({ ...JSON.parse(input.bets[0]!.value), betId: '1', amount: '-5' }),
  },
  {
    key: input.userIds[3]!,
    value: JSON.stringify({ ...JSON.parse(input.bets[1]!.value), betId: '2', currency: 'USD' }),
  },
];
// Voids after the first settlement: adjustments paid in the second one.
const settledVoids = input.betRows
  .filter((row) => !row.voided && row.period < 3)
  .slice(0, 12)
  .map((row) => ({
    key: input.userIds[row.bettor]!,
    value: JSON.stringify({ type: 'bet.voided', betId: row.betId, voidedAt: new Date(t0Ms + 600_000).toISOString() }),
  }));
const ladder = {
  timezone: 'UTC',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '1000' }, keep: { turnover30d: '10' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '5000' }, keep: { turnover30d: '10' } },
    { level: 3, name: 'Gold', promote: { turnoverLifetime: '9000', betCount30d: 30 }, keep: { turnover30d: '10' } },
  ],
};

// What a replay may legitimately change, and why; everything else must be identical.
const snapshotOptions: SnapshotOptions = {
  excludeColumns: {
    // Rewritten by every applied batch with the time of that write (the offsets themselves are
    // compared: the replay must end where the first pass ended).
    consumer_offsets: { updated_at_ms: 'time the offset row was last written' },
    // Lock bookkeeping, not business state: every settlement attempt presents a new fencing
    // token, including the sweep a restarted service runs with nothing due, and ingest
    // touches the claim gate row. The fence rows themselves (their names) are compared.
    fences: { token: 'highest lock token presented so far', updated_at_ms: 'time of that presentation' },
  },
};

describe('consumer group reset to offset 0 on Kafka, MariaDB and Redis (tiernet serve)', () => {
  const topicPrefix = uniqueTopicPrefix('replay-offset-zero');
  const redisPrefix = uniqueKeyPrefix('replay-offset-zero');
  const topics = prefixedTopics(topicPrefix);
  const inputTopics = [topics.users, topics.bets, topics.periods];
  const outTopics = [topics.vipChanges, topics.groupChanges, topics.settlements, topics.dlq];
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-replay-zero-'));
  let stack: KafkaFaultStack | undefined;
  let database: SqlDatabase;
  let kafka: Kafka;
  let admin: Admin;
  let env: Record<string, string>;
  let serve: ServeHandle | null = null;
  let readRound = 0;
  let firstState: StateSnapshot;
  let firstTopics: Map<string, ReadMessage[]>;

  const groupId = (): string => env['TIERNET_KAFKA_GROUP_ID']!;
  const scalar = async (query: string): Promise<number> => {
    const { rows } = await sql<{ value: unknown }>`${sql.raw(query)}`.execute(database.db);
    return Number(rows[0]?.value ?? 0);
  };
  const api = async (method: string, path: string, body: unknown): Promise<number> => {
    const response = await fetch(`${serve!.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };
  const readOutTopics = async (): Promise<Map<string, ReadMessage[]>> => {
    readRound += 1;
    const read = new Map<string, ReadMessage[]>();
    for (const topic of outTopics)
      read.set(topic, await readTopicToEnd(kafka, topic, `${topicPrefix}reader-${readRound}`));
    return read;
  };
  // Consumed (lag 0), relayed (outbox empty) and no settlement left running: nothing in flight.
  const quiet = async (what: string): Promise<void> => {
    await waitFor(
      what,
      async () =>
        (await groupLag(admin, groupId(), inputTopics)) === 0 &&
        (await scalar('select count(*) as value from outbox')) === 0 &&
        (await scalar("select count(*) as value from settlements where status <> 'committed'")) === 0
          ? true
          : undefined,
      90_000,
    );
  };
  const metricValue = async (name: string, labels: string): Promise<number> => {
    const text = await (await fetch(`${serve!.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  before(async () => {
    stack = await openKafkaFaultStack({ fileTag: 'replay_offset_zero', topicPrefix, redisPrefix, adminToken: token });
    ({ database, kafka, admin } = stack);
    env = {
      ...stack.env,
      TIERNET_DATA_DIR: dataDir,
      TIERNET_LOG_LEVEL: 'warn',
      TIERNET_SETTLEMENT_DEBOUNCE_MS: '300',
    };
    serve = await startServe([], env);
    assert.equal(await api('PUT', '/v1/vip/ladder', ladder), 200);
    assert.equal(
      await api('POST', '/v1/groups', {
        id: 'r.silver',
        name: 'Silver+',
        kind: 'dynamic',
        rule: { field: 'vip.level', op: 'gte', value: 2 },
      }),
      201,
    );
    assert.equal(
      await api('POST', '/v1/groups', {
        id: 'r.busy',
        name: '40+ bets',
        kind: 'dynamic',
        rule: { field: 'metrics.betCountLifetime', op: 'gte', value: 40 },
      }),
      201,
    );
    assert.equal(await api('POST', '/v1/groups', { id: 'r.static', name: 'Hand-picked', kind: 'static' }), 201);
  });

  after(async () => {
    if (serve !== null) await serve.stop();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('first pass: everything consumed, settled twice (adjustments in the second) and relayed', async () => {
    await produceAll(kafka, topics.users, input.registrations);
    await produceAll(kafka, topics.bets, [...input.bets, ...input.voids, ...malformed]);
    await waitFor(
      'bets and voids applied',
      async () =>
        (await scalar('select count(*) as value from bets')) === input.bets.length &&
        (await scalar('select count(*) as value from bets where voided_at_ms is not null')) === input.voids.length
          ? true
          : undefined,
      90_000,
    );
    // Static members must exist first.
    assert.equal(await api('POST', '/v1/groups/r.static/members', { userIds: input.userIds.slice(0, 3) }), 200);
    await produceAll(kafka, topics.periods, input.closes.slice(0, 3));
    await waitFor(
      'the first settlement',
      async () =>
        (await scalar("select count(*) as value from settlements where status = 'committed'")) >= 1 ? true : undefined,
      60_000,
    );
    await produceAll(kafka, topics.bets, settledVoids);
    await waitFor('adjustments recorded', async () =>
      (await scalar('select count(*) as value from bet_adjustments')) === settledVoids.length ? true : undefined,
    );
    await produceAll(kafka, topics.periods, input.closes.slice(3));
    await waitFor('every period and adjustment settled', async () =>
      (await scalar('select count(*) as value from periods where settlement_id is null')) === 0 &&
      (await scalar('select count(*) as value from bet_adjustments where settlement_id is null')) === 0 &&
      (await scalar('select count(*) as value from periods')) === input.closes.length
        ? true
        : undefined,
    );
    await quiet('the first pass to go quiet');

    firstState = await snapshotDatabase(database, snapshotOptions);
    firstTopics = await readOutTopics();
    const counts = Object.fromEntries(
      [...firstTopics].map(([topic, messages]) => [topic.slice(topicPrefix.length), messages.length]),
    );
    console.log(
      `first pass: tables ${JSON.stringify(snapshotCounts(firstState))}; out-topics ${JSON.stringify(counts)}`,
    );
    assert.equal(await scalar("select count(*) as value from settlements where status = 'committed'"), 2);
    assert.equal(firstTopics.get(topics.settlements)?.length, 2);
    assert.equal(firstTopics.get(topics.dlq)?.length, malformed.length, 'each malformed event dead-lettered once');
    assert.ok((firstTopics.get(topics.vipChanges)?.length ?? 0) > input.userIds.length / 2, 'promotions happened');
    assert.ok((firstTopics.get(topics.groupChanges)?.length ?? 0) > 3, 'dynamic groups were joined');
    for (const [topic, messages] of firstTopics) assertKeyedAndDeduplicable(topic, messages);
    // The snapshot is not blind: a changed value shows up in the diff.
    const tampered = new Map(firstState);
    tampered.set(
      'user_totals',
      (firstState.get('user_totals') ?? []).map((row, index) =>
        index === 0 ? { ...row, values: { ...row.values, turnover_minor: '0' } } : row,
      ),
    );
    assert.equal(diffSnapshots(firstState, tampered).length, 1);
  });

  test('reset to offset 0 on every input topic and restart: state unchanged, out-topics gain nothing', async () => {
    assert.equal(await serve!.stop(), 0, 'serve exits 0 on SIGTERM');
    serve = null;
    await waitFor('the group to be empty', async () => {
      const state = await groupState(admin, groupId());
      return state.members === 0 ? state : undefined;
    });
    await resetGroupToZero(admin, groupId(), inputTopics);
    const totalInput =
      input.registrations.length +
      input.bets.length +
      input.voids.length +
      malformed.length +
      settledVoids.length +
      input.closes.length;
    assert.equal(await groupLag(admin, groupId(), inputTopics), totalInput, 'the group starts over from offset 0');

    const startedMs = Date.now();
    serve = await startServe([], env);
    await quiet('the replay to be consumed and relayed');
    const seconds = (Date.now() - startedMs) / 1000;
    const applied = await metricValue('tiernet_ingest_events_total', 'status="applied"');
    const duplicates = await metricValue('tiernet_ingest_events_total', 'status="duplicate"');
    const rejected = await metricValue('tiernet_ingest_events_total', 'status="rejected"');
    console.log(
      `replay of ${totalInput} events in ${seconds.toFixed(1)} s: applied ${applied}, duplicate ${duplicates}, rejected ${rejected}`,
    );
    assert.equal(applied + duplicates + rejected, totalInput, 'every input event went through ingest again');
    assert.equal(applied, 0, 'nothing applied twice');
    assert.equal(rejected, malformed.length);

    const replayedState = await snapshotDatabase(database, snapshotOptions);
    assert.deepEqual(diffSnapshots(firstState, replayedState), [], 'no state changes');
    assert.equal(snapshotDigest(replayedState), snapshotDigest(firstState));

    const replayedTopics = await readOutTopics();
    for (const topic of outTopics) {
      const before = firstTopics.get(topic) ?? [];
      const now = replayedTopics.get(topic) ?? [];
      assertKeyedAndDeduplicable(topic, now);
      const seenPositions = new Set(before.map((message) => `${message.partition}:${message.offset}`));
      assert.deepEqual(
        now.filter((message) => seenPositions.has(`${message.partition}:${message.offset}`)),
        before,
        `${topic}: what was there is still there, unchanged`,
      );
      const added = now.filter((message) => !seenPositions.has(`${message.partition}:${message.offset}`));
      const knownIds = new Set(before.map((message) => message.headers['tiernet-event-id']));
      const novel = added.filter((message) => !knownIds.has(message.headers['tiernet-event-id']));
      console.log(
        `${topic.slice(topicPrefix.length)}: ${before.length} before, ${added.length} re-sent, ${novel.length} new ids`,
      );
      assert.deepEqual(
        novel.map((message) => message.value),
        [],
        `${topic}: a replay invents no out-event`,
      );
    }
  });

  test('Redis caches agree with the database after the replay', async () => {
    // Read through the service's own cache adapter, so the key layout is the one it writes.
    const cache = new RedisCache(await connectTestRedis(redisPrefix));
    try {
      const { rows: states } = await sql<{
        user_id: string;
        level: string;
        level_since_ms: string;
        status: string;
        seq: string;
        ladder_version: string;
      }>`select user_id, level, level_since_ms, status, seq, ladder_version from vip_states`.execute(database.db);
      assert.ok(states.length > 0);
      const cached = await cache.getMany(states.map((row) => `vip:${row.user_id}`));
      states.forEach((row, index) => {
        const entry = JSON.parse(cached[index] ?? 'null') as Record<string, unknown> | null;
        assert.ok(entry !== null, `vip:${row.user_id} is cached`);
        assert.deepEqual(
          [entry['level'], entry['sinceMs'], entry['status'], entry['seq'], entry['ladderVersion']],
          [Number(row.level), Number(row.level_since_ms), row.status, Number(row.seq), Number(row.ladder_version)],
          `vip:${row.user_id} equals its row`,
        );
      });
      const { rows: bets } = await sql<{
        bet_id: string;
        user_id: string;
        game_id: string;
        period_id: string;
        amount_minor: string;
        placed_at_ms: string;
      }>`select bet_id, user_id, game_id, period_id, amount_minor, placed_at_ms from bets`.execute(database.db);
      const fingerprints = await cache.getMany(bets.map((row) => `bet:${row.bet_id}`));
      bets.forEach((row, index) => {
        // A recent-bet entry may be missing (the fast path may lose it); one that is present matches the row.
        const fingerprint = fingerprints[index];
        if (fingerprint === null || fingerprint === undefined) return;
        assert.equal(
          fingerprint,
          `${row.user_id}|${row.game_id}|${row.period_id}|${row.amount_minor}|${row.placed_at_ms}`,
          `bet:${row.bet_id}`,
        );
      });
      assert.ok(fingerprints.filter((value) => value !== null).length > 0, 'the recent-bet fast path was used');
    } finally {
      await cache.close();
    }
  });

  test('tiernet replay (the operator tool) over the replayed state finds nothing to change', async () => {
    const result = await runCli(['replay', '--json'], env, 120_000);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { users: number; bets: number; changed: number; moves: unknown[] };
    assert.equal(report.users, input.userIds.length);
    assert.equal(report.changed, 0);
    assert.deepEqual(report.moves, []);
    assert.deepEqual(diffSnapshots(firstState, await snapshotDatabase(database, snapshotOptions)), []);
  });
});

function assertKeyedAndDeduplicable(topic: string, messages: readonly ReadMessage[]): void {
  for (const message of messages) {
    assert.ok(message.key !== null && message.key !== '', `${topic}@${message.partition}:${message.offset} has a key`);
    assert.match(message.headers['tiernet-event-id'] ?? '', /^\S+$/, `${topic}@${message.offset} has a dedupe id`);
  }
}
