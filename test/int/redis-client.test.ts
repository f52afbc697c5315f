// Proves createRedisClient fails fast instead of queueing: a refused port and a server that
// accepts but never answers both reject start-up with redis_unavailable inside the connect
// deadline (password redacted); a client whose Redis vanishes rejects the next command at
// once, then heals by itself when Redis is back; bad configuration is config_invalid.
// Uses the real Redis at TIERNET_TEST_REDIS_URL, reached through a local TCP relay that the
// test can cut.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTiernetError } from '../../src/app/errors.ts';
import { closeRedisClient, createRedisClient } from '../../src/adapters/redis/client.ts';
import { redisUrl } from '../support/redis.ts';

const keyPrefix = 'tiernet-test:redis-client:';

async function listen(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  server.close();
  await once(server, 'close');
  return port;
}

/** A TCP relay to the real Redis that the test can cut (destroying every live socket) and restore. */
function createRelay(): { server: Server; cut: () => Promise<void> } {
  const target = new URL(redisUrl());
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  const cut = async (): Promise<void> => {
    const closed = once(server, 'close');
    server.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return { server, cut };
}

void describe('createRedisClient', () => {
  const silentSockets = new Set<Socket>();
  const silentServer = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('error', () => undefined);
  });

  after(() => {
    for (const socket of silentSockets) socket.destroy();
    silentServer.close();
  });

  void test('a refused port fails start-up with redis_unavailable, without the password', async () => {
    const port = await freePort();
    const startedMs = performance.now();
    await assert.rejects(
      createRedisClient(`redis://user:hunter2@127.0.0.1:${port}`, { keyPrefix, connectTimeoutMs: 1_000 }),
      (error) => {
        assert.ok(isTiernetError(error, 'redis_unavailable'), String(error));
        assert.ok(!error.message.includes('hunter2'), error.message);
        assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
        return true;
      },
    );
    assert.ok(performance.now() - startedMs < 1_500, 'rejected within the connect deadline');
  });

  void test('a server that accepts but never answers fails start-up within the connect deadline', async () => {
    const port = await listen(silentServer);
    const connectTimeoutMs = 300;
    const startedMs = performance.now();
    await assert.rejects(createRedisClient(`redis://127.0.0.1:${port}`, { keyPrefix, connectTimeoutMs }), (error) =>
      isTiernetError(error, 'redis_unavailable'),
    );
    const tookMs = performance.now() - startedMs;
    assert.ok(tookMs >= connectTimeoutMs - 50 && tookMs < connectTimeoutMs + 1_000, `took ${tookMs} ms`);
  });

  void test('when Redis vanishes the next command fails at once; when it returns the client heals', async () => {
    const relay = createRelay();
    const port = await listen(relay.server);
    const errors: Error[] = [];
    const client = await createRedisClient(`redis://127.0.0.1:${port}`, {
      keyPrefix,
      onError: (error) => errors.push(error),
    });
    try {
      assert.equal(await client.ping(), 'PONG');
      await relay.cut();
      // Let the client notice the closed socket; from then on nothing may queue.
      for (let tries = 0; tries < 100 && client.status === 'ready'; tries += 1) await sleep(10);
      assert.notEqual(client.status, 'ready');
      const startedMs = performance.now();
      await assert.rejects(client.ping());
      assert.ok(performance.now() - startedMs < 500, 'rejected without waiting for a reconnect');

      // While Redis stays away, reconnect attempts fail and are reported to onError.
      for (let tries = 0; tries < 100 && errors.length === 0; tries += 1) await sleep(20);
      assert.ok(errors.length > 0, 'failed reconnects went to onError, not the console');

      const restored = createRelay();
      await listen(restored.server, port);
      try {
        let healed = false;
        for (let tries = 0; tries < 100 && !healed; tries += 1) {
          healed = await client.ping().then(
            (reply) => reply === 'PONG',
            () => false,
          );
          if (!healed) await sleep(50);
        }
        assert.ok(healed, 'the client reconnected by itself');
      } finally {
        await restored.cut();
      }
    } finally {
      await closeRedisClient(client);
    }
  });

  void test('bad configuration is refused with config_invalid before any connection', async () => {
    for (const [url, prefix] of [
      ['not a url', keyPrefix],
      ['http://127.0.0.1:6379', keyPrefix],
      [redisUrl(), ''],
    ] as const) {
      await assert.rejects(
        createRedisClient(url, { keyPrefix: prefix }),
        (error) => isTiernetError(error, 'config_invalid'),
        url,
      );
    }
    await assert.rejects(createRedisClient(redisUrl(), { keyPrefix, commandTimeoutMs: 0 }), (error) =>
      isTiernetError(error, 'config_invalid'),
    );
  });

  void test('closeRedisClient is idempotent', async () => {
    const client = await createRedisClient(redisUrl(), { keyPrefix });
    await closeRedisClient(client);
    await closeRedisClient(client);
    assert.equal(client.status, 'end');
  });
});
