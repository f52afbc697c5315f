// Fault: consumer-group rebalances in the middle of a large ingest, with real processes.
// Several `tiernet serve` processes share ONE consumer group over 6-partition input topics on
// Kafka + MariaDB + Redis. While the bets are being applied, a second process joins, the first
// is stopped with SIGTERM, a third joins and the second is killed with SIGKILL (its partitions
// move once the broker's session timeout expires). Bets arrive as a steady open-ended stream
// that stops only after the last step: each step is taken once a further 2,500 bets were
// applied since the previous one and while the stream is still running (a slow process start
// on a loaded machine delays the step, never skips it); the test prints the timeline and
// what is counted is what was produced. Proves that afterwards
// every bet and void counted exactly once (metrics equal the sums from the input), the tree's
// counters are right, each VIP change and group change exists once (one event id each), every
// period was paid once and the ledger equals the per-bet reference
// (test/support/rebate-reference.ts), and nothing was dead-lettered or left pending.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Admin, Kafka } from 'kafkajs';
import { openMysqlDatabase } from '../../src/adapters/mysql/connect.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { startServe, type ServeHandle } from '../support/cli.ts';
import {
  buildPlatformInput,
  groupLag,
  countedBets,
  inputReference,
  produceAll,
  readTopicToEnd,
  totalsOf,
  type InputMessage,
  type ReadMessage,
} from '../support/fault-input.ts';
import { uniqueTopicPrefix } from '../support/kafka.ts';
import type { TestDatabase } from '../support/mysql.ts';
import { uniqueKeyPrefix } from '../support/redis.ts';
import { prefixedTopics, waitFor } from '../support/stack.ts';
import { openKafkaFaultStack, type KafkaFaultStack } from '../support/kafka-fault-stack.ts';

const token = 'rebalance-race-test-token';
const t0Ms = Date.now() - 3_600_000;
// Far more bets than the stream will send: it stops once every step is done (see PacedStream).
const input = buildPlatformInput({ users: 400, bets: 200_000, periods: 6, voids: 0, seed: 23, t0Ms, bettorSkew: 3 });
const betsPerSecond = 1_200;
const busyBets = 100;
// Bets, each 20th voided a little later in the stream; a void shares its bet's key (partition).
const streamSequence: { message: InputMessage; voidOf?: string }[] = input.bets.flatMap((message, index) => {
  const voided = index >= 200 && index % 20 === 0 ? input.betRows[index - 200]! : undefined;
  if (voided === undefined) return [{ message }];
  const voidMessage = {
    key: input.userIds[voided.bettor]!,
    value: JSON.stringify({ type: 'bet.voided', betId: voided.betId, voidedAt: t0Ms + 10 * index }),
  };
  return [{ message }, { message: voidMessage, voidOf: voided.betId }];
});
const ladder = {
  timezone: 'UTC',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '5000' }, keep: { turnover30d: '10' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '20000' }, keep: { turnover30d: '10' } },
    { level: 3, name: 'Gold', promote: { turnoverLifetime: '40000' }, keep: { turnover30d: '10' } },
  ],
};

