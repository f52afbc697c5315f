// `tiernet serve`: consumers, outbox relay, VIP review scheduler and the HTTP API, started in
// dependency order and stopped in reverse, each loop finishing the work in flight.
import { randomUUID } from 'node:crypto';
import type { IngestDependencies, IngestStats } from '../app/ingest/ingest-batch.ts';
import { startIngestConsumer } from '../app/ingest/ingest-consumer.ts';
import { applyHeldVoids } from '../app/ingest/held-voids.ts';
import { OutboxRelay } from '../app/outbox/relay.ts';
import type { EventConsumer } from '../app/ports/event-log.ts';
import { WakeableLoop } from '../app/runtime/wakeable-loop.ts';
import { reviewDuePage } from '../app/vip/review-scheduler.ts';
import { dayTickStep } from '../app/groups/day-tick.ts';
import { groupMaintenanceLoopStep } from '../app/groups/group-maintenance.ts';
import { buildHttpServer, type HttpApp } from '../adapters/http/server.ts';
import { eventRoutes } from '../adapters/http/routes/events.ts';
import { vipRoutes } from '../adapters/http/routes/vip.ts';
import { agentRoutes } from '../adapters/http/routes/agents.ts';
import { statsRoutes } from '../adapters/http/routes/stats.ts';
import { consoleRoutes } from '../adapters/http/console/console-routes.ts';
import { groupRoutes } from '../adapters/http/routes/groups.ts';
import { settlementRoutes } from '../adapters/http/routes/settlements.ts';
import { rebateRoutes } from '../adapters/http/routes/rebates.ts';
import { SettlementTrigger } from '../app/settlement/settlement-trigger.ts';
import { runSettlement } from '../app/settlement/run-settlement.ts';
import type { Runtime } from './runtime.ts';

export interface ServiceOptions {
  readonly version: string;
  /** Run the log consumers (false: HTTP and background loops only). */
  readonly consume?: boolean;
  readonly reviewIntervalMs?: number;
  /** Served to the console as /console/demo.json (the demo's shortcuts); absent outside the demo. */
  readonly consoleHints?: unknown;
  /** How often the groups day tick checks whether today's re-evaluation has run (default 10 min). */
  readonly groupTickIntervalMs?: number;
}

export interface RunningService {
  readonly app: HttpApp;
  readonly address: string;
  readonly relay: OutboxRelay;
  stop(): Promise<void>;
}

const reviewPageSize = 500;
const reviewLockName = 'vip-review';
/** Settlement sweep without a period.closed: finishes runs a crashed process left running. */
const settlementSweepMs = 60_000;
/** How often held voids whose bet has been stored since are looked for (src/app/ingest/held-voids.ts), and how many per step. */
const heldVoidSweepMs = 30_000;
const heldVoidsPerStep = 500;

