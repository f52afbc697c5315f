// Event fuzzing at the ingest use-case level, on SQLite and on MariaDB (the consumer's own code
// path: raw message text with a log position, so refusals become DLQ outbox records).
// Proves, over random batches of bad messages of every class (malformed JSON, wrong types,
// huge strings, unicode incl. lone surrogates, NUL, RTL marks and emoji, negative / zero /
// over-precise / exponent amounts, unknown types, far-past and far-future times, ids reused
// with other content, tombstones) interleaved with good events, some odd but valid:
//   1. each bad message is rejected with the code the contract gives its class, and exactly
//      one DLQ record carries that code, the original text byte for byte and its offset;
//   2. every good event of the batch is applied (the batch goes on around the bad ones);
//   3. nothing else changes: a twin database fed only the good events ends in the same state
//      (every table but the outbox's dead letters and the consumer offsets, compared whole).
// Plus one batch per class, so every class runs on every test run whatever the random draw.
// Runs: TIERNET_FUZZ_RUNS (default 60 per backend); e.g. TIERNET_FUZZ_RUNS=500 for a long run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { ingestBatch, type IngestDependencies, type IngestItem } from '../../src/app/ingest/ingest-batch.ts';
import { openStoreFixture, sqlBackends, type StoreFixture } from '../support/backends.ts';
import {
  badMessageArbitraries,
  badMessageArbitrary,
  conflictingCopy,
  goodSpecArbitrary,
  materializeGood,
  seedWorld,
  type BadMessage,
  type CorpusWorld,
} from '../support/event-corpus.ts';
import { changedTables, tableDigest } from '../support/table-digest.ts';
import { testIngestDeps, testTopics } from '../support/ingest-deps.ts';

const numRuns = Number(process.env.TIERNET_FUZZ_RUNS ?? 60);
const nowMs = Date.UTC(2026, 10, 25, 8);
const clock = { nowMs: () => nowMs };
const windowDays = [1, 7, 30];
const topics = testTopics;
const sourceTopic = 'tiernet.bets';
const ladder = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '50' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '5000' }, keep: { turnover30d: '200' } },
  ],
  demotion: { mode: 'one_down', cycleDays: 30 },
};
const world: CorpusWorld = seedWorld(nowMs);

interface Twin {
  fixture: StoreFixture;
  deps: IngestDependencies;
}

async function openTwin(backend: (typeof sqlBackends)[number], tag: string): Promise<Twin> {
  const fixture = await openStoreFixture(backend, tag);
  await fixture.store.ladders.insert({ version: 1, document: JSON.stringify(ladder), actor: 't', createdAtMs: nowMs });
  const deps = testIngestDeps(fixture.store, clock, { windowDays, currency: world.currency, consumerGroup: 'fuzz' });
  const seeded = await ingestBatch(deps, [
    { input: { kind: 'json', value: world.seedUser } },
    { input: { kind: 'json', value: world.seedBet } },
  ]);
  assert.deepEqual(
    seeded.results.map((result) => result.status),
    ['applied', 'applied'],
  );
  return { fixture, deps };
}

interface DeadLetter {
  error: { code: string; message: string };
  topic: string;
  partition: number;
  offset: string;
  original: string | null;
}

async function outboxAfter(
  fixture: StoreFixture,
  afterId: bigint,
): Promise<{ id: bigint; topic: string; payload: string }[]> {
  const rows = await sql<{ outbox_id: bigint | number | string; topic: string; payload: string }>`
    select outbox_id, topic, payload from outbox where outbox_id > ${afterId} order by outbox_id`.execute(
    fixture.database.db,
  );
  return rows.rows.map((row) => ({ id: BigInt(row.outbox_id), topic: row.topic, payload: row.payload }));
}

/**
 * Tables compared between the twins: everything but the dead letters' outbox and the log
 * offsets. The settlement claim gate row is stamped with the wall clock when first created
 * (MariaDB only), so its time differs between the twins by construction.
 */
const digestOptions = { skipTables: ['outbox', 'consumer_offsets'], skipColumns: ['fences.updated_at_ms'] };

const shown = (text: string | null): string => (text === null ? 'null' : JSON.stringify(text.slice(0, 120)));

