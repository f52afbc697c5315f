// One run of the crash harness: `tiernet serve` as a child process on its own MariaDB
// database, Redis key prefix, topic prefix and consumer group, fed the steps of a CrashInput
// through Kafka while a killer sends it SIGKILL at the planned moments and starts it again at
// once. When every step has taken effect, the run waits (bounded) until every input message
// is consumed, every period settled and the outbox drained, stops the service cleanly and
// reads the outcome: the canonical database state and the out-events on the out-topics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { createKafkaEventLog } from '../../src/adapters/kafka/kafka-event-log.ts';
import { crashGroups, crashLadder, type CrashInput, type CrashWait } from './crash-input.ts';
import { spawnServe, type ServeProcess } from './crash-service.ts';
import {
  readCanonicalState,
  readTopics,
  stateDigest,
  summarizeOutEvents,
  type CanonicalState,
  type OutEventSummary,
} from './crash-state.ts';
import { deleteKafkaTestNames, kafkaBrokers, uniqueTopicPrefix } from './kafka.ts';
import { createTestDatabase } from './mysql.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from './redis.ts';
import { seededRandom } from './settlement-world.ts';
import { prefixedTopics, realBackendEnv, waitFor } from './stack.ts';

const adminToken = 'crash-harness-admin-token';
/**
 * Debounce above the settlement lock's TTL: a restarted service's first settlement comes after
 * a lease left by the killed holder has expired. (With the defaults, 2 s and 30 s, that first
 * run finds the lock busy and the crashed run waits for the 60 s sweep: correct, only slow.)
 */
export const crashSettlementLockTtlMs = 2_000;
export const crashSettlementDebounceMs = 2_500;
const crashIngestBatchMax = 40;
/**
 * Bound on each wait for a step's effect. A restarted consumer rejoins its group only once the
 * broker has expired the killed member's session (kafkajs default 30 s), and the outbox relay's
 * lease (10 s) must run out too; a few kills in a row stack up.
 */
const stepTimeoutMs = 240_000;
const pollMs = 25;
/** Starts refused for an unreachable Kafka that a run retries (the shared broker restarted by someone). */
const startRetriesMax = 5;

export type KillPlan =
  /** A random moment: so long after the previous start (or kill) of the service. */
  | { readonly kind: 'delay'; readonly afterMs: number }
  /** Mid-ingest: as soon as this share of the bets not yet in (when the plan starts) is in the database. */
  | { readonly kind: 'bets_share'; readonly share: number }
  /** Mid-settlement: as soon as a settlement is seen `running` (claimed, not committed). */
  | { readonly kind: 'settlement_running' }
  /** A period closed and not yet claimed (the trigger's quiet time), then so long after. */
  | { readonly kind: 'close_pending'; readonly afterMs: number }
  /** While the outbox holds records the relay has not yet removed. */
  | { readonly kind: 'outbox_pending' };

export interface KillRecord {
  readonly plan: string;
  /** Whether the plan's moment came before the input was through; false: no kill. */
  readonly fired: boolean;
  readonly atMs: number;
  /** What the database held just after the kill: the state the restart starts from. */
  readonly betsApplied: number;
  readonly settlementsRunning: number;
  readonly periodsPending: number;
  readonly outboxRows: number;
}

export interface CrashRunResult {
  readonly label: string;
  readonly state: CanonicalState;
  readonly digest: string;
  readonly outEvents: OutEventSummary;
  readonly kills: readonly KillRecord[];
  /** Starts retried because Kafka was unreachable (not a kill of the harness's). */
  readonly startsRetried: number;
  readonly elapsedMs: number;
}

export function describePlan(plan: KillPlan): string {
  switch (plan.kind) {
    case 'delay':
      return `${plan.afterMs} ms after start`;
    case 'bets_share':
      return `${Math.round(plan.share * 100)}% of the remaining bets in`;
    case 'settlement_running':
      return 'settlement running';
    case 'close_pending':
      return `${plan.afterMs} ms after a close is in, unclaimed`;
    case 'outbox_pending':
      return 'outbox not empty';
  }
}

