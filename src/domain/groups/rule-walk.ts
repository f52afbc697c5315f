// Rules are trees; every consumer that needs "each node once" uses this walk instead of
// recursing (STYLE.md §4). Validated rules have at most ruleNodeCountMax nodes, so a walk
// that goes past that bound was handed a rule that did not come through validateRule.
import { invariant } from '../assert.ts';
import { ruleNodeCountMax, type Rule } from './rule.ts';

/** Every node of the rule, parents before children, siblings in document order. */
export function ruleNodesPreorder(rule: Rule): Rule[] {
  const nodes: Rule[] = [];
  const pending: Rule[] = [rule];
  while (true) {
    const node = pending.pop();
    if (node === undefined) return nodes;
    nodes.push(node);
    invariant(nodes.length <= ruleNodeCountMax, `a rule has at most ${ruleNodeCountMax} nodes`);
    switch (node.kind) {
      case 'all':
      case 'any':
        for (let index = node.rules.length - 1; index >= 0; index -= 1) {
          const child = node.rules[index];
          invariant(child !== undefined, 'rule child index within bounds');
          pending.push(child);
        }
        break;
      case 'not':
        pending.push(node.rule);
        break;
      case 'compare':
      case 'list':
      case 'tags':
      case 'downlineOf':
        break;
    }
  }
}
