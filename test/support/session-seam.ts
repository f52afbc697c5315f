// A test seam for forcing interleavings: the same store, with each transaction's session
// passed through `wrap` first, so a test can run another transaction at a chosen statement.
import type { Store, StoreSession } from '../../src/app/ports/store.ts';

export function storeWithSessions(base: Store, wrap: (session: StoreSession) => StoreSession): Store {
  return { ...base, transaction: (work) => base.transaction((session) => work(wrap(session))) };
}
