// Runs the GroupsRepository contract against MariaDB/MySQL, in a database of its own.
import { groupsRepositoryContract } from './groups.contract.ts';
import { openStoreFixture } from '../support/backends.ts';

groupsRepositoryContract('mysql', () => openStoreFixture('mysql', 'groups_contract'));
