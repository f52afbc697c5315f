// What a settlement run needs, wired once in the composition root (src/main/runtime.ts).
import type { UserId } from '../../domain/ids.ts';
import type { Clock } from '../ports/clock.ts';
import type { DistributedLock } from '../ports/lock.ts';
import type { SettlementRecord, SettlementStore } from '../ports/settlement.ts';
import type { Store, StoreSession } from '../ports/store.ts';

/** Effective rebate policy per user (DESIGN §4): who is compressed out, who is capped. */
export interface RebateEligibility {
  /** Users whose effective `rebate.enabled` is false: they earn nothing (compression). */
  readonly disabled: ReadonlySet<UserId>;
  /** Effective `rebate.maxPerSettlement` in minor units, for users that have one. */
  readonly capMinor: ReadonlyMap<UserId, bigint>;
}

export type RebateEligibilitySource = (session: StoreSession) => Promise<RebateEligibility>;

/** The default until group policies are wired in: everyone eligible, no cap. */
export const everyoneEligible: RebateEligibilitySource = async () => ({ disabled: new Set(), capMinor: new Map() });

export type SettlementPhase =
  'resume' | 'claim' | 'load_tree' | 'aggregate_bets' | 'eligibility' | 'compute' | 'commit';

export interface SettlementProgress {
  readonly phase: SettlementPhase;
  readonly settlementId: string | null;
  readonly done: number;
  /** 0 when the total is not known. */
  readonly total: number;
}

/**
 * Test seams, never set in production: they run inside the holder's lease, so a test can
 * pause a holder past its TTL or kill its process at a known point.
 */
export interface SettlementHooks {
  afterClaim?(settlement: SettlementRecord): Promise<void>;
  beforeCommit?(settlement: SettlementRecord): Promise<void>;
}

export interface SettlementDependencies {
  readonly settlements: SettlementStore;
  /** Rebate policy versions, ledger pages, and the session eligibility reads from. */
  readonly store: Store;
  readonly lock: DistributedLock;
  readonly clock: Clock;
  readonly eligibility: RebateEligibilitySource;
  /** Topic of settlement.committed. */
  readonly topic: string;
  readonly lockTtlMs: number;
  /** Names this process in lock owners and on the settlement row (host:pid). */
  readonly runnerName: string;
  /** Most periods one settlement claims (default 1000); the rest go to the next one. */
  readonly periodsPerSettlementMax?: number;
  /** Users per keyset page while loading the tree (default 50000). */
  readonly treePageSize?: number;
  readonly hooks?: SettlementHooks;
}

export const settlementLockName = 'settlement';
/** The fence row every settlement write checks; the same name as the lock whose tokens it carries. */
export const settlementFenceName = 'settlement';
