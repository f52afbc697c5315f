// The store port: MySQL/MariaDB in production, SQLite on the embedded default, one SQL
// implementation over both (src/adapters/sql). Every method is batched: its round trips do
// not grow with the number of rows (beyond fixed-size chunks) nor with tree depth.
// test/contract/store.contract.ts runs against every adapter.
import type { BetId, UserId } from '../../domain/ids.ts';
import type { VipState } from '../../domain/vip/vip-state.ts';
import type { AgentTreeRepository } from './agent-tree.ts';
import type { GroupsRepository } from './groups.ts';

export interface UserRow {
  readonly userId: UserId;
  readonly parentId: UserId | null;
  readonly rebateRatePpm: number;
  readonly placeholder: boolean;
  readonly registeredAtMs: number | null;
  readonly tags: readonly string[];
  readonly depth: number;
  readonly directCount: number;
}

export interface BetRow {
  readonly betId: BetId;
  readonly userId: UserId;
  readonly gameId: string;
  readonly periodId: string;
  readonly amountMinor: bigint;
  readonly placedAtMs: number;
  /** Day bucket (days since epoch in the ladder's time zone) the bet counts in. */
  readonly day: number;
  readonly voidedAtMs: number | null;
}

export interface MetricDayDelta {
  readonly userId: UserId;
  readonly day: number;
  readonly turnoverDeltaMinor: bigint;
  readonly betCountDelta: number;
}

export interface MetricDayRow {
  readonly userId: UserId;
  readonly day: number;
  readonly turnoverMinor: bigint;
  readonly betCount: number;
}

export interface UserTotalsRow {
  readonly userId: UserId;
  readonly turnoverMinor: bigint;
  readonly betCount: number;
}

export interface OutboxRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly payload: string;
}

export interface StoredOutboxRecord extends OutboxRecord {
  readonly outboxId: bigint;
  readonly createdAtMs: number;
}

export interface LedgerLineRow {
  readonly settlementId: string;
  readonly beneficiaryId: UserId;
  readonly amountMinor: bigint;
  /** Exact rebate before flooring, in minor·ppm (amount × rate without division). */
  readonly exactMinorPpm: bigint;
  readonly cappedMinorPpm: bigint;
  readonly teamTurnoverMinor: bigint;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; null when there is nothing after this page. */
  readonly nextCursor: string | null;
}

export interface ConsumerOffset {
  readonly consumerGroup: string;
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: bigint;
}

export interface UsersRepository {
  getMany(userIds: readonly UserId[]): Promise<Map<UserId, UserRow>>;
  /** Inserts users that do not exist yet; existing rows are left untouched. Returns the ids inserted. */
  insertMissing(rows: readonly UserRow[], nowMs: number): Promise<Set<UserId>>;
  /**
   * Inserts users the caller found absent earlier in this transaction, without looking again.
   * A row another writer inserted since is a db_conflict (the transaction is retried), never
   * a silent skip.
   */
  insertAbsent(rows: readonly UserRow[], nowMs: number): Promise<void>;
  /** Overwrites parent, rate, placeholder flag, registration time, tags and depth of existing users (never direct_count). */
  updateMany(rows: readonly UserRow[], nowMs: number): Promise<void>;
  /** Adds to direct_count atomically (children registered concurrently on other partitions). */
  addDirectCounts(deltas: ReadonlyMap<UserId, number>, nowMs: number): Promise<void>;
  /** Direct children in id order, keyset-paged. */
  childrenPage(parentId: UserId, afterUserId: UserId | null, limit: number): Promise<UserRow[]>;
  /** Every user in id order, keyset-paged. */
  page(afterUserId: UserId | null, limit: number): Promise<UserRow[]>;
  count(): Promise<number>;
}

export interface BetsRepository {
  getMany(betIds: readonly BetId[]): Promise<Map<BetId, BetRow>>;
  /** Inserts bets whose id is new; returns the ids inserted. The primary key is the idempotency key. */
  insertNew(rows: readonly BetRow[], nowMs: number): Promise<Set<BetId>>;
  /** Inserts bets the caller found absent earlier in this transaction; a concurrent insert is a db_conflict. */
  insertAbsent(rows: readonly BetRow[], nowMs: number): Promise<void>;
  /** Sets the void time of bets not voided yet; returns how many it marked (an already voided bet is not counted). */
  markVoided(voids: readonly { betId: BetId; voidedAtMs: number }[]): Promise<number>;
  /** Bets of the given users ordered by (user, placed time, bet id), keyset-paged from `after`. */
  pageForUsers(
    userIds: readonly UserId[],
    after: { readonly userId: UserId; readonly placedAtMs: number; readonly betId: BetId } | null,
    limit: number,
  ): Promise<BetRow[]>;
}

export interface MetricsRepository {
  /** Adds deltas to day buckets and lifetime totals (created on first use). Safe under concurrent writers. */
  addDeltas(deltas: readonly MetricDayDelta[]): Promise<void>;
  /** Buckets of the given users with day >= fromDay. */
  daysSince(userIds: readonly UserId[], fromDay: number): Promise<MetricDayRow[]>;
  totals(userIds: readonly UserId[]): Promise<Map<UserId, UserTotalsRow>>;
  /** daysSince and totals of the same users in one round trip (what the VIP deciders read per batch). */
  windowInputs(
    userIds: readonly UserId[],
    fromDay: number,
  ): Promise<{ days: MetricDayRow[]; totals: Map<UserId, UserTotalsRow> }>;
  /** Replaces the buckets and totals of these users (replay after a time-zone change). */
  replaceForUsers(
    userIds: readonly UserId[],
    days: readonly MetricDayRow[],
    totals: readonly UserTotalsRow[],
  ): Promise<void>;
}

