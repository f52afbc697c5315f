// A batch decided on a view a concurrent writer had just changed fails with db_conflict and
// nothing of it is written; running it again decides on a fresh view.
import { isTiernetError } from '../errors.ts';

const conflictAttemptsMax = 5;

export async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isTiernetError(error, 'db_conflict') || attempt >= conflictAttemptsMax) throw error;
    }
  }
}
