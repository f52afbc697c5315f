// Runs the GroupsRepository contract against SQLite (the embedded default), in a file of its own.
import { groupsRepositoryContract } from './groups.contract.ts';
import { openStoreFixture } from '../support/backends.ts';

groupsRepositoryContract('sqlite', () => openStoreFixture('sqlite', 'groups-contract'));
