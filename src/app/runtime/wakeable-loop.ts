// A background loop that runs one step at a time, sleeps when idle, wakes early on notify(),
// backs off (bounded, exponential) after failures, and stops cleanly: stop() resolves after
// the step in flight has finished. notify() does not cut a backoff short (only stop() does):
// the relay is notified after every ingest batch, and with Redis down that turned its backoff
// into a retry per batch (hundreds of failed attempts and warnings in a 10 s outage); the
// notification is kept and the step runs when the backoff ends.
export interface LoopStep {
  /** Returns true when there may be more work right away. */
  (): Promise<boolean>;
}

export interface WakeableLoopOptions {
  readonly name: string;
  readonly idleMs: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly onError: (error: unknown, consecutiveFailures: number) => void;
}

export class WakeableLoop {
  readonly #options: WakeableLoopOptions;
  readonly #step: LoopStep;
  #running = false;
  #wake: (() => void) | null = null;
  /** Ends a backoff sleep early; only stop() calls it. */
  #interrupt: (() => void) | null = null;
  #done: Promise<void> | null = null;
  #pendingWake = false;

  constructor(step: LoopStep, options: WakeableLoopOptions) {
    this.#step = step;
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#done = this.#run();
  }

  notify(): void {
    this.#pendingWake = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    this.#interrupt?.();
    await this.#done;
  }

  get running(): boolean {
    return this.#running;
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#pendingWake) {
      this.#pendingWake = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = finish;
    });
    this.#wake = null;
    this.#pendingWake = false;
  }

  async #backoff(ms: number): Promise<void> {
    if (!this.#running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#interrupt = finish;
    });
    this.#interrupt = null;
  }

  async #run(): Promise<void> {
    let failures = 0;
    const base = this.#options.backoffBaseMs ?? 100;
    const max = this.#options.backoffMaxMs ?? 10_000;
    while (this.#running) {
      let more = false;
      try {
        more = await this.#step();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.#options.onError(error, failures);
        await this.#backoff(Math.min(max, base * 2 ** Math.min(failures, 16)));
        continue;
      }
      if (!more && this.#running) await this.#sleep(this.#options.idleMs);
    }
  }
}
