// Unit: the in-process partitioner is Kafka's murmur2 (vectors from Kafka's own UtilsTest),
// and agrees with kafkajs's default partitioner, so a key maps to the same partition on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { murmur2, partitionForKey } from './event-log-partitioner.ts';

const encoder = new TextEncoder();

void test('murmur2 matches the vectors of Kafka UtilsTest.testMurmur2', () => {
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) assert.equal(murmur2(encoder.encode(input)), expected, input);
});

void test('partitionForKey agrees with kafkajs for ASCII and multi-byte keys', () => {
  const require = createRequire(import.meta.url);
  const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string) => number;
  for (let index = 0; index < 500; index += 1) {
    const key =
      index % 3 === 0 ? `user-${index}` : index % 3 === 1 ? String(10_000_000_000 + index) : `ключ-${index}-钥`;
    for (const partitions of [1, 3, 8, 12]) {
      assert.equal(
        partitionForKey(key, partitions),
        (kafkajsMurmur2(key) & 0x7fffffff) % partitions,
        `${key} / ${partitions}`,
      );
    }
  }
});
