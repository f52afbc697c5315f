// The settlement store port (DESIGN §5): the fenced writes of a settlement run, the
// consistent read it computes from, and the reads the API and CLI serve. One SQL
// implementation over MySQL/MariaDB and SQLite (src/adapters/sql/settlement-repository.ts).
//
// Every write of a settlement goes through `fenced`: the transaction first raises the fence
// row to the holder's token and is refused (TiernetError 'fence_rejected') when a higher token
// has already written, so a paused or expired lock holder cannot write after its successor.
import type { UserId } from '../../domain/ids.ts';
import type { OutboxRecord, Page, PeriodKey } from './store.ts';

export type SettlementStatus = 'running' | 'committed' | 'failed';

export interface SettlementRecord {
  readonly settlementId: string;
  readonly status: SettlementStatus;
  /** Token of the holder that last wrote the settlement (a resumed run is adopted). */
  readonly fencingToken: bigint;
  readonly runner: string;
  readonly policyVersion: number;
  readonly periods: readonly PeriodKey[];
  /** Bet adjustment rows (late bets, voids of settled bets) claimed by this settlement. */
  readonly adjustmentCount: number;
  /** Ledger lines written, including lines whose exact rebate floors to 0. */
  readonly lineCount: number;
  /** Lines that move money (amount != 0). */
  readonly beneficiaries: number;
  readonly totalRebateMinor: bigint;
  /** Net turnover settled (bets of the periods plus adjustments); null until committed. */
  readonly turnoverMinor: bigint | null;
  readonly exactTotalMinorPpm: bigint | null;
  readonly residueMinorPpm: bigint | null;
  readonly cappedMinorPpm: bigint | null;
  readonly error: string | null;
  readonly createdAtMs: number;
  readonly committedAtMs: number | null;
}

export interface FenceToken {
  readonly name: string;
  readonly token: bigint;
}

export interface ClaimRequest {
  readonly settlementId: string;
  readonly runner: string;
  /** The periods asked for, or null for every closed, unsettled period (oldest first). */
  readonly periods: readonly PeriodKey[] | null;
  /** Most periods one settlement claims; the rest wait for the next one. */
  readonly periodsMax: number;
  /** Whether pending adjustments alone (no period due) make a settlement. */
  readonly adjustmentsAlone: boolean;
  readonly nowMs: number;
}

export type SkipReason = 'not_closed' | 'already_settled' | 'over_limit';

export interface SkippedPeriod extends PeriodKey {
  readonly reason: SkipReason;
}

export interface ClaimOutcome {
  /** The settlement created (status running), or null when nothing was due. */
  readonly settlement: SettlementRecord | null;
  /** Asked-for periods that were not claimed, and why. */
  readonly skipped: readonly SkippedPeriod[];
  /** More closed, unsettled periods remain than this claim took (periodsMax). */
  readonly morePeriodsDue: boolean;
}

/**
 * The ledger lines of one settlement as columns, in the order they are written (beneficiary
 * id ascending, the key order, which makes the bulk insert append to the index). Read by
 * position; no object per line exists (a 1M-line settlement would build 1M of them).
 */
export interface SettlementLineColumns {
  readonly count: number;
  beneficiaryIdAt(position: number): UserId;
  amountMinorAt(position: number): bigint;
  exactMinorPpmAt(position: number): bigint;
  cappedMinorPpmAt(position: number): bigint;
  teamTurnoverMinorAt(position: number): bigint;
}

/** What insertLines wrote, summed from the rows themselves, for the caller to check. */
export interface LinesWritten {
  readonly count: number;
  readonly amountTotalMinor: bigint;
  readonly exactTotalMinorPpm: bigint;
  readonly cappedTotalMinorPpm: bigint;
}

export interface SettlementTotals {
  readonly lineCount: number;
  readonly beneficiaries: number;
  readonly totalRebateMinor: bigint;
  readonly turnoverMinor: bigint;
  readonly exactTotalMinorPpm: bigint;
  readonly residueMinorPpm: bigint;
  readonly cappedMinorPpm: bigint;
}

/** The writes of a settlement, bound to one transaction whose fence check has passed. */
export interface FencedSettlementSession {
  /** Claims periods and pending adjustments and creates the settlement (status running). */
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /** The settlement as of now; every fenced transaction is serialised on the fence row. */
  get(settlementId: string): Promise<SettlementRecord | null>;
  /** Records that `runner` (holding `token`) took over a running settlement. */
  adopt(settlementId: string, runner: string, token: bigint): Promise<void>;
  /** Inserts every line in chunked multi-row inserts; a line written twice fails the transaction. */
  insertLines(settlementId: string, lines: SettlementLineColumns): Promise<LinesWritten>;
  /** running -> committed with the totals; false when the settlement was not running. */
  markCommitted(
    settlementId: string,
    totals: SettlementTotals,
    token: bigint,
    runner: string,
    nowMs: number,
  ): Promise<boolean>;
  /**
   * running -> failed with the reason, releasing its periods and adjustments so that a later
   * settlement can claim them once the cause is fixed. False when it was not running.
   */
  markFailed(settlementId: string, error: string, token: bigint, runner: string): Promise<boolean>;
  appendOutbox(records: readonly OutboxRecord[], nowMs: number): Promise<void>;
}

/** A tree user as the settlement loads it. */
export interface TreeUserRow {
  readonly userId: UserId;
  readonly parentId: UserId | null;
  readonly rebateRatePpm: number;
  readonly placeholder: boolean;
}

/** Reads of one consistent snapshot: the tree and the amounts one settlement computes over. */
export interface SettlementSnapshot {
  countUsers(): Promise<number>;
  /** Users in id order after `afterUserId`, at most `limit`. */
  usersPage(afterUserId: UserId | null, limit: number): Promise<TreeUserRow[]>;
  /**
   * Per bettor, the sum of the bets of the settlement's periods as they stood when the
   * periods were claimed: voided bets out unless the void came after the claim (then it is an
   * adjustment), bets that arrived after the claim out (they are adjustments). Aggregated in
   * SQL and streamed, one call of `onRow` per bettor. Returns the number of rows.
   */
  betSums(settlementId: string, onRow: (userId: UserId, amountMinor: bigint) => void): Promise<number>;
  /** Per user, the sum of the adjustments the settlement claimed (either sign). */
  adjustmentSums(settlementId: string, onRow: (userId: UserId, amountMinor: bigint) => void): Promise<number>;
}

export interface SettlementStore {
  /**
   * Runs `work` in one transaction after raising fence `fence.name` to `fence.token`; throws
   * TiernetError('fence_rejected') when a higher token has written, and 'db_conflict' when a
   * unique key (a period claim, a line) was already taken. Retried as a whole on deadlock.
   */
  fenced<T>(fence: FenceToken, nowMs: number, work: (session: FencedSettlementSession) => Promise<T>): Promise<T>;
  /** Runs `work` over one read-only consistent snapshot. */
  snapshot<T>(work: (snapshot: SettlementSnapshot) => Promise<T>): Promise<T>;
  get(settlementId: string): Promise<SettlementRecord | null>;
  /** Newest first. */
  list(cursor: string | null, limit: number): Promise<Page<SettlementRecord>>;
  /** Settlements still running (a holder is at work, or crashed), oldest first. */
  running(limit: number): Promise<SettlementRecord[]>;
}
