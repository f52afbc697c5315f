// What the agent commands (rate change, move) need: a transaction over the agent tree and
// the clock. The composition root builds the transaction with createAgentTreeTransaction.
import type { AgentTreeTransaction } from '../ports/agent-tree.ts';
import type { Clock } from '../ports/clock.ts';

export interface AgentCommandDeps {
  readonly transaction: AgentTreeTransaction;
  readonly clock: Clock;
}
