// Runs the Store contract against the real MariaDB/MySQL server, in a database of its own.
import { storeContract } from './store.contract.ts';
import { openDatabaseHarness } from '../support/backends.ts';

storeContract('mysql', () => openDatabaseHarness('mysql', 'store_contract'));
