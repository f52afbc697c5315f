// Proves ladder validation: the DESIGN.md example and defaults are accepted as typed data,
// and every rule of §3 refuses a bad document with its own code and the JSON path at fault.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWindowDays } from '../metric-names.ts';
import type { RefusalCode } from '../refusal-codes.ts';
import { ladderLevelCountMax, validateLadder } from './ladder.ts';
import { referenceLadderJson, units } from './test-support.ts';

const options = { windowDays: defaultWindowDays };
const designExample = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '10000' }, keep: { turnover30d: '2000' } },
    {
      level: 2,
      name: 'Silver',
      promote: { turnoverLifetime: '50000', turnover30d: '10000' },
      keep: { turnover30d: '8000' },
    },
  ],
  promotion: { maxStepsPerEvent: null },
  demotion: { mode: 'one_down', cycleDays: 30, graceDays: 0, newTierProtectionDays: 0 },
};

/** The reference ladder's JSON as tests edit it. */
interface EditableLadder {
  timezone?: unknown;
  levels: Record<string, unknown>[];
  promotion: Record<string, unknown>;
  demotion: Record<string, unknown>;
  [key: string]: unknown;
}

/** A copy of the reference ladder with one edit made by `edit`. */
function edited(edit: (json: EditableLadder) => void): unknown {
  const json = structuredClone(referenceLadderJson()) as EditableLadder;
  edit(json);
  return json;
}

function assertRefused(json: unknown, code: RefusalCode, path: string): void {
  const result = validateLadder(json, options);
  assert.equal(result.ok, false, 'expected a refusal');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.equal(result.path, path, result.message);
}

