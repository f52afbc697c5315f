// What evaluating a set of rules needs loaded, so a batch loads only that: VIP levels when a
// rule reads vip.level, metrics when one reads metrics.*, the ladder's calendar for metrics
// and registeredDays, and ancestors only for the users named in downlineOf.
import { fieldsReadBy } from '../../domain/groups/dependencies.ts';
import type { Rule } from '../../domain/groups/rule.ts';
import { ruleNodesPreorder } from '../../domain/groups/rule-walk.ts';
import type { UserId } from '../../domain/ids.ts';

export interface RuleNeeds {
  readonly vipLevel: boolean;
  readonly metrics: boolean;
  readonly registeredDays: boolean;
  /** Every `downlineOf` ancestor id named by the rules. */
  readonly downlineTargets: ReadonlySet<UserId>;
}

export function needsOf(rules: Iterable<Rule>): RuleNeeds {
  let vipLevel = false;
  let metrics = false;
  let registeredDays = false;
  const downlineTargets = new Set<UserId>();
  for (const rule of rules) {
    const fields = fieldsReadBy(rule);
    vipLevel ||= fields.has('vip.level');
    metrics ||= fields.has('metrics');
    registeredDays ||= fields.has('user.registeredDays');
    if (fields.has('downline')) {
      for (const node of ruleNodesPreorder(rule)) if (node.kind === 'downlineOf') downlineTargets.add(node.ancestorId);
    }
  }
  return { vipLevel, metrics, registeredDays, downlineTargets };
}
