// Unit tests of buildTreeOrder: the breadth-first order places every parent before its
// children (so a reversed walk is bottom-up), parentPosition points at the parent's slot,
// the children index lists each node's children, a 300k-deep chain needs no recursion, and
// out-of-range parents and cycles are refused instead of looping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTreeOrder } from './tree-order.ts';

describe('buildTreeOrder', () => {
  test('orders a forest breadth-first from the roots with parent positions', () => {
    // Forest: 3 -> {0, 4}, 0 -> {2}, 1 is a second root.
    const result = buildTreeOrder(Int32Array.from([3, -1, 0, -1, 3]));
    assert.ok(result.ok);
    const { order, parentPosition, childOffsets, childList } = result.value;
    assert.deepEqual([...order], [1, 3, 0, 4, 2]);
    assert.deepEqual([...parentPosition], [-1, -1, 1, 1, 2]);
    const childrenOf = (node: number): number[] => [...childList.subarray(childOffsets[node], childOffsets[node + 1])];
    assert.deepEqual(childrenOf(3), [0, 4]);
    assert.deepEqual(childrenOf(0), [2]);
    assert.deepEqual(childrenOf(1), []);
  });

  test('a 300k-deep chain, numbered from the bottom, is ordered top-down', () => {
    const depth = 300_000;
    // Node i's parent is i + 1; the root is the last node.
    const parentIndex = new Int32Array(depth);
    for (let node = 0; node < depth; node += 1) parentIndex[node] = node + 1 < depth ? node + 1 : -1;
    const result = buildTreeOrder(parentIndex);
    assert.ok(result.ok);
    assert.equal(result.value.order[0], depth - 1);
    assert.equal(result.value.order[depth - 1], 0);
    assert.equal(result.value.parentPosition[depth - 1], depth - 2);
  });

  test('refuses a parent index outside [-1, n)', () => {
    const result = buildTreeOrder(Int32Array.from([-1, -2]));
    assert.ok(!result.ok && result.code === 'rebate_input_invalid' && result.path === '/parentIndex/1');
  });

  test('refuses a cycle and names a node on it, also when the cycle has a tail', () => {
    // 0 is a root; 4 hangs below the cycle 1 -> 2 -> 3 -> 1.
    const result = buildTreeOrder(Int32Array.from([-1, 3, 1, 2, 1]));
    assert.ok(!result.ok && result.code === 'rebate_tree_cycle');
    assert.ok(!result.ok && ['/parentIndex/1', '/parentIndex/2', '/parentIndex/3'].includes(result.path ?? ''));
  });

  test('a forest that is all cycle, with no root, is refused', () => {
    const result = buildTreeOrder(Int32Array.from([1, 0]));
    assert.ok(!result.ok && result.code === 'rebate_tree_cycle');
  });
});
