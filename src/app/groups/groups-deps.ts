// What the group use cases need. The composition root builds one GroupsDependencies per
// process (its GroupCatalog is the per-process cache of dynamic rules) and derives the
// after-change hook from it with createGroupsHook.
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { LadderSource } from '../vip/ladder-source.ts';
import type { GroupCatalog } from './group-catalog.ts';

export interface GroupsObserver {
  /** A group's rule was evaluated for `users` users (tests count what the hook touched). */
  readonly groupEvaluated?: (groupId: string, users: number) => void;
}

/** One bounded batch of membership work, for logs and the API. */
export interface GroupProgress {
  readonly groupId: string | null;
  readonly kind: 'rebuild' | 'delete' | 'day_tick';
  readonly ruleVersion: number | null;
  /** Users examined (rebuild, day tick) or members removed (delete) in this batch. */
  readonly users: number;
  readonly joined: number;
  readonly left: number;
  /** The last user id done; null when the work is complete. */
  readonly afterUserId: string | null;
  readonly done: boolean;
}

export interface GroupsDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly ladders: LadderSource;
  readonly windowDays: readonly number[];
  /** The group-changes topic (config.topics.groupChanges). */
  readonly topic: string;
  readonly catalog: GroupCatalog;
  /** Users per rebuild, day-tick and preview batch, members per deletion batch. */
  readonly batchSize?: number;
  /** Batches a create, rule-edit or delete request runs itself before the background loop takes over. */
  readonly requestBatchesMax?: number;
  readonly observer?: GroupsObserver;
  readonly onProgress?: (progress: GroupProgress) => void;
}

export const groupBatchSizeDefault = 1_000;
/** 100 batches of 1,000: populations up to 100k users get their whole diff in the response. */
export const requestBatchesMaxDefault = 100;

export function batchSizeOf(deps: Pick<GroupsDependencies, 'batchSize'>): number {
  return deps.batchSize ?? groupBatchSizeDefault;
}

export type GroupsHookDependencies = Pick<
  GroupsDependencies,
  'catalog' | 'ladders' | 'windowDays' | 'topic' | 'observer'
>;
