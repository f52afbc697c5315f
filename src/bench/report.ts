// The benchmark report: one JSON document (machine-readable, committed under docs/bench/) and
// its Markdown rendering. Every headline figure is a ratio measured within the same run, so
// reports from a noisy shared machine stay comparable.
import { cpus, freemem, totalmem, loadavg, platform, release } from 'node:os';
import type { IngestBenchResult } from './ingest-bench.ts';
import type { LatencyBenchResult } from './latency-bench.ts';
import type { ScalingCurve, SettleBenchResult } from './settle-bench.ts';

export interface MachineInfo {
  readonly platform: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryGb: number;
  readonly freeMemoryGb: number;
  readonly loadAverage1m: number;
  readonly node: string;
}

export interface BenchReport {
  readonly tool: 'tiernet bench';
  readonly preset: string;
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: MachineInfo;
  readonly ingest?: IngestBenchResult & { readonly targetRatioToFloor: number; readonly targetRatioToPerEvent: number };
  readonly latency?: LatencyBenchResult & { readonly targetP99Ms: number };
  readonly settle?: SettleBenchResult & {
    readonly targetRatioToFloor: number;
    readonly targetComputeMs: number;
    readonly targetPeakRssMb: number;
  };
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    platform: `${platform()} ${release()}`,
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    freeMemoryGb: Math.round(freemem() / 2 ** 30),
    loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
    node: process.version,
  };
}

