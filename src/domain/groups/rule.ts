// Dynamic-group rules (DESIGN.md §4): the typed form of the rule JSON an operator writes.
// validateRule is the only way in. It refuses anything that could not be evaluated exactly,
// names the JSON path at fault, and bounds the work a hostile document can cause (depth,
// node count, list length) before doing any of it. Walks use explicit stacks (STYLE.md §4).
import { invariant } from '../assert.ts';
import { parseId, type UserId } from '../ids.ts';
import { parseMetricName, type MetricName } from '../metric-names.ts';
import { parseAmountMinor } from '../money.ts';
import { parseRatePpm } from '../rate.ts';
import { accept, refuse, type Refusal, type Result } from '../result.ts';
import { pointerTo } from './json-pointer.ts';
import { parseTag } from './tag.ts';

/** The top-level rule is at depth 1; a node deeper than this is refused. */
export const ruleDepthMax = 32;
/** Nodes (all, any, not, comparison, downlineOf) in one rule. */
export const ruleNodeCountMax = 1000;
/** Values in one `in` / `nin` list. */
export const ruleListLengthMax = 100;

export const countFieldNames = ['vip.level', 'agent.depth', 'agent.directCount', 'user.registeredDays'] as const;
export type CountFieldName = (typeof countFieldNames)[number];

/**
 * The numeric left-hand side of a comparison and the unit its operands are held in: whole
 * counts (levels, depths, days, bet counts), money in minor units, or a rate in ppm.
 * Every operand is a bigint so comparisons are exact whatever the unit.
 */
export type NumericField =
  | { readonly name: CountFieldName; readonly unit: 'count' }
  | { readonly name: 'user.rebateRate'; readonly unit: 'ppm' }
  | { readonly name: 'metrics'; readonly metric: MetricName; readonly unit: 'count' | 'minor' };

export const orderOps = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type OrderOp = (typeof orderOps)[number];
export type ListOp = 'in' | 'nin';
export const ruleOps = [...orderOps, 'in', 'nin', 'has'] as const;
export type RuleOp = (typeof ruleOps)[number];

export interface AllRule {
  readonly kind: 'all';
  readonly rules: readonly Rule[];
}
export interface AnyRule {
  readonly kind: 'any';
  readonly rules: readonly Rule[];
}
export interface NotRule {
  readonly kind: 'not';
  readonly rule: Rule;
}
/** `field op value` with one operand. */
export interface CompareRule {
  readonly kind: 'compare';
  readonly field: NumericField;
  readonly op: OrderOp;
  readonly value: bigint;
}
/** `field in [..]` (equal to one of them) or `field nin [..]` (equal to none). */
export interface ListRule {
  readonly kind: 'list';
  readonly field: NumericField;
  readonly op: ListOp;
  readonly values: readonly bigint[];
}
/**
 * `user.tags`: `has` one tag; `in` = has at least one of the tags; `nin` = has none of them.
 * Tags are a set, so eq/ne/order ops are not defined on them.
 */
export type TagsRule =
  | { readonly kind: 'tags'; readonly op: 'has'; readonly tag: string }
  | { readonly kind: 'tags'; readonly op: ListOp; readonly tags: readonly string[] };
/** The user sits strictly below `ancestorId` in the agent tree (the ancestor itself is not). */
export interface DownlineRule {
  readonly kind: 'downlineOf';
  readonly ancestorId: UserId;
}

export type Rule = AllRule | AnyRule | NotRule | CompareRule | ListRule | TagsRule | DownlineRule;

export interface ValidateRuleOptions {
  /** The configured rolling windows: `metrics.turnover7d` exists only when 7 is listed. */
  readonly windowDays: readonly number[];
  /** JSON path of the rule inside the request body, prefixed to every refusal path. */
  readonly path?: string;
}

/** The wire name of a numeric field, e.g. `metrics.turnover30d`. */
export function fieldName(field: NumericField): string {
  return field.name === 'metrics' ? `metrics.${field.metric.name}` : field.name;
}

type Shape = 'all' | 'any' | 'not' | 'field' | 'downlineOf';
const shapes: readonly Shape[] = ['all', 'any', 'not', 'field', 'downlineOf'];
const keysOfShape: Readonly<Record<Shape, readonly string[]>> = {
  all: ['all'],
  any: ['any'],
  not: ['not'],
  field: ['field', 'op', 'value'],
  downlineOf: ['downlineOf'],
};

interface PendingNode {
  readonly json: unknown;
  readonly path: string;
  readonly depth: number;
  readonly parentIndex: number;
}

interface ParsedNode {
  readonly shape: 'all' | 'any' | 'not' | 'leaf';
  readonly leaf: Rule | null;
  readonly childIndices: number[];
}

/**
 * Validates operator-written rule JSON into a Rule. The first fault found (in document order,
 * except that a too-large list is refused as soon as it is seen) is refused with its path.
 */
