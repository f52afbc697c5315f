// Runs the DistributedLock contract against the in-process adapter, with a test clock so
// that expiry is driven by moving time, not by sleeping.
import { MemoryLock } from '../../src/adapters/memory/lock.ts';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import { lockContract, type LockHarness } from './lock.contract.ts';

lockContract('memory', async (): Promise<LockHarness> => {
  let nowMs = Date.parse('2026-11-25T08:00:00Z');
  const clock = { nowMs: () => nowMs };
  // Every handle reaches the current store, so loseData (a new process) affects them all.
  let store = new MemoryLock(clock);
  const handle = (): DistributedLock => ({
    acquire: (name, owner, ttlMs) => store.acquire(name, owner, ttlMs),
    renew: (lease, ttlMs) => store.renew(lease, ttlMs),
    release: (lease) => store.release(lease),
    ping: () => store.ping(),
    close: () => store.close(),
  });
  return {
    open: async () => handle(),
    elapse: async (ms) => {
      nowMs += ms;
    },
    loseData: async () => {
      store = new MemoryLock(clock);
    },
    close: async () => store.close(),
  };
});
