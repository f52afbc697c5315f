// Policies (DESIGN.md §4): settings attached to a group or a VIP level, merged per key into
// one effective policy per user. The wire form is one flat object of typed keys:
//   {"rebate.enabled": false, "rebate.maxPerSettlement": "500", "bet.maxAmount": "2000",
//    "attributes.lounge": "gold", "attributes.withdrawalsPerDay": 3}
// A key a policy does not carry is unset (it does not take part in the merge); null is not
// a value, so "unset" has one spelling. Unknown keys are refused, never ignored: a typo such
// as "rebate.enable" would otherwise silently leave rebates on.
import { formatMinor, parseAmountMinor } from '../money.ts';
import { accept, refuse, type Result } from '../result.ts';
import { pointerTo } from '../groups/json-pointer.ts';

export type AttributeValue = string | number | boolean;

export interface Policy {
  /** Whether the user earns rebates at all (DESIGN.md §5 compression); null: unset. */
  readonly rebateEnabled: boolean | null;
  /** Most one beneficiary is paid in one settlement; null: unset. */
  readonly rebateMaxPerSettlementMinor: bigint | null;
  /** Largest single bet the platform should accept; null: unset. */
  readonly betMaxAmountMinor: bigint | null;
  /** Free-form scalars for the platform, by name (without the `attributes.` prefix). */
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export type PolicyJson = Readonly<Record<string, AttributeValue>>;

export const emptyPolicy: Policy = {
  rebateEnabled: null,
  rebateMaxPerSettlementMinor: null,
  betMaxAmountMinor: null,
  attributes: new Map(),
};

export const policyAttributeCountMax = 64;
export const policyAttributeTextLengthMax = 256;
export const attributeKeyPrefix = 'attributes.';
const fixedKeys = ['rebate.enabled', 'rebate.maxPerSettlement', 'bet.maxAmount'] as const;
const attributeNamePattern = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Validates a policy document; refusal paths are `path` + `/<key>`. */
export function validatePolicy(json: unknown, path: string): Result<Policy> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return refuse('policy_invalid', `${path || 'the policy'} must be an object of policy keys`, path);
  }
  const object = json as Readonly<Record<string, unknown>>;
  const keys = Object.keys(object);
  // Checked before looking at any key, so a huge document costs nothing more.
  if (keys.length > fixedKeys.length + policyAttributeCountMax) {
    return refuse('policy_too_large', `a policy has at most ${fixedKeys.length + policyAttributeCountMax} keys`, path);
  }
  let rebateEnabled: boolean | null = null;
  let rebateMaxPerSettlementMinor: bigint | null = null;
  let betMaxAmountMinor: bigint | null = null;
  const attributes = new Map<string, AttributeValue>();
  for (const key of keys) {
    const keyPath = pointerTo(path, key);
    const value = object[key];
    switch (key) {
      case 'rebate.enabled':
        if (typeof value !== 'boolean')
          return refuse('policy_value_invalid', `${keyPath} must be true or false`, keyPath);
        rebateEnabled = value;
        break;
      case 'rebate.maxPerSettlement':
      case 'bet.maxAmount': {
        // Zero is a real setting: no rebate paid / no betting, while the user stays visible.
        const amount = parseAmountMinor(value, { allowZero: true, path: keyPath });
        if (!amount.ok) return refuse('policy_value_invalid', amount.message, keyPath);
        if (key === 'bet.maxAmount') betMaxAmountMinor = amount.value;
        else rebateMaxPerSettlementMinor = amount.value;
        break;
      }
      default: {
        if (!key.startsWith(attributeKeyPrefix)) {
          return refuse(
            'policy_key_unknown',
            `unknown policy key "${key.slice(0, 60)}"; keys are ${fixedKeys.join(', ')} and attributes.<name>`,
            keyPath,
          );
        }
        const name = key.slice(attributeKeyPrefix.length);
        if (!attributeNamePattern.test(name)) {
          return refuse('policy_key_unknown', `attribute names are 1-64 characters of [A-Za-z0-9_.:-]`, keyPath);
        }
        const attribute = parseAttributeValue(value, keyPath);
        if (!attribute.ok) return attribute;
        if (attributes.size >= policyAttributeCountMax) {
          return refuse('policy_too_large', `a policy has at most ${policyAttributeCountMax} attributes`, keyPath);
        }
        attributes.set(name, attribute.value);
      }
    }
  }
  return accept({ rebateEnabled, rebateMaxPerSettlementMinor, betMaxAmountMinor, attributes });
}

/** The canonical wire form: amounts with 4 fraction digits, attributes sorted by name. */
export function policyToJson(policy: Policy): PolicyJson {
  const json: Record<string, AttributeValue> = {};
  if (policy.rebateEnabled !== null) json['rebate.enabled'] = policy.rebateEnabled;
  if (policy.rebateMaxPerSettlementMinor !== null)
    json['rebate.maxPerSettlement'] = formatMinor(policy.rebateMaxPerSettlementMinor);
  if (policy.betMaxAmountMinor !== null) json['bet.maxAmount'] = formatMinor(policy.betMaxAmountMinor);
  for (const name of [...policy.attributes.keys()].sort()) {
    const value = policy.attributes.get(name);
    if (value !== undefined) json[`${attributeKeyPrefix}${name}`] = value;
  }
  return json;
}

function parseAttributeValue(value: unknown, path: string): Result<AttributeValue> {
  if (typeof value === 'boolean') return accept(value);
  if (typeof value === 'number') {
    return Number.isFinite(value) ? accept(value) : refuse('policy_value_invalid', `${path} must be finite`, path);
  }
  if (typeof value === 'string') {
    return value.length <= policyAttributeTextLengthMax
      ? accept(value)
      : refuse('policy_value_invalid', `${path} is longer than ${policyAttributeTextLengthMax} characters`, path);
  }
  return refuse('policy_value_invalid', `${path} must be a string, number or boolean`, path);
}