void describe('validateLadder', () => {
  void test('given the DESIGN.md example, when validated, then levels, thresholds in minor units and settings come out typed', () => {
    const result = validateLadder(designExample, options);
    assert.ok(result.ok, result.ok ? '' : result.message);
    const ladder = result.value;
    assert.equal(ladder.timeZone, 'Asia/Shanghai');
    assert.deepEqual(
      ladder.levels.map((level) => level.name),
      ['Member', 'Bronze', 'Silver'],
    );
    assert.equal(ladder.levels[0]!.promote, null);
    assert.deepEqual(ladder.levels[2]!.promote, [
      { metric: 'turnoverLifetime', kind: 'turnover', minimum: units(50000) },
      { metric: 'turnover30d', kind: 'turnover', minimum: units(10000) },
    ]);
    assert.deepEqual(ladder.promotion, { maxStepsPerEvent: null });
    assert.deepEqual(ladder.demotion, { mode: 'one_down', cycleDays: 30, graceDays: 0, newTierProtectionDays: 0 });
  });

  void test('given no promotion or demotion section, when validated, then the documented defaults apply', () => {
    const result = validateLadder({ timezone: 'UTC', levels: designExample.levels }, options);
    assert.ok(result.ok);
    assert.deepEqual(result.value.promotion, { maxStepsPerEvent: null });
    assert.deepEqual(result.value.demotion, {
      mode: 'one_down',
      cycleDays: 30,
      graceDays: 0,
      newTierProtectionDays: 0,
    });
  });

  void test('given counts, a policy and a level without keep, when validated, then counts are numbers and the policy is carried untouched', () => {
    const policy = { 'bet.maxAmount': '500', anything: [1, 2] };
    const result = validateLadder(
      edited((json) => {
        json.levels[1]!.promote = { betCount7d: 3, activeDays30d: 2 };
        json.levels[1]!.policy = policy;
        delete json.levels[1]!.keep;
      }),
      options,
    );
    assert.ok(result.ok, result.ok ? '' : result.message);
    assert.deepEqual(result.value.levels[1]!.promote, [
      { metric: 'betCount7d', kind: 'betCount', minimum: 3 },
      { metric: 'activeDays30d', kind: 'activeDays', minimum: 2 },
    ]);
    assert.equal(result.value.levels[1]!.keep, null);
    assert.equal(result.value.levels[1]!.policy, policy);
    assert.equal('policy' in result.value.levels[2]!, false);
  });

  void test('given a lower-case zone name, when validated, then it is stored in canonical spelling', () => {
    const result = validateLadder({ ...designExample, timezone: 'asia/shanghai' }, options);
    assert.ok(result.ok);
    assert.equal(result.value.timeZone, 'Asia/Shanghai');
  });

  const refusals: [string, (json: EditableLadder) => void, RefusalCode, string][] = [
    [
      'an unknown zone',
      (json) => {
        json.timezone = 'Mars/Base';
      },
      'ladder_timezone_invalid',
      '/timezone',
    ],
    [
      'a missing zone',
      (json) => {
        delete json.timezone;
      },
      'ladder_timezone_invalid',
      '/timezone',
    ],
    [
      'an unknown top-level key',
      (json) => {
        json.demotions = {};
      },
      'ladder_invalid',
      '/demotions',
    ],
    [
      'a gap in level numbers',
      (json) => {
        json.levels[2]!.level = 3;
      },
      'ladder_invalid',
      '/levels/2/level',
    ],
    [
      'a level not starting at 0',
      (json) => {
        json.levels.shift();
      },
      'ladder_invalid',
      '/levels/0/level',
    ],
    [
      'a duplicate name',
      (json) => {
        json.levels[3]!.name = 'Silver';
      },
      'ladder_invalid',
      '/levels/3/name',
    ],
    [
      'a blank name',
      (json) => {
        json.levels[1]!.name = '  ';
      },
      'ladder_invalid',
      '/levels/1/name',
    ],
    [
      'a promote on level 0',
      (json) => {
        json.levels[0]!.promote = { turnoverLifetime: '1' };
      },
      'ladder_invalid',
      '/levels/0/promote',
    ],
    [
      'a keep on level 0',
      (json) => {
        json.levels[0]!.keep = { turnover30d: '1' };
      },
      'ladder_invalid',
      '/levels/0/keep',
    ],
    [
      'a misspelt keep',
      (json) => {
        json.levels[1]!['keeep'] = json.levels[1]!['keep'];
      },
      'ladder_invalid',
      '/levels/1/keeep',
    ],
    [
      'an empty requirement',
      (json) => {
        json.levels[1]!.keep = {};
      },
      'ladder_invalid',
      '/levels/1/keep',
    ],
    [
      'an unknown metric',
      (json) => {
        json.levels[2]!.promote = { turnoverForever: '1' };
      },
      'ladder_metric_unknown',
      '/levels/2/promote/turnoverForever',
    ],
    [
      'an unconfigured window',
      (json) => {
        json.levels[2]!.promote = { turnover14d: '1' };
      },
      'ladder_metric_unknown',
      '/levels/2/promote/turnover14d',
    ],
    [
      'a non-canonical window',
      (json) => {
        json.levels[2]!.keep = { turnover030d: '1' };
      },
      'ladder_metric_unknown',
      '/levels/2/keep/turnover030d',
    ],
    [
      'activeDays over the lifetime',
      (json) => {
        json.levels[2]!.keep = { activeDaysLifetime: 1 };
      },
      'ladder_metric_unknown',
      '/levels/2/keep/activeDaysLifetime',
    ],
    [
      'a metric with a slash',
      (json) => {
        json.levels[2]!.keep = { 'a/b': 1 };
      },
      'ladder_metric_unknown',
      '/levels/2/keep/a~1b',
    ],
    [
      'a turnover as a number',
      (json) => {
        json.levels[1]!.promote = { turnoverLifetime: 1000 };
      },
      'ladder_threshold_invalid',
      '/levels/1/promote/turnoverLifetime',
    ],
    [
      'a turnover with 5 decimals',
      (json) => {
        json.levels[1]!.promote = { turnoverLifetime: '1.00001' };
      },
      'ladder_threshold_invalid',
      '/levels/1/promote/turnoverLifetime',
    ],
    [
      'a negative turnover',
      (json) => {
        json.levels[1]!.keep = { turnover30d: '-1' };
      },
      'ladder_threshold_invalid',
      '/levels/1/keep/turnover30d',
    ],
    [
      'a fractional count',
      (json) => {
        json.levels[1]!.keep = { betCount30d: 1.5 };
      },
      'ladder_threshold_invalid',
      '/levels/1/keep/betCount30d',
    ],
    [
      'a negative count',
      (json) => {
        json.levels[1]!.keep = { activeDays7d: -1 };
      },
      'ladder_threshold_invalid',
      '/levels/1/keep/activeDays7d',
    ],
    [
      'a count as a string',
      (json) => {
        json.levels[1]!.keep = { betCount7d: '3' };
      },
      'ladder_threshold_invalid',
      '/levels/1/keep/betCount7d',
    ],
    [
      'a promote lower than the level below',
      (json) => {
        json.levels[3]!.promote = { turnoverLifetime: '4999.9999' };
      },
      'ladder_threshold_order',
      '/levels/3/promote/turnoverLifetime',
    ],
    [
      'a keep above its promote',
      (json) => {
        json.levels[2]!.promote = { turnoverLifetime: '5000', turnover30d: '700' };
      },
      'ladder_threshold_order',
      '/levels/2/keep/turnover30d',
    ],
    [
      'maxStepsPerEvent of 0',
      (json) => {
        json.promotion.maxStepsPerEvent = 0;
      },
      'ladder_invalid',
      '/promotion/maxStepsPerEvent',
    ],
    [
      'an unknown demotion mode',
      (json) => {
        json.demotion.mode = 'two_down';
      },
      'ladder_invalid',
      '/demotion/mode',
    ],
    [
      'cycleDays of 0',
      (json) => {
        json.demotion.cycleDays = 0;
      },
      'ladder_invalid',
      '/demotion/cycleDays',
    ],
    [
      'negative graceDays',
      (json) => {
        json.demotion.graceDays = -1;
      },
      'ladder_invalid',
      '/demotion/graceDays',
    ],
    [
      'fractional protection days',
      (json) => {
        json.demotion.newTierProtectionDays = 0.5;
      },
      'ladder_invalid',
      '/demotion/newTierProtectionDays',
    ],
    [
      'levels that are not an array',
      (json) => {
        (json as Record<string, unknown>)['levels'] = {};
      },
      'ladder_invalid',
      '/levels',
    ],
  ];
  for (const [what, edit, code, path] of refusals) {
    void test(`given ${what}, when validated, then it is refused with ${code} at ${path}`, () => {
      assertRefused(edited(edit), code, path);
    });
  }

  void test('given equal promote thresholds on consecutive levels, when validated, then non-decreasing is accepted', () => {
    const result = validateLadder(
      edited((json) => {
        json.levels[3]!.promote = { turnoverLifetime: '5000' };
      }),
      options,
    );
    assert.ok(result.ok);
  });

  void test(`given ${ladderLevelCountMax + 1} levels, when validated, then it is refused as too large before any level is read`, () => {
    const levels = Array.from({ length: ladderLevelCountMax + 1 }, (_, level) => ({ level, name: `L${level}` }));
    assertRefused({ timezone: 'UTC', levels }, 'ladder_too_large', '/levels');
    const atMax = validateLadder({ timezone: 'UTC', levels: levels.slice(0, ladderLevelCountMax) }, options);
    assert.ok(atMax.ok);
  });

  void test('given something other than an object, when validated, then it is refused at the root', () => {
    assertRefused([], 'ladder_invalid', '');
    assertRefused(null, 'ladder_invalid', '');
  });
});
