// Paced drains: after a recovery the backlog goes out no faster than the configured rate, with
// jitter that only lengthens pauses, after any request someone is waiting on, and none is lost
// or sent twice. The pacer alone on a fake clock; then 200 queued requests against a strict fake.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { DrainPacer } from '../../src/gateway/guardrails/drainPacer';
import type { ChatRequest } from '../../src/gateway/ir';
import { openChain } from '../../src/gateway/openChain';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { tempDir } from './support/tempDir';

/** A clock that sleeping moves, and the times at which sends went out. */
function fakeClock() {
  const clock = { now: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

describe('drain pacer', () => {
  it('never sends faster than the rate; jitter only lengthens the pause', async () => {
    for (const random of [() => 0, () => 0.999, Math.random]) {
      const { clock, now, sleep } = fakeClock();
      const pacer = new DrainPacer({ perSecond: 4, jitter: 0.2, now, sleep, random });
      const sent: number[] = [];
      for (let i = 0; i < 20; i++) {
        await pacer.beforeSend();
        sent.push(clock.now);
        clock.now += 3; // the send itself
      }
      const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
      assert.ok(gaps.every((g) => g >= 250 && g <= 300 + 1e-9), `gaps within [250, 300] ms: ${gaps.join(', ')}`);
      assert.equal(sent[0], 0, 'the first send does not wait');
    }
  });

  it('lets interactive requests go first, but yields for a bounded time only', async () => {
    const { clock, now, sleep } = fakeClock();
    let interactive = 1;
    const pacer = new DrainPacer({ perSecond: 100, now, sleep, random: () => 0, interactive: () => interactive, maxYieldMs: 1_000 });
    const first = pacer.beforeSend();
    await first;
    assert.equal(clock.now, 1_000, 'waited the whole bound while a request stayed in flight');
    interactive = 0;
    const before = clock.now;
    await pacer.beforeSend();
    assert.ok(clock.now - before <= 10 + 1e-9, 'no wait once nothing interactive is in flight but the pace');
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new DrainPacer({ perSecond: 0 }), /positive number per second, not 0/);
  });
});

const question = (n: number): ChatRequest => ({ messages: [{ role: 'user', parts: [{ type: 'text', text: `Explain queued request number ${n}.` }] }], maxOutputTokens: 64 });

describe('a paced drain on the wire', () => {
  let openai: FakeProvider;
  before(async () => {
    openai = await startFakeProvider('openai', { key: 'test-key' });
  });
  after(() => openai.close());

  it('drains 200 queued requests after a recovery within the configured rate per second, each sent once (prints the rate)', async () => {
    const RATE = 40;
    const COUNT = 200;
    const { config, problems } = parseChainConfig({
      routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'KEY' }],
      policy: { retries: 0, timeoutMs: 5_000, breakerThreshold: 3 },
      queue: { drainPerSecond: RATE },
      cache: { ttlSeconds: 0 },
    });
    assert.deepEqual(problems, []);
    const services = await openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key' });
    try {
      // The outage: three failures open the breaker; everything after is queued without a call.
      openai.script(...Array.from({ length: 3 }, () => ({ fault: { type: 'http' as const, failure: 'overloaded' as const } })));
      for (let i = 0; i < COUNT; i++) assert.equal((await services.chain.ask(question(i))).status, 'queued');
      assert.equal((await services.queue.list()).length, COUNT);
      openai.reset();

      // The recovery.
      services.router.resetBreaker('main');
      const started = performance.now();
      const report = await services.chain.drain();
      const seconds = (performance.now() - started) / 1000;
      assert.equal(report.answered.length, COUNT, JSON.stringify({ ...report, answered: report.answered.length }));
      assert.equal(report.remaining, 0);
      assert.equal(new Set(report.answered.map((a) => a.id)).size, COUNT, 'each entry answered once');

      const bodies = openai.requests.map((r) => /queued request number (\d+)/.exec(r.rawBody)?.[1]);
      assert.equal(openai.requests.length, COUNT, 'one call per queued request');
      assert.equal(new Set(bodies).size, COUNT, 'none sent twice, none lost');
      const times = openai.requests.map((r) => r.time).sort((a, b) => a - b);
      let busiest = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= 1_000) j++;
        busiest = Math.max(busiest, i - j + 1);
      }
      console.log(`[figure] paced drain: ${COUNT} queued requests in ${seconds.toFixed(1)} s (${(COUNT / seconds).toFixed(1)}/s), busiest second at the fake ${busiest}, configured ${RATE}/s`);
      assert.ok(busiest <= RATE, `at most ${RATE} requests reached the fake in any second; the busiest had ${busiest}`);
    } finally {
      await services.dispose();
    }
  });

  it('lets a request the user is waiting on go first; a queued copy of it is then answered from the cache, not sent again', async () => {
    const { config } = parseChainConfig({
      routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'KEY' }],
      policy: { retries: 0, timeoutMs: 5_000, breakerThreshold: 1 },
      queue: { drainPerSecond: 50 },
      cache: { ttlSeconds: 600 },
    });
    const services = await openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key' });
    try {
      openai.reset();
      openai.script({ fault: { type: 'http', failure: 'overloaded' } });
      assert.equal((await services.chain.ask(question(1))).status, 'queued');
      assert.equal((await services.chain.ask(question(2))).status, 'queued');
      openai.reset();
      services.router.resetBreaker('main');
      // The user asks question 1 again, slowly answered, and a drain starts meanwhile.
      openai.script({ reply: { text: 'the interactive answer' }, delayMs: 300 });
      const interactive = services.chain.ask(question(1));
      const report = await services.chain.drain();
      assert.equal((await interactive).status, 'answered');
      assert.equal(report.answered.length, 2);
      const sent = openai.requests.map((r) => /queued request number (\d+)/.exec(r.rawBody)?.[1]);
      assert.deepEqual(sent, ['1', '2'], 'question 1 went out once, before the backlog; question 2 after it');
      assert.ok(openai.requests[1]!.time >= openai.requests[0]!.time + 250, 'the drain waited for the request in flight');
    } finally {
      await services.dispose();
    }
  });
});
