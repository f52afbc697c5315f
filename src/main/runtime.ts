// The composition root: the one place that turns configuration into adapters and wires them
// into use cases. Nothing else reads configuration or picks a backend.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Cache } from '../app/ports/cache.ts';
import { systemClock, type Clock } from '../app/ports/clock.ts';
import type { DistributedLock } from '../app/ports/lock.ts';
import type { Store } from '../app/ports/store.ts';
import { backendsOf, type Config } from '../config/config.ts';
import { MemoryCache } from '../adapters/memory/cache.ts';
import { MemoryLock } from '../adapters/memory/lock.ts';
import { openMysqlDatabase } from '../adapters/mysql/connect.ts';
import { RedisCache } from '../adapters/redis/cache.ts';
import { closeRedisClient, createRedisClient } from '../adapters/redis/client.ts';
import { RedisLock } from '../adapters/redis/lock.ts';
import type { SqlDatabase } from '../adapters/sql/database.ts';
import { migrate, type MigrationReport } from '../adapters/sql/migrate.ts';
import { createSqlStore } from '../adapters/sql/store.ts';
import { openSqliteDatabase } from '../adapters/sqlite/connect.ts';
import type { HealthProbe } from '../adapters/http/health.ts';

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
  readonly database: SqlDatabase;
  readonly store: Store;
  readonly cache: Cache;
  readonly lock: DistributedLock;
  readonly probes: HealthProbe[];
  migrate(onProgress?: (message: string) => void): Promise<MigrationReport>;
  close(): Promise<void>;
}

export function sqlitePathOf(config: Config): string {
  return join(config.dataDir, 'tiernet.db');
}

export function openDatabase(config: Config): SqlDatabase {
  return config.mysql ? openMysqlDatabase({ url: config.mysql.url }) : openSqliteDatabase({ path: sqlitePathOf(config) });
}

/** Opens every backend the configuration selects. Closing releases them in reverse order. */
export async function openRuntime(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Runtime> {
  const backends = backendsOf(config);
  const closers: (() => Promise<void>)[] = [];
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tiernet_' });
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
    const probes: HealthProbe[] = [
      { name: 'store', backend: backends.store, check: () => store.ping() },
      { name: 'cache', backend: backends.cache, check: () => cache.ping() },
      { name: 'lock', backend: backends.cache, check: () => lock.ping() },
    ];
    return {
      config,
      logger,
      clock,
      registry,
      database,
      store,
      cache,
      lock,
      probes,
      migrate: (onProgress) => migrate(database, clock.nowMs(), onProgress),
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
