// The Store port over a SqlDatabase: the same repositories bound either to autocommit or
// to one transaction.
import { TiernetError } from '../../app/errors.ts';
import { createAgentTreeRepository } from './agent-tree-repository.ts';
import type { Store, StoreSession } from '../../app/ports/store.ts';
import { createBetsRepository } from './bets-repository.ts';
import type { Executor, SqlDatabase } from './database.ts';
import { createLedgerRepository } from './ledger-repository.ts';
import { createMetricsRepository } from './metrics-repository.ts';
import { createOffsetsRepository } from './offsets-repository.ts';
import { createOutboxRepository } from './outbox-repository.ts';
import { createUsersRepository } from './users-repository.ts';
import { createVipStatesRepository } from './vip-states-repository.ts';
import { createVipHistoryRepository } from './vip-history-repository.ts';
import { createDocumentVersionsRepository } from './document-versions-repository.ts';
import { createGroupsRepository } from './groups-repository.ts';
import { createPeriodsRepository } from './periods-repository.ts';
import { createAdjustmentsRepository, createPendingVoidsRepository } from './pending-voids-repository.ts';

/** The repositories bound to one executor (the database, or one transaction). */
export function createStoreSession(database: SqlDatabase, executor: Executor): StoreSession {
  return {
    users: createUsersRepository(database, executor),
    bets: createBetsRepository(database, executor),
    metrics: createMetricsRepository(database, executor),
    outbox: createOutboxRepository(database, executor),
    ledger: createLedgerRepository(database, executor),
    offsets: createOffsetsRepository(database, executor),
    vipStates: createVipStatesRepository(database, executor),
    vipHistory: createVipHistoryRepository(database, executor),
    ladders: createDocumentVersionsRepository(executor, 'ladder_versions'),
    rebatePolicies: createDocumentVersionsRepository(executor, 'rebate_policy_versions'),
    periods: createPeriodsRepository(database, executor),
    pendingVoids: createPendingVoidsRepository(database, executor),
    adjustments: createAdjustmentsRepository(database, executor),
    groups: createGroupsRepository(database, executor),
    agentTree: createAgentTreeRepository(database, executor),
  };
}

export function createSqlStore(database: SqlDatabase): Store {
  return {
    backend: database.dialect.name,
    ...createStoreSession(database, database.db),
    async transaction(work) {
      try {
        return await database.transaction((trx) => work(createStoreSession(database, trx)));
      } catch (error) {
        // A unique key hit by a concurrent writer: the caller re-reads and tries again.
        if (database.dialect.isDuplicateKey(error)) {
          throw new TiernetError(
            'db_conflict',
            `a concurrent writer inserted the same key: ${(error as Error).message}`,
            { cause: error },
          );
        }
        throw error;
      }
    },
    ping: () => database.ping(),
    close: () => database.close(),
  };
}
