// One user's effective policy: the policies of their groups and VIP level merged per key by
// a declared rule, with where each value came from (DESIGN.md §4, `GET /v1/users/{id}/policy`).
//
// Precedence, used by `attributes.*` to pick a value and by every key to name one winner
// among sources that set the same value: groups before the VIP level, then higher priority
// first, then source id ascending. Groups outrank the VIP level whatever its priority number:
// a group is an operator's deliberate choice for specific users, the VIP level a baseline
// for a whole tier, so the more specific setting wins (as a CSS class beats an element rule).
// The result does not depend on the order of the sources given.
import { invariant } from '../assert.ts';
import { formatMinor } from '../money.ts';
import type { AttributeValue, Policy } from './policy.ts';

export type PolicySourceKind = 'group' | 'vip_level';

export interface PolicySource {
  readonly kind: PolicySourceKind;
  /** Group id, or the VIP level number as a decimal string. */
  readonly id: string;
  /** Higher wins among sources of one kind; any safe integer. */
  readonly priority: number;
}

export interface SourcedPolicy {
  readonly source: PolicySource;
  readonly policy: Policy;
}

export type MergeRule = 'false_wins' | 'lowest_wins' | 'highest_priority_wins';

/** The declared merge rule of every key (`attributes.*` covers each attribute). */
export const policyMergeRules = {
  'rebate.enabled': 'false_wins',
  'rebate.maxPerSettlement': 'lowest_wins',
  'bet.maxAmount': 'lowest_wins',
  'attributes.*': 'highest_priority_wins',
} as const satisfies Readonly<Record<string, MergeRule>>;

export interface Contribution<T> {
  readonly source: PolicySource;
  readonly value: T;
}

export interface EffectiveValue<T> {
  readonly value: T;
  readonly mergeRule: MergeRule;
  /** The source whose value is in effect; null when it is the default (nobody set the key). */
  readonly source: PolicySource | null;
  /** Every source that set the key, in precedence order, the winner among them. */
  readonly contributions: readonly Contribution<T>[];
}

export interface EffectivePolicy {
  /** Always present: true by default. */
  readonly rebateEnabled: EffectiveValue<boolean>;
  /** null: no cap. */
  readonly rebateMaxPerSettlementMinor: EffectiveValue<bigint> | null;
  /** null: no limit from policy. */
  readonly betMaxAmountMinor: EffectiveValue<bigint> | null;
  /** By attribute name; only attributes some source set. */
  readonly attributes: ReadonlyMap<string, EffectiveValue<AttributeValue>>;
}

const kindRank: Readonly<Record<PolicySourceKind, number>> = { group: 0, vip_level: 1 };

/** Precedence order of sources: negative when `left` outranks `right`. */
export function comparePolicySources(left: PolicySource, right: PolicySource): number {
  if (left.kind !== right.kind) return kindRank[left.kind] - kindRank[right.kind];
  if (left.priority !== right.priority) return right.priority > left.priority ? 1 : -1;
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

export function mergePolicies(sources: readonly SourcedPolicy[]): EffectivePolicy {
  const seen = new Set<string>();
  for (const { source } of sources) {
    const key = `${source.kind}:${source.id}`;
    // Two policies under one source would make the result depend on their order.
    invariant(!seen.has(key), `policy source ${key} appears once`);
    invariant(Number.isSafeInteger(source.priority), `policy source ${key} has an integer priority`);
    seen.add(key);
  }
  const ordered = [...sources].sort((left, right) => comparePolicySources(left.source, right.source));

  const enabled = contributionsOf(ordered, (policy) => policy.rebateEnabled);
  const rebateEnabled =
    enabled.length === 0
      ? { value: true, mergeRule: policyMergeRules['rebate.enabled'], source: null, contributions: [] }
      : pick(enabled, policyMergeRules['rebate.enabled'], (value) => value === false);

  const attributeNames = new Set<string>();
  for (const { policy } of ordered) for (const name of policy.attributes.keys()) attributeNames.add(name);
  const attributes = new Map<string, EffectiveValue<AttributeValue>>();
  for (const name of [...attributeNames].sort()) {
    const set = contributionsOf(ordered, (policy) => policy.attributes.get(name) ?? null);
    attributes.set(
      name,
      pick(set, policyMergeRules['attributes.*'], () => true),
    );
  }

  return {
    rebateEnabled,
    rebateMaxPerSettlementMinor: lowest(
      contributionsOf(ordered, (policy) => policy.rebateMaxPerSettlementMinor),
      policyMergeRules['rebate.maxPerSettlement'],
    ),
    betMaxAmountMinor: lowest(
      contributionsOf(ordered, (policy) => policy.betMaxAmountMinor),
      policyMergeRules['bet.maxAmount'],
    ),
    attributes,
  };
}

function contributionsOf<T>(ordered: readonly SourcedPolicy[], read: (policy: Policy) => T | null): Contribution<T>[] {
  const contributions: Contribution<T>[] = [];
  for (const { source, policy } of ordered) {
    const value = read(policy);
    if (value !== null) contributions.push({ source, value });
  }
  return contributions;
}

/** The first contribution (in precedence order) that `wins`, else the first of all. */
function pick<T>(
  contributions: readonly Contribution<T>[],
  mergeRule: MergeRule,
  wins: (value: T) => boolean,
): EffectiveValue<T> {
  const winner = contributions.find((contribution) => wins(contribution.value)) ?? contributions[0];
  invariant(winner !== undefined, 'a merged key has at least one contribution');
  return { value: winner.value, mergeRule, source: winner.source, contributions };
}

function lowest(contributions: readonly Contribution<bigint>[], mergeRule: MergeRule): EffectiveValue<bigint> | null {
  if (contributions.length === 0) return null;
  let minimum: bigint | null = null;
  for (const { value } of contributions) if (minimum === null || value < minimum) minimum = value;
  return pick(contributions, mergeRule, (value) => value === minimum);
}

export interface EffectiveValueJson {
  readonly value: AttributeValue;
  readonly rule: MergeRule;
  readonly source: PolicySource | null;
  readonly contributions: readonly { readonly source: PolicySource; readonly value: AttributeValue }[];
}

/**
 * The explained wire form for `GET /v1/users/{id}/policy`: per key, the value in effect
 * (amounts as 4-digit strings), its merge rule, the winning source (null = default) and
 * every source that set it. Unset keys are null, so the answer always lists every key.
 */
export function effectivePolicyToJson(effective: EffectivePolicy): Readonly<Record<string, EffectiveValueJson | null>> {
  const json: Record<string, EffectiveValueJson | null> = {
    'rebate.enabled': explain(effective.rebateEnabled, (value) => value),
    'rebate.maxPerSettlement':
      effective.rebateMaxPerSettlementMinor && explain(effective.rebateMaxPerSettlementMinor, formatMinor),
    'bet.maxAmount': effective.betMaxAmountMinor && explain(effective.betMaxAmountMinor, formatMinor),
  };
  for (const [name, value] of effective.attributes)
    json[`attributes.${name}`] = explain(value, (attribute) => attribute);
  return json;
}

function explain<T>(effective: EffectiveValue<T>, format: (value: T) => AttributeValue): EffectiveValueJson {
  return {
    value: format(effective.value),
    rule: effective.mergeRule,
    source: effective.source,
    contributions: effective.contributions.map(({ source, value }) => ({ source, value: format(value) })),
  };
}