describe('rebalances mid-batch: tiernet serve processes joining, stopping and killed in one group', () => {
  const topicPrefix = uniqueTopicPrefix('rebalance-race');
  const redisPrefix = uniqueKeyPrefix('rebalance-race');
  const topics = prefixedTopics(topicPrefix);
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-rebalance-'));
  const running = new Set<ServeHandle>();
  let stack: KafkaFaultStack | undefined;
  let testDatabase: TestDatabase;
  let database: SqlDatabase;
  let kafka: Kafka;
  let admin: Admin;
  let env: Record<string, string>;

  const scalar = async (query: string): Promise<number> => {
    const { rows } = await sql<{ value: unknown }>`${sql.raw(query)}`.execute(database.db);
    return Number(rows[0]?.value ?? 0);
  };
  /** Periods, claims and settlements as a fresh connection sees them, for a failure message. */
  const claimDump = async (what: string): Promise<string> => {
    const fresh = openMysqlDatabase({ url: testDatabase.url, connectionLimit: 1 });
    try {
      const dump = async (query: string): Promise<string> =>
        JSON.stringify((await sql`${sql.raw(query)}`.execute(fresh.db)).rows);
      return [
        what,
        `periods: ${await dump('select game_id, period_id, settlement_id from periods')}`,
        `settlement_periods: ${await dump('select game_id, period_id, settlement_id from settlement_periods')}`,
        `settlements: ${await dump('select settlement_id, status, runner, fencing_token, periods_doc, error from settlements')}`,
        `process logs: ${serveLogs.map((text) => text.slice(-2_000)).join(' | ')}`,
      ].join('\n');
    } finally {
      await fresh.close();
    }
  };
  const serveLogs: string[] = [];
  const start = async (): Promise<ServeHandle> => {
    const number = serveLogs.length + 1;
    const calledMs = Date.now();
    serveLogs.push('');
    const handle = await startServe([], env);
    handle.child.stderr?.on('data', (chunk: Buffer) => (serveLogs[number - 1] += chunk.toString()));
    note(`process ${number} listening ${((Date.now() - calledMs) / 1000).toFixed(1)} s after its start`);
    running.add(handle);
    return handle;
  };
  const appliedBy = async (handle: ServeHandle): Promise<number> => {
    const text = await (await fetch(`${handle.baseUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .find((candidate) => candidate.startsWith('tiernet_ingest_events_total{status="applied"}'));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };
  const betsApplied = (): Promise<number> => scalar('select count(*) as value from bets');
  const log: string[] = [];
  const note = (line: string): void => {
    log.push(line);
    console.log(line);
  };
  before(async () => {
    stack = await openKafkaFaultStack({ fileTag: 'rebalance_race', topicPrefix, redisPrefix, adminToken: token });
    ({ testDatabase, database, kafka, admin } = stack);
    env = {
      ...stack.env,
      TIERNET_KAFKA_PARTITIONS: '6',
      // Small slices: many offset commits per partition, so a rebalance lands between and inside them.
      TIERNET_INGEST_MAX_BATCH: '250',
      TIERNET_DATA_DIR: dataDir,
      TIERNET_LOG_LEVEL: 'warn',
      TIERNET_SETTLEMENT_DEBOUNCE_MS: '1000',
    };
  });

  after(async () => {
    for (const handle of running) await handle.stop();
    // A killed member stays in the group until its session times out; the group can be deleted only after.
    await waitFor(
      'the group to empty',
      async () => {
        const { groups } = await admin.describeGroups([env['TIERNET_KAFKA_GROUP_ID']!]);
        return (groups[0]?.members.length ?? 0) === 0 ? true : undefined;
      },
      60_000,
    ).catch(() => undefined);
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('join, SIGTERM, join and SIGKILL mid-batch: every bet counted once, every period paid once', async () => {
    const first = await start();
    const api = async (method: string, path: string, body: unknown): Promise<number> => {
      const response = await fetch(`${first.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      return response.status;
    };
    assert.equal(await api('PUT', '/v1/vip/ladder', ladder), 200);
    assert.equal(
      await api('POST', '/v1/groups', {
        id: 'busy',
        name: `${busyBets}+ bets`,
        kind: 'dynamic',
        rule: { field: 'metrics.betCountLifetime', op: 'gte', value: busyBets },
      }),
      201,
    );
    const startedMs = Date.now();
    const seconds = (): string => ((Date.now() - startedMs) / 1000).toFixed(1);
    // Applied bets every second: the timeline printed at the end shows where each step landed.
    const timeline: string[] = [];
    const sampler = setInterval(() => {
      void betsApplied().then((applied) => timeline.push(`${Math.round((Date.now() - startedMs) / 1000)}s:${applied}`));
    }, 1_000);
    after(() => clearInterval(sampler));
    await produceAll(kafka, topics.users, input.registrations);
    // A steady stream below what one process ingests, open-ended: it runs until every step
    // below is done, so each step lands while bets are arriving and being applied, however
    // long a process takes to start on a loaded machine. What counts is what was produced.
    const stream = new PacedStream(kafka, topics.bets, streamSequence, betsPerSecond);
    const streaming = stream.run();
    streaming.catch(() => undefined);
    let lastStepAt = 0;
    /** Waits for `more` bets applied since the last step, then checks the stream is still running ahead. */
    const afterMore = async (more: number, what: string): Promise<void> => {
      const low = lastStepAt + more;
      const applied = await waitFor(
        `${low} bets applied before ${what}`,
        async () => {
          const count = await betsApplied();
          return count >= low || stream.finished ? count : undefined;
        },
        120_000,
      );
      const produced = stream.betsProduced;
      note(`${what} at ${applied} bets applied, ${produced} produced (${seconds()} s)`);
      // The stream goes on after this step: the step lands while bets arrive and are applied.
      assert.ok(!stream.finished && applied >= low, `${what} must land mid-stream`);
      lastStepAt = applied;
    };
    const midBatch = async (what: string): Promise<void> => {
      const applied = await betsApplied();
      note(`${what}: ${applied} bets applied, ${stream.betsProduced} produced (${seconds()} s)`);
      assert.ok(!stream.finished, `${what} while bets were still arriving`);
      lastStepAt = applied;
    };

    await afterMore(2_500, 'process 2 starts');
    const second = await start();
    await midBatch('process 2 joined the group');

    await afterMore(2_500, 'process 1 stops');
    const firstApplied = await appliedBy(first);
    assert.equal(await first.stop(), 0, 'SIGTERM: serve finishes its slice and exits 0');
    running.delete(first);
    await midBatch(`process 1 stopped by SIGTERM after applying ${firstApplied} events`);

    const third = await start();
    await midBatch('process 3 joined the group');

    await afterMore(2_500, 'process 2 is killed');
    const secondApplied = await appliedBy(second);
    second.child.kill('SIGKILL');
    await new Promise((resolve) => second.child.once('exit', resolve));
    running.delete(second);
    await midBatch(`process 2 killed by SIGKILL after applying at least ${secondApplied} events`);

    await afterMore(2_500, 'the stream stops');
    stream.stop();
    await streaming;
    clearInterval(sampler);
    const producedBets = stream.betsProduced;
    const producedVoids = new Set(stream.voidsProduced);
    const counted = countedBets(input, producedBets, producedVoids);
    note(`stream: ${producedBets} bets and ${producedVoids.size} voids produced in ${seconds()} s`);

    const inputTopics = [topics.users, topics.bets];
    await waitFor(
      'every bet and void applied and committed',
      async () =>
        (await betsApplied()) === producedBets &&
        (await scalar('select count(*) as value from bets where voided_at_ms is not null')) === producedVoids.size &&
        (await groupLag(admin, env['TIERNET_KAFKA_GROUP_ID']!, inputTopics)) === 0
          ? true
          : undefined,
      120_000,
    );
    note(`all applied at ${seconds()} s; process 3 applied ${await appliedBy(third)} events`);
    note(`applied bets over time: ${timeline.join(' ')}`);
    for (const [index, text] of serveLogs.entries()) {
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      note(
        `process ${index + 1} logged ${lines.length} warnings${lines.length > 0 ? `, first: ${lines[0]!.slice(0, 300)}` : ''}`,
      );
    }

    await produceAll(kafka, topics.periods, input.closes);
    await waitFor(
      'every period settled and the outbox relayed',
      async () =>
        (await scalar('select count(*) as value from periods where settlement_id is null')) === 0 &&
        (await scalar('select count(*) as value from periods')) === input.closes.length &&
        (await scalar("select count(*) as value from settlements where status <> 'committed'")) === 0 &&
        (await scalar('select count(*) as value from outbox')) === 0
          ? true
          : undefined,
      90_000,
    );

    // ---- every bet and void counted exactly once ----
    const expectedTotals = totalsOf(input, counted);
    const { rows: totals } = await sql<{ user_id: string; turnover_minor: string; bet_count: string }>`
      select user_id, turnover_minor, bet_count from user_totals`.execute(database.db);
    const { rows: dayTotals } = await sql<{ user_id: string; turnover: string; bets: string }>`
      select user_id, sum(turnover_minor) as turnover, sum(bet_count) as bets from metric_days group by user_id`.execute(
      database.db,
    );
    const expected = input.userIds
      .map((userId) => {
        const total = expectedTotals.get(userId) ?? { turnoverMinor: 0n, betCount: 0 };
        return `${userId} ${total.turnoverMinor} ${total.betCount}`;
      })
      .filter((line) => !line.endsWith(' 0 0'));
    const actual = totals
      .map((row) => `${row.user_id} ${row.turnover_minor} ${row.bet_count}`)
      .filter((line) => !line.endsWith(' 0 0'));
    assert.deepEqual(actual.sort(), expected.sort(), 'user totals equal the input sums');
    assert.deepEqual(
      dayTotals
        .map((row) => `${row.user_id} ${row.turnover} ${row.bets}`)
        .filter((line) => !line.endsWith(' 0 0'))
        .sort(),
      expected.sort(),
      'day buckets add up to the same sums',
    );

    // ---- the tree: each registration applied once ----
    const { rows: users } = await sql<{
      user_id: string;
      parent_id: string | null;
      direct_count: string;
      placeholder: string;
    }>`
      select user_id, parent_id, direct_count, placeholder from users`.execute(database.db);
    const children = new Map<string, number>();
    input.parent.forEach((parentNode) => {
      if (parentNode >= 0)
        children.set(input.userIds[parentNode]!, (children.get(input.userIds[parentNode]!) ?? 0) + 1);
    });
    assert.equal(users.length, input.userIds.length);
    for (const row of users) {
      assert.equal(Number(row.placeholder), 0, `user ${row.user_id} registered`);
      assert.equal(Number(row.direct_count), children.get(row.user_id) ?? 0, `direct_count of ${row.user_id}`);
    }

    // ---- VIP and group changes: each exactly once, one event id each ----
    const vipEvents = await readTopicToEnd(kafka, topics.vipChanges, `${topicPrefix}reader-vip`);
    const { rows: history } = await sql<{ user_id: string; seq: string }>`select user_id, seq from vip_history`.execute(
      database.db,
    );
    const { rows: vipStates } = await sql<{
      user_id: string;
      seq: string;
    }>`select user_id, seq from vip_states`.execute(database.db);
    const seqMax = new Map(vipStates.map((row) => [row.user_id, Number(row.seq)]));
    const historyKeys = history.map((row) => `${row.user_id}#${row.seq}`).sort();
    const expectedKeys = [...seqMax].flatMap(([userId, seq]) =>
      Array.from({ length: seq }, (_, index) => `${userId}#${index + 1}`),
    );
    assert.deepEqual(historyKeys, expectedKeys.sort(), 'history is seq 1..n per user, no gap, no repeat');
    const distinctVip = distinctByEventId(vipEvents);
    assert.deepEqual(
      distinctVip
        .map((message) => {
          const value = JSON.parse(message.value ?? '{}') as { userId: string; seq: number };
          return `${value.userId}#${value.seq}`;
        })
        .sort(),
      historyKeys,
      'one vip.changed per history row',
    );
    const { rows: members } = await sql<{
      user_id: string;
    }>`select user_id from group_members where group_id = 'busy'`.execute(database.db);
    const busy = [...expectedTotals].filter(([, total]) => total.betCount >= busyBets).map(([userId]) => userId);
    assert.deepEqual(
      members.map((row) => row.user_id).sort(),
      busy.sort(),
      'membership equals the rule over the input',
    );
    const groupEvents = distinctByEventId(
      await readTopicToEnd(kafka, topics.groupChanges, `${topicPrefix}reader-groups`),
    );
    const netJoins = new Map<string, number>();
    for (const message of groupEvents) {
      const value = JSON.parse(message.value ?? '{}') as { type: string; userId: string };
      netJoins.set(value.userId, (netJoins.get(value.userId) ?? 0) + (value.type === 'group.joined' ? 1 : -1));
    }
    assert.deepEqual(
      [...netJoins]
        .filter(([, net]) => net !== 0)
        .map(([userId]) => userId)
        .sort(),
      busy.sort(),
    );
    assert.ok(
      [...netJoins.values()].every((net) => net === 0 || net === 1),
      'no join reported twice',
    );

    // ---- every period paid once, ledger equal to the per-bet reference ----
    const { rows: claims } = await sql<{ period_id: string; claims: string }>`
      select period_id, count(*) as claims from settlement_periods group by period_id`.execute(database.db);
    assert.equal(claims.length, input.closes.length, await claimDump(`${claims.length} claimed period(s)`));
    assert.ok(
      claims.every((row) => Number(row.claims) === 1),
      await claimDump('a period claimed twice'),
    );
    const { rows: lines } = await sql<{ beneficiary_id: string; exact: string; amount: string; settlements: string }>`
      select beneficiary_id, sum(exact_minor_ppm) as exact, sum(amount_minor) as amount, count(*) as settlements
      from settlement_lines group by beneficiary_id`.execute(database.db);
    const reference = inputReference(input, counted);
    const settlementCount = await scalar('select count(*) as value from settlements');
    const ledger = lines
      .filter((row) => BigInt(row.exact) !== 0n)
      .map((row) => `${row.beneficiary_id} ${BigInt(row.exact)}`);
    const referenceLedger = [...reference.lines].map(([node, line]) => `${input.userIds[node]} ${line.exactMinorPpm}`);
    assert.deepEqual(
      ledger.sort(),
      referenceLedger.sort(),
      'exact rebate per beneficiary equals the per-bet reference',
    );
    if (settlementCount === 1) {
      // One settlement floors each line once, exactly like the reference.
      const amounts = lines
        .filter((row) => BigInt(row.amount) !== 0n)
        .map((row) => `${row.beneficiary_id} ${row.amount}`);
      const referenceAmounts = [...reference.lines]
        .filter(([, line]) => line.amountMinor !== 0n)
        .map(([node, line]) => `${input.userIds[node]} ${line.amountMinor}`);
      assert.deepEqual(amounts.sort(), referenceAmounts.sort(), 'floored amounts equal the reference');
    }
    const committed = distinctByEventId(
      await readTopicToEnd(kafka, topics.settlements, `${topicPrefix}reader-settlements`),
    );
    assert.equal(committed.length, settlementCount, 'one settlement.committed per settlement');

    // ---- nothing refused, nothing left behind ----
    assert.equal(await scalar('select count(*) as value from pending_voids'), 0);
    assert.equal(
      (await readTopicToEnd(kafka, topics.dlq, `${topicPrefix}reader-dlq`)).length,
      0,
      'nothing dead-lettered',
    );
    note(
      `settled in ${settlementCount} settlement(s): ${ledger.length} beneficiaries, total ${reference.linesTotalMinor} minor; ` +
        `${historyKeys.length} VIP changes (${vipEvents.length} messages), ${groupEvents.length} group changes, ${busy.length} busy users`,
    );
    await third.stop();
    running.delete(third);
  });
});

/** One message per tiernet-event-id (at-least-once relay may re-send); a re-send must carry the same payload. */
function distinctByEventId(messages: readonly ReadMessage[]): ReadMessage[] {
  const byId = new Map<string, ReadMessage>();
  for (const message of messages) {
    const id = message.headers['tiernet-event-id'];
    assert.ok(id !== undefined && message.key !== null, `${message.topic}@${message.offset} has a key and an event id`);
    const seen = byId.get(id);
    if (seen === undefined) byId.set(id, message);
    else assert.equal(message.value, seen.value, `event ${id} re-sent with the same payload`);
  }
  return [...byId.values()];
}

/** Produces `sequence` in order at about `perSecond` messages a second until stopped or done. */
class PacedStream {
  readonly #kafka: Kafka;
  readonly #topic: string;
  readonly #sequence: readonly { message: InputMessage; voidOf?: string }[];
  readonly #perSecond: number;
  #sent = 0;
  #stopped = false;
  betsProduced = 0;
  readonly voidsProduced: string[] = [];
  finished = false;

  constructor(
    kafka: Kafka,
    topic: string,
    sequence: readonly { message: InputMessage; voidOf?: string }[],
    perSecond: number,
  ) {
    this.#kafka = kafka;
    this.#topic = topic;
    this.#sequence = sequence;
    this.#perSecond = perSecond;
  }

  stop(): void {
    this.#stopped = true;
  }

  async run(): Promise<void> {
    const producer = this.#kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const chunk = 100;
    const startedMs = Date.now();
    try {
      while (!this.#stopped && this.#sent < this.#sequence.length) {
        const slice = this.#sequence.slice(this.#sent, this.#sent + chunk);
        await producer.send({ topic: this.#topic, acks: -1, messages: slice.map((entry) => entry.message) });
        // Counted only once acknowledged: everything counted is in the log.
        this.#sent += slice.length;
        for (const entry of slice) {
          if (entry.voidOf === undefined) this.betsProduced += 1;
          else this.voidsProduced.push(entry.voidOf);
        }
        const dueMs = startedMs + (this.#sent / this.#perSecond) * 1_000;
        if (dueMs > Date.now()) await new Promise((resolve) => setTimeout(resolve, dueMs - Date.now()));
      }
    } finally {
      this.finished = true;
      await producer.disconnect();
    }
  }
}
