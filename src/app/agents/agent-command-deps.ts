// What the agent commands (rate change, move) need: a transaction over the agent tree and
// the clock. The composition root builds the transaction with createAgentTreeTransaction.
import type { UserId } from '../../domain/ids.ts';
import type { AgentTreeRepository, AgentTreeTransaction } from '../ports/agent-tree.ts';
import type { Clock } from '../ports/clock.ts';

/** What a command changed in the tree, for derived state (group membership) kept current in the same transaction. */
export type AgentTreeChange =
  | { readonly kind: 'rate'; readonly userId: UserId }
  | {
      readonly kind: 'move';
      readonly userId: UserId;
      readonly fromParentId: UserId | null;
      readonly toParentId: UserId | null;
    };

export interface AgentCommandDeps {
  readonly transaction: AgentTreeTransaction;
  readonly clock: Clock;
  /** Runs inside the command's transaction, after a change was written, with that transaction's tree. */
  readonly afterChange?: (tree: AgentTreeRepository, change: AgentTreeChange, nowMs: number) => Promise<void>;
}