/**
 * The kill plans of one trial, from its seed: one while bets are ingested (a random delay or a
 * share of the bets), one around settlement (a run seen running, or the quiet time after a
 * close), and sometimes a third of any kind.
 */
export function killPlansOf(seed: number): KillPlan[] {
  const random = seededRandom(seed);
  const any = (): KillPlan => {
    const roll = random();
    if (roll < 0.2) return { kind: 'delay', afterMs: Math.round(300 + random() * 6_000) };
    if (roll < 0.4) return { kind: 'bets_share', share: 0.05 + random() * 0.9 };
    if (roll < 0.65) return { kind: 'settlement_running' };
    if (roll < 0.85) return { kind: 'close_pending', afterMs: Math.round(random() * crashSettlementDebounceMs) };
    return { kind: 'outbox_pending' };
  };
  const plans: KillPlan[] = [
    random() < 0.5
      ? { kind: 'delay', afterMs: Math.round(300 + random() * 6_000) }
      : { kind: 'bets_share', share: 0.05 + random() * 0.45 },
    random() < 0.6
      ? { kind: 'settlement_running' }
      : { kind: 'close_pending', afterMs: Math.round(random() * crashSettlementDebounceMs) },
  ];
  if (random() < 0.6) plans.push(any());
  return plans;
}

