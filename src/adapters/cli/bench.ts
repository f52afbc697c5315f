// `tiernet bench`: runs the benchmark presets against the real MariaDB, Redis and Kafka
// (TIERNET_BENCH_MYSQL_URL, TIERNET_BENCH_REDIS_URL, TIERNET_BENCH_KAFKA_BROKERS; localhost by
// default) and writes docs/bench/<preset>.json and .md. --check compares with the committed
// baseline and exits 1 on a regression by a multiple.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compareWithBaseline, readBenchReport, runBench } from '../../bench/run-bench.ts';

export interface BenchCommandHelpers {
  readonly print: (json: boolean | undefined, human: string, data: unknown) => void;
  readonly setExitCode: (code: number) => void;
}

export function registerBenchCommand(program: Command, helpers: BenchCommandHelpers): void {
  program
    .command('bench')
    .description(
      'measure ingest, settlement and latency against the classic designs and the I/O floor (real MariaDB, Redis, Kafka)',
    )
    .option(
      '--full',
      'the full preset of DESIGN §8 (1M users, 200k events, 30 s at 2000 bets/s); default is the small CI preset',
    )
    .option('--only <list>', 'comma-separated subset of ingest,latency,settle')
    .option('--out <dir>', 'where to write <preset>.json and <preset>.md', 'docs/bench')
    .option(
      '--check [baseline]',
      'fail on a regression against a committed baseline report (default docs/bench/baseline-<preset>.json)',
    )
    .option('--json', 'print the report as JSON')
    .action(
      async (options: { full?: boolean; only?: string; out: string; check?: string | boolean; json?: boolean }) => {
        const preset = options.full ? 'full' : 'small';
        const only = options.only?.split(',').map((item) => item.trim()) as
          ('ingest' | 'latency' | 'settle')[] | undefined;
        const report = await runBench({
          preset,
          ...(only === undefined ? {} : { only }),
          outDir: options.out,
          env: process.env,
          log: (message) => process.stderr.write(`bench: ${message}\n`),
        });
        const summary = [
          report.ingest
            ? `ingest ${report.ingest.pipelineEventsPerSecond} ev/s, ${report.ingest.ratioToFloor.toFixed(2)}× floor, ${report.ingest.ratioToPerEvent.toFixed(1)}× per-event`
            : null,
          report.latency
            ? `latency p50 ${report.latency.p50Ms} ms, p99 ${report.latency.p99Ms} ms at ${report.latency.ratePerSecond}/s`
            : null,
          report.settle
            ? `settle ${report.settle.users} users/${report.settle.bets} bets: ${(report.settle.totalMs / 1000).toFixed(2)} s, ${report.settle.ratioToFloor.toFixed(2)}× floor, compute ${report.settle.computeMs} ms, peak RSS ${report.settle.peakRssMb} MB, classic walk ${report.settle.classic.ratioToEngineCompute.toFixed(0)}× compute`
            : null,
        ].filter((line) => line !== null);
        helpers.print(options.json, `${summary.join('\n')}\nreport: ${join(options.out, `${preset}.md`)}`, report);
        if (options.check !== undefined && options.check !== false) {
          const baseline =
            typeof options.check === 'string' ? options.check : join('docs/bench', `baseline-${preset}.json`);
          if (!existsSync(baseline)) {
            process.stderr.write(`bench: no baseline at ${baseline}\n`);
            helpers.setExitCode(1);
            return;
          }
          const findings = compareWithBaseline(report, readBenchReport(baseline));
          for (const finding of findings) {
            process.stderr.write(
              `bench: REGRESSION ${finding.figure}: ${finding.current} (baseline ${finding.baseline}, allowed ${finding.allowed})\n`,
            );
          }
          if (findings.length > 0) helpers.setExitCode(1);
          else process.stderr.write(`bench: no regression against ${baseline}\n`);
        }
      },
    );
}
