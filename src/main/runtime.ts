// The composition root: the one place that turns configuration into adapters and wires them
// into use cases. Nothing else reads configuration or picks a backend.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Cache } from '../app/ports/cache.ts';
import { systemClock, type Clock } from '../app/ports/clock.ts';
import type { EventLog } from '../app/ports/event-log.ts';
import type { DistributedLock } from '../app/ports/lock.ts';
import type { Store, StoreSession } from '../app/ports/store.ts';
import type { IngestDependencies } from '../app/ingest/ingest-batch.ts';
import { LadderSource } from '../app/vip/ladder-source.ts';
import type { VipAdminDependencies } from '../app/vip/vip-admin.ts';
import type { ReviewDependencies } from '../app/vip/review-scheduler.ts';
import { GroupCatalog } from '../app/groups/group-catalog.ts';
import type { GroupsDependencies } from '../app/groups/groups-deps.ts';
import { createGroupsHook } from '../app/groups/groups-hook.ts';
import { backendsOf, type Config } from '../config/config.ts';
import { createKafkaEventLog } from '../adapters/kafka/kafka-event-log.ts';
import { MemoryCache } from '../adapters/memory/cache.ts';
import { createMemoryEventLog } from '../adapters/memory/event-log.ts';
import { MemoryLock } from '../adapters/memory/lock.ts';
import { openMysqlDatabase } from '../adapters/mysql/connect.ts';
import { RedisCache } from '../adapters/redis/cache.ts';
import { closeRedisClient, createRedisClient } from '../adapters/redis/client.ts';
import { RedisLock } from '../adapters/redis/lock.ts';
import type { SqlDatabase } from '../adapters/sql/database.ts';
import { migrate, type MigrationReport } from '../adapters/sql/migrate.ts';
import { ensureSettlementClaimGate } from '../adapters/sql/settlement-claim-gate.ts';
import { createSqlStore, createStoreSession } from '../adapters/sql/store.ts';
import { createAgentTreeRepository } from '../adapters/sql/agent-tree-repository.ts';
import type { AgentRouteDeps } from '../adapters/http/routes/agents.ts';
import type { AgentTreeRepository } from '../app/ports/agent-tree.ts';
import { UserChangeSet } from '../app/ports/user-changes.ts';
import { requestRebuildOfGroupsReading } from '../app/groups/group-maintenance.ts';
import { openSqliteDatabase } from '../adapters/sqlite/connect.ts';
import { createSqlSettlementStore } from '../adapters/sql/settlement-repository.ts';
import type { SettlementDependencies } from '../app/settlement/settlement-deps.ts';
import { loadRebateEligibility } from '../app/groups/policies.ts';
import { defaultRunnerName } from '../app/settlement/run-settlement.ts';
import type { HealthProbe } from '../adapters/http/health.ts';
import { createServiceMetrics, type ServiceMetrics } from './metrics.ts';
import { throttledWarning } from './throttled-warning.ts';

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: ServiceMetrics;
  readonly registry: Registry;
  readonly database: SqlDatabase;
  readonly store: Store;
  readonly cache: Cache;
  readonly lock: DistributedLock;
  readonly eventLog: EventLog;
  readonly ladders: LadderSource;
  readonly probes: HealthProbe[];
  readonly consumerGroup: string;
  readonly ingest: IngestDependencies;
  readonly vip: VipAdminDependencies;
  readonly review: ReviewDependencies;
  readonly groups: GroupsDependencies;
  readonly agents: AgentRouteDeps;
  readonly settlement: SettlementDependencies;
  /** All topics tiernet reads or writes. */
  readonly allTopics: string[];
  readonly inputTopics: string[];
  migrate(onProgress?: (message: string) => void): Promise<MigrationReport>;
  close(): Promise<void>;
}

export function sqlitePathOf(config: Config): string {
  return join(config.dataDir, 'tiernet.db');
}

export function openDatabase(config: Config): SqlDatabase {
  return config.mysql
    ? openMysqlDatabase({ url: config.mysql.url })
    : openSqliteDatabase({ path: sqlitePathOf(config) });
}

