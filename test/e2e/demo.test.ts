// E2E: the real `tiernet demo` binary builds a live platform on the embedded backends with
// nothing configured: users registered through the event log, VIP changes decided from the
// history and live bets, the 10k-deep chain intact (the deepest user's upline pages through
// all 10,000 ancestors, nearest first, rates never falling going up), and the run exits 0
// after --duration with everything it produced ingested and nothing dead-lettered. The
// generator itself is deterministic: the same seed gives the same first events, and the
// binary reports the platform that seed builds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DemoPlatformGenerator, demoDefaults, type DemoRecord } from '../../src/app/demo/platform-generator.ts';
import { parseRatePpm } from '../../src/domain/rate.ts';
import { getJson, startDemo, type DemoLine, type DemoProcess, type ReadyLine } from './demo-process.ts';

const seed = 7;
const users = 5_000;
const chainDepth = 10_000;

interface UplinePage {
  readonly items: { userId: string; distance: number; depth: number; rebateRate: string }[];
  readonly nextCursor: string | null;
}

function ppm(rate: string): number {
  const parsed = parseRatePpm(rate);
  assert.ok(parsed.ok, `rate ${rate} parses`);
  return parsed.value;
}

function firstEvents(count: number): DemoRecord[] {
  const generator = new DemoPlatformGenerator({
    ...demoDefaults,
    seed,
    users,
    chainDepth,
    startMs: Date.UTC(2026, 10, 25, 8),
  });
  const records: DemoRecord[] = [];
  for (const chunk of generator.registrations(5_000)) {
    records.push(...chunk);
    if (records.length >= count) return records.slice(0, count);
  }
  for (const hour of generator.historyHours()) {
    records.push(...hour);
    if (records.length >= count) return records.slice(0, count);
  }
  for (let step = 0; records.length < count && step < 100_000; step++) records.push(...generator.liveStep());
  return records.slice(0, count);
}

