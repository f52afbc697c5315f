// Proves the crash harness's comparison can fail (test/fault/crash-service.test.ts relies on
// it): a changed ledger amount, a missing row and a duplicated row each change the digest and
// are named in the diff; out-events are deduplicated only by their tiernet-event-id, a
// missing header or two different events under one id are faults, and a lost event shows in
// the event diff while an extra copy under the same id does not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalSettlementNames,
  describeEventDifference,
  describeStateDifference,
  stateDigest,
  summarizeOutEvents,
  type CanonicalState,
  type OutMessage,
} from '../support/crash-state.ts';

const prefix = 'tiernet-test.crash-service.1-abc.';

function baseState(): CanonicalState {
  return {
    settlement_lines: {
      columns: ['settlement_id', 'beneficiary_id', 'amount_minor'],
      rows: [
        ['settlement[crash:p1]', '7000000001', '12345'],
        ['settlement[crash:p1]', '7000000002', '500'],
      ],
    },
    vip_states: { columns: ['user_id', 'level'], rows: [['7000000001', '2']] },
  };
}

describe('crash harness comparison', () => {
  test('equal states have equal digests and no difference', () => {
    assert.equal(stateDigest(baseState()), stateDigest(baseState()));
    assert.deepEqual(describeStateDifference(baseState(), baseState()), []);
  });

  test('a changed amount, a missing row and a duplicated row are each caught and named', () => {
    const changed = baseState();
    changed['settlement_lines']!.rows[1] = ['settlement[crash:p1]', '7000000002', '501'];
    const missing = baseState();
    missing['vip_states']!.rows.pop();
    const duplicated = baseState();
    duplicated['settlement_lines']!.rows.push(['settlement[crash:p1]', '7000000002', '500']);
    for (const [name, state, expected] of [
      ['changed', changed, ['settlement_lines', '"501"', '"500"']],
      ['missing', missing, ['vip_states', 'clean 1 rows, crashed 0 rows', '7000000001']],
      ['duplicated', duplicated, ['settlement_lines', 'clean 2 rows, crashed 3 rows', 'multiplicity']],
    ] as const) {
      assert.notEqual(stateDigest(state), stateDigest(baseState()), `${name}: digest`);
      const text = describeStateDifference(baseState(), state).join('\n');
      for (const part of expected) assert.ok(text.includes(part), `${name}: "${part}" in\n${text}`);
    }
  });

  test('settlements are named by their periods, those without by their rank', () => {
    const names = canonicalSettlementNames(
      ['stl-b', 'stl-a', 'stl-c'],
      [
        { settlementId: 'stl-a', period: 'crash:p2' },
        { settlementId: 'stl-a', period: 'crash:p1' },
        { settlementId: 'stl-b', period: 'crash:p3' },
      ],
    );
    assert.deepEqual(Object.fromEntries(names), {
      'stl-a': 'settlement[crash:p1,crash:p2]',
      'stl-b': 'settlement[crash:p3]',
      'stl-c': 'settlement[no periods #1]',
    });
  });

  test('out-events: copies under one id collapse, a lost event or a changed copy does not', () => {
    const message = (eventId: string | undefined, value: Record<string, unknown>): OutMessage => ({
      topic: `${prefix}vip-changes`,
      partition: 0,
      key: '7000000001',
      value: JSON.stringify(value),
      eventId,
    });
    const promoted = { type: 'vip.changed', userId: '7000000001', fromLevel: 0, toLevel: 1, at: 'x', seq: 1 };
    const promotedAgain = { ...promoted, fromLevel: 1, toLevel: 2, seq: 2 };
    const clean = summarizeOutEvents([message('1', promoted), message('2', promotedAgain)], prefix, new Map());
    const redelivered = summarizeOutEvents(
      [message('7', promoted), message('8', promotedAgain), message('8', promotedAgain)],
      prefix,
      new Map(),
    );
    assert.equal(redelivered.duplicates, 1);
    assert.deepEqual(redelivered.faults, []);
    assert.deepEqual(describeEventDifference(clean.events, redelivered.events), [], 'a copy is not a difference');

    const lost = summarizeOutEvents([message('7', promoted)], prefix, new Map());
    assert.equal(describeEventDifference(clean.events, lost.events).length, 1, 'a lost event is');
    assert.match(describeEventDifference(clean.events, lost.events)[0]!, /clean only: +<run>vip-changes .*"seq":2/);

    const twoUnderOneId = summarizeOutEvents([message('7', promoted), message('7', promotedAgain)], prefix, new Map());
    assert.equal(twoUnderOneId.faults.length, 1, 'two different events under one id');
    const withoutId = summarizeOutEvents([message(undefined, promoted)], prefix, new Map());
    assert.equal(withoutId.faults.length, 1, 'an event without its id');
  });

  test('settlement.committed is named by its periods; its wall-clock time and group event times are not compared', () => {
    const settlement = (settlementId: string, at: string): OutMessage => ({
      topic: `${prefix}settlements`,
      partition: 0,
      key: null,
      value: JSON.stringify({ type: 'settlement.committed', settlementId, totalRebate: '1.0000', at }),
      eventId: settlementId,
    });
    const joined = (at: string): OutMessage => ({
      topic: `${prefix}group-changes`,
      partition: 1,
      key: '7',
      value: JSON.stringify({ type: 'group.joined', userId: '7', groupId: 'g', ruleVersion: 1, at }),
      eventId: at,
    });
    const first = summarizeOutEvents(
      [settlement('stl-1', '2026-01-01T00:00:00Z'), joined('2026-01-01T00:00:00Z')],
      prefix,
      new Map([['stl-1', 'settlement[crash:p1]']]),
    );
    const second = summarizeOutEvents(
      [settlement('stl-2', '2026-01-01T00:00:09Z'), joined('2026-01-01T00:00:09Z')],
      prefix,
      new Map([['stl-2', 'settlement[crash:p1]']]),
    );
    assert.deepEqual(first.events, second.events);
    assert.ok(first.events.some((event) => event.includes('"settlementId":"settlement[crash:p1]"')));
  });
});
