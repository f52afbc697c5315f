// The API fuzz suite, one describe per backend (used by test/property/api-fuzz*.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkRequest,
  newTally,
  openFuzzApp,
  operationsOf,
  requestArbitrary,
  seed,
  seedIds,
  type BodySpec,
  type FuzzApp,
  type Operation,
} from './api-fuzz.ts';

export function runApiFuzz(backend: 'sqlite' | 'mysql'): void {
  const numRuns = Number(process.env.TIERNET_FUZZ_RUNS ?? 400);
  describe(`API fuzzing on ${backend}`, () => {
    let fuzz: FuzzApp;
    let operations: Operation[];
    const nowMs = Date.now();

    before(async () => {
      fuzz = await openFuzzApp(backend, `api_fuzz_${backend}`);
      operations = await operationsOf(fuzz.app);
      await seed(fuzz.app, nowMs);
    });
    after(async () => {
      await fuzz?.cleanup();
    });

    test('what the fuzzer found stays fixed: each a problem+json 4xx naming the field, changing no table', async () => {
      const tally = newTally();
      const cases: [Operation['method'], string, BodySpec][] = [
        // Infinity passed Ajv's coercion and bounds and reached a LIMIT: a 500.
        ['GET', '/v1/vip/stats?recentLimit=Infinity', { kind: 'none' }],
        ['GET', '/v1/groups?limit=1e400', { kind: 'none' }],
        ['GET', '/v1/settlements?limit=-Infinity', { kind: 'none' }],
        ['GET', '/v1/users/1001/vip-history?limit=Infinity', { kind: 'none' }],
        // The router's own errors came back in Fastify's JSON, not problem+json.
        ['GET', '/v1/users/%zz/explain', { kind: 'none' }],
        ['GET', `/v1/agents/${'9'.repeat(150)}/team`, { kind: 'none' }],
        // Body-level errors named no field.
        ['PUT', '/v1/vip/ladder', { kind: 'raw', text: '{"timezone":', contentType: 'application/json' }],
        ['POST', '/v1/groups', { kind: 'raw', text: 'a', contentType: 'application/xml' }],
        // The user routes named "/id" where every other route says "/params/id".
        ['GET', '/v1/users/18446744073709551616', { kind: 'none' }],
        // Refused group writes committed the catalog version bump (scheduler_state changed on a 4xx).
        ['POST', '/v1/groups', { kind: 'json', value: { id: seedIds.group, name: 'Again', kind: 'static' } }],
        [
          'PUT',
          `/v1/groups/${seedIds.group}`,
          { kind: 'json', value: { name: 'X', rule: { field: 'vip.level', op: 'gte', value: 1 } } },
        ],
        ['PUT', '/v1/groups/no.such.group', { kind: 'json', value: { name: 'X' } }],
        ['DELETE', '/v1/groups/no.such.group', { kind: 'none' }],
      ];
      for (const [method, url, body] of cases) {
        const operation = operations.find((candidate) => candidate.method === method) ?? operations[0];
        assert.ok(operation !== undefined);
        await checkRequest(fuzz, { operation: { ...operation, method }, url, body, actorHeader: undefined }, tally);
      }
      assert.deepEqual(
        [...tally.statuses.keys()].filter((status) => status < 400),
        [],
        'each case is refused',
      );
    });

    test('every /v1 operation: 2xx or problem+json 4xx naming the field, and a 4xx changes no table', async () => {
      assert.ok(operations.length >= 30, `operations found: ${operations.length}`);
      const tally = newTally();
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(requestArbitrary(operations, nowMs), (request) => checkRequest(fuzz, request, tally)),
        // State carries over from run to run (2xx requests change it): report the failing request as found.
        { numRuns, endOnFailure: true, includeErrorInReport: true },
      );
      // Every operation once more with a near-valid or random request, so none is left out by the draw.
      for (const operation of operations)
        for (const request of fc.sample(requestArbitrary([operation], nowMs), 2))
          await checkRequest(fuzz, request, tally);
      const statuses = [...tally.statuses.entries()].sort(([a], [b]) => a - b);
      console.log(
        `# ${backend}: ${numRuns + 2 * operations.length} requests over ${operations.length} operations in ${Math.round(performance.now() - started)} ms; statuses ${statuses.map(([status, count]) => `${status}=${count}`).join(' ')}`,
      );
      assert.equal(tally.operations.size, operations.length, 'every operation was exercised');
      assert.ok((tally.statuses.get(200) ?? 0) + (tally.statuses.get(201) ?? 0) > 0, 'some requests succeeded');
    });
  });
}