export async function runCrashRun(options: {
  readonly label: string;
  readonly input: CrashInput;
  readonly kills: readonly KillPlan[];
  readonly log: (line: string) => void;
}): Promise<CrashRunResult> {
  const { input, label, log } = options;
  const startedMs = Date.now();
  const brokers = kafkaBrokers();
  const database = await createTestDatabase('crash_service');
  const redisPrefix = uniqueKeyPrefix('crash-service');
  const topicPrefix = uniqueTopicPrefix('crash-service');
  const topics = prefixedTopics(topicPrefix);
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-crash-'));
  const env: Record<string, string> = {
    ...realBackendEnv({
      databaseUrl: database.url,
      redisUrl: redisUrl(),
      redisPrefix,
      kafkaBrokers: brokers,
      topicPrefix,
      adminToken,
    }),
    TIERNET_DATA_DIR: dataDir,
    TIERNET_LOG_LEVEL: 'warn',
    // Small ingest batches: a period's bets take many transactions, so a kill lands between
    // and inside them rather than before or after one large batch.
    TIERNET_INGEST_MAX_BATCH: String(crashIngestBatchMax),
    TIERNET_SETTLEMENT_DEBOUNCE_MS: String(crashSettlementDebounceMs),
    TIERNET_SETTLEMENT_LOCK_TTL_MS: String(crashSettlementLockTtlMs),
  };
  const eventLog = createKafkaEventLog({ brokers, clientId: `${topicPrefix}platform` });
  const probe = await createConnection({ uri: database.url, supportBigNumbers: true, bigNumberStrings: true });
  // A service that exits without being killed (a crash, an invariant, a failed migration) ends
  // the run at once with its stderr, instead of a step timing out minutes later. One exception,
  // what a supervisor does: a start refused because the shared broker is unreachable (someone
  // restarted it) is retried, a bounded number of times, and counted.
  let unexpectedExit: Error | null = null;
  let startsRetried = 0;
  const killedByHarness = new Set<ServeProcess>();
  const start = (): ServeProcess => {
    const started = spawnServe(env);
    let listened = false;
    started.listening.then(
      () => (listened = true),
      () => undefined,
    );
    void started.exited.then(({ code, signal }) => {
      if (killedByHarness.has(started)) return;
      const kafkaDownAtStart = !listened && started.stderrTail().includes('kafka_unavailable');
      if (kafkaDownAtStart && started === service && startsRetried < startRetriesMax && unexpectedExit === null) {
        startsRetried += 1;
        log(`${label}: serve could not reach Kafka at start; starting it again (${startsRetried}/${startRetriesMax})`);
        service = start();
        return;
      }
      unexpectedExit ??= new Error(
        `${label}: tiernet serve exited by itself (code ${code}, signal ${signal})\n${started.stderrTail()}`,
      );
    });
    return started;
  };
  /** The address of the service once it listens, following a start retried meanwhile. */
  const listeningAddress = async (): Promise<string> => {
    for (let attempt = 0; attempt <= startRetriesMax; attempt += 1) {
      const current = service;
      try {
        return await current.listening;
      } catch (error) {
        if (service === current) throw error;
      }
    }
    throw new Error(`${label}: serve did not start after ${startRetriesMax} retries`);
  };
  const stopByHarness = async (running: ServeProcess, how: 'kill9' | 'stop'): Promise<number | null> => {
    killedByHarness.add(running);
    if (how === 'kill9') {
      await running.kill9();
      return null;
    }
    return running.stop();
  };
  const checked =
    <T>(probe: () => Promise<T | undefined>) =>
    async (): Promise<T | undefined> => {
      if (unexpectedExit !== null) throw unexpectedExit;
      return probe();
    };
  let service: ServeProcess = start();
  const killRecords: KillRecord[] = [];
  let inputDone = false;
  let killerSettled: Promise<Error | undefined> = Promise.resolve(undefined);
  try {
    await setUp(await listeningAddress(), input);

    let currentStep = 'setup';
    const verbose = process.env['TIERNET_CRASH_VERBOSE'] === '1';
    const killer = (async () => {
      for (const plan of options.kills) {
        const fired = await waitForKillMoment(probe, plan, input, () => inputDone);
        if (!fired) {
          killRecords.push({ plan: describePlan(plan), fired: false, atMs: 0, ...(await probeCounts(probe)) });
          continue;
        }
        await stopByHarness(service, 'kill9');
        const record: KillRecord = {
          plan: describePlan(plan),
          fired: true,
          atMs: Date.now() - startedMs,
          ...(await probeCounts(probe)),
        };
        killRecords.push(record);
        log(
          `${label}: kill -9 at ${record.atMs} ms (${record.plan}; step "${currentStep}"): bets ${record.betsApplied}, ` +
            `settlements running ${record.settlementsRunning}, periods unclaimed ${record.periodsPending}, outbox ${record.outboxRows}`,
        );
        service = start();
      }
    })();
    // Settled before the probe connection closes, whatever happens to the steps.
    killerSettled = killer.then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );

    const producer = eventLog.producer();
    for (const step of input.steps) {
      currentStep = step.name;
      await producer.send(
        step.events.map((event) => ({
          topic: topics[event.topic],
          key: event.key,
          value: event.value,
        })),
      );
      for (const wait of step.waits) {
        await waitFor(
          `${label}: step "${step.name}" (${describeWait(wait)})`,
          checked(() => holds(probe, wait)),
          stepTimeoutMs,
        );
      }
      if (verbose) log(`${label}: step "${step.name}" done at ${Date.now() - startedMs} ms`);
    }
    inputDone = true;
    const killerError = await killerSettled;
    if (killerError !== undefined) throw killerError;

    // Everything consumed, settled and relayed.
    const inputTopics = [topics.users, topics.bets, topics.periods];
    const endOffsets = await highWatermarks(brokers, inputTopics);
    await waitFor(
      `${label}: every input message consumed, every period settled, the outbox drained`,
      checked(async () => {
        const [offsets] = await probe.query<RowDataPacket[]>(
          'SELECT topic, partition_no, next_offset FROM consumer_offsets WHERE consumer_group = ?',
          [`${topicPrefix}group`],
        );
        const consumed = new Map(
          offsets.map((row) => [
            `${String(row['topic'])}/${String(row['partition_no'])}`,
            BigInt(String(row['next_offset'])),
          ]),
        );
        for (const [slot, high] of endOffsets) if ((consumed.get(slot) ?? 0n) < high) return undefined;
        const counts = await probeCounts(probe);
        if (counts.settlementsRunning > 0 || counts.periodsPending > 0 || counts.outboxRows > 0) return undefined;
        return true;
      }),
      stepTimeoutMs,
    );
    // A restart right at the end may still be booting: a clean stop needs its signal handlers.
    await listeningAddress();
    const exitCode = await stopByHarness(service, 'stop');
    if (exitCode !== 0) throw new Error(`${label}: serve exited ${exitCode} on SIGTERM\n${service.stderrTail()}`);

    const { state, settlementNames } = await readCanonicalState(database.url, topicPrefix);
    const messages = await readTopics(
      brokers,
      [topics.vipChanges, topics.groupChanges, topics.settlements, topics.dlq],
      `${topicPrefix}reader`,
    );
    const outEvents = summarizeOutEvents(messages, topicPrefix, settlementNames);
    return {
      label,
      state,
      digest: stateDigest(state),
      outEvents,
      kills: killRecords,
      startsRetried,
      elapsedMs: Date.now() - startedMs,
    };
  } catch (error) {
    inputDone = true;
    await killerSettled;
    throw new Error(`${String(error)}\n--- serve stderr (tail) ---\n${service.stderrTail()}`, { cause: error });
  } finally {
    // Cleanup must not hide a failure: after a failed run the killed service's consumer may
    // still be a member of its group (until its session expires), which Kafka refuses to delete.
    const cleanupErrors: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>): Promise<void> => {
      await step().catch((error: unknown) => cleanupErrors.push(error));
    };
    await attempt(() => stopByHarness(service, 'kill9'));
    await attempt(() => probe.end());
    await attempt(() => eventLog.close());
    await attempt(() => database.drop());
    rmSync(dataDir, { recursive: true, force: true });
    await attempt(() => deleteKeysUnderPrefix(redisPrefix));
    await attempt(() =>
      waitFor(
        `${label}: deleting the run's topics and groups`,
        () =>
          deleteKafkaTestNames(topicPrefix, brokers).then(
            () => true,
            () => undefined,
          ),
        60_000,
      ),
    );
    for (const error of cleanupErrors) log(`${label}: cleanup failed: ${String(error)}`);
  }
}

