// The canonical wire form of a validated rule: what the API returns and the DB stores.
// validateRule(ruleToJson(rule)) gives the same rule back, so a stored rule re-validates on
// load and a rule shown to an operator can be sent back unchanged.
import { invariant } from '../assert.ts';
import { formatMinor } from '../money.ts';
import { formatPpm } from '../rate.ts';
import { fieldName, type NumericField, type Rule, type RuleOp } from './rule.ts';
import { ruleNodesPreorder } from './rule-walk.ts';

export type RuleJsonOperand = number | string;
export type RuleJson =
  | { readonly all: readonly RuleJson[] }
  | { readonly any: readonly RuleJson[] }
  | { readonly not: RuleJson }
  | { readonly field: string; readonly op: RuleOp; readonly value: RuleJsonOperand | readonly RuleJsonOperand[] }
  | { readonly downlineOf: string };

/** Money as 4-digit amount strings, rates as shortest decimals, counts as JSON numbers. */
export function ruleToJson(rule: Rule): RuleJson {
  // Children follow their parent in preorder, so building backwards has every child's JSON
  // ready before its parent needs it.
  const nodes = ruleNodesPreorder(rule);
  const built = new Map<Rule, RuleJson>();
  const jsonOf = (node: Rule): RuleJson => {
    const json = built.get(node);
    invariant(json !== undefined, 'a rule child is converted before its parent');
    return json;
  };
  for (let index = nodes.length - 1; index >= 0; index -= 1) {
    const node = nodes[index];
    invariant(node !== undefined, 'rule node index within bounds');
    switch (node.kind) {
      case 'all':
        built.set(node, { all: node.rules.map(jsonOf) });
        break;
      case 'any':
        built.set(node, { any: node.rules.map(jsonOf) });
        break;
      case 'not':
        built.set(node, { not: jsonOf(node.rule) });
        break;
      case 'compare':
        built.set(node, { field: fieldName(node.field), op: node.op, value: formatOperand(node.field, node.value) });
        break;
      case 'list':
        built.set(node, {
          field: fieldName(node.field),
          op: node.op,
          value: node.values.map((value) => formatOperand(node.field, value)),
        });
        break;
      case 'tags':
        built.set(
          node,
          node.op === 'has'
            ? { field: 'user.tags', op: 'has', value: node.tag }
            : { field: 'user.tags', op: node.op, value: [...node.tags] },
        );
        break;
      case 'downlineOf':
        built.set(node, { downlineOf: node.ancestorId });
        break;
    }
  }
  return jsonOf(rule);
}

function formatOperand(field: NumericField, value: bigint): RuleJsonOperand {
  switch (field.unit) {
    case 'count':
      return Number(value);
    case 'minor':
      return formatMinor(value);
    case 'ppm':
      return formatPpm(Number(value));
  }
}
