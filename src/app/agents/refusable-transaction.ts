// Runs a use case's work in one transaction that commits only when the work accepts: a
// refusal rolls back whatever the work wrote before deciding (a move takes its lock by
// writing a row), so a refused operation leaves the database exactly as it was.
import type { AgentTreeRepository, AgentTreeTransaction } from '../ports/agent-tree.ts';
import type { Refusal, Result } from '../../domain/result.ts';

class RefusedInTransaction extends Error {
  constructor(readonly refusal: Refusal) {
    super(`refused: ${refusal.code}`);
  }
}

export async function runRefusable<T>(
  transaction: AgentTreeTransaction,
  work: (tree: AgentTreeRepository) => Promise<Result<T>>,
): Promise<Result<T>> {
  try {
    return await transaction(async (tree) => {
      const result = await work(tree);
      if (!result.ok) throw new RefusedInTransaction(result);
      return result;
    });
  } catch (error) {
    if (error instanceof RefusedInTransaction) return error.refusal;
    throw error;
  }
}
