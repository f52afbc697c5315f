// Runs the Store contract against SQLite (the embedded default), in a file of its own.
import { storeContract } from './store.contract.ts';
import { openDatabaseHarness } from '../support/backends.ts';

storeContract('sqlite', () => openDatabaseHarness('sqlite', 'store'));
