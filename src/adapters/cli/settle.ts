// `tiernet settle`: runs one settlement now, as POST /v1/settlements does, and reports it.
// Progress goes to stderr, the result to stdout (human, or JSON with --json). The
// settlement.committed event is written to the outbox; a running `tiernet serve` relays it.
//
// Exit codes: 0 settled or nothing due; 1 the run failed (its input was refused, or an
// operational error such as fence_rejected); 2 bad usage or configuration; 3 another runner
// holds the settlement lock (try again when it is done).
import type { Command } from 'commander';
import type { Config } from '../../config/config.ts';
import type { PeriodKey } from '../../app/ports/store.ts';
import { runSettlement, type SettlementReport } from '../../app/settlement/run-settlement.ts';
import type { SettlementProgress } from '../../app/settlement/settlement-deps.ts';
import { wireSettlement, wireSkipped } from '../../app/settlement/settlement-wire.ts';
import { parseCode } from '../../domain/ids.ts';
import { createLogger } from '../../main/logger.ts';
import { openRuntime } from '../../main/runtime.ts';
import { createProgress, type Progress } from './progress.ts';

export const settleExitCodes = { ok: 0, failed: 1, usage: 2, busy: 3 } as const;

export interface SettleCommandOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
  logLevel?: string;
  period: string[];
}

export interface SettleCommandHelpers {
  readonly print: (json: boolean | undefined, human: string, data: unknown) => void;
  readonly setExitCode: (code: number) => void;
  readonly addCommonOptions: (command: Command) => Command;
  readonly resolveConfig: (options: SettleCommandOptions) => Config;
}

/** "gameId:periodId" (split at the first colon) or "gameId/periodId" (for ids that contain a colon). */
export function parsePeriodArgument(text: string): PeriodKey | string {
  const separator = text.includes('/') ? text.indexOf('/') : text.indexOf(':');
  if (separator < 0) return `--period "${text}" must be gameId:periodId (or gameId/periodId)`;
  const gameId = parseCode(text.slice(0, separator), 'gameId');
  const periodId = parseCode(text.slice(separator + 1), 'periodId');
  if (!gameId.ok) return `--period "${text}": ${gameId.message}`;
  if (!periodId.ok) return `--period "${text}": ${periodId.message}`;
  return { gameId: gameId.value, periodId: periodId.value };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function describe(report: SettlementReport): string {
  const wire = wireSettlement(report.settlement);
  const lines = [
    `${wire.settlementId}: ${wire.status}, ${wire.periods.length} period(s), ${wire.adjustments} adjustment(s), ${wire.beneficiaries.toLocaleString('en')} beneficiaries, ` +
      `total rebate ${wire.totalRebate} (residue ${wire.residue ?? '-'}, capped ${wire.capped ?? '-'})`,
  ];
  if (wire.error !== null) lines.push(`  failed: ${wire.error}`);
  if (report.timings !== null) {
    const timings = report.timings;
    lines.push(
      `  ${report.users.toLocaleString('en')} users, ${report.bettors.toLocaleString('en')} bettors: load tree ${seconds(timings.loadTreeMs)}, ` +
        `aggregate bets ${seconds(timings.aggregateBetsMs)}, eligibility ${seconds(timings.eligibilityMs)}, compute ${seconds(timings.computeMs)}, ` +
        `commit ${seconds(timings.commitMs)}; total ${seconds(timings.totalMs)}`,
    );
  }
  return lines.join('\n');
}

function progressPrinter(enabled: boolean): (progress: SettlementProgress) => void {
  let bar: Progress | null = null;
  let lastPhase: string | null = null;
  return (progress) => {
    if (!enabled) return;
    if (progress.phase !== lastPhase) {
      bar?.finish();
      bar = null;
      lastPhase = progress.phase;
      if (progress.phase === 'load_tree') bar = createProgress('settle: load tree', true);
      else
        process.stderr.write(
          `settle: ${progress.phase.replace('_', ' ')}${progress.settlementId === null ? '' : ` ${progress.settlementId}`}\n`,
        );
    }
    bar?.update(progress.done, progress.total);
  };
}

export function registerSettleCommand(program: Command, helpers: SettleCommandHelpers): void {
  helpers
    .addCommonOptions(
      program
        .command('settle')
        .description(
          'settle closed periods now: the named ones, or every closed unsettled period (and pending adjustments) when none is named.\n' +
            `Exit codes: ${settleExitCodes.ok} settled or nothing due, ${settleExitCodes.failed} failed, ${settleExitCodes.usage} bad usage, ${settleExitCodes.busy} another runner holds the settlement lock.`,
        )
        .option(
          '--period <gameId:periodId>',
          'a period to settle (repeatable; gameId/periodId also accepted)',
          (value: string, all: string[]) => [...all, value],
          [],
        ),
    )
    .action(async (options: SettleCommandOptions) => {
      const periods: PeriodKey[] = [];
      for (const text of options.period) {
        const period = parsePeriodArgument(text);
        if (typeof period === 'string') {
          process.stderr.write(`tiernet settle: ${period}\n`);
          helpers.setExitCode(settleExitCodes.usage);
          return;
        }
        periods.push(period);
      }
      const config = helpers.resolveConfig(options);
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      const runtime = await openRuntime(config, logger);
      try {
        await runtime.migrate();
        const outcome = await runSettlement(runtime.settlement, {
          periods: periods.length === 0 ? null : periods,
          adjustmentsAlone: true,
          onProgress: progressPrinter(!options.json),
          onLockRenewError: (error) => logger.warn({ err: error }, 'settlement lock renewal failed'),
        });
        if (outcome.kind === 'busy') {
          helpers.print(options.json, 'another runner holds the settlement lock; nothing done', { outcome: 'busy' });
          helpers.setExitCode(settleExitCodes.busy);
          return;
        }
        const reports = [...outcome.resumed, ...(outcome.claimed === null ? [] : [outcome.claimed])];
        const human = [
          ...outcome.resumed.map((report) => `resumed ${describe(report)}`),
          outcome.claimed === null
            ? 'nothing due: no closed, unsettled period'
            : `settled ${describe(outcome.claimed)}`,
          ...wireSkipped(outcome.skipped).map(
            (period) => `skipped ${period.gameId}:${period.periodId} (${period.reason})`,
          ),
          ...(outcome.morePeriodsDue ? ['more periods are due: run again'] : []),
        ].join('\n');
        helpers.print(options.json, human, {
          outcome: outcome.claimed === null ? 'nothing_due' : 'settled',
          settlement:
            outcome.claimed === null
              ? null
              : { ...wireSettlement(outcome.claimed.settlement), timings: outcome.claimed.timings },
          resumed: outcome.resumed.map((report) => wireSettlement(report.settlement)),
          skipped: wireSkipped(outcome.skipped),
          morePeriodsDue: outcome.morePeriodsDue,
        });
        if (reports.some((report) => report.settlement.status === 'failed'))
          helpers.setExitCode(settleExitCodes.failed);
      } finally {
        await runtime.close();
      }
    });
}
