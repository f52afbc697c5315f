// Outages during load, on real servers (issue #8): `tiernet serve` runs as a child process on a
// PRIVATE MariaDB, Redis and Kafka broker (test/support/private-services.ts; the shared ones
// on 3306/6379/9092 are never touched) while a steady stream of bets, voids and period closes
// flows in through Kafka. In turn MariaDB is killed for 10 s, Redis is stopped for 10 s (it
// comes back empty: no persistence), and the Kafka broker is restarted. Each time this proves:
// - the service does not crash: the child stays alive;
// - /health answers 503 naming the dependency that is down, and 200 again after it returns;
// - the work waits and is retried with backoff (the retry counters in /metrics rise), and
//   the backlog is caught up after the dependency returns (times are logged as figures);
// and at the end, against expected values computed from the acknowledged input alone:
// - every bet is in the database once, every void applied; per user the lifetime turnover,
//   bet count and VIP level are what the input implies, and vip.changed on Kafka carries
//   exactly the promotions the input implies (deduplicated by tiernet-event-id);
// - every closed period is settled exactly once and the ledger per beneficiary equals the
//   plain per-bet rebate reference (test/support/rebate-reference.ts);
// - the DLQ holds exactly the malformed events injected during the outages, nothing good.
// Then: with Redis down a period.closed is recorded but settlement refuses to run (no
// settlement row, no ledger line, no fence raised) until Redis returns; then it runs exactly
// once, under a fencing token above every earlier one although Redis lost its counter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createConnection } from 'mysql2/promise';
import { startServe, type ServeHandle } from '../support/cli.ts';
import { PrivateKafka, PrivateMariadb, PrivateRedis } from '../support/private-services.ts';
import { referenceSettle } from '../support/rebate-reference.ts';
import { prefixedTopics, realBackendEnv, waitFor } from '../support/stack.ts';
import {
  BetLoad,
  buildUsers,
  loadGameId,
  minorPerUnit,
  referenceTreeOf,
  registrationEvents,
  type LoadUser,
} from './outage-load.ts';

const token = 'outage-load-test-token';
const topicPrefix = 'tiernet-test.outage-load.';
const topics = prefixedTopics(topicPrefix);
const outageMs = 10_000;
const users: LoadUser[] = buildUsers(150, 8_2026);
/** Bets per second = betsPerTick * 1000 / tickMs: a modest steady load for a 2-core machine. */
const betsPerTick = 15;
const tickMs = 100;

interface Health {
  readonly code: number;
  readonly down: string[];
}

interface Figures {
  readonly dependency: string;
  /** How long the stop command took (Kafka shuts down in a controlled way). */
  readonly stopTookMs: number;
  /** From the stop command to /health answering 503 with the dependency down. */
  readonly detectedMs: number;
  /** From the dependency answering again to /health 200. */
  readonly healthyAfterRestartMs: number;
  /** From the dependency answering again to every bet acknowledged until then being applied. */
  readonly caughtUpAfterRestartMs: number;
  /** From the dependency answering again to bets sent after the catch-up being applied. */
  readonly flowingAfterRestartMs: number;
  /** Bets the platform got acknowledged from just before the stop to the end of the recovery. */
  readonly betsSentMeanwhile: number;
}

const figures: Figures[] = [];

