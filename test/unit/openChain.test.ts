import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { openChain } from '../../src/gateway/openChain';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { tempDir } from './support/tempDir';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider('openai');
});
after(() => fake.close());

const question = (text: string) => ({ messages: [{ role: 'user' as const, parts: [{ type: 'text' as const, text }] }] });

describe('state that survives a reload (a new chain over the same folders)', () => {
  it('keeps an open breaker, the queue and the spend', async () => {
    const stateDir = await tempDir();
    const workspaceStateDir = await tempDir();
    const { config } = parseChainConfig({
      routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: fake.url, secret: 'K' }],
      policy: { retries: 0, breakerThreshold: 1, halfOpenAfterMs: 3_600_000 },
    });
    const deps = { stateDir, workspaceStateDir, adapterFor, keyFor: async () => 'test-key' };
    const first = await openChain(config, deps);
    fake.script({ reply: { text: 'paid', usage: { inputTokens: 1000, outputTokens: 1000 } } }, { fault: { type: 'http', failure: 'server_error' } });
    assert.equal((await first.chain.ask(question('one'))).status, 'answered');
    const queued = await first.chain.ask(question('two'));
    assert.equal(queued.status, 'queued');
    const spent = first.ledger.status().spentUsd;
    assert.ok(spent > 0);
    assert.equal(first.router.routeStatus()[0]!.breaker, 'open');
    await first.dispose();

    const second = await openChain(config, deps);
    try {
      assert.equal(second.router.routeStatus()[0]!.breaker, 'open', 'the breaker is still open after the reload');
      assert.deepEqual((await second.queue.list()).map((e) => e.id), [queued.status === 'queued' ? queued.queueId : '']);
      assert.equal(second.ledger.status().spentUsd, spent);
      const skipped = await second.chain.ask(question('three'));
      assert.equal(skipped.status, 'queued');
      assert.deepEqual(skipped.attempts.map((a) => a.outcome), ['breaker-open']);
      assert.equal(fake.requests.length, 2, 'the open breaker sent nothing after the reload');
    } finally {
      await second.dispose();
    }
  });
});
