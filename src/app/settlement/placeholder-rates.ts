// Placeholders in a settlement. A placeholder is a user known only from a bet or as someone's
// parent, not registered yet (DESIGN §2): its rate is 0 and it constrains nobody, so a
// registered child may carry a rate above it. The engine needs r(child) <= r(parent), and
// the contract gives the answer: a user who has not registered earns nothing (it is
// ineligible, so compression passes its share up), and it must not cut into its downline's
// margins, so for the settlement its rate is raised to its highest child's (after that
// child's own raise: one bottom-up pass). The child then earns what it would as a root,
// and nobody earns the placeholder's "margin".
import { buildTreeOrder } from '../../domain/rebate/tree-order.ts';
import { accept, type Result } from '../../domain/result.ts';

/** Marks placeholders ineligible and raises their rates in place; refuses a cycle. */
export function raisePlaceholderRates(
  parentIndex: Int32Array,
  ratePpm: Int32Array,
  placeholder: Uint8Array,
  eligible: Uint8Array,
): Result<void> {
  const nodeCount = parentIndex.length;
  let placeholderParents = 0;
  for (let node = 0; node < nodeCount; node += 1) {
    if (placeholder[node] === 1) eligible[node] = 0;
    const parent = parentIndex[node]!;
    if (parent >= 0 && placeholder[parent] === 1 && ratePpm[node]! > ratePpm[parent]!) placeholderParents += 1;
  }
  // Almost always nothing to raise; the tree order (an O(n) pass) is built only when needed.
  if (placeholderParents === 0) return accept(undefined);
  const treeOrder = buildTreeOrder(parentIndex);
  if (!treeOrder.ok) return treeOrder;
  const { order, parentPosition } = treeOrder.value;
  // Backwards over the breadth-first order: every child before its parent.
  for (let position = nodeCount - 1; position >= 0; position -= 1) {
    const parentAt = parentPosition[position]!;
    if (parentAt < 0) continue;
    const node = order[position]!;
    const parent = order[parentAt]!;
    if (placeholder[parent] === 1 && ratePpm[node]! > ratePpm[parent]!) ratePpm[parent] = ratePpm[node]!;
  }
  return accept(undefined);
}
