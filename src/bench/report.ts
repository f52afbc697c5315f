// The benchmark report: one JSON document (machine-readable, committed under docs/bench/) and
// its Markdown rendering. Every headline figure is a ratio measured within the same run, so
// reports from a noisy shared machine stay comparable.
import { cpus, freemem, totalmem, loadavg, platform, release } from 'node:os';
import type { IngestBenchResult } from './ingest-bench.ts';
import type { LatencyBenchResult } from './latency-bench.ts';

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
  readonly settle?: Record<string, unknown>;
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
      `| ratio to floor | ${fixed(ingest.ratioToFloor)} | ≥ ${ingest.targetRatioToFloor} | ${mark(ingest.ratioToFloor >= ingest.targetRatioToFloor)} |`,
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
    );
  }
  if (report.settle) {
    lines.push('## Settlement', '', '```json', JSON.stringify(report.settle, null, 2), '```', '');
  }
  return lines.join('\n');
}
