// Key to partition exactly as Kafka's default partitioner does (murmur2 of the UTF-8 key,
// sign bit cleared, modulo the partition count; the Java client and kafkajs agree). The
// in-process log uses it so a key lands on the same partition number on either backend,
// which keeps per-key order and partition-scoped test expectations backend-independent.

const seed = 0x9747b28c;
const mix = 0x5bd1e995;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (seed ^ length) | 0;
  const wholeWords = length >>> 2;
  for (let word = 0; word < wholeWords; word += 1) {
    const at = word * 4;
    let k = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24) | 0;
    k = Math.imul(k, mix);
    k ^= k >>> 24;
    k = Math.imul(k, mix);
    h = Math.imul(h, mix);
    h ^= k;
  }
  const tail = length & ~3;
  const remaining = length & 3;
  if (remaining === 3) h ^= data[tail + 2]! << 16;
  if (remaining >= 2) h ^= data[tail + 1]! << 8;
  if (remaining >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, mix);
  }
  h ^= h >>> 13;
  h = Math.imul(h, mix);
  h ^= h >>> 15;
  return h | 0;
}

const encoder = new TextEncoder();

export function partitionForKey(key: string, partitionCount: number): number {
  return (murmur2(encoder.encode(key)) & 0x7fffffff) % partitionCount;
}