describe('tiernet demo (real binary, embedded backends)', { timeout: 240_000 }, () => {
  let demo: DemoProcess;
  let ready: ReadyLine;
  let base: string;

  before(async () => {
    demo = startDemo([
      '--duration',
      '15',
      '--seed',
      String(seed),
      '--users',
      String(users),
      '--port',
      '0',
      '--summary-every',
      '3',
    ]);
    ready = (await demo.waitFor('ready', 180_000)) as ReadyLine;
    base = ready.address;
  });
  after(async () => {
    await demo.stop();
  });

  test('the console and the API answer while it runs', async () => {
    const page = await fetch(ready.console);
    assert.equal(page.status, 200, 'console index');
    assert.match(await page.text(), /tiernet console/);
    const hints = await getJson<{ chainRootId: string; chainDepth: number }>(base, '/console/demo.json');
    assert.equal(hints.chainRootId, ready.chain.rootId, 'the console gets the demo shortcuts');
    const health = await getJson<{ status: string }>(base, '/health');
    assert.equal(health.status, 'ok');
  });

  test('users are registered and VIP levels have changed', async () => {
    const stats = await getJson<{
      totalUsers: number;
      levels: { level: number; users: number }[];
      recentChanges: { fromLevel: number; toLevel: number }[];
    }>(base, '/v1/vip/stats?recentLimit=50');
    assert.ok(
      stats.totalUsers >= users + chainDepth + 1,
      `at least ${users + chainDepth + 1} users, got ${stats.totalUsers}`,
    );
    assert.equal(
      stats.levels.reduce((sum, level) => sum + level.users, 0),
      stats.totalUsers,
      'level counts add up to every user',
    );
    assert.ok(
      stats.levels.filter((level) => level.level > 0 && level.users > 0).length >= 3,
      'users on at least three VIP levels above the base',
    );
    assert.ok(
      stats.recentChanges.length > 0 && stats.recentChanges.every((change) => change.fromLevel !== change.toLevel),
      'recent level changes',
    );

    const heavy = ready.heavyBettorIds[0];
    assert.ok(heavy !== undefined, 'the demo names its heaviest bettor');
    const user = await getJson<{ vip: { level: number }; metrics: { turnoverLifetime: string } }>(
      base,
      `/v1/users/${heavy}`,
    );
    assert.ok(user.vip.level >= 3, `the heaviest bettor reached Gold or above, got level ${user.vip.level}`);
    const history = await getJson<{ items: { reason: string }[] }>(base, `/v1/users/${heavy}/vip-history?limit=100`);
    assert.ok(
      history.items.some((row) => row.reason === 'promotion'),
      'its history holds promotions',
    );
  });

  test('the chain is 10,000 deep: the upline of its deepest user pages through every ancestor', async () => {
    const deepest = await getJson<{ depth: number; parentId: string }>(base, `/v1/users/${ready.chain.deepestId}`);
    assert.equal(deepest.depth, chainDepth, 'deepest user depth');
    let cursor: string | null = null;
    let seen = 0;
    let previousRate = -1;
    let last: UplinePage['items'][number] | undefined;
    let pages = 0;
    do {
      const page: UplinePage = await getJson<UplinePage>(
        base,
        `/v1/agents/${ready.chain.deepestId}/upline?limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      for (const ancestor of page.items) {
        seen++;
        assert.equal(ancestor.distance, seen, 'ancestors come nearest first, one step at a time');
        assert.equal(ancestor.depth, chainDepth - seen, 'each ancestor one level higher');
        const ratePpm = ppm(ancestor.rebateRate);
        assert.ok(ratePpm >= previousRate, 'rates never fall going up the chain');
        previousRate = ratePpm;
        last = ancestor;
      }
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    assert.equal(seen, chainDepth, 'every ancestor listed');
    assert.ok(pages >= 10, `paged (${pages} pages of at most 1000)`);
    assert.equal(last?.userId, ready.chain.rootId, 'the last ancestor is the chain root');
    const children = await getJson<{ items: unknown[] }>(base, `/v1/agents/${ready.chain.rootId}/downline?depth=1`);
    assert.equal(children.items.length, 1, 'a chain: one child per level');
  });

  test('exits 0 after --duration with everything ingested, VIP changes published and nothing dead-lettered', async () => {
    const code = await demo.exited();
    assert.equal(code, 0, `exit code (stderr: ${demo.stderr().slice(-2000)})`);
    const done = demo.lines.find((line) => line.event === 'done') as
      | (DemoLine & {
          drained: boolean;
          produced: number;
          ingested: number;
          deadLetters: number;
          vip: { promotions: number };
          phase: string;
        })
      | undefined;
    assert.ok(done !== undefined, 'a final summary line');
    assert.equal(done.drained, true, 'everything produced was ingested');
    assert.ok(done.ingested >= done.produced, `ingested ${done.ingested} of ${done.produced}`);
    assert.equal(done.deadLetters, 0, 'no event was dead-lettered');
    assert.ok(done.vip.promotions > 0, 'vip.changed promotions reached the out topic');
    assert.ok(
      demo.lines.filter((line) => line.event === 'summary').length >= 3,
      'a live summary line every few seconds',
    );
  });

  test('the generator is deterministic, and the binary built the platform of its seed', () => {
    const first = firstEvents(30_000);
    const again = firstEvents(30_000);
    assert.equal(first.length, 30_000);
    assert.deepEqual(again, first, 'same seed, same first 30,000 events');
    const summary = new DemoPlatformGenerator({
      ...demoDefaults,
      seed,
      users,
      chainDepth,
      startMs: Date.UTC(2026, 10, 25, 8),
    }).summary();
    assert.equal(ready.seed, seed);
    assert.deepEqual(ready.heavyBettorIds, summary.heavyBettorIds, 'the binary reports the heavy bettors of seed 7');
    assert.deepEqual(ready.agentRootIds, summary.agentRootIds);
    assert.deepEqual(ready.chain, {
      rootId: summary.chainRootId,
      deepestId: summary.chainDeepestId,
      depth: summary.chainDepth,
    });
  });
});
