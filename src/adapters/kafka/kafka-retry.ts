// Backoff for redelivering a batch whose handler rejected. The delay is capped so a consumer
// recovers within seconds of the fault clearing (database back, lock free), and the attempts
// are not: skipping a batch would lose events, so only stop() ends the retrying.

export interface RetryDelays {
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

export function retryDelayMs(attempt: number, delays: RetryDelays): number {
  // 2^20 already dwarfs any sane cap; clamping keeps the power finite.
  const exponent = Math.min(Math.max(attempt, 0), 20);
  return Math.min(delays.retryMaxDelayMs, delays.retryBaseDelayMs * 2 ** exponent);
}

/** A sleep that stop() can cut short, so stopping never waits out a long backoff. */
export class InterruptibleSleeper {
  readonly #wakers = new Set<() => void>();

  sleep(durationMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, durationMs);
      this.#wakers.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}