for (const backend of sqlBackends) {
  describe(`event fuzzing at the ingest use case on ${backend}`, () => {
    let mixed: Twin;
    let goodOnly: Twin;
    let logOffset = 0;
    let runIndex = 0;
    let mixedOutboxSeen = 0n;
    let goodOutboxSeen = 0n;
    const classCounts = new Map<string, number>();

    before(async () => {
      mixed = await openTwin(backend, 'event_fuzz_mixed');
      goodOnly = await openTwin(backend, 'event_fuzz_good');
    });
    after(async () => {
      await mixed?.fixture.cleanup();
      await goodOnly?.fixture.cleanup();
    });

    const fromLog = (text: string | null): IngestItem => {
      const offset = String(logOffset++);
      return {
        input: { kind: 'text', text, byteLength: text === null ? 0 : Buffer.byteLength(text) },
        source: { topic: sourceTopic, partition: 0, offset, key: null },
      };
    };

    /** Runs one mixed batch and its good-only twin; asserts codes, dead letters, applied goods and equal state. */
    async function runBatch(entries: readonly ({ bad: BadMessage } | { good: string })[]): Promise<void> {
      const items = entries.map((entry) => fromLog('bad' in entry ? entry.bad.text : entry.good));
      const goodItems = entries.flatMap((entry) => ('good' in entry ? [fromLog(entry.good)] : []));
      const mixedResult = await ingestBatch(mixed.deps, items);
      const goodResult = await ingestBatch(goodOnly.deps, goodItems);

      let goodIndex = 0;
      const expectedDead: { offset: string; code: string; text: string | null }[] = [];
      for (const [index, entry] of entries.entries()) {
        const result = mixedResult.results[index];
        if ('bad' in entry) {
          classCounts.set(entry.bad.kind, (classCounts.get(entry.bad.kind) ?? 0) + 1);
          assert.equal(result?.status, 'rejected', `${entry.bad.kind} ${shown(entry.bad.text)} was not rejected`);
          assert.equal(
            result?.error?.code,
            entry.bad.code,
            `${entry.bad.kind} ${shown(entry.bad.text)}: ${result?.error?.message ?? ''}`,
          );
          expectedDead.push({ offset: items[index]?.source?.offset ?? '', code: entry.bad.code, text: entry.bad.text });
        } else {
          const twin = goodResult.results[goodIndex++];
          assert.equal(
            result?.status,
            'applied',
            `good ${shown(entry.good)}: ${result?.status} ${result?.error?.code ?? ''} ${result?.error?.message ?? ''}`,
          );
          assert.equal(twin?.status, 'applied', `good alone ${shown(entry.good)}`);
        }
      }

      // Dead letters: one per bad message, with its code, its offset and the original text.
      const mixedOutbox = await outboxAfter(mixed.fixture, mixedOutboxSeen);
      const goodOutbox = await outboxAfter(goodOnly.fixture, goodOutboxSeen);
      mixedOutboxSeen = mixedOutbox.at(-1)?.id ?? mixedOutboxSeen;
      goodOutboxSeen = goodOutbox.at(-1)?.id ?? goodOutboxSeen;
      const dead = mixedOutbox
        .filter((record) => record.topic === topics.dlq)
        .map((record) => JSON.parse(record.payload) as DeadLetter);
      assert.deepEqual(
        dead.map((letter) => ({ offset: letter.offset, code: letter.error.code, text: letter.original })),
        expectedDead,
        'one dead letter per bad message, in log order, with its code and original text',
      );
      for (const letter of dead) {
        assert.equal(letter.topic, sourceTopic);
        assert.equal(letter.partition, 0);
        assert.ok(letter.error.message.length > 0 && letter.error.message.length < 400, letter.error.message);
      }
      assert.equal(
        goodOutbox.filter((record) => record.topic === topics.dlq).length,
        0,
        'the good events alone make no dead letters',
      );
      // The other out-events (vip.changed) are the same, in the same order.
      assert.deepEqual(
        mixedOutbox.filter((record) => record.topic !== topics.dlq).map((record) => [record.topic, record.payload]),
        goodOutbox.map((record) => [record.topic, record.payload]),
      );
      // And the state is the state of the good events alone.
      const mixedDigest = await tableDigest(mixed.fixture.database, digestOptions);
      const goodDigest = await tableDigest(goodOnly.fixture.database, digestOptions);
      assert.deepEqual(changedTables(goodDigest, mixedDigest), [], 'tables differ from the good-only twin');
    }

    test('bad messages interleaved with good events: codes, dead letters, good events applied, state untouched', async () => {
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(
          fc.array(badMessageArbitrary(world, { tombstones: true }), { minLength: 1, maxLength: 10 }),
          fc.array(goodSpecArbitrary(world), { maxLength: 10 }),
          fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
          fc.boolean(),
          async (bads, specs, positions, conflictInBatch) => {
            runIndex += 1;
            const goods = materializeGood(world, specs, runIndex * 1_000_000);
            const entries: ({ bad: BadMessage } | { good: string })[] = goods.map((good) => ({ good: good.text }));
            // Duplicate id with other content inside the batch: right after the original bet.
            const firstBet = goods.findIndex((good) => good.kind === 'bet');
            if (conflictInBatch && firstBet >= 0) {
              const original = goods[firstBet]?.text ?? '';
              entries.splice(firstBet + 1, 0, {
                bad: { kind: 'betConflictInBatch', text: conflictingCopy(original), code: 'bet_conflict' },
              });
            }
            for (const [index, bad] of bads.entries()) {
              // Anywhere: an insertion keeps an in-batch original before its conflicting copy.
              const at = (positions[index] ?? 0) % (entries.length + 1);
              entries.splice(at, 0, { bad });
            }
            await runBatch(entries);
          },
        ),
        // No shrinking: the databases carry state from run to run, so a shrunk input would not replay the failure.
        { numRuns, endOnFailure: true, includeErrorInReport: true },
      );
      const seen = [...classCounts.entries()].sort(([left], [right]) => left.localeCompare(right));
      console.log(
        `# ${backend}: ${numRuns} runs in ${Math.round(performance.now() - started)} ms; bad messages per class: ${seen
          .map(([kind, count]) => `${kind}=${count}`)
          .join(' ')}`,
      );
    });

    test('every class of bad message, a few of each in one batch between good events', async () => {
      const classes = badMessageArbitraries(world);
      const entries: ({ bad: BadMessage } | { good: string })[] = [];
      const goods = materializeGood(world, fc.sample(goodSpecArbitrary(world), 40), 999_000_000);
      const pendingGoods = [...goods];
      for (const arbitrary of Object.values(classes)) {
        for (const bad of fc.sample(arbitrary, 4)) {
          entries.push({ bad });
          const good = pendingGoods.shift();
          if (good !== undefined) entries.push({ good: good.text });
        }
      }
      entries.push({ bad: { kind: 'tombstone', text: null, code: 'event_not_json' } });
      await runBatch(entries);
      assert.ok(Object.keys(classes).length >= 25, `classes: ${Object.keys(classes).join(', ')}`);
    });

    test('a registration again with other tags is user_conflict; the same tags in another order are a duplicate', async () => {
      // Regression: tags were left out of the comparison, so other tags were reported as a duplicate and dropped.
      const registration = {
        type: 'user.registered',
        userId: '7001',
        rebateRate: '0.01',
        registeredAt: nowMs - 1_000,
        tags: ['a', 'b'],
      };
      const first = await ingestBatch(mixed.deps, [{ input: { kind: 'json', value: registration } }]);
      assert.equal(first.results[0]?.status, 'applied');
      const again = await ingestBatch(mixed.deps, [
        { input: { kind: 'json', value: { ...registration, tags: ['b', 'a', 'a'] } } },
        { input: { kind: 'json', value: { ...registration, tags: ['a', 'b', 'c'] } } },
        { input: { kind: 'json', value: { ...registration, tags: [] } } },
      ]);
      assert.deepEqual(
        again.results.map((result) => result.error?.code ?? result.status),
        ['duplicate', 'user_conflict', 'user_conflict'],
      );
      const stored = (await mixed.fixture.store.users.getMany(['7001'])).get('7001');
      assert.deepEqual([...(stored?.tags ?? [])].sort(), ['a', 'b']);
      // Keep the twins equal for the other tests of this file.
      await ingestBatch(goodOnly.deps, [{ input: { kind: 'json', value: registration } }]);
    });
  });
}
