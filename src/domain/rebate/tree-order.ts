// A top-down order of a forest given as parent pointers, built without recursion so depth
// costs nothing: a 100k-deep chain is just 100k entries in a typed array. Walking the order
// forwards visits every parent before its children; walking it backwards visits every child
// before its parent, which is what the bottom-up rebate pass needs.
//
// Passes run over positions in this order rather than over node indexes: with a node's
// parent given as a position (always smaller than its own), a bottom-up pass reads and
// writes memory almost sequentially. Over node indexes the same pass is a random walk over
// megabytes of typed arrays, and cache misses made it several times slower when measured.
import { accept, refuse, type Result } from '../result.ts';

export interface TreeOrder {
  /** Node indexes in breadth-first order from the roots; length n. */
  readonly order: Int32Array;
  /** parentPosition[k] is the position in `order` of the parent of order[k], -1 for a root; always < k. */
  readonly parentPosition: Int32Array;
  /** children of node i are childList[childOffsets[i] .. childOffsets[i + 1]); length n + 1. */
  readonly childOffsets: Int32Array;
  /** All children, grouped by parent (compressed sparse rows); length n minus the root count. */
  readonly childList: Int32Array;
}

/** Sentinel parent index of a root. */
export const rootParentIndex = -1;

/**
 * Builds the children index and a breadth-first order in O(n) time and memory. Refuses a
 * parent index outside [-1, n) and a cycle. A cycle needs no special loop to find: a node on
 * (or hanging below) a cycle is never reached from any root, so the breadth-first pass ends
 * having placed fewer than n nodes.
 */
export function buildTreeOrder(parentIndex: Int32Array): Result<TreeOrder> {
  const nodeCount = parentIndex.length;
  const childOffsets = new Int32Array(nodeCount + 1);
  let rootCount = 0;
  for (let node = 0; node < nodeCount; node += 1) {
    const parent = parentIndex[node]!;
    if (parent === rootParentIndex) {
      rootCount += 1;
    } else if (parent < 0 || parent >= nodeCount) {
      return refuse(
        'rebate_input_invalid',
        `node ${node} has parent index ${parent}, outside [-1, ${nodeCount})`,
        `/parentIndex/${node}`,
      );
    } else {
      childOffsets[parent + 1]! += 1;
    }
  }
  for (let node = 0; node < nodeCount; node += 1) childOffsets[node + 1]! += childOffsets[node]!;

  const childList = new Int32Array(nodeCount - rootCount);
  const fillCursor = childOffsets.slice(0, nodeCount);
  for (let node = 0; node < nodeCount; node += 1) {
    const parent = parentIndex[node]!;
    if (parent !== rootParentIndex) {
      childList[fillCursor[parent]!] = node;
      fillCursor[parent]! += 1;
    }
  }

  // The order array doubles as the breadth-first queue: roots first, then each dequeued
  // node appends its children. Each node has one parent, so nothing is placed twice and
  // the queue can never outgrow n.
  const order = new Int32Array(nodeCount);
  const parentPosition = new Int32Array(nodeCount);
  let placed = 0;
  for (let node = 0; node < nodeCount; node += 1) {
    if (parentIndex[node] === rootParentIndex) {
      order[placed] = node;
      parentPosition[placed] = rootParentIndex;
      placed += 1;
    }
  }
  for (let head = 0; head < placed; head += 1) {
    const node = order[head]!;
    const childEnd = childOffsets[node + 1]!;
    for (let slot = childOffsets[node]!; slot < childEnd; slot += 1) {
      order[placed] = childList[slot]!;
      parentPosition[placed] = head;
      placed += 1;
    }
  }

  if (placed < nodeCount) {
    const onCycle = findNodeOnCycle(parentIndex, order, placed);
    return refuse(
      'rebate_tree_cycle',
      `${nodeCount - placed} node(s) are not reachable from any root: node ${onCycle} is its own ancestor`,
      `/parentIndex/${onCycle}`,
    );
  }
  return accept({ order, parentPosition, childOffsets, childList });
}

/**
 * Names a node that lies on a cycle. Start from any unplaced node and follow parents n
 * times: the walk never reaches a root (else the start would have been placed), and after
 * n steps it must be going round the cycle it fell into.
 */
function findNodeOnCycle(parentIndex: Int32Array, order: Int32Array, placed: number): number {
  const nodeCount = parentIndex.length;
  const seen = new Uint8Array(nodeCount);
  for (let slot = 0; slot < placed; slot += 1) seen[order[slot]!] = 1;
  let node = seen.indexOf(0);
  for (let step = 0; step < nodeCount; step += 1) node = parentIndex[node]!;
  return node;
}
