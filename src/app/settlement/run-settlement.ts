// One settlement run (DESIGN §5), exactly once: take the lock, finish any run a crashed or
// paused holder left `running`, then claim -> compute -> commit.
//
// - Lock: SET NX PX with an owner, renewed every third of its TTL (LeaseKeeper); the lease
//   carries a fencing token that strictly increases across holders.
// - Fence: every write is a fenced transaction (SettlementStore.fenced) that refuses a token
//   below the highest one written, so once a successor has written, a stale holder cannot.
// - Claim: one fenced transaction creates the settlement (running), claims the periods (a
//   unique key per period) and the pending adjustments.
// - Compute: tree and amounts from one snapshot into typed arrays, the pure engine, nothing
//   written. Deterministic for a given claim, tree, eligibility and policy version.
// - Commit: one fenced transaction writes every line (unique per settlement and beneficiary),
//   the totals, status committed and the settlement.committed outbox record.
// A run that stops anywhere before the commit leaves a `running` settlement with no lines; the
// next holder adopts it under its own (higher) token and computes and commits it again.
// Committed lines are never changed: later corrections are adjustments in later settlements.
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { invariant } from '../../domain/assert.ts';
import { settleRebates } from '../../domain/rebate/settle-engine.ts';
import type { FenceToken, SettlementRecord, SkippedPeriod } from '../ports/settlement.ts';
import type { PeriodKey } from '../ports/store.ts';
import { ledgerColumnsOf } from './ledger-columns.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { loadSettlementInput } from './load-settlement-input.ts';
import { rebatePolicyAt } from './rebate-policy-source.ts';
import {
  settlementFenceName,
  settlementLockName,
  type SettlementDependencies,
  type SettlementProgress,
} from './settlement-deps.ts';
import { settlementCommittedRecord } from './settlement-wire.ts';

const periodsPerSettlementMaxDefault = 1_000;
/** Crashed runs finished per lock holding; more wait for the next run. */
const resumedPerRunMax = 16;

export interface SettleRequest {
  /** The periods to settle, or null for every closed, unsettled period (oldest first). */
  readonly periods: readonly PeriodKey[] | null;
  /**
   * With `periods` null: whether pending adjustments alone make a settlement. The API and
   * CLI say yes (an operator asked); the automatic trigger says no (adjustments ride along
   * with the next period).
   */
  readonly adjustmentsAlone: boolean;
  readonly onProgress?: (progress: SettlementProgress) => void;
  /** Called when renewing the lease fails (Redis unreachable); the run goes on until the TTL. */
  readonly onLockRenewError?: (error: unknown) => void;
}

export interface SettlementTimings {
  readonly loadTreeMs: number;
  readonly aggregateBetsMs: number;
  readonly eligibilityMs: number;
  readonly computeMs: number;
  readonly commitMs: number;
  readonly totalMs: number;
}

export interface SettlementReport {
  readonly settlement: SettlementRecord;
  /** Set when this run computed it (not when another holder had already finished it). */
  readonly timings: SettlementTimings | null;
  readonly users: number;
  readonly bettors: number;
  readonly arithmetic: 'limbs' | 'bigint' | null;
}

export type SettleOutcome =
  | { readonly kind: 'busy' }
  | {
      readonly kind: 'done';
      /** The settlement this run claimed, as it ended (committed or failed); null when nothing was due. */
      readonly claimed: SettlementReport | null;
      /** Runs left `running` by an earlier holder, finished first. */
      readonly resumed: readonly SettlementReport[];
      readonly skipped: readonly SkippedPeriod[];
      readonly morePeriodsDue: boolean;
    };

/** A fresh settlement id: creation time first, so ids sort roughly by age; random after. */
export function newSettlementId(nowMs: number): string {
  return `stl-${nowMs.toString(36)}-${randomBytes(5).toString('hex')}`;
}

export function defaultRunnerName(): string {
  return `${hostname()}:${process.pid}`;
}