export function validateRule(json: unknown, options: ValidateRuleOptions): Result<Rule> {
  // Pass 1: visit nodes in document order with an explicit stack, parse leaves, and record
  // each node's children. Pass 2 builds the tree bottom-up from that flat list.
  const pending: PendingNode[] = [{ json, path: options.path ?? '', depth: 1, parentIndex: -1 }];
  const parsed: ParsedNode[] = [];
  let nodesScheduled = 1;
  while (true) {
    const item = pending.pop();
    if (item === undefined) break;
    if (item.depth > ruleDepthMax) {
      return refuse('rule_too_deep', `rule nesting is deeper than ${ruleDepthMax} levels at ${item.path}`, item.path);
    }
    const index = parsed.length;
    if (item.parentIndex >= 0) parsed[item.parentIndex]?.childIndices.push(index);

    const object = asObject(item.json);
    if (object === null) return refuse('rule_invalid', `${describe(item.path)} must be a rule object`, item.path);
    const keys = Object.keys(object);
    const shape = shapes.find((candidate) => Object.hasOwn(object, candidate));
    if (shape === undefined) {
      return refuse(
        'rule_invalid',
        `${describe(item.path)} must have one of the keys all, any, not, field, downlineOf`,
        item.path,
      );
    }
    const allowed = keysOfShape[shape];
    const extraKey = keys.find((key) => !allowed.includes(key));
    if (extraKey !== undefined) {
      const path = pointerTo(item.path, extraKey);
      return refuse(
        'rule_invalid',
        `unexpected key "${extraKey.slice(0, 40)}" in a "${shape}" rule at ${item.path || 'the top'}`,
        path,
      );
    }

    switch (shape) {
      case 'all':
      case 'any': {
        const listPath = pointerTo(item.path, shape);
        const children = object[shape];
        if (!Array.isArray(children)) return refuse('rule_invalid', `${listPath} must be an array of rules`, listPath);
        if (children.length === 0) return refuse('rule_invalid', `${listPath} must hold at least one rule`, listPath);
        if (nodesScheduled + children.length > ruleNodeCountMax) {
          return refuse('rule_too_large', `rule has more than ${ruleNodeCountMax} nodes (at ${listPath})`, listPath);
        }
        nodesScheduled += children.length;
        parsed.push({ shape, leaf: null, childIndices: [] });
        // Reversed so the stack pops children in document order.
        for (let childIndex = children.length - 1; childIndex >= 0; childIndex -= 1) {
          pending.push({
            json: children[childIndex],
            path: pointerTo(listPath, childIndex),
            depth: item.depth + 1,
            parentIndex: index,
          });
        }
        break;
      }
      case 'not': {
        if (nodesScheduled + 1 > ruleNodeCountMax) {
          return refuse('rule_too_large', `rule has more than ${ruleNodeCountMax} nodes (at ${item.path})`, item.path);
        }
        nodesScheduled += 1;
        parsed.push({ shape, leaf: null, childIndices: [] });
        pending.push({
          json: object.not,
          path: pointerTo(item.path, 'not'),
          depth: item.depth + 1,
          parentIndex: index,
        });
        break;
      }
      case 'downlineOf': {
        const idPath = pointerTo(item.path, 'downlineOf');
        const id = parseId(object.downlineOf, idPath);
        if (!id.ok) return asValueRefusal(id);
        parsed.push({ shape: 'leaf', leaf: { kind: 'downlineOf', ancestorId: id.value }, childIndices: [] });
        break;
      }
      case 'field': {
        const leaf = parseComparison(object, item.path, options.windowDays);
        if (!leaf.ok) return leaf;
        parsed.push({ shape: 'leaf', leaf: leaf.value, childIndices: [] });
        break;
      }
    }
  }
  return accept(buildTree(parsed));
}

function buildTree(parsed: readonly ParsedNode[]): Rule {
  // Children always come after their parent in document order, so walking backwards builds
  // every child before the node that holds it.
  const built: Rule[] = new Array<Rule>(parsed.length);
  for (let index = parsed.length - 1; index >= 0; index -= 1) {
    const node = parsed[index];
    invariant(node !== undefined, 'rule node index within bounds');
    const children = node.childIndices.map((childIndex) => {
      const child = built[childIndex];
      invariant(child !== undefined, 'a rule child is built before its parent');
      return child;
    });
    switch (node.shape) {
      case 'leaf':
        invariant(node.leaf !== null, 'a rule leaf carries its parsed rule');
        built[index] = node.leaf;
        break;
      case 'all':
      case 'any':
        invariant(children.length > 0, 'all/any holds at least one rule');
        built[index] = { kind: node.shape, rules: children };
        break;
      case 'not': {
        const [only] = children;
        invariant(only !== undefined && children.length === 1, 'not holds exactly one rule');
        built[index] = { kind: 'not', rule: only };
        break;
      }
    }
  }
  const root = built[0];
  invariant(root !== undefined, 'a validated rule has a root');
  return root;
}

