// Runs the AgentTreeRepository contract against the real MariaDB/MySQL server, in a database
// of its own. The server's default recursion limit (1000) is left as it is: the repository
// lifts it per statement, which a 100k-deep chain proves.
import { agentTreeContract } from './agent-tree.contract.ts';
import { openDatabaseHarness } from '../support/backends.ts';

agentTreeContract('mysql', () => openDatabaseHarness('mysql', 'agent_tree_contract'));
