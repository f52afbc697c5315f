// Runs the benchmark presets and writes the JSON and Markdown reports. `small` is fast enough
// for CI (regression check against the committed baseline, with wide margins); `full` runs
// everything DESIGN §8 names at its stated sizes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchServices } from './bench-env.ts';
import { runIngestBench } from './ingest-bench.ts';
import { runLatencyBench } from './latency-bench.ts';
import { machineInfo, renderMarkdown, type BenchReport } from './report.ts';

export type BenchPreset = 'small' | 'full';

export interface BenchRunOptions {
  readonly preset: BenchPreset;
  readonly only?: readonly ('ingest' | 'latency' | 'settle')[];
  readonly outDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (message: string) => void;
  /** Extra benchmarks contributed by other modules (e.g. settlement), keyed by report section. */
  readonly extra?: Readonly<
    Record<string, (preset: BenchPreset, log: (message: string) => void) => Promise<Record<string, unknown>>>
  >;
}

const presets = {
  small: {
    ingest: { events: 20_000, users: 5_000, perEventEvents: 2_000, perEventTimeBoxMs: 8_000 },
    latency: { ratePerSecond: 2_000, durationMs: 8_000 },
  },
  full: {
    ingest: { events: 200_000, users: 50_000, perEventEvents: 5_000, perEventTimeBoxMs: 20_000 },
    latency: { ratePerSecond: 2_000, durationMs: 30_000 },
  },
} as const;

export const targets = { ingestRatioToFloor: 0.5, ingestRatioToPerEvent: 20, latencyP99Ms: 250 } as const;

export async function runBench(options: BenchRunOptions): Promise<BenchReport> {
  const services = benchServices(options.env);
  const preset = presets[options.preset];
  const wanted = new Set(options.only ?? ['ingest', 'latency', 'settle']);
  const startedMs = Date.now();
  const report: { -readonly [K in keyof BenchReport]: BenchReport[K] } = {
    tool: 'tiernet bench',
    preset: options.preset,
    startedAt: new Date(startedMs).toISOString(),
    durationS: 0,
    machine: machineInfo(),
  };
  if (wanted.has('ingest')) {
    const ingest = await runIngestBench(services, { ...preset.ingest, batchSize: 2_000, seed: 42 }, options.log);
    report.ingest = {
      ...ingest,
      targetRatioToFloor: targets.ingestRatioToFloor,
      targetRatioToPerEvent: targets.ingestRatioToPerEvent,
    };
  }
  if (wanted.has('latency')) {
    const latency = await runLatencyBench(services, preset.latency, options.log);
    report.latency = { ...latency, targetP99Ms: targets.latencyP99Ms };
  }
  const settle = options.extra?.settle;
  if (wanted.has('settle') && settle !== undefined) report.settle = await settle(options.preset, options.log);
  report.durationS = Math.round((Date.now() - startedMs) / 1000);
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, `${options.preset}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(options.outDir, `${options.preset}.md`), `${renderMarkdown(report)}\n`);
  return report;
}

export interface RegressionFinding {
  readonly figure: string;
  readonly baseline: number;
  readonly current: number;
  readonly allowed: number;
}

/**
 * Compares a run with a committed baseline. Ratios may fall to half of the baseline before
 * the check fails: the machine is shared, and the check is for regressions by multiples,
 * not for noise.
 */
export function compareWithBaseline(current: BenchReport, baselinePath: string): RegressionFinding[] {
  const baseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as BenchReport;
  const findings: RegressionFinding[] = [];
  const higherIsBetter = (figure: string, base: number | undefined, now: number | undefined): void => {
    if (base === undefined || now === undefined || !Number.isFinite(base)) return;
    const allowed = base * 0.5;
    if (now < allowed) findings.push({ figure, baseline: base, current: now, allowed });
  };
  higherIsBetter('ingest.ratioToFloor', baseline.ingest?.ratioToFloor, current.ingest?.ratioToFloor);
  higherIsBetter('ingest.ratioToPerEvent', baseline.ingest?.ratioToPerEvent, current.ingest?.ratioToPerEvent);
  const baseP99 = baseline.latency?.p99Ms;
  const nowP99 = current.latency?.p99Ms;
  if (baseP99 !== undefined && nowP99 !== undefined && nowP99 > Math.max(baseP99 * 3, targets.latencyP99Ms * 2)) {
    findings.push({
      figure: 'latency.p99Ms',
      baseline: baseP99,
      current: nowP99,
      allowed: Math.max(baseP99 * 3, targets.latencyP99Ms * 2),
    });
  }
  return findings;
}
