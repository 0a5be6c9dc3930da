// The guardrails through real HTTP and real processes: a retried time-out billed twice but
// answered once, the budget under 50 concurrent calls against a fake that counts, and a CLI
// process killed (SIGKILL) in the middle of draining the queue.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { openChain } from '../../src/gateway/openChain';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { tempDir } from './support/tempDir';
import { CLI, runCli } from './support/cliProcess';

let openai: FakeProvider;
let anthropic: FakeProvider;
before(async () => {
  openai = await startFakeProvider('openai');
  anthropic = await startFakeProvider('anthropic');
});
after(async () => {
  await openai.close();
  await anthropic.close();
});

function routesFile(kind: HttpProviderKind, fake: FakeProvider, extra: Record<string, unknown> = {}) {
  return {
    routes: [{ id: 'main', tier: 'hot', provider: kind, model: kind === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4-5', baseUrl: fake.url, secret: 'FAKE_KEY', inputPricePerMTok: 1, outputPricePerMTok: 2, maxOutputTokens: 10_000 }],
    policy: { retries: 0, timeoutMs: 5_000 },
    ...extra,
  };
}

const cli = runCli;

const question = (text: string) => ({ messages: [{ role: 'user' as const, parts: [{ type: 'text' as const, text }] }] });

describe('idempotency on the wire', () => {
  it('a retry after a time-out whose first call completed at the provider gives one answer; the ledger holds both calls', async () => {
    openai.reset();
    // The first call is answered after the client gave up; the fake still did (and counted) the work.
    openai.script({ reply: { text: 'late answer', usage: { inputTokens: 10, outputTokens: 100 } }, delayMs: 600 }, { reply: { text: 'answer', usage: { inputTokens: 10, outputTokens: 100 } } });
    const { config } = parseChainConfig({ ...routesFile('openai', openai), policy: { retries: 1, timeoutMs: 300, initialDelayMs: 10, maxDelayMs: 20 }, budget: { limitUsd: 5 } });
    const services = await openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key' });
    try {
      const result = await services.chain.ask(question('explain the retry'));
      assert.equal(result.status, 'answered');
      assert.equal(result.status === 'answered' && result.text, 'answer');
      assert.deepEqual(result.attempts.map((a) => a.outcome), ['timeout', 'answered']);
      await openai.whenClosed(0);
      assert.equal(openai.requests.length, 2, 'the provider received both calls');
      const keys = openai.requests.map((r) => r.headers['idempotency-key']);
      assert.ok(keys[0] && keys[0] === keys[1], 'both calls carry the same Idempotency-Key');
      const entries = services.ledger.entries();
      assert.equal(entries.length, 2, 'both calls are in the ledger');
      assert.deepEqual(entries.map((e) => e.estimated), [true, false]);
    } finally {
      await services.dispose();
    }
  });
});

describe('money budget on the wire', () => {
  it('charges nothing for tries that never left the machine (connection refused)', async () => {
    const { config } = parseChainConfig({
      routes: [{ id: 'refused', tier: 'hot', provider: 'anthropic', model: 'claude-opus-4-1', baseUrl: 'http://127.0.0.1:9', secret: 'FAKE_KEY' }],
      policy: { retries: 2, initialDelayMs: 1, maxDelayMs: 2 }, budget: { limitUsd: 5 },
    });
    const services = await openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key' });
    try {
      const result = await services.chain.ask(question('nobody listens'));
      assert.equal(result.status, 'queued');
      assert.deepEqual(result.attempts.map((a) => a.outcome), ['connection', 'connection', 'connection']);
      assert.deepEqual(services.ledger.entries(), []);
      assert.equal(services.ledger.status().spentUsd, 0);
    } finally {
      await services.dispose();
    }
  });

  it('50 concurrent calls: the fake answers only what the limit allows, the rest are queued, zero overshoot', async () => {
    anthropic.reset();
    const { config } = parseChainConfig({ ...routesFile('anthropic', anthropic), budget: { limitUsd: 0.25, pauseAtPercent: 100 } });
    const services = await openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key' });
    try {
      // Every answer costs $0.018 (9,000 output tokens at $2/M); each call holds up to ~$0.02.
      for (let i = 0; i < 50; i++) anthropic.script({ reply: { text: `answer ${i}`, usage: { inputTokens: 20, outputTokens: 9_000 } }, delayMs: 20 });
      let peak = 0;
      const timer = setInterval(() => {
        const s = services.ledger.status();
        peak = Math.max(peak, s.spentUsd + s.reservedUsd);
      }, 1);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => services.chain.ask(question(`concurrent ${i}`))));
      clearInterval(timer);
      const answered = results.filter((r) => r.status === 'answered').length;
      const queued = results.filter((r) => r.status === 'queued').length;
      const spent = services.ledger.status().spentUsd;
      const overshoot = Math.max(0, spent - 0.25, peak - 0.25);
      const queueLoss = 50 - answered - (await services.queue.list()).length;
      console.log(`[metric] 50 concurrent calls over HTTP, $0.25 limit: ${answered} answered, ${queued} queued, spent $${spent.toFixed(4)}, peak spent+held $${peak.toFixed(4)}, overshoot $${overshoot.toFixed(6)}, queue loss ${queueLoss}`);
      assert.equal(overshoot, 0);
      assert.equal(queueLoss, 0);
      assert.equal(anthropic.requests.length, answered, 'the provider saw exactly the calls that were answered');
      assert.ok(answered >= 10);
    } finally {
      await services.dispose();
    }
  });
});