export interface OutboxRepository {
  append(records: readonly OutboxRecord[], nowMs: number): Promise<void>;
  /** Oldest first, leaving out `excluding` (records already sent whose removal is in flight). */
  readBatch(limit: number, excluding?: readonly bigint[]): Promise<StoredOutboxRecord[]>;
  /** Removes relayed records. */
  remove(outboxIds: readonly bigint[]): Promise<void>;
  count(): Promise<number>;
}

export interface LedgerRepository {
  insertLines(lines: readonly LedgerLineRow[]): Promise<void>;
  linesPage(settlementId: string, cursor: string | null, limit: number): Promise<Page<LedgerLineRow>>;
}

export interface OffsetsRepository {
  /** Upserts per group, topic and partition; a stored offset never moves backwards. */
  save(offsets: readonly ConsumerOffset[], nowMs: number): Promise<void>;
  load(consumerGroup: string, topic: string): Promise<ConsumerOffset[]>;
}

export interface StoredVipState {
  readonly userId: UserId;
  readonly state: VipState;
  /** The ladder version the state was last decided under. */
  readonly ladderVersion: number;
}

export interface VipStatesRepository {
  getMany(userIds: readonly UserId[]): Promise<Map<UserId, StoredVipState>>;
  upsertMany(rows: readonly StoredVipState[], nowMs: number): Promise<void>;
  /** Users whose next review is due at or before `atMs`, earliest first: the due index, never a scan. */
  dueForReview(atMs: number, limit: number): Promise<UserId[]>;
  levelCounts(): Promise<{ level: number; users: number }[]>;
}

export interface VipHistoryRow {
  readonly userId: UserId;
  readonly seq: number;
  readonly fromLevel: number;
  readonly toLevel: number;
  readonly reason: string;
  readonly detail: string | null;
  readonly ladderVersion: number;
  readonly cause: unknown;
  readonly atMs: number;
}

export interface VipHistoryRepository {
  append(rows: readonly VipHistoryRow[]): Promise<void>;
  /** A user's history, newest first. */
  pageForUser(userId: UserId, cursor: string | null, limit: number): Promise<Page<VipHistoryRow>>;
  /** Latest level changes across users, newest first. */
  recentChanges(limit: number): Promise<VipHistoryRow[]>;
}

export interface DocumentVersion {
  readonly version: number;
  /** The document as stored (canonical JSON text). */
  readonly document: string;
  readonly actor: string;
  readonly createdAtMs: number;
}

/** Versioned JSON documents (ladders, rebate policies): append-only, version = latest + 1. */
export interface DocumentVersionsRepository {
  latest(): Promise<DocumentVersion | null>;
  get(version: number): Promise<DocumentVersion | null>;
  /** Newest first. */
  list(cursor: string | null, limit: number): Promise<Page<DocumentVersion>>;
  /** Inserts `version`; a concurrent writer of the same version makes the transaction fail with db_conflict. */
  insert(document: DocumentVersion): Promise<void>;
}

export interface PeriodKey {
  readonly gameId: string;
  readonly periodId: string;
}

export interface PeriodsRepository {
  /** Records closed periods; returns the keys (periodKeyOf) of those that were new. */
  insertClosed(periods: readonly (PeriodKey & { closedAtMs: number })[], nowMs: number): Promise<Set<string>>;
  /** The subset of `periods` already claimed by a settlement, as "gameId\u0000periodId" keys. */
  claimedKeys(periods: readonly PeriodKey[]): Promise<Set<string>>;
}

export interface PendingVoidsRepository {
  insert(voids: readonly { betId: BetId; voidedAtMs: number }[], nowMs: number): Promise<void>;
  /** Removes and returns the pending voids of these bets (void time by bet id). */
  take(betIds: readonly BetId[]): Promise<Map<BetId, number>>;
  /** Held voids whose bet is stored by now (a race that take() missed), oldest first, at most `limit`. */
  withStoredBets(limit: number): Promise<{ betId: BetId; voidedAtMs: number }[]>;
  remove(betIds: readonly BetId[]): Promise<void>;
}

export interface BetAdjustmentRow {
  readonly betId: BetId;
  /** `late`: a bet for an already-claimed period (+amount); `void`: a void of a bet whose period was claimed (-amount). */
  readonly kind: 'late' | 'void';
  readonly userId: UserId;
  readonly amountMinor: bigint;
}

export interface AdjustmentsRepository {
  insert(rows: readonly BetAdjustmentRow[], nowMs: number): Promise<void>;
}

/** The repositories bound to one transaction (or to autocommit outside one). */
export interface StoreSession {
  readonly users: UsersRepository;
  readonly bets: BetsRepository;
  readonly metrics: MetricsRepository;
  readonly outbox: OutboxRepository;
  readonly ledger: LedgerRepository;
  readonly offsets: OffsetsRepository;
  readonly vipStates: VipStatesRepository;
  readonly vipHistory: VipHistoryRepository;
  readonly ladders: DocumentVersionsRepository;
  readonly rebatePolicies: DocumentVersionsRepository;
  readonly periods: PeriodsRepository;
  readonly pendingVoids: PendingVoidsRepository;
  readonly adjustments: AdjustmentsRepository;
  readonly agentTree: AgentTreeRepository;
  readonly groups: GroupsRepository;
}

export const periodKeyOf = (period: PeriodKey): string => `${period.gameId}\u0000${period.periodId}`;

export interface Store extends StoreSession {
  readonly backend: 'mysql' | 'sqlite';
  /** Runs `work` in one transaction; retried as a whole (bounded) on deadlock. */
  transaction<T>(work: (session: StoreSession) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
