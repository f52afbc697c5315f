// The day tick (DESIGN.md §4): rules that read user.registeredDays or a rolling-window metric
// change their answer with no event at all, at local midnight in the ladder's time zone. Once
// per zone day every such group is re-evaluated over all users, in bounded pages, one
// transaction each; the page cursor and the day are stored with the page's membership
// changes, so a restart resumes where it stopped and a day already done is not redone.
import type { UserId } from '../../domain/ids.ts';
import { dayNumberOf } from '../../domain/vip/zone-day.ts';
import type { DynamicGroup } from './group-catalog.ts';
import { retryOnConflict } from './conflict-retry.ts';
import { batchSizeOf, type GroupProgress, type GroupsDependencies } from './groups-deps.ts';
import { reevaluateUsersPage } from './reevaluate-page.ts';

export const dayTickStateName = 'groups.day_tick';

interface DayTickState {
  /** Zone day number the tick is for. */
  readonly day: number;
  readonly afterUserId: UserId | null;
  readonly done: boolean;
}

function parseState(text: string | null): DayTickState | null {
  if (text === null) return null;
  const parsed = JSON.parse(text) as Partial<DayTickState>;
  if (typeof parsed.day !== 'number' || typeof parsed.done !== 'boolean') return null;
  return {
    day: parsed.day,
    afterUserId: typeof parsed.afterUserId === 'string' ? parsed.afterUserId : null,
    done: parsed.done,
  };
}

export interface DayTickStep extends GroupProgress {
  readonly day: number;
  readonly groups: number;
}

/** One page of today's tick; `done` with no users when today's tick had already finished. */
export async function dayTickStep(deps: GroupsDependencies, nowMs: number): Promise<DayTickStep> {
  const batchSize = batchSizeOf(deps);
  return retryOnConflict(() =>
    deps.store.transaction(async (session): Promise<DayTickStep> => {
      const { ladder } = await deps.ladders.current(session.ladders);
      const today = dayNumberOf(nowMs, ladder.timeZone);
      const state = parseState(await session.groups.readState(dayTickStateName, 'exclusive'));
      const idle = {
        groupId: null,
        kind: 'day_tick',
        ruleVersion: null,
        users: 0,
        joined: 0,
        left: 0,
        afterUserId: null,
        day: today,
        groups: 0,
      } as const;
      if (state !== null && state.day >= today && state.done) return { ...idle, done: true };
      const afterUserId = state !== null && state.day === today ? state.afterUserId : null;

      const catalog = await deps.catalog.current(session.groups, 'none');
      const rows = await session.groups.getMany(catalog.index.timeRelativeGroups(), 'exclusive');
      const groups: DynamicGroup[] = [];
      for (const row of rows.values())
        if (!row.deleting && row.kind === 'dynamic') groups.push(deps.catalog.dynamicGroupOf(row));
      if (groups.length === 0) {
        await session.groups.writeState(
          dayTickStateName,
          JSON.stringify({ day: today, afterUserId: null, done: true }),
          nowMs,
        );
        return { ...idle, done: true };
      }
      const page = await reevaluateUsersPage(
        session,
        { ladders: deps.ladders, windowDays: deps.windowDays, nowMs, topic: deps.topic, observer: deps.observer },
        groups,
        afterUserId,
        batchSize,
      );
      const next: DayTickState = {
        day: today,
        afterUserId: page.complete ? null : page.lastUserId,
        done: page.complete,
      };
      await session.groups.writeState(dayTickStateName, JSON.stringify(next), nowMs);
      await session.outbox.append(page.records, nowMs);
      return {
        ...idle,
        users: page.users,
        joined: page.joined,
        left: page.left,
        afterUserId: next.afterUserId,
        done: next.done,
        groups: groups.length,
      };
    }),
  );
}

export interface DayTickReport {
  readonly day: number;
  readonly groups: number;
  readonly users: number;
  readonly joined: number;
  readonly left: number;
  readonly complete: boolean;
}

/**
 * Re-evaluates every time-relative group over all users as of `nowMs`, page by page, unless
 * the tick of that zone day has already run. At most `pagesMax` pages (10M users by default).
 */
export async function reevaluateTimeRelativeGroups(
  deps: GroupsDependencies,
  nowMs: number,
  pagesMax = 10_000,
): Promise<DayTickReport> {
  let users = 0;
  let joined = 0;
  let left = 0;
  let groups = 0;
  let day = 0;
  for (let page = 0; page < pagesMax; page += 1) {
    const step = await dayTickStep(deps, nowMs);
    day = step.day;
    groups = Math.max(groups, step.groups);
    users += step.users;
    joined += step.joined;
    left += step.left;
    if (step.users > 0 || step.groups > 0) deps.onProgress?.(step);
    if (step.done) return { day, groups, users, joined, left, complete: true };
  }
  return { day, groups, users, joined, left, complete: false };
}
