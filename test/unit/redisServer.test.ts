import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisClient } from '../../src/gateway/guardrails/redis/redisClient';
import { redisUrlProblem } from '../../src/gateway/guardrails/redis/teamConfig';
import { startRedis, type RedisServer } from './support/redisServer';

describe('team Redis', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  it('a write acknowledged before kill -9 is there after the restart (append-only file, fsync always)', async () => {
    const config = { redisUrl: redis.url, namespace: 't', timeoutMs: 500 };
    const client = redisClient(config);
    await new Promise((resolve) => client.once('ready', resolve));
    await client.set('t:kept', 'yes');
    await redis.kill9();
    await assert.rejects(client.get('t:kept'));
    await redis.restart();
    await new Promise((resolve) => client.once('ready', resolve));
    assert.equal(await client.get('t:kept'), 'yes');
    client.disconnect();
  });

  it('a command while Redis is down fails within the time-out instead of waiting', async () => {
    const client = redisClient({ redisUrl: redis.url, namespace: 't', timeoutMs: 200 });
    await new Promise((resolve) => client.once('ready', resolve));
    await redis.kill9();
    const started = Date.now();
    await assert.rejects(client.get('t:any'));
    assert.ok(Date.now() - started < 2_000, `failed after ${Date.now() - started} ms`);
    client.disconnect();
    await redis.restart();
  });

  it('plain redis:// is only for loopback, and no password in the URL', () => {
    assert.equal(redisUrlProblem('redis://127.0.0.1:6379'), undefined);
    assert.equal(redisUrlProblem('rediss://redis.example.com:6380/2'), undefined);
    assert.match(redisUrlProblem('redis://redis.example.com:6379')!, /only loopback .* may use redis:\/\/, use rediss:\/\//);
    assert.match(redisUrlProblem('rediss://:hunter2@redis.example.com')!, /must not contain a password; store it with "Set Team Redis Password"/);
    assert.match(redisUrlProblem('http://127.0.0.1:6379')!, /only rediss:\/\//);
    assert.match(redisUrlProblem('not a url')!, /is not a URL/);
  });
});
