// Feeds the synthetic platform into the event log, as the real platform would: registrations
// first (and waits until they are applied, so no bet ever creates a placeholder for a user
// about to register), then the history as fast as ingestion takes it, then live steps at wall
// time. Ingestion is the normal consumer path; the driver only produces, and holds back when
// the consumers fall behind (a bounded backlog instead of an unbounded one).
import { TiernetError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventProducer, LogRecord } from '../ports/event-log.ts';
import type { DemoPlatformGenerator, DemoRecord, DemoTopic } from './platform-generator.ts';

export interface DemoDriverDependencies {
  readonly producer: EventProducer;
  readonly topics: Readonly<Record<DemoTopic, string>>;
  readonly clock: Clock;
  readonly sleep: (delayMs: number) => Promise<void>;
  /** Events the consumers have finished with (applied, duplicate or rejected), since start. */
  readonly ingestedCount: () => Promise<number>;
  readonly signal: AbortSignal;
}

export type DemoPhase = 'registrations' | 'history' | 'live' | 'draining' | 'stopped';

export interface DemoDriverLimits {
  /** Produced but not yet ingested; above it the driver waits. */
  readonly backlogMax: number;
  /** Longest wait for ingestion to make any progress before the demo gives up. */
  readonly stallTimeoutMs: number;
  /** Live steps generated in one go when the loop woke up late. */
  readonly catchUpStepsMax: number;
}

export const demoDriverLimits: DemoDriverLimits = { backlogMax: 20_000, stallTimeoutMs: 120_000, catchUpStepsMax: 40 };

/** The memory log takes at most 10,000 records per send. */
const recordsPerSendMax = 5_000;
const pollMs = 50;

export class DemoDriver {
  readonly #deps: DemoDriverDependencies;
  readonly #generator: DemoPlatformGenerator;
  readonly #limits: DemoDriverLimits;
  #produced = 0;
  #ingestedAtStart = 0;
  #phase: DemoPhase = 'registrations';
  #liveStartedMs: number | null = null;

  constructor(
    deps: DemoDriverDependencies,
    generator: DemoPlatformGenerator,
    limits: DemoDriverLimits = demoDriverLimits,
  ) {
    this.#deps = deps;
    this.#generator = generator;
    this.#limits = limits;
  }

  get produced(): number {
    return this.#produced;
  }

  get phase(): DemoPhase {
    return this.#phase;
  }

  /** How far live generation trails the wall clock (it holds back while ingestion catches up). */
  get liveLagMs(): number {
    return this.#phase === 'live' ? Math.max(0, this.#deps.clock.nowMs() - this.#generator.liveCursorMs) : 0;
  }

  get liveStartedMs(): number | null {
    return this.#liveStartedMs;
  }

  /** Events ingested since the driver started. */
  async ingested(): Promise<number> {
    return (await this.#deps.ingestedCount()) - this.#ingestedAtStart;
  }

  /** Registers every initial user and waits until all are applied. */
  async registerUsers(onProgress: (done: number, total: number) => void): Promise<void> {
    this.#ingestedAtStart = await this.#deps.ingestedCount();
    this.#phase = 'registrations';
    const total = this.#generator.initialUserCount;
    for (const chunk of this.#generator.registrations(recordsPerSendMax)) {
      if (this.#deps.signal.aborted) return;
      await this.#send(chunk);
      onProgress(await this.ingested(), total);
    }
    await this.#waitForIngest(
      this.#produced,
      () => undefined,
      (done) => onProgress(done, total),
    );
  }

  /** Produces the history hour by hour, never more than backlogMax ahead of ingestion. */
  async produceHistory(onProgress: (hoursDone: number, hoursTotal: number) => void): Promise<void> {
    this.#phase = 'history';
    const hours = this.#generator.historyHourCount;
    let hour = 0;
    for (const records of this.#generator.historyHours()) {
      if (this.#deps.signal.aborted) return;
      await this.#waitForIngest(
        this.#produced - this.#limits.backlogMax,
        () => undefined,
        () => undefined,
      );
      for (let start = 0; start < records.length; start += recordsPerSendMax)
        await this.#send(records.slice(start, start + recordsPerSendMax));
      hour++;
      onProgress(hour, hours);
    }
    await this.#waitForIngest(
      this.#produced,
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Live activity at wall time until `durationMs` passes (0: until the signal aborts).
   * `onTick` runs after every wake-up, for the caller's summary line.
   */
  async runLive(durationMs: number, onTick: () => Promise<void>): Promise<void> {
    this.#phase = 'live';
    const startedMs = this.#deps.clock.nowMs();
    this.#liveStartedMs = startedMs;
    const stepMs = this.#generator.options.stepMs;
    while (!this.#deps.signal.aborted) {
      const nowMs = this.#deps.clock.nowMs();
      if (durationMs > 0 && nowMs - startedMs >= durationMs) break;
      const backlog = this.#produced - (await this.ingested());
      if (backlog < this.#limits.backlogMax) {
        const records: DemoRecord[] = [];
        for (
          let step = 0;
          step < this.#limits.catchUpStepsMax && this.#generator.liveCursorMs + stepMs <= nowMs;
          step++
        ) {
          records.push(...this.#generator.liveStep());
        }
        for (let start = 0; start < records.length; start += recordsPerSendMax)
          await this.#send(records.slice(start, start + recordsPerSendMax));
      }
      await onTick();
      const nextStepMs = this.#generator.liveCursorMs + stepMs - this.#deps.clock.nowMs();
      await this.#deps.sleep(Math.max(pollMs, Math.min(nextStepMs, stepMs)));
    }
  }

  /** Waits (bounded) until everything produced has been ingested. Returns whether it was. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#phase = 'draining';
    const deadlineMs = this.#deps.clock.nowMs() + timeoutMs;
    while (this.#deps.clock.nowMs() < deadlineMs) {
      if ((await this.ingested()) >= this.#produced) {
        this.#phase = 'stopped';
        return true;
      }
      await this.#deps.sleep(pollMs);
    }
    this.#phase = 'stopped';
    return false;
  }

  async #send(records: readonly DemoRecord[]): Promise<void> {
    if (records.length === 0) return;
    const logRecords: LogRecord[] = records.map((record) => ({
      topic: this.#deps.topics[record.topic],
      key: record.key,
      value: JSON.stringify(record.event),
    }));
    await this.#deps.producer.send(logRecords);
    this.#produced += records.length;
  }

  /** Waits until `target` events are ingested; fails if ingestion makes no progress for stallTimeoutMs. */
  async #waitForIngest(target: number, onWait: () => void, onProgress: (done: number) => void): Promise<void> {
    let last = await this.ingested();
    let lastProgressMs = this.#deps.clock.nowMs();
    while (last < target && !this.#deps.signal.aborted) {
      onWait();
      await this.#deps.sleep(pollMs);
      const now = await this.ingested();
      if (now > last) {
        last = now;
        lastProgressMs = this.#deps.clock.nowMs();
        onProgress(now);
      } else if (this.#deps.clock.nowMs() - lastProgressMs > this.#limits.stallTimeoutMs) {
        throw new TiernetError(
          'internal',
          `demo: ingestion made no progress for ${this.#limits.stallTimeoutMs} ms (${now} of ${target} events ingested)`,
        );
      }
    }
  }
}
