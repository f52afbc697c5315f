// The engine's lines (columns in tree order, by node index) as the ledger rows to write, in
// beneficiary id order: node indexes are ranks in id order, so ordering by node index is
// ordering by id, and a counting pass does it in O(nodes) with one Int32Array.
import { invariant } from '../../domain/assert.ts';
import type { RebateSettlement } from '../../domain/rebate/settle-engine.ts';
import type { SettlementLineColumns } from '../ports/settlement.ts';
import type { SortedUserIds } from './sorted-user-ids.ts';

const minorPpmPerMinor = 1_000_000n;

export function ledgerColumnsOf(settlement: RebateSettlement, userIds: SortedUserIds): SettlementLineColumns {
  const { lines } = settlement;
  const nodeCount = userIds.count;
  const lineOfNode = new Int32Array(nodeCount).fill(-1);
  for (let line = 0; line < lines.count; line += 1) {
    const node = lines.nodeIndex[line]!;
    invariant(lineOfNode[node] === -1, `node ${node} has two lines in one settlement`);
    lineOfNode[node] = line;
  }
  const lineAt = new Int32Array(lines.count);
  let position = 0;
  for (let node = 0; node < nodeCount; node += 1) {
    const line = lineOfNode[node]!;
    if (line < 0) continue;
    lineAt[position] = line;
    position += 1;
  }
  invariant(position === lines.count, 'every line belongs to a node of the tree');

  const { nodeIndex, amountMinor, residueMinorPpm, cappedMinorPpm } = lines;
  const teamTurnoverMinor = settlement.teamTurnoverMinor;
  return {
    count: lines.count,
    beneficiaryIdAt: (at) => userIds.idAt(nodeIndex[lineAt[at]!]!),
    amountMinorAt: (at) => amountMinor[lineAt[at]!]!,
    // exact = amount * 10^6 + residue + capped (beneficiary-lines.ts), per line.
    exactMinorPpmAt: (at) => {
      const line = lineAt[at]!;
      return amountMinor[line]! * minorPpmPerMinor + BigInt(residueMinorPpm[line]!) + cappedMinorPpm[line]!;
    },
    cappedMinorPpmAt: (at) => cappedMinorPpm[lineAt[at]!]!,
    teamTurnoverMinorAt: (at) => teamTurnoverMinor[nodeIndex[lineAt[at]!]!]!,
  };
}