export async function runSettlement(deps: SettlementDependencies, request: SettleRequest): Promise<SettleOutcome> {
  const owner = `${deps.runnerName}:${randomUUID()}`;
  const lease = await deps.lock.acquire(settlementLockName, owner, deps.lockTtlMs);
  if (lease === null) return { kind: 'busy' };
  const keeper = new LeaseKeeper(deps.lock, lease, deps.lockTtlMs, request.onLockRenewError ?? (() => undefined));
  keeper.start();
  const run: Run = {
    deps,
    keeper,
    owner,
    fence: { name: settlementFenceName, token: lease.fencingToken },
    onProgress: request.onProgress ?? (() => undefined),
  };
  try {
    const resumed: SettlementReport[] = [];
    const running = await deps.settlements.running(resumedPerRunMax);
    for (const [index, settlement] of running.entries()) {
      run.onProgress({ phase: 'resume', settlementId: settlement.settlementId, done: index, total: running.length });
      resumed.push(await completeSettlement(run, settlement, true));
    }

    keeper.assertHeld('claiming');
    run.onProgress({ phase: 'claim', settlementId: null, done: 0, total: 0 });
    const settlementId = newSettlementId(deps.clock.nowMs());
    const claim = await deps.settlements.fenced(run.fence, deps.clock.nowMs(), (session) =>
      session.claim({
        settlementId,
        runner: owner,
        periods: request.periods,
        periodsMax: deps.periodsPerSettlementMax ?? periodsPerSettlementMaxDefault,
        adjustmentsAlone: request.adjustmentsAlone,
        nowMs: deps.clock.nowMs(),
      }),
    );
    if (claim.settlement === null)
      return { kind: 'done', claimed: null, resumed, skipped: claim.skipped, morePeriodsDue: claim.morePeriodsDue };
    await deps.hooks?.afterClaim?.(claim.settlement);
    const claimed = await completeSettlement(run, claim.settlement, false);
    return { kind: 'done', claimed, resumed, skipped: claim.skipped, morePeriodsDue: claim.morePeriodsDue };
  } finally {
    keeper.stop();
    await deps.lock.release(lease).catch(() => false);
  }
}

interface Run {
  readonly deps: SettlementDependencies;
  readonly keeper: LeaseKeeper;
  readonly owner: string;
  readonly fence: FenceToken;
  readonly onProgress: (progress: SettlementProgress) => void;
}

