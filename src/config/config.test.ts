// Proves the configuration is validated at start with errors that name the bad key, that
// defaults select the embedded backends, and that secrets are required and redacted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendsOf, loadConfig, redactConfig } from './config.ts';

describe('loadConfig', () => {
  test('given nothing configured, every backend is embedded and defaults apply', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(backendsOf(config), { store: 'sqlite', cache: 'memory', log: 'memory' });
    assert.equal(config.server.port, 8080);
    assert.equal(config.topics.bets, 'tiernet.bets');
    assert.deepEqual(config.metrics.windowDays, [1, 7, 30, 90]);
  });

  test('given real backends in the environment, they are selected', () => {
    const config = loadConfig({
      env: {
        TIERNET_MYSQL_URL: 'mysql://root@127.0.0.1:3306/tiernet',
        TIERNET_REDIS_URL: 'redis://127.0.0.1:6379',
        TIERNET_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
        TIERNET_ADMIN_TOKEN: 'a-long-enough-admin-token',
      },
    });
    assert.deepEqual(backendsOf(config), { store: 'mysql', cache: 'redis', log: 'kafka' });
    assert.deepEqual(config.kafka?.brokers, ['127.0.0.1:9092', '127.0.0.1:9093']);
  });

  test('given a real backend without an admin token, start is refused naming the key', () => {
    assert.throws(
      () => loadConfig({ env: { TIERNET_MYSQL_URL: 'mysql://root@127.0.0.1/x' } }),
      /adminToken \(TIERNET_ADMIN_TOKEN\)/,
    );
  });

  test('given a bad value, the error names the key and its environment variable', () => {
    assert.throws(() => loadConfig({ env: { TIERNET_PORT: '70000' } }), /server\.port \(TIERNET_PORT\)/);
    assert.throws(() => loadConfig({ env: { TIERNET_PORT: 'eighty' } }), /TIERNET_PORT must be an integer/);
    assert.throws(() => loadConfig({ env: { TIERNET_CURRENCY: 'yuan' } }), /currency \(TIERNET_CURRENCY\)/);
    assert.throws(
      () => loadConfig({ env: { TIERNET_KAFKA_BROKERS: 'nohostport', TIERNET_ADMIN_TOKEN: 'x'.repeat(20) } }),
      /kafka\.brokers/,
    );
  });

  test('given a config file, it is read and the environment overrides it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tiernet-config-'));
    const file = join(directory, 'tiernet.json');
    writeFileSync(file, JSON.stringify({ server: { port: 9000 }, currency: 'USD' }));
    const config = loadConfig({ env: { TIERNET_CURRENCY: 'EUR' }, file });
    assert.equal(config.server.port, 9000);
    assert.equal(config.currency, 'EUR');
  });

  test('given an unknown key in the file, it is refused by name', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tiernet-config-'));
    const file = join(directory, 'tiernet.json');
    writeFileSync(file, JSON.stringify({ sever: { port: 9000 } }));
    assert.throws(() => loadConfig({ env: {}, file }), /sever/);
  });

  test('redaction hides the token and URL passwords', () => {
    const config = loadConfig({
      env: { TIERNET_MYSQL_URL: 'mysql://app:s3cret@db:3306/t', TIERNET_ADMIN_TOKEN: 'super-secret-token-123' },
    });
    const text = JSON.stringify(redactConfig(config));
    assert.equal(text.includes('s3cret'), false);
    assert.equal(text.includes('super-secret-token-123'), false);
  });

  test('redaction hides a Redis password given without a user name', () => {
    const config = loadConfig({
      env: {
        TIERNET_REDIS_URL: 'redis://:r3dis-pass@cache:6379',
        TIERNET_MYSQL_URL: 'mysql://db:3306/t',
        TIERNET_ADMIN_TOKEN: 'super-secret-token-123',
      },
    });
    const text = JSON.stringify(redactConfig(config));
    assert.equal(text.includes('r3dis-pass'), false);
    assert.ok(text.includes('redis://:***@cache:6379'), text);
    assert.ok(text.includes('mysql://db:3306/t'), 'a URL without credentials is left as it is');
  });
});