async function setUp(address: string, input: CrashInput): Promise<void> {
  const call = async (method: 'PUT' | 'POST', path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${address}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  };
  await call('PUT', '/v1/vip/ladder', crashLadder);
  const firstRoot = input.steps[0]?.waits[0];
  if (firstRoot?.kind !== 'users_registered' || firstRoot.userIds[0] === undefined)
    throw new Error('the first step of a crash input registers the roots');
  for (const group of crashGroups(firstRoot.userIds[0])) await call('POST', '/v1/groups', group);
}

function describeWait(wait: CrashWait): string {
  switch (wait.kind) {
    case 'users_registered':
      return `${wait.userIds.length} users registered`;
    case 'bets_applied':
      return `${wait.betIds.length} bets and ${wait.voidedBetIds.length} voids applied`;
    case 'period_settled':
      return `period ${wait.periodId} settled`;
  }
}

async function countOf(
  connection: Connection,
  sql: string,
  values: (string | number | readonly string[])[] = [],
): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>(sql, values);
  return Number(rows[0]?.['n'] ?? 0);
}

async function holds(connection: Connection, wait: CrashWait): Promise<true | undefined> {
  switch (wait.kind) {
    case 'users_registered': {
      const registered = await countOf(
        connection,
        'SELECT COUNT(*) AS n FROM users WHERE placeholder = 0 AND user_id IN (?)',
        [wait.userIds],
      );
      return registered === wait.userIds.length ? true : undefined;
    }
    case 'bets_applied': {
      if (wait.betIds.length > 0) {
        const bets = await countOf(connection, 'SELECT COUNT(*) AS n FROM bets WHERE bet_id IN (?)', [wait.betIds]);
        if (bets < wait.betIds.length) return undefined;
      }
      if (wait.voidedBetIds.length > 0) {
        const voided = await countOf(
          connection,
          'SELECT COUNT(*) AS n FROM bets WHERE voided_at_ms IS NOT NULL AND bet_id IN (?)',
          [wait.voidedBetIds],
        );
        if (voided < wait.voidedBetIds.length) return undefined;
      }
      return true;
    }
    case 'period_settled': {
      const [rows] = await connection.query<RowDataPacket[]>(
        `SELECT s.status AS status, s.error AS error FROM settlement_periods p
           JOIN settlements s ON s.settlement_id = p.settlement_id WHERE p.game_id = 'crash' AND p.period_id = ?`,
        [wait.periodId],
      );
      const status = rows[0]?.['status'] as string | undefined;
      if (status === 'failed')
        throw new Error(`the settlement of ${wait.periodId} failed: ${String(rows[0]?.['error'])}`);
      return status === 'committed' ? true : undefined;
    }
  }
}