describe('money budget across processes', () => {
  it('4 CLI processes asking at once under a $1 limit spend at most $1; the provider sees only the calls that fit', async () => {
    openai.reset();
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    const stateDir = join(dir, 'state');
    // Each try holds about $0.40 (200,000 output tokens at $2/M) and costs $0.30: two fit at once,
    // a third only after one has settled. Without shared holds all four go out ($1.20).
    await writeFile(routes, JSON.stringify({
      ...routesFile('openai', openai),
      routes: [{ ...routesFile('openai', openai).routes[0], maxOutputTokens: 200_000 }],
      budget: { limitUsd: 1, pauseAtPercent: 100 },
    }));
    for (let i = 0; i < 4; i++) openai.script({ reply: { text: `answer ${i}`, usage: { inputTokens: 20, outputTokens: 150_000 } }, delayMs: 1_500 });
    const env = { ...process.env, FAKE_KEY: 'test-key' };
    const runs = await Promise.all(Array.from({ length: 4 }, (_, i) => cli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', `question ${i}`, '--json'], env)));
    const answered = runs.filter((r) => r.status === 0).length;
    const queued = runs.filter((r) => r.status === 75).length;
    assert.equal(answered + queued, 4, runs.map((r) => r.stderr).join('\n'));
    const status = await cli(['budget', 'status', '--routes', routes, '--state-dir', stateDir, '--json'], env);
    const spent = JSON.parse(status.stdout).spentUsd as number;
    console.log(`[metric] 4 CLI processes at once, $1 limit: ${answered} answered, ${queued} queued, spent $${spent.toFixed(4)}, provider calls ${openai.requests.length}`);
    assert.ok(spent <= 1 + 1e-9, `spent $${spent}`);
    assert.equal(openai.requests.length, answered, 'the provider saw exactly the calls that were answered');
    assert.ok(answered >= 2, 'two fit at once');
  });

  it('a bad budget in the routes file refuses to send, with one line naming the field and how to fix it', async () => {
    openai.reset();
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    const env = { ...process.env, FAKE_KEY: 'test-key' };
    for (const budget of [{ limitUsd: '5' }, { limitUsd: -1 }, { limitUSD: 5 }]) {
      await writeFile(routes, JSON.stringify(routesFile('openai', openai, { budget })));
      openai.script({ reply: { text: 'must not be sent' } });
      const asked = await cli(['ask', '--routes', routes, '--state-dir', join(dir, 'state'), '--prompt', 'hello'], env);
      assert.equal(asked.status, 1, asked.stderr);
      assert.equal(asked.stdout, '');
      const lines = asked.stderr.trim().split('\n');
      assert.equal(lines.length, 1, asked.stderr);
      assert.match(lines[0]!, /routes\.json: Budget: ".*?" .*Nothing is sent until it is fixed\.$/);
      assert.equal(openai.requests.length, 0, `${JSON.stringify(budget)}: nothing reached the provider`);
    }
  });

  it('in the chain (the extension\'s path) a bad budget queues the request, sends nothing, and the fixed budget sends it', async () => {
    openai.reset();
    const stateDir = await tempDir();
    const bad = parseChainConfig({ ...routesFile('openai', openai), budget: { limitUsd: '5' } });
    assert.equal(bad.config.budget.invalid, bad.problems.find((p) => p.startsWith('Budget:')));
    openai.script({ reply: { text: 'sent once the budget is fixed', usage: { inputTokens: 10, outputTokens: 10 } } });
    const first = await openChain(bad.config, { stateDir, adapterFor, keyFor: async () => 'test-key' });
    let queueId: string;
    try {
      const result = await first.chain.ask(question('explain the budget'));
      assert.equal(result.status, 'queued');
      assert.equal(result.status === 'queued' && result.reason, 'budget-invalid');
      queueId = result.status === 'queued' ? result.queueId : '';
      assert.match(result.status === 'queued' ? result.message : '', /the money budget setting is invalid/);
      assert.equal((await first.chain.drain()).answered.length, 0, 'draining sends nothing either');
      assert.equal(openai.requests.length, 0, 'nothing reached the provider');
    } finally {
      await first.dispose();
    }
    const fixed = parseChainConfig({ ...routesFile('openai', openai), budget: { limitUsd: 5 } });
    const second = await openChain(fixed.config, { stateDir, adapterFor, keyFor: async () => 'test-key' });
    try {
      assert.deepEqual((await second.chain.drain()).answered.map((a) => a.id), [queueId]);
      assert.equal(openai.requests.length, 1);
    } finally {
      await second.dispose();
    }
  });

  it('budget status reads a journal with a bad line without crashing, and names the line', async () => {
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    const stateDir = join(dir, 'state');
    await writeFile(routes, JSON.stringify(routesFile('openai', openai, { budget: { limitUsd: 5 } })));
    const month = new Date().toISOString().slice(0, 7);
    await mkdir(join(stateDir, 'ledger'), { recursive: true });
    await writeFile(join(stateDir, 'ledger', `charges-${month}.jsonl`), `${JSON.stringify({ at: new Date().toISOString(), route: 'main', requestId: 'x', usd: '0.5', estimated: false })}\n`);
    const status = await cli(['budget', 'status', '--routes', routes, '--state-dir', stateDir], { ...process.env });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /\$5\.0000 spent of \$5\.00/);
    assert.match(status.stdout + status.stderr, /line 1 of .*charges-.*\.jsonl is not a charge \("usd" is "0\.5"/);
  });
});

describe('the cold queue survives SIGKILL', () => {
  it('a request queued by one process, whose drain is killed mid-call, is still there after restart and is answered exactly once', async () => {
    openai.reset();
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    const stateDir = join(dir, 'state');
    await writeFile(routes, JSON.stringify(routesFile('openai', openai, { policy: { retries: 0, timeoutMs: 30_000 } })));
    const env = { ...process.env, FAKE_KEY: 'test-key' };

    // 1. Every route fails: the CLI queues the request and exits 75 with its id.
    openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    const asked = await cli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', 'explain parseRoutes', '--json'], env);
    assert.equal(asked.status, 75, asked.stderr);
    assert.deepEqual(JSON.parse(asked.stdout).attempts.map((a: { outcome: string }) => a.outcome), ['overloaded']);
    const queueId = JSON.parse(asked.stdout).queueId as string;
    assert.match(queueId, /^q-/);

    // 2. A drain starts; the provider holds the call; the process is killed mid-call.
    openai.script({ fault: { type: 'hang' } });
    const drainer = spawn(process.execPath, [CLI, 'queue', 'drain', '--routes', routes, '--state-dir', stateDir], { env, stdio: 'ignore' });
    while (openai.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    drainer.kill('SIGKILL');
    await new Promise((resolve) => drainer.once('exit', resolve));

    // 3. After the kill the request is still queued, whole.
    const listed = await cli(['queue', 'list', '--state-dir', stateDir, '--json'], env);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).queued.map((e: { id: string }) => e.id), [queueId]);

    // 4. A new process drains it (taking over the dead drainer's lock); a second drain sends nothing.
    openai.script({ reply: { text: 'parseRoutes validates the routes.' } });
    const drained = await cli(['queue', 'drain', '--routes', routes, '--state-dir', stateDir, '--json'], env);
    assert.equal(drained.status, 0, drained.stderr);
    assert.deepEqual(JSON.parse(drained.stdout).answered.map((a: { id: string }) => a.id), [queueId]);
    const before = openai.requests.length;
    const again = await cli(['queue', 'drain', '--routes', routes, '--state-dir', stateDir, '--json'], env);
    assert.deepEqual(JSON.parse(again.stdout).answered, []);
    assert.equal(openai.requests.length, before, 'nothing is sent twice');
    const shown = await cli(['queue', 'show', queueId, '--state-dir', stateDir], env);
    assert.equal(shown.stdout.trim(), 'parseRoutes validates the routes.');
    const keys = new Set(openai.requests.map((r) => r.headers['idempotency-key']));
    assert.equal(keys.size, 1, 'every try of the queued request carried its one idempotency key');
    console.log(`[metric] SIGKILL during drain: queue loss 0, answers stored 1, provider calls ${openai.requests.length} (1 failed, 1 killed, 1 answered)`);
  });
});
