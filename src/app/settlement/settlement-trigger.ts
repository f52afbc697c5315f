// The automatic settlement trigger (DESIGN §5: "automatically after period.closed, debounced
// into batches"). Each notify() restarts a quiet timer; when no period has closed for
// `debounceMs`, one run settles every closed, unsettled period, in batches of the run's
// period limit until none is left (bounded). A run that finds the lock held elsewhere does
// nothing: the holder is settling, and its successor will pick up what it leaves.
//
// It also sweeps every `sweepMs` without being notified, so that a run a crashed process left
// `running` is finished, and periods closed while no trigger was listening are settled.
//
// A failed run (Redis or the database down) is retried on its own after a capped exponential
// backoff: a period that closed during an outage is settled within seconds of the dependency
// returning, not at the next sweep up to `sweepMs` later, and a long outage costs one attempt
// per `retryMaxMs`, not a hot loop.
export interface SettlementTriggerOptions {
  /** Runs one settlement; resolves true when more periods are due right away. */
  readonly run: () => Promise<boolean>;
  readonly debounceMs: number;
  readonly sweepMs: number;
  /** Settlements run back to back before the trigger waits for the next notify or sweep. */
  readonly batchesMax?: number;
  /** First retry delay after a failed run (default 1 s); doubles per consecutive failure. */
  readonly retryBaseMs?: number;
  /** Longest retry delay (default 30 s, never above sweepMs). */
  readonly retryMaxMs?: number;
  readonly onError: (
    error: unknown,
    retry: { readonly consecutiveFailures: number; readonly retryInMs: number },
  ) => void;
}

const batchesMaxDefault = 100;
const retryBaseMsDefault = 1_000;
const retryMaxMsDefault = 30_000;

export class SettlementTrigger {
  readonly #options: SettlementTriggerOptions;
  #debounce: NodeJS.Timeout | null = null;
  #sweep: NodeJS.Timeout | null = null;
  #retry: NodeJS.Timeout | null = null;
  #consecutiveFailures = 0;
  #inFlight: Promise<void> | null = null;
  #notifiedDuringRun = false;
  #stopped = true;

  constructor(options: SettlementTriggerOptions) {
    this.#options = options;
  }

  /** Starts the sweep and settles once after a quiet period (catching up after a restart). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#sweep = setInterval(() => this.#fire(), this.#options.sweepMs);
    this.#sweep.unref();
    this.notify();
  }

  /** A period closed: settle once none has closed for debounceMs. */
  notify(): void {
    if (this.#stopped) return;
    if (this.#inFlight !== null) this.#notifiedDuringRun = true;
    if (this.#debounce !== null) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.#fire(), this.#options.debounceMs);
    this.#debounce.unref();
  }

  /** Stops the timers and waits for a run in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#debounce !== null) clearTimeout(this.#debounce);
    if (this.#sweep !== null) clearInterval(this.#sweep);
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#debounce = null;
    this.#sweep = null;
    this.#retry = null;
    await this.#inFlight;
  }

  /** Resolves when the run in flight (if any) has finished; for tests and shutdown. */
  async idle(): Promise<void> {
    await this.#inFlight;
  }

  #fire(): void {
    this.#debounce = null;
    if (this.#stopped || this.#inFlight !== null) return;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    this.#notifiedDuringRun = false;
    this.#inFlight = this.#runBatches().finally(() => {
      this.#inFlight = null;
      // A period that closed while the run was claiming may have missed it: go again.
      if (this.#notifiedDuringRun) this.notify();
    });
  }

  async #runBatches(): Promise<void> {
    const batchesMax = this.#options.batchesMax ?? batchesMaxDefault;
    try {
      for (let batch = 0; batch < batchesMax && !this.#stopped; batch += 1) {
        if (!(await this.#options.run())) break;
      }
      this.#consecutiveFailures = 0;
    } catch (error) {
      this.#consecutiveFailures += 1;
      const retryInMs = this.#retryDelayMs();
      this.#options.onError(error, { consecutiveFailures: this.#consecutiveFailures, retryInMs });
      if (!this.#stopped) {
        this.#retry = setTimeout(() => this.#fire(), retryInMs);
        this.#retry.unref();
      }
    }
  }

  #retryDelayMs(): number {
    const maxMs = Math.min(this.#options.retryMaxMs ?? retryMaxMsDefault, this.#options.sweepMs);
    const exponent = Math.min(this.#consecutiveFailures - 1, 20);
    return Math.min(maxMs, (this.#options.retryBaseMs ?? retryBaseMsDefault) * 2 ** exponent);
  }
}
