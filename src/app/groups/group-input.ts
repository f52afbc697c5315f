// Checks an operator's group document (create or replace) into what is stored: the rule and
// policy validated by the domain and kept in canonical form, every refusal at the JSON path
// of the request it came from (rules under /body/rule, policies under /body/policy).
import { validateRule, type Rule } from '../../domain/groups/rule.ts';
import { ruleToJson } from '../../domain/groups/rule-json.ts';
import { policyToJson, validatePolicy, type Policy } from '../../domain/policy/policy.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import type { GroupKind } from '../ports/groups.ts';

/** Same character set as game and period codes: safe in URLs, logs and SQL without quoting. */
const groupIdPattern = /^[A-Za-z0-9_.:-]{1,64}$/;
export const groupNameLengthMax = 200;
/** Priorities order policy sources; a bounded range keeps them exact in every store column. */
export const groupPriorityMax = 1_000_000;

export interface GroupInput {
  readonly name: string;
  /** Required on create; on replace it may be given but must match. */
  readonly kind?: GroupKind | undefined;
  /** Dynamic groups only. */
  readonly rule?: unknown;
  readonly policy?: unknown;
  readonly priority?: number | undefined;
}

export interface CheckedGroup {
  readonly name: string;
  readonly kind: GroupKind;
  readonly rule: Rule | null;
  readonly ruleDoc: string | null;
  readonly policy: Policy | null;
  readonly policyDoc: string | null;
  readonly priority: number;
}

export function parseGroupId(input: unknown, path: string): Result<string> {
  if (typeof input !== 'string' || !groupIdPattern.test(input)) {
    return refuse('request_invalid', `${path} must be 1-64 characters of [A-Za-z0-9_.:-]`, path);
  }
  return accept(input);
}

export function checkRule(
  json: unknown,
  windowDays: readonly number[],
  path: string,
): Result<{ rule: Rule; ruleDoc: string }> {
  const rule = validateRule(json, { windowDays, path });
  if (!rule.ok) return rule;
  return accept({ rule: rule.value, ruleDoc: JSON.stringify(ruleToJson(rule.value)) });
}

export function checkGroupInput(
  input: GroupInput,
  kind: GroupKind,
  windowDays: readonly number[],
): Result<CheckedGroup> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > groupNameLengthMax) {
    return refuse('request_invalid', `/body/name must be 1-${groupNameLengthMax} characters`, '/body/name');
  }
  const priority = input.priority ?? 0;
  if (!Number.isSafeInteger(priority) || Math.abs(priority) > groupPriorityMax) {
    return refuse(
      'request_invalid',
      `/body/priority must be an integer in [-${groupPriorityMax}, ${groupPriorityMax}]`,
      '/body/priority',
    );
  }
  let rule: Rule | null = null;
  let ruleDoc: string | null = null;
  if (kind === 'dynamic') {
    if (input.rule === undefined) return refuse('rule_invalid', 'a dynamic group needs /body/rule', '/body/rule');
    const checked = checkRule(input.rule, windowDays, '/body/rule');
    if (!checked.ok) return checked;
    ({ rule, ruleDoc } = checked.value);
  } else if (input.rule !== undefined && input.rule !== null) {
    return refuse(
      'request_invalid',
      'a static group has no rule; its members are added through /v1/groups/{id}/members',
      '/body/rule',
    );
  }
  let policy: Policy | null = null;
  let policyDoc: string | null = null;
  if (input.policy !== undefined && input.policy !== null) {
    const checked = validatePolicy(input.policy, '/body/policy');
    if (!checked.ok) return checked;
    policy = checked.value;
    policyDoc = JSON.stringify(policyToJson(policy));
  }
  return accept({ name, kind, rule, ruleDoc, policy, policyDoc, priority });
}
