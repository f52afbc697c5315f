// DistributedLock on Redis (src/app/ports/lock.ts), passing test/contract/lock.contract.ts.
// Not re-entrant: a second acquire by the same owner string gets null like anyone else,
// because two tasks sharing an owner string must not both believe they hold the lock.
import type { Redis } from 'ioredis';
import type { DistributedLock, LockLease } from '../../app/ports/lock.ts';
import { invariant } from '../../domain/assert.ts';
import { closeRedisClient } from './client.ts';
import { acquireScript, releaseScript, renewScript } from './lock-scripts.ts';
import { wrapRedisError } from './wrap-error.ts';

type ScriptCall = (...keysThenArgs: string[]) => Promise<unknown>;

const commandNames = {
  acquire: 'tiernetLockAcquire',
  renew: 'tiernetLockRenew',
  release: 'tiernetLockRelease',
} as const;

export class RedisLock implements DistributedLock {
  readonly #client: Redis;
  readonly #acquire: ScriptCall;
  readonly #renew: ScriptCall;
  readonly #release: ScriptCall;

  /** Takes ownership of `client`: close() closes it. Keys live under the client's keyPrefix. */
  constructor(client: Redis) {
    this.#client = client;
    // defineCommand sends EVALSHA and falls back to EVAL once on NOSCRIPT (a restarted
    // server), and applies the client's keyPrefix to the declared keys.
    this.#acquire = defineScript(client, commandNames.acquire, acquireScript, 2);
    this.#renew = defineScript(client, commandNames.renew, renewScript, 1);
    this.#release = defineScript(client, commandNames.release, releaseScript, 1);
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<LockLease | null> {
    checkName(name);
    invariant(owner.length > 0, 'lock owner must not be empty');
    checkTtl(ttlMs);
    let token: unknown;
    try {
      token = await this.#acquire(leaseKey(name), fenceKey(name), owner, String(ttlMs));
    } catch (error) {
      throw wrapRedisError(error, `lock acquire of "${name}"`);
    }
    if (token === null) return null;
    invariant(
      typeof token === 'string' && /^[1-9]\d*$/.test(token),
      `lock acquire script returned a malformed token: ${JSON.stringify(token)}`,
    );
    return { name, owner, fencingToken: BigInt(token) };
  }

  async renew(lease: LockLease, ttlMs: number): Promise<boolean> {
    checkName(lease.name);
    checkTtl(ttlMs);
    try {
      return (await this.#renew(leaseKey(lease.name), leaseValue(lease), String(ttlMs))) === 1;
    } catch (error) {
      throw wrapRedisError(error, `lock renew of "${lease.name}"`);
    }
  }

  async release(lease: LockLease): Promise<boolean> {
    checkName(lease.name);
    try {
      return (await this.#release(leaseKey(lease.name), leaseValue(lease))) === 1;
    } catch (error) {
      throw wrapRedisError(error, `lock release of "${lease.name}"`);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.#client.ping();
    } catch (error) {
      throw wrapRedisError(error, 'ping');
    }
  }

  async close(): Promise<void> {
    await closeRedisClient(this.#client);
  }
}

function defineScript(client: Redis, commandName: string, lua: string, numberOfKeys: number): ScriptCall {
  client.defineCommand(commandName, { numberOfKeys, lua });
  // defineCommand adds the method at run time; its type is not known to ioredis's typings.
  const method = (client as unknown as Record<string, ScriptCall | undefined>)[commandName];
  invariant(typeof method === 'function', `ioredis did not define ${commandName}`);
  return method.bind(client);
}

// The hash tag {name} puts both keys of one lock in the same Redis Cluster slot, which a
// multi-key script requires there.
function leaseKey(name: string): string {
  return `lock:{${name}}:lease`;
}

function fenceKey(name: string): string {
  return `lock:{${name}}:fence`;
}

function leaseValue(lease: LockLease): string {
  return `${lease.fencingToken}:${lease.owner}`;
}

function checkName(name: string): void {
  // Braces would move the cluster hash tag; lock names are chosen by code, not by users.
  invariant(name.length > 0 && !/[{}]/.test(name), `lock name must be non-empty and brace-free, got "${name}"`);
}

function checkTtl(ttlMs: number): void {
  invariant(Number.isSafeInteger(ttlMs) && ttlMs > 0, `lock ttlMs must be a positive integer, got ${ttlMs}`);
}
