// The one place an ioredis client is built. Redis holds caches and locks, never the truth
// (DESIGN.md §1), so when it is down tiernet must find out at once and carry on or stop,
// never park commands in a queue that drains minutes later with stale intent (a lock
// renewal replayed after its lease died is worse than a renewal that failed). Hence:
// - the first connection is awaited with a deadline: a dead Redis fails start-up, with the
//   URL (password redacted) in the message;
// - enableOfflineQueue off: a command issued while disconnected rejects immediately;
// - maxRetriesPerRequest 1: a command in flight when the socket drops is resent at most
//   once, after one reconnect (every command here is idempotent: compare-and-set scripts,
//   SET, MGET, UNLINK), then rejects;
// - commandTimeout: a server that accepts but never answers cannot hang a caller;
// - retryStrategy reconnects forever in the background with a capped backoff, so the
//   service heals when Redis returns without anyone restarting it.
import { Redis } from 'ioredis';
import { TiernetError } from '../../app/errors.ts';
import { redactRedisUrl, wrapRedisError } from './wrap-error.ts';

export interface RedisClientOptions {
  /** Prepended to every key (ioredis keyPrefix), e.g. "tiernet:". Must not be empty. */
  readonly keyPrefix: string;
  /** Deadline for the first connection and for each reconnect's TCP handshake. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Deadline for any one command's reply. Default 5000. */
  readonly commandTimeoutMs?: number;
  /** Receives connection errors (ioredis emits them as events); default: ignored, since every command reports its own failure. */
  readonly onError?: (error: Error) => void;
}

export const redisConnectTimeoutMsDefault = 2_000;
export const redisCommandTimeoutMsDefault = 5_000;
const reconnectDelayMsMax = 2_000;
const reconnectDelayMsStep = 100;

/** Connects and resolves once Redis answers; rejects with `redis_unavailable` within connectTimeoutMs otherwise. */
export async function createRedisClient(url: string, options: RedisClientOptions): Promise<Redis> {
  const connectTimeoutMs = options.connectTimeoutMs ?? redisConnectTimeoutMsDefault;
  const commandTimeoutMs = options.commandTimeoutMs ?? redisCommandTimeoutMsDefault;
  validateOptions(url, options.keyPrefix, connectTimeoutMs, commandTimeoutMs);
  const client = new Redis(url, {
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt: number) => Math.min(attempt * reconnectDelayMsStep, reconnectDelayMsMax),
  });
  const onError = options.onError ?? (() => undefined);
  // Without a listener ioredis prints every reconnect failure to the console.
  client.on('error', onError);
  let deadline: NodeJS.Timeout | undefined;
  try {
    // connectTimeout covers the TCP handshake only; a server that accepts and then stays
    // silent would hold the ready check forever, so the whole connect gets one deadline.
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      }),
    ]);
  } catch (error) {
    client.disconnect();
    throw new TiernetError(
      'redis_unavailable',
      `cannot connect to Redis at ${redactRedisUrl(url)}: ${wrapRedisError(error, 'connect').message}`,
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(deadline);
  }
  return client;
}

/** Closes gracefully (QUIT, letting replies in flight arrive); idempotent; never throws. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    // QUIT on a broken connection fails; the socket is then torn down instead.
    client.disconnect();
  }
}

/** Scan rounds before a prefix scan gives up loudly; with COUNT 1000 this covers ten million keys. */
const scanRoundsMax = 10_000;
const scanCountHint = 1_000;

/**
 * Every key under `keyPrefix`, in full (prefix included), found by a bounded SCAN. ioredis
 * does not prefix SCAN's MATCH pattern, so the pattern is written out in full.
 */
export async function scanKeysWithPrefix(client: Redis, keyPrefix: string): Promise<string[]> {
  const pattern = `${keyPrefix.replace(/[*?[\]\\]/g, (character) => `\\${character}`)}*`;
  const found = new Set<string>();
  let cursor = '0';
  for (let round = 0; round < scanRoundsMax; round += 1) {
    const [nextCursor, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', scanCountHint);
    // SCAN may return a key more than once; the set keeps each once.
    for (const key of keys) found.add(key);
    cursor = nextCursor;
    if (cursor === '0') return [...found];
  }
  throw new Error(`SCAN of ${keyPrefix} did not finish within ${scanRoundsMax} rounds`);
}

/**
 * Deletes every key under the client's own key prefix (SCAN, then UNLINK in batches);
 * returns how many. The prefix must be non-empty: this never empties a whole Redis.
 */
export async function deleteOwnKeys(client: Redis): Promise<number> {
  const keyPrefix = client.options.keyPrefix ?? '';
  if (keyPrefix === '') throw new Error('refusing to delete keys without a key prefix');
  const keys = await scanKeysWithPrefix(client, keyPrefix);
  // The client adds keyPrefix to UNLINK's arguments itself, so it gets the bare names.
  const bareKeys = keys.map((key) => key.slice(keyPrefix.length));
  for (let start = 0; start < bareKeys.length; start += scanCountHint) {
    await client.unlink(bareKeys.slice(start, start + scanCountHint));
  }
  return keys.length;
}

function validateOptions(url: string, keyPrefix: string, connectTimeoutMs: number, commandTimeoutMs: number): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch (error) {
    throw new TiernetError('config_invalid', `Redis URL is not a URL: ${redactRedisUrl(url)}`, { cause: error });
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new TiernetError(
      'config_invalid',
      `Redis URL must start with redis:// or rediss://, got ${redactRedisUrl(url)}`,
    );
  }
  if (keyPrefix.length === 0) {
    throw new TiernetError(
      'config_invalid',
      'Redis keyPrefix must not be empty: tiernet shares Redis with others only under its own prefix',
    );
  }
  for (const [name, value] of [
    ['connectTimeoutMs', connectTimeoutMs],
    ['commandTimeoutMs', commandTimeoutMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new TiernetError('config_invalid', `Redis ${name} must be a positive integer, got ${value}`);
  }
}
