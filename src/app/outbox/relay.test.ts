// The outbox relay on the embedded store (SQLite in memory) and the in-memory lock: records go
// out oldest first and once each; the removal of a sent batch overlaps the next batch, whose
// read leaves the ids being removed out; a failed removal is reported and its records are
// sent again later (at-least-once), never lost.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { migrate } from '../../adapters/sql/migrate.ts';
import { createSqlStore } from '../../adapters/sql/store.ts';
import type { SqlDatabase } from '../../adapters/sql/database.ts';
import { openSqliteDatabase } from '../../adapters/sqlite/connect.ts';
import { MemoryLock } from '../../adapters/memory/lock.ts';
import { systemClock } from '../ports/clock.ts';
import type { LogRecord } from '../ports/event-log.ts';
import type { Store } from '../ports/store.ts';
import { OutboxRelay } from './relay.ts';

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('OutboxRelay', () => {
  let database: SqlDatabase;
  let store: Store;
  const sent: LogRecord[] = [];
  const errors: unknown[] = [];
  let relayed = 0;

  beforeEach(async () => {
    database = openSqliteDatabase({ path: ':memory:' });
    await migrate(database, Date.now());
    store = createSqlStore(database);
    sent.length = 0;
    errors.length = 0;
    relayed = 0;
  });
  afterEach(async () => {
    await database.close();
  });

  const append = async (from: number, to: number): Promise<void> => {
    const records = [];
    for (let index = from; index < to; index += 1)
      records.push({ topic: 'out', key: `k${index % 3}`, payload: `p${index}` });
    await store.outbox.append(records, Date.now());
  };
  const relayOver = (outboxStore: Store): OutboxRelay =>
    new OutboxRelay({
      store: outboxStore,
      producer: { send: async (records) => void sent.push(...records) },
      lock: new MemoryLock(systemClock),
      clock: systemClock,
      batchSize: 4,
      onError: (error) => errors.push(error),
      onRelayed: (count) => (relayed += count),
    });

  test('sends every record once, oldest first, and empties the outbox', async () => {
    await append(0, 10);
    const relay = relayOver(store);
    while (await relay.relayOnce());
    await relay.relayOnce();
    await relay.stop();
    assert.deepEqual(
      sent.map((record) => record.value),
      Array.from({ length: 10 }, (_, index) => `p${index}`),
    );
    assert.deepEqual(
      sent.map((record) => record.headers?.['tiernet-event-id']),
      Array.from({ length: 10 }, (_, index) => String(index + 1)),
    );
    assert.equal(await store.outbox.count(), 0);
    assert.equal(relayed, 10);
    assert.deepEqual(errors, []);
  });

  test(
    'the next batch is read and sent while the previous removal is in flight, without its ids',
    { timeout: 10_000 },
    async () => {
      await append(0, 8);
      const held = gate();
      let removalsStarted = 0;
      const slowRemoval: Store = {
        ...store,
        outbox: {
          ...store.outbox,
          remove: async (ids) => {
            removalsStarted += 1;
            if (removalsStarted === 1) await held.opened;
            await store.outbox.remove(ids);
          },
        },
      };
      const relay = relayOver(slowRemoval);
      assert.equal(await relay.relayOnce(), true);
      assert.equal(removalsStarted, 1);
      // The first removal is held: the second step still reads and sends records 5-8 only.
      const second = relay.relayOnce();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(
        sent.map((record) => record.value),
        ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'],
        'batch 2 went out while batch 1 was still being removed',
      );
      assert.equal(removalsStarted, 1, 'at most one removal in flight');
      held.open();
      assert.equal(await second, true);
      assert.equal(await relay.relayOnce(), false);
      await relay.stop();
      assert.equal(sent.length, 8, 'nothing sent twice');
      assert.equal(await store.outbox.count(), 0);
    },
  );

  test('a failed removal is reported and its records are sent again, after the next batch', async () => {
    await append(0, 6);
    let failNext = true;
    const failingOnce: Store = {
      ...store,
      outbox: {
        ...store.outbox,
        remove: async (ids) => {
          if (failNext) {
            failNext = false;
            throw new Error('connection lost');
          }
          await store.outbox.remove(ids);
        },
      },
    };
    const relay = relayOver(failingOnce);
    for (let step = 0; step < 5; step += 1) await relay.relayOnce();
    await relay.stop();
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /connection lost/);
    assert.deepEqual(
      sent.map((record) => record.value),
      ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p0', 'p1', 'p2', 'p3'],
      'the first batch again, after the second: at-least-once, nothing lost',
    );
    assert.equal(await store.outbox.count(), 0);
    assert.equal(relayed, 6, 'counted once per successful removal');
  });
});