function parseComparison(
  object: Readonly<Record<string, unknown>>,
  path: string,
  windowDays: readonly number[],
): Result<Rule> {
  const fieldPath = pointerTo(path, 'field');
  const opPath = pointerTo(path, 'op');
  const valuePath = pointerTo(path, 'value');
  const field = parseField(object.field, fieldPath, windowDays);
  if (!field.ok) return field;
  if (!Object.hasOwn(object, 'op')) return refuse('rule_invalid', `${opPath} is missing`, opPath);
  if (!Object.hasOwn(object, 'value')) return refuse('rule_invalid', `${valuePath} is missing`, valuePath);
  const op = object.op;
  if (typeof op !== 'string' || !(ruleOps as readonly string[]).includes(op)) {
    return refuse('rule_op_unknown', `${opPath} must be one of ${ruleOps.join(', ')}`, opPath);
  }
  const ruleOp = op as RuleOp;
  const value = object.value;

  if (field.value === 'user.tags') {
    if (ruleOp === 'has') {
      const tag = parseTag(value, valuePath);
      return tag.ok ? accept({ kind: 'tags', op: 'has', tag: tag.value }) : tag;
    }
    if (ruleOp !== 'in' && ruleOp !== 'nin') {
      return refuse('rule_op_unknown', `op "${ruleOp}" is not defined for user.tags; use has, in or nin`, opPath);
    }
    const tags = parseList(value, valuePath, parseTag);
    return tags.ok ? accept({ kind: 'tags', op: ruleOp, tags: tags.value }) : tags;
  }

  const numericField = field.value;
  const parseOperand = (input: unknown, operandPath: string): Result<bigint> =>
    parseNumericOperand(input, operandPath, numericField);
  if (ruleOp === 'has')
    return refuse('rule_op_unknown', `op "has" is only defined for user.tags, not ${fieldName(numericField)}`, opPath);
  if (ruleOp === 'in' || ruleOp === 'nin') {
    const values = parseList(value, valuePath, parseOperand);
    return values.ok ? accept({ kind: 'list', field: numericField, op: ruleOp, values: values.value }) : values;
  }
  const operand = parseOperand(value, valuePath);
  return operand.ok ? accept({ kind: 'compare', field: numericField, op: ruleOp, value: operand.value }) : operand;
}

function parseField(input: unknown, path: string, windowDays: readonly number[]): Result<NumericField | 'user.tags'> {
  const known = `vip.level, metrics.<metric>, agent.depth, agent.directCount, user.registeredDays, user.rebateRate, user.tags`;
  if (typeof input !== 'string') return refuse('rule_field_unknown', `${path} must be one of ${known}`, path);
  if ((countFieldNames as readonly string[]).includes(input))
    return accept({ name: input as CountFieldName, unit: 'count' });
  if (input === 'user.rebateRate') return accept({ name: 'user.rebateRate', unit: 'ppm' });
  if (input === 'user.tags') return accept('user.tags');
  if (input.startsWith('metrics.')) {
    const metric = parseMetricName(input.slice('metrics.'.length), windowDays);
    if (metric === null) {
      return refuse(
        'rule_field_unknown',
        `${path}: unknown metric "${input.slice(0, 60)}"; metrics are turnoverLifetime, betCountLifetime and turnover{N}d, betCount{N}d, activeDays{N}d for N in ${windowDays.join(', ')}`,
        path,
      );
    }
    return accept({ name: 'metrics', metric, unit: metric.kind === 'turnover' ? 'minor' : 'count' });
  }
  return refuse('rule_field_unknown', `${path}: unknown field "${input.slice(0, 60)}"; fields are ${known}`, path);
}

function parseNumericOperand(input: unknown, path: string, field: NumericField): Result<bigint> {
  switch (field.unit) {
    case 'count':
      // Counts are JSON numbers: a string here is far more likely a mistake than intent.
      if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < 0) {
        return refuse('rule_value_invalid', `${path}: ${fieldName(field)} takes a non-negative integer`, path);
      }
      return accept(BigInt(input));
    case 'minor': {
      const amount = parseAmountMinor(input, { allowZero: true, path });
      return amount.ok ? amount : asValueRefusal(amount);
    }
    case 'ppm': {
      const rate = parseRatePpm(input, { path });
      return rate.ok ? accept(BigInt(rate.value)) : asValueRefusal(rate);
    }
  }
}

function parseList<T>(
  input: unknown,
  path: string,
  parseItem: (item: unknown, itemPath: string) => Result<T>,
): Result<T[]> {
  if (!Array.isArray(input) || input.length === 0 || input.length > ruleListLengthMax) {
    return refuse('rule_value_invalid', `${path} must be an array of 1 to ${ruleListLengthMax} values`, path);
  }
  const items: T[] = [];
  for (let index = 0; index < input.length; index += 1) {
    const item = parseItem(input[index], pointerTo(path, index));
    if (!item.ok) return item;
    items.push(item.value);
  }
  return accept(items);
}

/** Money, rate and id parsers have their own codes; inside a rule they are all bad values. */
function asValueRefusal(refusal: Refusal): Refusal {
  return refuse('rule_value_invalid', refusal.message, refusal.path);
}

function asObject(input: unknown): Readonly<Record<string, unknown>> | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  return input as Readonly<Record<string, unknown>>;
}

function describe(path: string): string {
  return path === '' ? 'the rule' : path;
}
