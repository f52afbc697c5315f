// API fuzzing against the real Fastify app on MariaDB: the suite of api-fuzz.test.ts (see
// there for what it proves) over a database of this file's own.
// Runs: TIERNET_FUZZ_RUNS (default 400 requests).
import { runApiFuzz } from '../support/api-fuzz-suite.ts';

runApiFuzz('mysql');