describe('outages during load: MariaDB, Redis and Kafka (private instances)', () => {
  let mariadb: PrivateMariadb | undefined;
  let redis: PrivateRedis | undefined;
  let kafka: PrivateKafka | undefined;
  let serve: ServeHandle | undefined;
  let producer: Producer | undefined;
  let load: BetLoad | undefined;
  let databaseUrl = '';
  const serveLog: string[] = [];
  let serveExit: string | null = null;

  const kafkaClient = (): Kafka =>
    new Kafka({
      clientId: `${topicPrefix}platform`,
      brokers: kafka!.brokers,
      connectionTimeout: 3_000,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    });

  const health = async (): Promise<Health> => {
    const response = await fetch(`${serve!.baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { dependencies: { name: string; status: string }[] };
    return {
      code: response.status,
      down: body.dependencies.filter((dependency) => dependency.status !== 'up').map((dependency) => dependency.name),
    };
  };

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${serve!.baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(' ').at(-1));
    }
    return total;
  };

  const api = async (method: string, path: string, body?: unknown): Promise<{ code: number; json: unknown }> => {
    const response = await fetch(`${serve!.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return { code: response.status, json: await response.json() };
  };

  const query = async <Row>(sql: string): Promise<Row[]> => {
    const connection = await createConnection({
      uri: databaseUrl,
      connectTimeout: 5_000,
      bigNumberStrings: true,
      supportBigNumbers: true,
    });
    try {
      const [rows] = await connection.query(sql);
      return rows as Row[];
    } finally {
      await connection.end();
    }
  };

  const count = async (sql: string): Promise<number> => Number((await query<{ n: string }>(sql))[0]?.n ?? 0);

  const assertServeAlive = (): void => {
    assert.equal(
      serveExit,
      null,
      `tiernet serve exited during the outage: ${serveExit}\n${serveLog.slice(-30).join('\n')}`,
    );
  };

  before(async () => {
    const started = await Promise.allSettled([PrivateMariadb.start(), PrivateRedis.start(), PrivateKafka.start()]);
    if (started[0].status === 'fulfilled') mariadb = started[0].value;
    if (started[1].status === 'fulfilled') redis = started[1].value;
    if (started[2].status === 'fulfilled') kafka = started[2].value;
    for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
    databaseUrl = await mariadb!.createDatabase('outage_load');
    serve = await startServe(
      [],
      {
        ...realBackendEnv({
          databaseUrl,
          redisUrl: redis!.url,
          redisPrefix: 'tiernet-test:outage-load:',
          kafkaBrokers: kafka!.brokers,
          topicPrefix,
          adminToken: token,
        }),
        TIERNET_SETTLEMENT_DEBOUNCE_MS: '1000',
        TIERNET_LOG_LEVEL: 'warn',
      },
      180_000,
    );
    serve.child.on('exit', (code, signal) => (serveExit = `code ${code}, signal ${signal}`));
    serve.child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line !== '') serveLog.push(line);
      if (serveLog.length > 5_000) serveLog.splice(0, serveLog.length - 5_000);
    });

    // The rebate reference below is DESIGN §5's default policy; fail loudly if that changed.
    const policy = await api('GET', '/v1/rebates/policy');
    assert.equal(policy.code, 200);
    assert.deepEqual((policy.json as { policy: unknown }).policy, { model: 'differential', selfRebate: true });

    // Users first, parents before children, in one batch applied in order.
    const registered = await api('POST', '/v1/events', { events: registrationEvents(users, Date.now()) });
    assert.equal(registered.code, 200, JSON.stringify(registered.json));
    const statuses = (registered.json as { results: { status: string }[] }).results.map((result) => result.status);
    assert.deepEqual(new Set(statuses), new Set(['applied']));

    producer = kafkaClient().producer({ allowAutoTopicCreation: false, retry: { retries: 2 } });
    await producer.connect();
    load = new BetLoad({
      producer,
      topics: { bets: topics.bets, periods: topics.periods },
      users,
      betsPerTick,
      tickMs,
      periodTicks: 20,
      voidChancePerTick: 0.3,
      seed: 11,
      sendDeadlineMs: 180_000,
    });
    load.start();
    await waitFor(
      'the first bets to be applied',
      async () => ((await count('SELECT COUNT(*) AS n FROM bets')) > 0 ? true : undefined),
      60_000,
    );
  });

  after(async () => {
    // Everything is attempted even if something fails; the first error is reported.
    const errors: unknown[] = [];
    const attempt = async (work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    };
    await attempt(async () => load?.stop());
    await attempt(async () => producer?.disconnect());
    await attempt(async () => {
      if (serve !== undefined && serveExit === null) await serve.stop();
    });
    await attempt(async () => kafka?.dispose());
    await attempt(async () => redis?.dispose());
    await attempt(async () => mariadb?.dispose());
    for (const figure of figures) console.log(`# outage figures ${JSON.stringify(figure)}`);
    // What an operator saw in the service's log (warn and above), by message.
    const messages = new Map<string, number>();
    for (const line of serveLog) {
      let message = line;
      try {
        message = String((JSON.parse(line) as { msg?: unknown }).msg);
      } catch {
        // not JSON: counted as is
      }
      messages.set(message, (messages.get(message) ?? 0) + 1);
    }
    console.log(`# serve log lines by message: ${JSON.stringify(Object.fromEntries(messages))}`);
    const logPath = process.env['TIERNET_OUTAGE_SERVE_LOG'];
    if (logPath !== undefined && logPath !== '') writeFileSync(logPath, `${serveLog.join('\n')}\n`);
    if (errors.length > 0) throw errors[0];
  });

  /** Stops a dependency for `outageMs` under load and checks the service through it. */
  const outage = async (options: {
    readonly dependency: string;
    readonly probes: readonly string[];
    readonly retryMetric: string;
    readonly stop: () => Promise<void>;
    readonly start: () => Promise<void>;
  }): Promise<Figures> => {
    await waitFor(
      '/health 200 before the outage',
      async () => ((await health()).code === 200 ? true : undefined),
      120_000,
    );
    const retriesBefore = await metric(options.retryMetric);
    const betsBefore = load!.acknowledgedBets;
    load!.injectMalformed(`{"type":"bet.placed","betId":"x","during":"${options.dependency} outage"`);

    const stoppedAtMs = Date.now();
    await options.stop();
    const stopTookMs = Date.now() - stoppedAtMs;
    const detected = await waitFor(
      `/health to report ${options.probes.join(', ')} down`,
      async () => {
        const current = await health();
        return current.code === 503 && options.probes.every((probe) => current.down.includes(probe))
          ? current
          : undefined;
      },
      30_000,
    );
    const detectedMs = Date.now() - stoppedAtMs;
    assert.deepEqual(new Set(detected.down), new Set(options.probes), 'only the stopped dependency is down');
    // The outage itself: a fixed length is the point of the test, not a synchronisation.
    // Meanwhile the service stays up and keeps saying what is down.
    // Whether there was work to retry: with the broker down the consumer fetches nothing, so
    // the relay only fails if out-events were already waiting (the database is up then).
    let workWaiting = options.dependency !== 'kafka';
    while (Date.now() - stoppedAtMs < outageMs) {
      assertServeAlive();
      const current = await health();
      assert.equal(current.code, 503, `/health stays 503 while ${options.dependency} is down`);
      if (!workWaiting) workWaiting = (await count('SELECT COUNT(*) AS n FROM outbox')) > 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    load!.throwIfFailed();

    await options.start();
    const startedMs = Date.now();
    await waitFor(
      '/health 200 after the restart',
      async () => ((await health()).code === 200 ? true : undefined),
      120_000,
    );
    const healthyAfterRestartMs = Date.now() - startedMs;
    const acknowledged = load!.acknowledgedBets;
    await waitFor(
      `the ${acknowledged} bets acknowledged so far to be applied`,
      async () => ((await count('SELECT COUNT(*) AS n FROM bets')) >= acknowledged ? true : undefined),
      120_000,
    );
    const caughtUpAfterRestartMs = Date.now() - startedMs;
    // New events flow end to end again (not only the backlog): a second of bets sent after
    // the catch-up is applied.
    const flowTarget = load!.acknowledgedBets + betsPerTick * (1_000 / tickMs);
    await waitFor(
      'bets sent after the restart to be applied',
      async () =>
        load!.acknowledgedBets >= flowTarget && (await count('SELECT COUNT(*) AS n FROM bets')) >= flowTarget
          ? true
          : undefined,
      120_000,
    );
    const flowingAfterRestartMs = Date.now() - startedMs;
    assertServeAlive();
    if (workWaiting)
      assert.ok(
        (await metric(options.retryMetric)) > retriesBefore,
        `${options.retryMetric} rose: the work failed during the outage and was retried`,
      );
    const result: Figures = {
      dependency: options.dependency,
      stopTookMs,
      detectedMs,
      healthyAfterRestartMs,
      caughtUpAfterRestartMs,
      flowingAfterRestartMs,
      betsSentMeanwhile: load!.acknowledgedBets - betsBefore,
    };
    figures.push(result);
    return result;
  };

  test('MariaDB killed for 10 s: ingest pauses and retries, /health names the store, nothing is lost', async () => {
    const result = await outage({
      dependency: 'mariadb',
      probes: ['store'],
      retryMetric: 'tiernet_ingest_batch_failures_total',
      stop: () => mariadb!.stop('SIGKILL'),
      start: () => mariadb!.start(),
    });
    assert.ok(result.betsSentMeanwhile > 0, 'the load went on during the outage');
  });

  test('Redis stopped for 10 s (returns empty): the relay retries, /health names cache and lock, nothing is lost', async () => {
    await outage({
      dependency: 'redis',
      probes: ['cache', 'lock'],
      retryMetric: 'tiernet_outbox_relay_errors_total',
      stop: () => redis!.stop('SIGTERM'),
      start: () => redis!.start(),
    });
  });

  test('Kafka broker restarted: consumers and relay reconnect, /health names the event log, nothing is lost', async () => {
    await outage({
      dependency: 'kafka',
      probes: ['events'],
      retryMetric: 'tiernet_outbox_relay_errors_total',
      stop: () => kafka!.stop(),
      start: () => kafka!.start(),
    });
  });

  test('after the outages the state equals what the input implies: every event counted once, nothing good dead-lettered', async () => {
    await load!.stop();
    const betsExpected = load!.acknowledgedBets;
    const voidsExpected = load!.acknowledgedVoids;
    const periodsExpected = load!.closedPeriods.length;
    const loadStoppedMs = Date.now();
    await waitFor(
      'every bet, void and period close to be applied',
      async () => {
        const [bets, voids, periods] = await Promise.all([
          count('SELECT COUNT(*) AS n FROM bets'),
          count('SELECT COUNT(*) AS n FROM bets WHERE voided_at_ms IS NOT NULL'),
          count('SELECT COUNT(*) AS n FROM periods'),
        ]);
        return bets === betsExpected && voids === voidsExpected && periods === periodsExpected ? true : undefined;
      },
      120_000,
    );
    const appliedAfterMs = Date.now() - loadStoppedMs;
    assert.equal(await count('SELECT COUNT(*) AS n FROM bets'), betsExpected, 'no bet twice, none invented');
    await waitFor(
      'every closed period to be settled',
      async () =>
        (await count('SELECT COUNT(*) AS n FROM periods WHERE settlement_id IS NULL')) === 0 ? true : undefined,
      120_000,
    );
    const settledAfterMs = Date.now() - loadStoppedMs;
    // Voids of bets already settled wait as adjustments for the next settlement: an operator's
    // settle with nothing due but adjustments books them (bounded: one or two runs).
    // 409 settlement_in_progress: the automatic trigger holds the lock; ask again, as an operator would.
    await waitFor(
      'an operator settle to find nothing left to settle',
      async () => {
        const settled = await api('POST', '/v1/settlements', {});
        if (settled.code === 409) return undefined;
        assert.ok(settled.code === 200 || settled.code === 201, JSON.stringify(settled.json));
        return (settled.json as { settlementId: string | null }).settlementId === null ? true : undefined;
      },
      60_000,
    );
    assert.equal(await count('SELECT COUNT(*) AS n FROM bet_adjustments WHERE settlement_id IS NULL'), 0);
    assert.equal(await count("SELECT COUNT(*) AS n FROM settlements WHERE status = 'running'"), 0);

    // Per user: metrics and VIP level through the API.
    const mismatches: string[] = [];
    for (const [userId, expected] of load!.expectedUsers()) {
      const { code, json } = await api('GET', `/v1/users/${userId}`);
      assert.equal(code, 200);
      const user = json as { vip: { level: number }; metrics: Record<string, string | number> };
      const actual = {
        level: user.vip.level,
        turnover: String(user.metrics['turnoverLifetime']),
        betCount: Number(user.metrics['betCountLifetime']),
      };
      const wanted = {
        level: expected.level,
        turnover: formatMinor(expected.turnoverMinor),
        betCount: expected.betCount,
      };
      if (JSON.stringify(actual) !== JSON.stringify(wanted))
        mismatches.push(`${userId}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
    }
    assert.deepEqual(mismatches, [], 'user metrics and VIP levels equal the input');

    // The ledger: committed lines summed per beneficiary equal the per-bet reference.
    const indexOf = new Map(users.map((user, index) => [user.userId, index]));
    const reference = referenceSettle(
      referenceTreeOf(users),
      load!.standingBets().map((bet) => ({ bettor: indexOf.get(bet.userId)!, amountMinor: bet.amountMinor })),
      { model: 'differential', selfRebate: true },
    );
    const expectedLedger = new Map<string, string>();
    for (const [node, line] of reference.lines)
      if (line.amountMinor !== 0n) expectedLedger.set(users[node]!.userId, line.amountMinor.toString());
    const ledgerRows = await query<{ beneficiary_id: string; total: string }>(
      `SELECT l.beneficiary_id, SUM(l.amount_minor) AS total FROM settlement_lines l
       JOIN settlements s ON s.settlement_id = l.settlement_id WHERE s.status = 'committed'
       GROUP BY l.beneficiary_id HAVING SUM(l.amount_minor) <> 0`,
    );
    assert.deepEqual(
      new Map(ledgerRows.map((row) => [String(row.beneficiary_id), String(row.total)])),
      expectedLedger,
      'ledger per beneficiary equals the reference',
    );
    assert.equal(
      await count(`SELECT COUNT(*) AS n FROM settlement_periods WHERE game_id = '${loadGameId}'`),
      periodsExpected,
      'each period in exactly one settlement',
    );

    // The out-events: vip.changed on Kafka carries exactly the promotions the input implies.
    await waitFor(
      'the outbox to drain',
      async () => ((await count('SELECT COUNT(*) AS n FROM outbox')) === 0 ? true : undefined),
      60_000,
    );
    const vipEvents = await readTopic(kafkaClient(), topics.vipChanges);
    const promotionsSeen = new Map<string, string[]>();
    for (const event of vipEvents.values()) {
      const payload = JSON.parse(event) as { userId: string; fromLevel: number; toLevel: number; seq: number };
      const list = promotionsSeen.get(payload.userId) ?? [];
      list[payload.seq] = `${payload.fromLevel}->${payload.toLevel}`;
      promotionsSeen.set(payload.userId, list);
    }
    const promotionsExpected = new Map<string, string[]>();
    for (const [userId, expected] of load!.expectedUsers())
      if (expected.promotions.length > 0) promotionsExpected.set(userId, expected.promotions);
    assert.deepEqual(
      new Map([...promotionsSeen].map(([userId, list]) => [userId, list.filter((entry) => entry !== undefined)])),
      promotionsExpected,
      'vip.changed: none lost, none invented',
    );

    // The DLQ: exactly the malformed events, each once, with a reason code.
    const deadLetters = [...(await readTopic(kafkaClient(), topics.dlq)).values()].map(
      (text) => JSON.parse(text) as { error: { code: string }; original: string },
    );
    assert.deepEqual(
      deadLetters.map((letter) => letter.original).sort(),
      [...load!.malformedSent].sort(),
      'only the malformed events were dead-lettered',
    );
    for (const letter of deadLetters) assert.match(letter.error.code, /^[a-z_]+$/);
    assert.equal(await metric('tiernet_dlq_records_total'), load!.malformedSent.length);
    assertServeAlive();
    console.log(
      `# outage load: ${betsExpected} bets, ${voidsExpected} voids, ${periodsExpected} periods, ` +
        `${load!.sendRetries} producer resends, longest send ${load!.longestSendMs} ms; ` +
        `after the load stopped: all applied in ${appliedAfterMs} ms, all periods settled in ${settledAfterMs} ms`,
    );
  });

  test('with Redis down, settlement refuses to run (no lock, no fenced write); when Redis returns it runs exactly once', async () => {
    await waitFor('/health 200', async () => ((await health()).code === 200 ? true : undefined), 60_000);
    await waitFor(
      'no settlement running',
      async () =>
        (await count("SELECT COUNT(*) AS n FROM settlements WHERE status = 'running'")) === 0 ? true : undefined,
      60_000,
    );
    const settlementsBefore = await count('SELECT COUNT(*) AS n FROM settlements');
    const fenceBefore = BigInt(
      (await query<{ token: string }>("SELECT token FROM fences WHERE name = 'settlement'"))[0]?.token ?? '0',
    );
    const failuresLogged = (): number => serveLog.filter((line) => line.includes('automatic settlement failed')).length;
    const failuresBefore = failuresLogged();

    await redis!.stop('SIGTERM');
    const periodId = 'lock-test';
    const bettor = users[users.length - 1]!;
    await producer!.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: topics.bets,
          messages: [
            {
              key: bettor.userId,
              value: JSON.stringify({
                type: 'bet.placed',
                betId: '900000001',
                userId: bettor.userId,
                gameId: loadGameId,
                periodId,
                amount: '100',
                placedAt: Date.now(),
              }),
            },
          ],
        },
      ],
    });
    await waitFor(
      'the bet to be applied with Redis down',
      async () => ((await count('SELECT COUNT(*) AS n FROM bets WHERE bet_id = 900000001')) === 1 ? true : undefined),
      60_000,
    );
    await producer!.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: topics.periods,
          messages: [
            {
              key: loadGameId,
              value: JSON.stringify({ type: 'period.closed', gameId: loadGameId, periodId, closedAt: Date.now() }),
            },
          ],
        },
      ],
    });
    await waitFor(
      'the close to be recorded',
      async () =>
        (await count(`SELECT COUNT(*) AS n FROM periods WHERE period_id = '${periodId}'`)) === 1 ? true : undefined,
      60_000,
    );
    // The trigger fires after its debounce, cannot take the lock, says so, and retries on its
    // own after a backoff (1 s, then 2 s): no second period.closed, no 60 s sweep needed.
    await waitFor(
      'the automatic settlement to fail for want of the lock, twice',
      async () => (failuresLogged() >= failuresBefore + 2 ? true : undefined),
      20_000,
    );
    assertServeAlive();
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM settlements'),
      settlementsBefore,
      'no settlement row without the lock',
    );
    assert.equal(
      await count(`SELECT COUNT(*) AS n FROM periods WHERE period_id = '${periodId}' AND settlement_id IS NULL`),
      1,
    );
    const fenceDuring = BigInt(
      (await query<{ token: string }>("SELECT token FROM fences WHERE name = 'settlement'"))[0]?.token ?? '0',
    );
    assert.equal(fenceDuring, fenceBefore, 'no fenced write was attempted');

    const restartedMs = Date.now();
    await redis!.start();
    const settled = await waitFor(
      'the period to be settled after Redis returns',
      async () => {
        const rows = await query<{ settlement_id: string; status: string; fencing_token: string }>(
          `SELECT s.settlement_id, s.status, s.fencing_token FROM settlement_periods p
           JOIN settlements s ON s.settlement_id = p.settlement_id WHERE p.period_id = '${periodId}'`,
        );
        return rows.length > 0 && rows.every((row) => row.status === 'committed') ? rows : undefined;
      },
      120_000,
    );
    const settledAfterMs = Date.now() - restartedMs;
    assert.equal(settled.length, 1, 'exactly one settlement for the period');
    assert.ok(
      BigInt(settled[0]!.fencing_token) > fenceBefore,
      'its token is above every earlier one, though Redis lost its counter',
    );
    const lines = await query<{ beneficiary_id: string; amount_minor: string }>(
      `SELECT beneficiary_id, amount_minor FROM settlement_lines WHERE settlement_id = '${settled[0]!.settlement_id}'`,
    );
    const indexOf = new Map(users.map((user, index) => [user.userId, index]));
    const reference = referenceSettle(
      referenceTreeOf(users),
      [{ bettor: indexOf.get(bettor.userId)!, amountMinor: 100n * minorPerUnit }],
      {
        model: 'differential',
        selfRebate: true,
      },
    );
    assert.deepEqual(
      new Map(lines.map((line) => [String(line.beneficiary_id), String(line.amount_minor)])),
      new Map(
        [...reference.lines]
          .filter(([, line]) => line.amountMinor !== 0n)
          .map(([node, line]) => [users[node]!.userId, line.amountMinor.toString()]),
      ),
    );
    console.log(`# settlement with Redis down: settled ${settledAfterMs} ms after Redis returned`);
  });
});

function formatMinor(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const magnitude = minor < 0n ? -minor : minor;
  return `${sign}${magnitude / minorPerUnit}.${(magnitude % minorPerUnit).toString().padStart(4, '0')}`;
}

/** Every record of `topic` up to its end now, by tiernet-event-id (redeliveries collapse). */
async function readTopic(client: Kafka, topic: string): Promise<Map<string, string>> {
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const pending = new Map(
    ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]),
  );
  const records = new Map<string, string>();
  if (pending.size === 0) return records;
  const consumer = client.consumer({ groupId: `${topicPrefix}reader-${topic}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const id = message.headers?.['tiernet-event-id']?.toString() ?? `${partition}:${message.offset}`;
          records.set(id, message.value?.toString() ?? '');
          const high = pending.get(partition);
          if (high !== undefined && Number(message.offset) + 1 >= high) pending.delete(partition);
          if (pending.size === 0) resolve();
        },
      });
    });
    await waitFor(`reading ${topic} to its end`, async () => (pending.size === 0 ? true : undefined), 60_000);
    await done;
  } finally {
    await consumer.disconnect();
  }
  return records;
}