const mark = (ok: boolean): string => (ok ? 'met' : '**missed**');
const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function scalingTable(title: string, curve: ScalingCurve, size: 'users' | 'chain'): string[] {
  return [
    `### ${title}`,
    '',
    `Fitted exponent of time against ${size === 'users' ? 'size' : 'chain depth'}: total ${fixed(curve.timeExponent)}, compute ${fixed(curve.computeExponent)} (1 = linear).`,
    '',
    `| users | chain | bets | lines | total | compute | floor | ratio to floor | peak RSS | total µs per user |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...curve.points.map(
      (point) =>
        `| ${point.users} | ${point.chain} | ${point.bets} | ${point.lines} | ${seconds(point.totalMs)} | ${point.computeMs} ms | ${seconds(point.floorMs)} | ${fixed(point.ratioToFloor)}× | ${point.peakRssMb} MB | ${fixed((point.totalMs * 1000) / point.users, 1)} |`,
    ),
    '',
  ];
}

export function renderMarkdown(report: BenchReport): string {
  const lines = [
    `# tiernet bench — preset \`${report.preset}\``,
    '',
    `Run ${report.startedAt}, ${report.durationS} s. Machine: ${report.machine.cpuCount} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, ${report.machine.platform}, Node ${report.machine.node}, load ${report.machine.loadAverage1m} at start.`,
    'Every target is a ratio measured within this run (the machine is shared and noisy).',
    '',
  ];
  if (report.ingest) {
    const ingest = report.ingest;
    lines.push(
      '## Ingest: Kafka → tiernet → MariaDB',
      '',
      '| measure | value | target | |',
      '|---|---|---|---|',
      `| pipeline | ${ingest.pipelineEventsPerSecond} events/s (${ingest.events} events) | | |`,
      `| floor: raw batched insert of the same rows | ${ingest.floorEventsPerSecond} events/s | | |`,
      `| one transaction per event | ${ingest.perEventEventsPerSecond} events/s (${ingest.perEventEventsMeasured} events, time-boxed) | | |`,
      `| ratio to floor (median of ${ingest.rounds.length - 1} alternating rounds after a warm-up: ${ingest.rounds.map((round) => fixed(round.ratio)).join(', ')}) | ${fixed(ingest.ratioToFloor)} | ≥ ${ingest.targetRatioToFloor} | ${mark(ingest.ratioToFloor >= ingest.targetRatioToFloor)} |`,
      `| ratio to per-event | ${fixed(ingest.ratioToPerEvent, 1)}× | ≥ ${ingest.targetRatioToPerEvent}× | ${mark(ingest.ratioToPerEvent >= ingest.targetRatioToPerEvent)} |`,
      '',
    );
  }
  if (report.latency) {
    const latency = report.latency;
    lines.push(
      '## Latency: bet produced → vip.changed consumed',
      '',
      '| rate | sent | received | p50 | p99 | max | target p99 | |',
      '|---|---|---|---|---|---|---|---|',
      `| ${latency.ratePerSecond}/s | ${latency.sent} | ${latency.received} | ${latency.p50Ms} ms | ${latency.p99Ms} ms | ${latency.maxMs} ms | ≤ ${latency.targetP99Ms} ms | ${mark(latency.p99Ms <= latency.targetP99Ms && latency.received === latency.sent)} |`,
      '',
      `Steady state: measured after ${latency.warmUpMs === undefined ? 'a' : `a ${latency.warmUpMs} ms`} warm-up stream at the same rate, with the bets produced and \`vip.changed\` consumed by a process of its own. ` +
        `Where the time goes at p99: produce → the ingest batch holding the bet starts ${latency.produceToCommitP99Ms} ms, → relayed to the out-topic ${latency.produceToRelayP99Ms} ms, relay → consumed ${latency.relayToConsumeP99Ms} ms.`,
      '',
    );
  }
  if (report.settle) {
    const settle = report.settle;
    const classic = settle.classic;
    lines.push(
      '## Settlement: closed periods in MariaDB → committed ledger',
      '',
      `${settle.users} users (a random forest plus a ${settle.chain}-deep chain), ${settle.bets} bets over ${settle.periods} periods; ${settle.lines} ledger lines. Settled by a fresh process (its peak RSS is the settlement's).`,
      '',
      '| measure | value | target | |',
      '|---|---|---|---|',
      `| DB → committed ledger | ${seconds(settle.totalMs)} (load tree ${settle.phasesMs.loadTreeMs} ms, aggregate bets ${settle.phasesMs.aggregateBetsMs} ms, eligibility ${settle.phasesMs.eligibilityMs} ms, compute ${settle.phasesMs.computeMs} ms, commit ${settle.phasesMs.commitMs} ms) | | |`,
      `| I/O floor: scan users + bets, bulk-insert as many rows | ${seconds(settle.floorMs)} (users ${settle.floorPhasesMs.scanUsersMs} ms, bets ${settle.floorPhasesMs.scanBetsMs} ms, insert ${settle.floorPhasesMs.insertLinesMs} ms) | | |`,
      `| ratio to floor | ${fixed(settle.ratioToFloor)}× | ≤ ${settle.targetRatioToFloor}× | ${mark(settle.ratioToFloor <= settle.targetRatioToFloor)} |`,
      `| compute only | ${settle.computeMs} ms | < ${settle.targetComputeMs} ms | ${mark(settle.computeMs < settle.targetComputeMs)} |`,
      `| peak RSS | ${settle.peakRssMb} MB | < ${settle.targetPeakRssMb} MB | ${mark(settle.peakRssMb < settle.targetPeakRssMb)} |`,
      `| classic per-bet upline walk (in memory) | ${classic.betsWalked} of ${classic.betsTotal} bets in ${classic.elapsedMs} ms (time box ${classic.timeBoxMs} ms), ${classic.stepsWalked} steps; extrapolated ${seconds(classic.extrapolatedMs)} = ${fixed(classic.ratioToEngineCompute, 0)}× the engine's compute | | |`,
      '',
    );
    if (settle.scaling) {
      lines.push(
        ...scalingTable('Scaling with size (users = bets, chain = users/10)', settle.scaling.byUsers, 'users'),
        ...scalingTable('Scaling with chain depth (200k users, 200k bets)', settle.scaling.byChainDepth, 'chain'),
      );
    }
  }
  return lines.join('\n');
}
