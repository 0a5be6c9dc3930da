// The whole chain as the CLI and the editor open it with a team section: ledger, breakers and
// queue on a real Redis, a strict fake provider on loopback. Redis is killed in the middle of the
// run; requests go on being answered (or queued) on local state, and nothing is lost or counted
// twice once it is back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { periodKeys } from '../../src/gateway/guardrails/redis/ledgerScripts';
import { openTeamBackends } from '../../src/gateway/guardrails/redis/teamBackends';
import { newTeamKey } from '../../src/gateway/guardrails/redis/teamKey';
import type { ChatRequest } from '../../src/gateway/ir';
import { openChain, type ChainServices } from '../../src/gateway/openChain';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { startRedis, type RedisServer } from './support/redisServer';
import { tempDir } from './support/tempDir';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const question = (n: string): ChatRequest => ({ messages: [{ role: 'user', parts: [{ type: 'text', text: `Explain parseRoutes, take ${n}.` }] }] });

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

describe('the chain over a team Redis', () => {
  let redis: RedisServer;
  let fake: FakeProvider;

  before(async () => {
    redis = await startRedis();
    fake = await startFakeProvider('openai');
  });
  after(async () => {
    await Promise.all([fake.close(), redis.stop()]);
  });

  async function member(namespace: string, events: string[]): Promise<ChainServices> {
    const { config, problems } = parseChainConfig({
      routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: fake.url, secret: 'KEY', maxOutputTokens: 64, inputPricePerMTok: 1, outputPricePerMTok: 2 }],
      policy: { retries: 0 },
      budget: { limitUsd: 1, period: 'month' },
      cache: { ttlSeconds: 0 },
      team: { redisUrl: redis.url, namespace, timeoutMs: 200 },
    });
    assert.deepEqual(problems, []);
    const backends = await openTeamBackends(config.team!, { teamKey: newTeamKey() });
    const services = await openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key', backends });
    services.chain.onEvent((e) => {
      if (e.type === 'team-backend') events.push(e.state);
    });
    return services;
  }

  it('answers every request while Redis is killed and restarted, and the team ledger ends with every charge once', async (t) => {
    const namespace = `c-${Math.random().toString(36).slice(2, 10)}`;
    const events: string[] = [];
    const services = await member(namespace, events);
    const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      assert.equal(services.ledger.backend, 'redis');
      assert.equal(services.queue.backend, 'redis');
      const costs: number[] = [];
      const ask = async (n: string) => {
        const result = await services.chain.ask(question(n));
        assert.equal(result.status, 'answered', JSON.stringify(result));
        if (result.status === 'answered') costs.push(result.costUsd ?? 0);
      };
      for (const n of ['a', 'b', 'c']) await ask(n);
      await redis.kill9();
      for (const n of ['d', 'e', 'f']) await ask(n);
      assert.ok(events.includes('degraded'), `the chain says the team backend is degraded: ${events.join(',')}`);
      await redis.restart();
      await until('the team ledger is connected again', () => (services.ledger as unknown as { connected: boolean }).connected, 15_000);
      for (const n of ['g', 'h']) await ask(n);
      await services.ledger.flushed();

      await admin.connect();
      const period = services.ledger.status().periodKey;
      const spentMicro = Number((await admin.get(periodKeys(namespace, period).spent)) ?? 0);
      const expected = costs.reduce((a, b) => a + b, 0);
      t.diagnostic(`team chain: asked 8 (3 before the kill, 3 while Redis was down, 2 after), answered ${costs.length}, provider calls ${fake.requests.length}, spent in Redis ${spentMicro} micro-USD, sum of answer costs ${Math.round(expected * 1e6)} micro-USD, team events ${events.join(' -> ')}`);
      assert.equal(costs.length, 8);
      assert.equal(fake.requests.length, 8, 'one provider call per request');
      assert.ok(expected > 0);
      assert.equal(spentMicro, Math.round(expected * 1e6), 'every charge reached Redis exactly once, including those made while it was down');
      assert.ok(events.indexOf('connected') > events.indexOf('degraded'), 'and the chain said it is connected again');
    } finally {
      admin.disconnect();
      await services.dispose();
    }
  });
});
