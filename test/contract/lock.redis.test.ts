// Runs the DistributedLock contract against Redis (real server, real time, every handle
// its own connection), then proves what is Redis-specific: every key sits under the
// file's prefix, the lease value carries token and owner, and the fence counter never
// expires while the lease does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { closeRedisClient } from '../../src/adapters/redis/client.ts';
import { RedisLock } from '../../src/adapters/redis/lock.ts';
import { connectTestRedis, deleteKeysUnderPrefix, keysUnderPrefix, uniqueKeyPrefix } from '../support/redis.ts';
import { lockContract, type LockHarness } from './lock.contract.ts';

const keyPrefix = uniqueKeyPrefix('lock-redis');

lockContract('redis', async (): Promise<LockHarness> => {
  const opened: RedisLock[] = [];
  return {
    open: async () => {
      const lock = new RedisLock(await connectTestRedis(keyPrefix));
      opened.push(lock);
      return lock;
    },
    elapse: (ms) => sleep(ms),
    loseData: async () => {
      await deleteKeysUnderPrefix(keyPrefix);
    },
    close: async () => {
      await Promise.all(opened.map((lock) => lock.close()));
      await deleteKeysUnderPrefix(keyPrefix);
    },
  };
});

void describe('RedisLock on the server', () => {
  let client: Redis;
  let lock: RedisLock;

  before(async () => {
    lock = new RedisLock(await connectTestRedis(keyPrefix));
    client = await connectTestRedis(keyPrefix);
  });

  after(async () => {
    await lock.close();
    await closeRedisClient(client);
    await deleteKeysUnderPrefix(keyPrefix);
    assert.deepEqual(await keysUnderPrefix(keyPrefix), [], 'cleanup left keys behind');
  });

  void test('keys live under the prefix; the lease holds "<token>:<owner>" and expires, the fence never does', async () => {
    const lease = await lock.acquire('layout', 'worker:a', 60_000);
    assert.ok(lease !== null);
    const keys = await keysUnderPrefix(keyPrefix);
    assert.ok(keys.includes(`${keyPrefix}lock:{layout}:lease`), keys.join(', '));
    assert.ok(keys.includes(`${keyPrefix}lock:{layout}:fence`), keys.join(', '));
    assert.equal(await client.get('lock:{layout}:lease'), `${lease.fencingToken}:worker:a`);
    assert.equal(await client.get('lock:{layout}:fence'), String(lease.fencingToken));
    const leaseTtlMs = await client.pttl('lock:{layout}:lease');
    assert.ok(leaseTtlMs > 50_000 && leaseTtlMs <= 60_000, `lease PTTL ${leaseTtlMs}`);
    assert.equal(await client.pttl('lock:{layout}:fence'), -1, 'the fence counter has no TTL');
    assert.equal(await lock.release(lease), true);
    assert.equal(await client.exists('lock:{layout}:lease'), 0);
    assert.equal(await client.get('lock:{layout}:fence'), String(lease.fencingToken), 'release keeps the counter');
  });

  void test('a counter already above the clock floor is incremented by one', async () => {
    // Far above any clock reading in microseconds, and still exact as a double.
    await client.set('lock:{counted}:fence', '8000000000000000');
    const lease = await lock.acquire('counted', 'worker-a', 60_000);
    assert.ok(lease !== null);
    assert.equal(lease.fencingToken, 8_000_000_000_000_001n);
    assert.equal(await lock.release(lease), true);
  });
});