async function completeSettlement(
  run: Run,
  settlement: SettlementRecord,
  adopting: boolean,
): Promise<SettlementReport> {
  const { deps, keeper, owner, fence } = run;
  const settlementId = settlement.settlementId;
  const startMs = performance.now();
  if (adopting) {
    // Raises the fence now: the previous holder, if it is only paused, can no longer commit.
    const current = await deps.settlements.fenced(fence, deps.clock.nowMs(), async (session) => {
      await session.adopt(settlementId, owner, fence.token);
      return session.get(settlementId);
    });
    invariant(current !== null, `settlement ${settlementId} disappeared`);
    if (current.status !== 'running')
      return { settlement: current, timings: null, users: 0, bettors: 0, arithmetic: null };
  }

  const policy = await rebatePolicyAt(deps.store.rebatePolicies, settlement.policyVersion);
  const loaded = await loadSettlementInput(deps, settlement, policy.policy, run.onProgress);
  if (!loaded.ok)
    return failSettlement(
      run,
      settlement,
      `${loaded.code}: ${loaded.message}${loaded.path === undefined ? '' : ` at ${loaded.path}`}`,
    );
  const { userIds, input, bettors, timingsMs } = loaded.value;

  run.onProgress({ phase: 'compute', settlementId, done: 0, total: userIds.count });
  const computeStartMs = performance.now();
  const result = settleRebates(input);
  const computeMs = performance.now() - computeStartMs;
  if (!result.ok)
    return failSettlement(
      run,
      settlement,
      `${result.code}: ${result.message}${result.path === undefined ? '' : ` at ${result.path}`}`,
    );
  const { totals } = result.value;

  await deps.hooks?.beforeCommit?.(settlement);
  keeper.assertHeld('committing');
  run.onProgress({ phase: 'commit', settlementId, done: 0, total: result.value.lines.count });
  const commitStartMs = performance.now();
  const lines = ledgerColumnsOf(result.value, userIds);
  const committed = await deps.settlements.fenced(fence, deps.clock.nowMs(), async (session) => {
    const current = await session.get(settlementId);
    invariant(current !== null, `settlement ${settlementId} disappeared`);
    // Finished meanwhile by a holder with a lower token that committed before ours wrote.
    if (current.status !== 'running') return { record: current, wrote: false };
    const written = await session.insertLines(settlementId, lines);
    // The rows as built must add up to what the engine's conservation check passed.
    invariant(written.count === lines.count, 'every line was written once');
    invariant(
      written.amountTotalMinor === totals.linesTotalMinor,
      `ledger rows pay ${written.amountTotalMinor}, the engine ${totals.linesTotalMinor}`,
    );
    invariant(written.exactTotalMinorPpm === totals.exactTotalMinorPpm, 'ledger rows carry the engine exact total');
    invariant(written.cappedTotalMinorPpm === totals.cappedTotalMinorPpm, 'ledger rows carry the engine capped total');
    const nowMs = deps.clock.nowMs();
    const marked = await session.markCommitted(
      settlementId,
      {
        lineCount: lines.count,
        beneficiaries: totals.beneficiaries,
        totalRebateMinor: totals.linesTotalMinor,
        turnoverMinor: totals.turnoverTotalMinor,
        exactTotalMinorPpm: totals.exactTotalMinorPpm,
        residueMinorPpm: totals.residueTotalMinorPpm,
        cappedMinorPpm: totals.cappedTotalMinorPpm,
      },
      fence.token,
      owner,
      nowMs,
    );
    invariant(marked, `settlement ${settlementId} was running inside the fenced transaction`);
    const record = await session.get(settlementId);
    invariant(record !== null && record.status === 'committed', `settlement ${settlementId} reads back committed`);
    await session.appendOutbox([settlementCommittedRecord(deps.topic, record)], nowMs);
    return { record, wrote: true };
  });
  const commitMs = performance.now() - commitStartMs;
  return {
    settlement: committed.record,
    timings: committed.wrote
      ? {
          loadTreeMs: timingsMs.loadTree,
          aggregateBetsMs: timingsMs.aggregateBets,
          eligibilityMs: timingsMs.eligibility,
          computeMs,
          commitMs,
          totalMs: performance.now() - startMs,
        }
      : null,
    users: userIds.count,
    bettors,
    arithmetic: result.value.arithmetic,
  };
}

/**
 * The settlement's input was refused (a corrupt tree, a bettor who is not a user): retrying
 * gives the same answer, so the run is marked failed with the reason and its periods and
 * adjustments are released to be claimed again once an operator has fixed the data.
 */
async function failSettlement(run: Run, settlement: SettlementRecord, reason: string): Promise<SettlementReport> {
  const { deps, fence, owner } = run;
  run.keeper.assertHeld('recording a failure');
  const record = await deps.settlements.fenced(fence, deps.clock.nowMs(), async (session) => {
    await session.markFailed(settlement.settlementId, reason, fence.token, owner);
    return session.get(settlement.settlementId);
  });
  invariant(record !== null, `settlement ${settlement.settlementId} disappeared`);
  return { settlement: record, timings: null, users: 0, bettors: 0, arithmetic: null };
}

/**
 * One automatic run: every closed, unsettled period (up to the batch limit), adjustments
 * riding along. True when more periods are due right away. A lock held elsewhere is not an
 * error: the holder is settling.
 */
export async function settleDue(
  deps: SettlementDependencies,
  onLockRenewError?: (error: unknown) => void,
): Promise<boolean> {
  const outcome = await runSettlement(deps, {
    periods: null,
    adjustmentsAlone: false,
    ...(onLockRenewError === undefined ? {} : { onLockRenewError }),
  });
  return outcome.kind === 'done' && outcome.morePeriodsDue;
}
