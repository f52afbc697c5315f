// Test access to the real Redis (DESIGN.md §1: tests use the real servers). A Redis that
// cannot be reached fails the test with a message saying how to provide one; it never
// skips. Each test file works under its own key prefix and deletes exactly that prefix's
// keys when done, so files can run in parallel against one shared server.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  closeRedisClient,
  createRedisClient,
  deleteOwnKeys,
  scanKeysWithPrefix,
} from '../../src/adapters/redis/client.ts';

export function redisUrl(): string {
  return process.env['TIERNET_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** A prefix no other file or run shares: "tiernet-test:<fileTag>:<pid>-<random>:". */
export function uniqueKeyPrefix(fileTag: string): string {
  if (!/^[a-z0-9-]+$/.test(fileTag)) throw new Error(`fileTag must be kebab-case, got "${fileTag}"`);
  return `tiernet-test:${fileTag}:${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** A client under `keyPrefix`, or a thrown error naming the URL and how to change it. */
export async function connectTestRedis(keyPrefix: string): Promise<Redis> {
  try {
    return await createRedisClient(redisUrl(), { keyPrefix });
  } catch (error) {
    throw new Error(
      `this test needs Redis at ${redisUrl()} (set TIERNET_TEST_REDIS_URL to use another): ${String(error)}`,
      { cause: error },
    );
  }
}

/** Every key under `keyPrefix`, in full (prefix included), found by a bounded SCAN. */
export async function keysUnderPrefix(keyPrefix: string): Promise<string[]> {
  const client = await connectTestRedis(keyPrefix);
  try {
    return await scanKeysWithPrefix(client, keyPrefix);
  } finally {
    await closeRedisClient(client);
  }
}

/** Deletes every key under `keyPrefix` (SCAN, then UNLINK in batches); returns how many. */
export async function deleteKeysUnderPrefix(keyPrefix: string): Promise<number> {
  if (!keyPrefix.startsWith('tiernet-test:'))
    throw new Error(`refusing to delete keys outside tiernet-test:, got "${keyPrefix}"`);
  const client = await connectTestRedis(keyPrefix);
  try {
    return await deleteOwnKeys(client);
  } finally {
    await closeRedisClient(client);
  }
}