async function probeCounts(
  connection: Connection,
): Promise<Pick<KillRecord, 'betsApplied' | 'settlementsRunning' | 'periodsPending' | 'outboxRows'>> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT (SELECT COUNT(*) FROM bets) AS bets,
            (SELECT COUNT(*) FROM settlements WHERE status = 'running') AS running,
            (SELECT COUNT(*) FROM periods WHERE settlement_id IS NULL) AS pending,
            (SELECT COUNT(*) FROM outbox) AS outbox`,
  );
  const row: Record<string, unknown> = rows[0] ?? {};
  return {
    betsApplied: Number(row['bets'] ?? 0),
    settlementsRunning: Number(row['running'] ?? 0),
    periodsPending: Number(row['pending'] ?? 0),
    outboxRows: Number(row['outbox'] ?? 0),
  };
}

/** Waits for the plan's moment; false when the input was through before it came. */
async function waitForKillMoment(
  connection: Connection,
  plan: KillPlan,
  input: CrashInput,
  inputDone: () => boolean,
): Promise<boolean> {
  const startedMs = Date.now();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const betsAtStart = await countOf(connection, 'SELECT COUNT(*) AS n FROM bets');
  const betsTarget =
    betsAtStart +
    Math.max(1, Math.round((input.betCount - betsAtStart) * (plan.kind === 'bets_share' ? plan.share : 0)));
  // Bounded by the input: each poll either fires or sees the input through within the step bounds.
  const deadlineMs = startedMs + stepTimeoutMs * (input.steps.length + 1);
  while (!inputDone() && Date.now() < deadlineMs) {
    switch (plan.kind) {
      case 'delay':
        if (Date.now() - startedMs >= plan.afterMs) return true;
        break;
      case 'bets_share':
        if (betsAtStart >= input.betCount) return false;
        if ((await countOf(connection, 'SELECT COUNT(*) AS n FROM bets')) >= betsTarget) return true;
        break;
      case 'settlement_running':
        if ((await countOf(connection, "SELECT COUNT(*) AS n FROM settlements WHERE status = 'running'")) > 0)
          return true;
        break;
      case 'close_pending':
        if ((await countOf(connection, 'SELECT COUNT(*) AS n FROM periods WHERE settlement_id IS NULL')) > 0) {
          await sleep(plan.afterMs);
          return !inputDone();
        }
        break;
      case 'outbox_pending':
        if ((await countOf(connection, 'SELECT COUNT(*) AS n FROM outbox')) > 0) return true;
        break;
    }
    await sleep(pollMs);
  }
  return false;
}

async function highWatermarks(brokers: readonly string[], topics: readonly string[]): Promise<Map<string, bigint>> {
  const admin = new Kafka({
    clientId: 'tiernet-crash-harness',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const marks = new Map<string, bigint>();
    for (const topic of topics) {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(partition.high) > 0n) marks.set(`${topic}/${partition.partition}`, BigInt(partition.high));
      }
    }
    return marks;
  } finally {
    await admin.disconnect();
  }
}
