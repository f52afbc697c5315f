// Evaluates a validated rule for one user. The app loads the user's values into a
// RuleSubject (it knows which ones to load from fieldsReadBy/metricsReadBy) and supplies the
// upline as a lookup, so nothing here walks the agent tree or touches storage.
//
// Missing values use three-valued (Kleene) logic, as SQL does: a comparison on a value the
// user does not have (a placeholder user has no registeredAt, so no registeredDays; a metric
// the app did not supply) is `unknown`; `not unknown` is `unknown`; `all` is false if any
// child is false, else unknown if any is unknown; `any` is true if any child is true, else
// unknown if any is unknown. A user is a member only when the rule is definitely true.
// Why not plain two-valued logic: then `not (registeredDays gte 7)` would admit placeholders
// while `registeredDays lt 7` would not. With three values, negating a comparison always
// equals the complementary op (eq/ne, gt/lte, gte/lt, in/nin), so how an operator happens to
// phrase a rule never changes who is in, and double negation and De Morgan's laws still hold.
import { invariant } from '../assert.ts';
import type { UserId } from '../ids.ts';
import {
  ruleDepthMax,
  ruleNodeCountMax,
  type AllRule,
  type AnyRule,
  type NotRule,
  type NumericField,
  type OrderOp,
  type Rule,
  type TagsRule,
} from './rule.ts';

export type Truth = 'true' | 'false' | 'unknown';

/** The values of one user that rules can read. */
export interface RuleSubject {
  readonly vipLevel: number;
  /** Edges from the root of the user's agent tree: a root user is at depth 0. */
  readonly agentDepth: number;
  /** Users whose parent is this user. */
  readonly directCount: number;
  /** Whole days since registration at evaluation time; null when unknown (placeholder user). */
  readonly registeredDays: number | null;
  readonly rebateRatePpm: number;
  readonly tags: { has(tag: string): boolean };
  /** By metric name: money metrics in minor units, counts as integers. Absent means unknown. */
  readonly metrics: { get(name: string): bigint | number | undefined };
  /** The user's strict ancestors (parent, its parent, ... the root); a Set or any lookup. */
  readonly upline: { has(userId: UserId): boolean };
}

// Kleene truth as ordered levels: `all` is the minimum, `any` the maximum, `not` the mirror.
type Level = 0 | 1 | 2;
const falseLevel: Level = 0;
const unknownLevel: Level = 1;
const trueLevel: Level = 2;

interface Frame {
  readonly node: AllRule | AnyRule | NotRule;
  index: number;
  level: Level;
}

/** True when the rule definitely holds for the subject: unknown is not membership. */
export function evaluateRule(rule: Rule, subject: RuleSubject): boolean {
  return evaluateRuleTruth(rule, subject) === 'true';
}

/** The three-valued result, for explanations and previews. */
export function evaluateRuleTruth(rule: Rule, subject: RuleSubject): Truth {
  const frames: Frame[] = [];
  let descendInto: Rule | null = rule;
  let returned: Level = falseLevel;
  // Each node is entered once and returns once; a validated rule bounds both.
  const stepsMax = 2 * ruleNodeCountMax + 2;
  for (let steps = 0; ; steps += 1) {
    invariant(steps <= stepsMax, `rule evaluation stays within ${stepsMax} steps`);
    if (descendInto !== null) {
      const node: Rule = descendInto;
      descendInto = null;
      switch (node.kind) {
        case 'all':
        case 'any': {
          const first: Rule | undefined = node.rules[0];
          if (first === undefined) {
            // The identities of min and max; validateRule never produces an empty list.
            returned = node.kind === 'all' ? trueLevel : falseLevel;
            break;
          }
          pushFrame(frames, { node, index: 0, level: node.kind === 'all' ? trueLevel : falseLevel });
          descendInto = first;
          continue;
        }
        case 'not':
          pushFrame(frames, { node, index: 0, level: unknownLevel });
          descendInto = node.rule;
          continue;
        case 'compare':
          returned = compareLevel(readNumeric(node.field, subject), node.op, node.value);
          break;
        case 'list': {
          const actual = readNumeric(node.field, subject);
          if (actual === null) {
            returned = unknownLevel;
            break;
          }
          const found = node.values.some((value) => ordering(actual, value) === 0);
          returned = found === (node.op === 'in') ? trueLevel : falseLevel;
          break;
        }
        case 'tags':
          returned = tagsHold(node, subject) ? trueLevel : falseLevel;
          break;
        case 'downlineOf':
          returned = subject.upline.has(node.ancestorId) ? trueLevel : falseLevel;
          break;
      }
    }

    // A child has returned `returned`: fold it into its parent, or finish at the root.
    const frame = frames.at(-1);
    if (frame === undefined) return returned === trueLevel ? 'true' : returned === falseLevel ? 'false' : 'unknown';
    const node = frame.node;
    if (node.kind === 'not') {
      frames.pop();
      returned = (2 - returned) as Level;
      continue;
    }
    frame.level = node.kind === 'all' ? minLevel(frame.level, returned) : maxLevel(frame.level, returned);
    const decided = node.kind === 'all' ? frame.level === falseLevel : frame.level === trueLevel;
    const next = node.rules[frame.index + 1];
    if (decided || next === undefined) {
      frames.pop();
      returned = frame.level;
      continue;
    }
    frame.index += 1;
    descendInto = next;
  }
}

/** Tags are never unknown: a user without tags has the empty set. */
function tagsHold(node: TagsRule, subject: RuleSubject): boolean {
  if (node.op === 'has') return subject.tags.has(node.tag);
  const hasAny = node.tags.some((tag) => subject.tags.has(tag));
  return node.op === 'in' ? hasAny : !hasAny;
}

function pushFrame(frames: Frame[], frame: Frame): void {
  invariant(frames.length < ruleDepthMax, `rule nesting stays within ${ruleDepthMax} levels`);
  frames.push(frame);
}

function readNumeric(field: NumericField, subject: RuleSubject): number | bigint | null {
  switch (field.name) {
    case 'vip.level':
      return subject.vipLevel;
    case 'agent.depth':
      return subject.agentDepth;
    case 'agent.directCount':
      return subject.directCount;
    case 'user.registeredDays':
      return subject.registeredDays;
    case 'user.rebateRate':
      return subject.rebateRatePpm;
    case 'metrics':
      return subject.metrics.get(field.metric.name) ?? null;
  }
}

/** Exact for any mix of number and bigint (no conversion); NaN orders as nothing. */
function ordering(actual: number | bigint, expected: bigint): -1 | 0 | 1 | null {
  if (actual < expected) return -1;
  if (actual > expected) return 1;
  return typeof actual === 'number' && Number.isNaN(actual) ? null : 0;
}

function compareLevel(actual: number | bigint | null, op: OrderOp, expected: bigint): Level {
  if (actual === null) return unknownLevel;
  const order = ordering(actual, expected);
  if (order === null) return unknownLevel;
  let holds: boolean;
  switch (op) {
    case 'eq':
      holds = order === 0;
      break;
    case 'ne':
      holds = order !== 0;
      break;
    case 'gt':
      holds = order > 0;
      break;
    case 'gte':
      holds = order >= 0;
      break;
    case 'lt':
      holds = order < 0;
      break;
    case 'lte':
      holds = order <= 0;
      break;
  }
  return holds ? trueLevel : falseLevel;
}

function minLevel(left: Level, right: Level): Level {
  return left < right ? left : right;
}

function maxLevel(left: Level, right: Level): Level {
  return left > right ? left : right;
}
