// Runs the benchmark presets and writes the JSON and Markdown reports. `small` is fast enough
// for CI (regression check against the committed baseline, with wide margins); `full` runs
// everything DESIGN §8 names at its stated sizes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchServices } from './bench-env.ts';
import { runIngestBench } from './ingest-bench.ts';
import { runLatencyBench } from './latency-bench.ts';
import { runSettleBench, settleTargets } from './settle-bench.ts';
import { machineInfo, renderMarkdown, type BenchReport } from './report.ts';

export type BenchPreset = 'small' | 'full';

export interface BenchRunOptions {
  readonly preset: BenchPreset;
  readonly only?: readonly ('ingest' | 'latency' | 'settle')[];
  readonly outDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (message: string) => void;
}

const presets = {
  small: {
    ingest: { events: 30_000, users: 5_000, perEventEvents: 2_000, perEventTimeBoxMs: 8_000, rounds: 5 },
    latency: { ratePerSecond: 2_000, durationMs: 8_000, warmUpMs: 3_000 },
    settle: { main: { users: 50_000, chain: 5_000, bets: 50_000, periods: 4 }, classicTimeBoxMs: 3_000 },
  },
  full: {
    ingest: { events: 225_000, users: 50_000, perEventEvents: 5_000, perEventTimeBoxMs: 20_000, rounds: 9 },
    latency: { ratePerSecond: 2_000, durationMs: 30_000, warmUpMs: 5_000 },
    settle: {
      // DESIGN §8: 1M users (a random forest plus a 100k-deep chain), 1M bets.
      main: { users: 1_000_000, chain: 100_000, bets: 1_000_000, periods: 10 },
      classicTimeBoxMs: 20_000,
      scaling: {
        // The main point's shape at a hundredth and a tenth of its size...
        bySize: [
          { users: 10_000, chain: 1_000, bets: 10_000, periods: 10 },
          { users: 100_000, chain: 10_000, bets: 100_000, periods: 10 },
        ],
        // ...and chains of 1k, 10k and 100k in a world of fixed size.
        byChain: [
          { users: 200_000, chain: 1_000, bets: 200_000, periods: 10 },
          { users: 200_000, chain: 10_000, bets: 200_000, periods: 10 },
          { users: 200_000, chain: 100_000, bets: 200_000, periods: 10 },
        ],
      },
    },
  },
} as const;

export const targets = {
  ingestRatioToFloor: 0.5,
  ingestRatioToPerEvent: 20,
  latencyP99Ms: 250,
  settleRatioToFloor: settleTargets.ratioToFloor,
  settleComputeMs: settleTargets.computeMs,
  settlePeakRssMb: settleTargets.peakRssMb,
} as const;

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
  if (wanted.has('settle')) {
    const settle = await runSettleBench(services, preset.settle, options.log);
    report.settle = {
      ...settle,
      targetRatioToFloor: targets.settleRatioToFloor,
      targetComputeMs: targets.settleComputeMs,
      targetPeakRssMb: targets.settlePeakRssMb,
    };
  }
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
 * Compares a run with a committed baseline report. The check is for regressions by
 * multiples, not for noise (the machine is shared): an ingest ratio may fall to a third of
 * the baseline (the small preset's rounds alone spread 0.23-0.62), a cost may double (or reach its target, whichever is looser), and latency p99
 * may quadruple (or reach four times its target: it is an absolute time, and a loaded
 * 2-core machine moved it 160 -> 930 ms with no code change) before the check fails.
 * Figures a run did not
 * measure (--only) are not compared.
 */
export function compareWithBaseline(current: BenchReport, baseline: BenchReport): RegressionFinding[] {
  const findings: RegressionFinding[] = [];
  const check = (
    figure: string,
    base: number | undefined,
    now: number | undefined,
    allowed: (base: number) => number,
    higherIsBetter: boolean,
  ): void => {
    if (base === undefined || now === undefined || !Number.isFinite(base)) return;
    const limit = allowed(base);
    if (higherIsBetter ? now < limit : now > limit)
      findings.push({ figure, baseline: base, current: now, allowed: limit });
  };
  const third = (base: number): number => base / 3;
  check('ingest.ratioToFloor', baseline.ingest?.ratioToFloor, current.ingest?.ratioToFloor, third, true);
  check('ingest.ratioToPerEvent', baseline.ingest?.ratioToPerEvent, current.ingest?.ratioToPerEvent, third, true);
  check(
    'latency.p99Ms',
    baseline.latency?.p99Ms,
    current.latency?.p99Ms,
    (base) => Math.max(base * 4, targets.latencyP99Ms * 4),
    false,
  );
  check(
    'settle.ratioToFloor',
    baseline.settle?.ratioToFloor,
    current.settle?.ratioToFloor,
    (base) => Math.max(base * 2, targets.settleRatioToFloor),
    false,
  );
  check(
    'settle.peakRssMb',
    baseline.settle?.peakRssMb,
    current.settle?.peakRssMb,
    (base) => Math.max(base * 2, targets.settlePeakRssMb),
    false,
  );
  return findings;
}

export function readBenchReport(path: string): BenchReport {
  return JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
}
