// What a rule reads, so that a change to a user re-evaluates only the groups that could
// change (DESIGN.md §4) and the day tick re-evaluates only time-relative groups.
// Keys are coarse on purpose: the app maps each kind of change to a few keys without
// knowing any rule, and a spurious re-evaluation costs little while a missed one is a bug.
import { invariant } from '../assert.ts';
import type { Rule } from './rule.ts';
import { ruleNodesPreorder } from './rule-walk.ts';

/**
 * What changed about a user, as the app reports it:
 * - `vip.level`: the tier changed;
 * - `metrics`: any metric changed (a bet placed or voided);
 * - `agent`: agent.depth or agent.directCount (a register or move; a move changes the depth
 *   of the whole moved subtree and the direct count of the old and new parent);
 * - `user.registeredDays`, `user.rebateRate`, `user.tags`: that field;
 * - `downline`: the user's set of ancestors (a register or move, for the whole subtree).
 */
export type FieldKey =
  'vip.level' | 'metrics' | 'agent' | 'user.registeredDays' | 'user.rebateRate' | 'user.tags' | 'downline';
export const fieldKeys: readonly FieldKey[] = [
  'vip.level',
  'metrics',
  'agent',
  'user.registeredDays',
  'user.rebateRate',
  'user.tags',
  'downline',
];

export function fieldsReadBy(rule: Rule): Set<FieldKey> {
  const fields = new Set<FieldKey>();
  for (const node of ruleNodesPreorder(rule)) {
    switch (node.kind) {
      case 'all':
      case 'any':
      case 'not':
        break;
      case 'compare':
      case 'list':
        switch (node.field.name) {
          case 'vip.level':
          case 'user.registeredDays':
          case 'user.rebateRate':
            fields.add(node.field.name);
            break;
          case 'agent.depth':
          case 'agent.directCount':
            fields.add('agent');
            break;
          case 'metrics':
            fields.add('metrics');
            break;
        }
        break;
      case 'tags':
        fields.add('user.tags');
        break;
      case 'downlineOf':
        fields.add('downline');
        break;
    }
  }
  return fields;
}

/** The metric names a rule reads: the ones the app must put into RuleSubject.metrics. */
export function metricsReadBy(rule: Rule): Set<string> {
  const names = new Set<string>();
  for (const node of ruleNodesPreorder(rule)) {
    if ((node.kind === 'compare' || node.kind === 'list') && node.field.name === 'metrics')
      names.add(node.field.metric.name);
  }
  return names;
}

/**
 * True when the rule's answer can change with no event at all, only because days pass:
 * it reads user.registeredDays or a rolling-window metric. The day tick re-evaluates these.
 */
export function isTimeRelative(rule: Rule): boolean {
  return ruleNodesPreorder(rule).some(
    (node) =>
      (node.kind === 'compare' || node.kind === 'list') &&
      (node.field.name === 'user.registeredDays' ||
        (node.field.name === 'metrics' && node.field.metric.windowDays !== null)),
  );
}

export interface DynamicGroupRule {
  readonly groupId: string;
  readonly rule: Rule;
}

/** Which dynamic groups read which fields. Immutable: rebuild it when a rule changes. */
export class GroupDependencyIndex {
  readonly #groupsByField = new Map<FieldKey, string[]>();
  readonly #timeRelativeGroupIds: string[] = [];

  constructor(groups: readonly DynamicGroupRule[]) {
    const seen = new Set<string>();
    // Sorted once here so every answer comes out in one deterministic order.
    const sorted = [...groups].sort((left, right) => compareText(left.groupId, right.groupId));
    for (const { groupId, rule } of sorted) {
      invariant(!seen.has(groupId), `group ${groupId} appears once in the dependency index`);
      seen.add(groupId);
      for (const field of fieldsReadBy(rule)) {
        const ids = this.#groupsByField.get(field);
        if (ids === undefined) this.#groupsByField.set(field, [groupId]);
        else ids.push(groupId);
      }
      if (isTimeRelative(rule)) this.#timeRelativeGroupIds.push(groupId);
    }
  }

  /** Group ids (sorted, each once) whose rule reads at least one of the changed fields. */
  groupsAffectedBy(changedFields: Iterable<FieldKey>): string[] {
    const affected = new Set<string>();
    for (const field of new Set(changedFields)) {
      for (const groupId of this.#groupsByField.get(field) ?? []) affected.add(groupId);
    }
    return [...affected].sort(compareText);
  }

  /** Group ids (sorted) the day tick must re-evaluate. */
  timeRelativeGroups(): string[] {
    return [...this.#timeRelativeGroupIds];
  }
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
