// Loads what rules read for a batch of users, in a fixed number of queries whatever the
// batch size or tree depth: VIP states, metric buckets and totals, ancestors among the
// downlineOf targets (one recursive statement). Everything is as of `nowMs`:
//   - metrics are computed as of the current day in the ladder's time zone (today counts),
//     from the same buckets VIP decisions use;
//   - registeredDays is the number of calendar days in that zone from registration to now,
//     so it (like every rolling window) changes at local midnight, when the day tick runs;
//     a placeholder user has no registration time and so no registeredDays (unknown).
import type { RuleSubject } from '../../domain/groups/evaluate.ts';
import type { UserId } from '../../domain/ids.ts';
import { computeMetrics, emptyLifetime, type MetricValue } from '../../domain/vip/metrics.ts';
import { dayNumberOf } from '../../domain/vip/zone-day.ts';
import { loadMetricInputs } from '../ingest/vip-step.ts';
import type { StoreSession, UserRow } from '../ports/store.ts';
import type { LadderSource } from '../vip/ladder-source.ts';
import type { RuleNeeds } from './rule-needs.ts';

export interface SubjectContext {
  readonly ladders: LadderSource;
  readonly windowDays: readonly number[];
  readonly nowMs: number;
}

const noMetrics: RuleSubject['metrics'] = { get: () => undefined };
const noAncestors: ReadonlySet<UserId> = new Set();

export async function loadRuleSubjects(
  session: StoreSession,
  users: readonly UserRow[],
  needs: RuleNeeds,
  context: SubjectContext,
): Promise<Map<UserId, RuleSubject>> {
  const subjects = new Map<UserId, RuleSubject>();
  if (users.length === 0) return subjects;
  const userIds = users.map((user) => user.userId);

  const levels = new Map<UserId, number>();
  if (needs.vipLevel) {
    for (const [userId, stored] of await session.vipStates.getMany(userIds)) levels.set(userId, stored.state.level);
  }

  let today = 0;
  let timeZone = 'UTC';
  if (needs.metrics || needs.registeredDays) {
    timeZone = (await context.ladders.current(session.ladders)).ladder.timeZone;
    today = dayNumberOf(context.nowMs, timeZone);
  }

  const metrics = new Map<UserId, ReadonlyMap<string, MetricValue>>();
  if (needs.metrics) {
    const windowMax = Math.max(...context.windowDays);
    const inputs = await loadMetricInputs(session, userIds, today - windowMax);
    for (const userId of userIds) {
      const input = inputs.get(userId) ?? { buckets: [], lifetime: emptyLifetime };
      metrics.set(
        userId,
        new Map(Object.entries(computeMetrics(input.buckets, input.lifetime, today, context.windowDays))),
      );
    }
  }

  const ancestors =
    needs.downlineTargets.size === 0
      ? new Map<UserId, ReadonlySet<UserId>>()
      : await session.groups.ancestorsAmong(userIds, [...needs.downlineTargets]);

  for (const user of users) {
    subjects.set(user.userId, {
      vipLevel: levels.get(user.userId) ?? 0,
      agentDepth: user.depth,
      directCount: user.directCount,
      registeredDays:
        !needs.registeredDays || user.registeredAtMs === null
          ? null
          : Math.max(0, today - dayNumberOf(user.registeredAtMs, timeZone)),
      rebateRatePpm: user.rebateRatePpm,
      tags: new Set(user.tags),
      metrics: metrics.get(user.userId) ?? noMetrics,
      upline: ancestors.get(user.userId) ?? noAncestors,
    });
  }
  return subjects;
}
