// Runs the AgentTreeRepository contract against SQLite (the embedded default), in a file of its own.
import { agentTreeContract } from './agent-tree.contract.ts';
import { openDatabaseHarness } from '../support/backends.ts';

agentTreeContract('sqlite', () => openDatabaseHarness('sqlite', 'agent_tree'));
