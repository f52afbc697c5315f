// The automatic settlement trigger (DESIGN §5: "automatically after period.closed, debounced
// into batches"). Each notify() restarts a quiet timer; when no period has closed for
// `debounceMs`, one run settles every closed, unsettled period, in batches of the run's
// period limit until none is left (bounded). A run that finds the lock held elsewhere does
// nothing: the holder is settling, and its successor will pick up what it leaves.
//
// It also sweeps every `sweepMs` without being notified, so that a run a crashed process left
// `running` is finished, and periods closed while no trigger was listening are settled.
export interface SettlementTriggerOptions {
  /** Runs one settlement; resolves true when more periods are due right away. */
  readonly run: () => Promise<boolean>;
  readonly debounceMs: number;
  readonly sweepMs: number;
  /** Settlements run back to back before the trigger waits for the next notify or sweep. */
  readonly batchesMax?: number;
  readonly onError: (error: unknown) => void;
}

const batchesMaxDefault = 100;

export class SettlementTrigger {
  readonly #options: SettlementTriggerOptions;
  #debounce: NodeJS.Timeout | null = null;
  #sweep: NodeJS.Timeout | null = null;
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
    this.#debounce = null;
    this.#sweep = null;
    await this.#inFlight;
  }

  /** Resolves when the run in flight (if any) has finished; for tests and shutdown. */
  async idle(): Promise<void> {
    await this.#inFlight;
  }

  #fire(): void {
    this.#debounce = null;
    if (this.#stopped || this.#inFlight !== null) return;
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
        if (!(await this.#options.run())) return;
      }
    } catch (error) {
      this.#options.onError(error);
    }
  }
}