/** Opens every backend the configuration selects. Closing releases them in reverse order. */
export async function openRuntime(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Runtime> {
  const backends = backendsOf(config);
  const closers: (() => Promise<void>)[] = [];
  const metrics = createServiceMetrics();
  try {
    const database = openDatabase(config);
    closers.push(() => database.close());
    const store = createSqlStore(database);
    let cache: Cache;
    let lock: DistributedLock;
    if (config.redis) {
      const client = await createRedisClient(config.redis.url, {
        keyPrefix: config.redis.keyPrefix,
        onError: (error) => logger.warn({ err: error }, 'redis connection error'),
      });
      closers.push(() => closeRedisClient(client));
      cache = new RedisCache(client);
      lock = new RedisLock(client);
    } else {
      cache = new MemoryCache({ clock });
      lock = new MemoryLock(clock);
    }
    const eventLog = config.kafka
      ? createKafkaEventLog({
          brokers: config.kafka.brokers,
          clientId: config.kafka.clientId,
          logger: logger.child({ component: 'kafka' }),
          replicationFactor: config.kafka.replicationFactor,
          // Ingest transactions of different partitions touch different users' rows (keyed
          // by userId), so partitions can be applied concurrently without conflicts.
          consumer: { partitionsConsumedConcurrently: Math.min(config.kafka.partitions, 4) },
        })
      : createMemoryEventLog({ directory: join(config.dataDir, 'log'), clock });
    closers.push(() => eventLog.close());
    const probes: HealthProbe[] = [
      { name: 'store', backend: backends.store, check: () => store.ping() },
      { name: 'cache', backend: backends.cache, check: () => cache.ping() },
      { name: 'lock', backend: backends.cache, check: () => lock.ping() },
      { name: 'events', backend: backends.log, check: () => eventLog.ping() },
    ];
    const ladders = new LadderSource(config.metrics.windowDays);
    // Counted every time, logged at most every 10 s: while Redis is down this fires per batch.
    const warnCacheError = throttledWarning(
      10_000,
      () => clock.nowMs(),
      (error, occurrences) => logger.warn({ err: error, occurrences }, 'cache unavailable; carrying on without it'),
    );
    const onCacheError = (error: unknown): void => {
      metrics.cacheErrors.inc();
      warnCacheError(error);
    };
    const topics = {
      vipChanges: config.topics.vipChanges,
      groupChanges: config.topics.groupChanges,
      settlements: config.topics.settlements,
      dlq: config.topics.dlq,
    };
    const consumerGroup = config.kafka?.groupId ?? 'tiernet';
    const groups: GroupsDependencies = {
      store,
      clock,
      ladders,
      windowDays: config.metrics.windowDays,
      topic: topics.groupChanges,
      catalog: new GroupCatalog(config.metrics.windowDays),
      onProgress: (progress) => logger[progress.done ? 'info' : 'debug']({ ...progress }, 'group membership batch'),
    };
    // Keeps dynamic group membership current inside every transaction that changes users.
    const afterApply = createGroupsHook(groups);
    const ingest: IngestDependencies = {
      store,
      cache,
      clock,
      ladders,
      currency: config.currency,
      windowDays: config.metrics.windowDays,
      topics,
      consumerGroup,
      onCacheError,
      afterApply,
      onSubtreesMoved: async (session) => {
        await requestRebuildOfGroupsReading(session, groups.catalog, ['agent', 'downline']);
      },
    };
    // Agent commands run in a transaction whose store session is found from its tree, so the
    // groups hook sees the move or rate change in the same transaction that wrote it.
    const sessionsOfTrees = new WeakMap<AgentTreeRepository, StoreSession>();
    const agents: AgentRouteDeps = {
      tree: createAgentTreeRepository(database, database.db),
      clock,
      transaction: (work) =>
        database.transaction((trx) => {
          const tree = createAgentTreeRepository(database, trx);
          sessionsOfTrees.set(tree, createStoreSession(database, trx));
          return work(tree);
        }),
      afterChange: async (tree, change, nowMs) => {
        const session = sessionsOfTrees.get(tree);
        if (session === undefined) return;
        const changes = new UserChangeSet();
        if (change.kind === 'rate') changes.add(change.userId, 'user.rebateRate');
        else {
          for (const parentId of [change.fromParentId, change.toParentId])
            if (parentId !== null) changes.add(parentId, 'agent');
          // The moved subtree's depths and uplines changed: groups reading them are rebuilt in batches.
          await requestRebuildOfGroupsReading(session, groups.catalog, ['agent', 'downline']);
        }
        await session.outbox.append(await afterApply(session, changes.toMap(), nowMs), nowMs);
      },
    };
    const vip: VipAdminDependencies = {
      store,
      cache,
      clock,
      ladders,
      windowDays: config.metrics.windowDays,
      vipChangesTopic: topics.vipChanges,
      onCacheError,
      afterApply,
    };
    const review: ReviewDependencies = {
      store,
      cache,
      clock,
      ladders,
      windowDays: config.metrics.windowDays,
      vipChangesTopic: topics.vipChanges,
      onCacheError,
      afterApply,
    };
    const settlement: SettlementDependencies = {
      settlements: createSqlSettlementStore(database),
      store,
      lock,
      clock,
      // Policies decide eligibility (rebate.enabled) and caps (rebate.maxPerSettlement).
      eligibility: (session) => loadRebateEligibility(session, clock.nowMs()),
      topic: topics.settlements,
      lockTtlMs: config.settlement.lockTtlMs,
      runnerName: defaultRunnerName(),
    };
    const inputTopics = [config.topics.users, config.topics.bets, config.topics.periods];
    return {
      config,
      logger,
      clock,
      metrics,
      registry: metrics.registry,
      database,
      store,
      cache,
      lock,
      eventLog,
      ladders,
      probes,
      consumerGroup,
      ingest,
      vip,
      review,
      groups,
      agents,
      settlement,
      inputTopics,
      allTopics: [...inputTopics, topics.vipChanges, topics.groupChanges, topics.settlements, topics.dlq],
      migrate: async (onProgress) => {
        const report = await migrate(database, clock.nowMs(), onProgress);
        await ensureSettlementClaimGate(database, clock.nowMs());
        return report;
      },
      async close() {
        for (const close of closers.reverse()) {
          try {
            await close();
          } catch (error) {
            logger.warn({ err: error }, 'error while closing a backend');
          }
        }
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
