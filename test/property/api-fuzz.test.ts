// API fuzzing against the real Fastify app on SQLite (api-fuzz.mysql.test.ts: the same on
// MariaDB). Every /v1 operation the app's OpenAPI document lists gets random and near-valid
// requests: bodies (valid ones with a field dropped, replaced by an odd value or added; any
// JSON; malformed JSON; other content types), query strings and path parameters (huge,
// negative, non-numeric, unicode, SQL-injection strings). Proves: only 2xx and 4xx answers,
// never 5xx; every 4xx is problem+json with a code and, on a 400, the JSON pointer of the
// field at fault; and a 4xx changes nothing (a digest of every table before and after).
// Runs: TIERNET_FUZZ_RUNS (default 400 requests); e.g. TIERNET_FUZZ_RUNS=3000 for a long run.
import { runApiFuzz } from '../support/api-fuzz-suite.ts';

runApiFuzz('sqlite');