export async function startService(runtime: Runtime, options: ServiceOptions): Promise<RunningService> {
  const { config, logger, metrics } = runtime;
  const partitions = config.kafka?.partitions ?? 3;
  await runtime.eventLog.ensureTopics(runtime.allTopics, partitions);

  const relay = new OutboxRelay({
    store: runtime.store,
    producer: runtime.eventLog.producer(),
    lock: runtime.lock,
    clock: runtime.clock,
    lockTtlMs: 10_000,
    // Large batches: at 2,000 out-events/s a 500-record batch left the relay close to saturation.
    batchSize: 2_000,
    onError: (error) => {
      metrics.outboxErrors.inc();
      logger.warn({ err: error }, 'outbox relay failed; retrying');
    },
    onRelayed: (count) => metrics.outboxRelayed.inc(count),
  });
  relay.start();

  // Settlement after period.closed, debounced into batches (DESIGN §5); a lock held elsewhere
  // makes a run do nothing. The sweep finishes crashed runs and catches up after a restart.
  const settlementTrigger = new SettlementTrigger({
    run: async () => {
      const startedMs = performance.now();
      const outcome = await runSettlement(runtime.settlement, {
        periods: null,
        adjustmentsAlone: false,
        onLockRenewError: (error) => logger.warn({ err: error }, 'settlement lock renewal failed'),
      }).catch((error: unknown) => {
        metrics.settlementSeconds.observe({ outcome: 'failed' }, (performance.now() - startedMs) / 1000);
        throw error;
      });
      if (outcome.kind === 'busy') {
        metrics.lockContention.inc({ lock: 'settlement' });
        return false;
      }
      metrics.settlementSeconds.observe(
        { outcome: outcome.claimed?.settlement.status ?? (outcome.resumed.length > 0 ? 'resumed' : 'nothing_due') },
        (performance.now() - startedMs) / 1000,
      );
      relay.notify();
      return outcome.morePeriodsDue;
    },
    debounceMs: config.settlement.debounceMs,
    sweepMs: settlementSweepMs,
    onError: (error, retry) =>
      logger.warn({ err: error, ...retry }, 'automatic settlement failed; retrying after a backoff'),
  });
  settlementTrigger.start();

  // The relay is woken the moment a batch commits, not after its cache write and metrics.
  const ingest: IngestDependencies = { ...runtime.ingest, onCommitted: () => relay.notify() };
  const afterIngest = (stats: IngestStats): void => {
    metrics.ingestEvents.inc({ status: 'applied' }, stats.applied);
    metrics.ingestEvents.inc({ status: 'duplicate' }, stats.duplicates);
    metrics.ingestEvents.inc({ status: 'rejected' }, stats.rejected);
    metrics.vipChanges.inc(stats.vipChanges);
    if (stats.newClosedPeriods > 0) settlementTrigger.notify();
  };

  const reviewOwner = `review-${randomUUID()}`;
  const review = new WakeableLoop(
    async () => {
      const lease = await runtime.lock.acquire(reviewLockName, reviewOwner, 60_000);
      if (lease === null) {
        metrics.lockContention.inc({ lock: reviewLockName });
        return false;
      }
      try {
        const result = await reviewDuePage(runtime.review, runtime.clock.nowMs(), reviewPageSize);
        metrics.vipReviews.inc(result.examined);
        metrics.vipChanges.inc(result.levelChanges);
        if (result.changed > 0) relay.notify();
        return result.examined === reviewPageSize;
      } finally {
        await runtime.lock.release(lease).catch(() => false);
      }
    },
    {
      name: 'vip-review',
      idleMs: options.reviewIntervalMs ?? 5_000,
      onError: (error) => logger.warn({ err: error }, 'VIP review failed; retrying'),
    },
  );
  review.start();

  const heldVoids = new WakeableLoop(
    async () => {
      const outcome = await applyHeldVoids(ingest, heldVoidsPerStep);
      if (outcome.examined > 0) {
        // Ingest counted each of them when it held it; the relay was woken at the commit.
        logger.warn(
          { ...outcome, rejected: outcome.rejected.slice(0, 20) },
          'applied voids held for bets that arrived on another partition (a void keyed differently from its bet)',
        );
      }
      return outcome.examined === heldVoidsPerStep;
    },
    {
      name: 'held-voids',
      idleMs: heldVoidSweepMs,
      onError: (error) => logger.warn({ err: error }, 'applying held voids failed; retrying'),
    },
  );
  heldVoids.start();

  // Group membership work left by definition changes (rebuilds, deletions), and the day tick
  // of time-relative rules: one bounded batch per step, each under a lock like the review.
  const lockedStep = async (lockName: string, owner: string, step: () => Promise<boolean>): Promise<boolean> => {
    const lease = await runtime.lock.acquire(lockName, owner, 60_000);
    if (lease === null) {
      metrics.lockContention.inc({ lock: lockName });
      return false;
    }
    try {
      return await step();
    } finally {
      await runtime.lock.release(lease).catch(() => false);
    }
  };
  const groupsOwner = `groups-${randomUUID()}`;
  const groupMaintenance = new WakeableLoop(
    () =>
      lockedStep('group-maintenance', groupsOwner, async () => {
        const more = await groupMaintenanceLoopStep(runtime.groups);
        if (more) relay.notify();
        return more;
      }),
    {
      name: 'group-maintenance',
      idleMs: 30_000,
      onError: (error) => logger.warn({ err: error }, 'group membership work failed; retrying'),
    },
  );
  groupMaintenance.start();
  const groupDayTick = new WakeableLoop(
    () =>
      lockedStep('group-day-tick', groupsOwner, async () => {
        const step = await dayTickStep(runtime.groups, runtime.clock.nowMs());
        if (step.joined + step.left > 0) relay.notify();
        return !step.done;
      }),
    {
      name: 'group-day-tick',
      idleMs: options.groupTickIntervalMs ?? 600_000,
      onError: (error) => logger.warn({ err: error }, 'group day tick failed; retrying'),
    },
  );
  groupDayTick.start();

  let consumer: EventConsumer | null = null;
  let lagTimer: NodeJS.Timeout | null = null;
  if (options.consume ?? true) {
    consumer = await startIngestConsumer({
      eventLog: runtime.eventLog,
      ingest,
      topics: runtime.inputTopics,
      groupId: runtime.consumerGroup,
      maxBatchSize: config.ingest.maxBatchSize,
      onBatch: (batch, stats, durationMs) => {
        metrics.ingestBatchSize.observe(batch.messages.length);
        metrics.ingestApplySeconds.observe(durationMs / 1000);
        metrics.dlqRecords.inc(stats.deadLettered);
        afterIngest(stats);
      },
      onError: (error, batch) => {
        metrics.ingestFailures.inc();
        logger.warn(
          { err: error, topic: batch.topic, partition: batch.partition },
          'ingest batch failed; it will be retried',
        );
      },
    });
    const activeConsumer = consumer;
    lagTimer = setInterval(() => {
      activeConsumer.lag().then(
        (lag) => metrics.consumerLag.set(lag),
        () => undefined,
      );
    }, 5_000);
    lagTimer.unref();
  }

  const app = await buildHttpServer({
    logger,
    registry: runtime.registry,
    probes: runtime.probes,
    adminToken: config.adminToken,
    version: options.version,
    routes: [
      eventRoutes({ ingest, afterIngest }),
      vipRoutes(runtime.vip),
      agentRoutes(runtime.agents),
      statsRoutes(runtime.vip),
      consoleRoutes({ hints: options.consoleHints }),
      groupRoutes({
        groups: runtime.groups,
        afterChange: () => {
          relay.notify();
          groupMaintenance.notify();
        },
      }),
      settlementRoutes({ settlement: runtime.settlement, afterSettle: () => relay.notify() }),
      rebateRoutes({ store: runtime.store, clock: runtime.clock }),
    ],
  });
  const address = await app.listen({ port: config.server.port, host: config.server.host });

  return {
    app,
    address,
    relay,
    async stop() {
      await app.close();
      if (lagTimer !== null) clearInterval(lagTimer);
      if (consumer !== null) await consumer.stop();
      await groupDayTick.stop();
      await groupMaintenance.stop();
      await review.stop();
      await heldVoids.stop();
      await settlementTrigger.stop();
      await relay.stop();
    },
  };
}
