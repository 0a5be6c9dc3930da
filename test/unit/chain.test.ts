import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { AnswerCache } from '../../src/gateway/guardrails/local/answerCache';
import { Chain, type ChainEvent } from '../../src/gateway/chain';
import { isAllRoutesFailedError } from '../../src/gateway/routing/chainErrors';
import { LocalColdQueue } from '../../src/gateway/guardrails/local/coldQueue';
import type { ChatRequest } from '../../src/gateway/ir';
import { LocalLedger } from '../../src/gateway/guardrails/local/ledger';
import { Notifier } from '../../src/gateway/guardrails/notifier';
import { DEFAULT_POLICY, type PolicyConfig } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import type { Route } from '../../src/gateway/routing/routes';
import { stubAdapter, StubTransport } from './support/stubProvider';
import { tempDir } from './support/tempDir';

// $1 / $2 per million tokens: a 10,000-token answer cap holds $0.02 per try.
const PRIMARY: Route = { id: 'primary', tier: 'hot', provider: 'openai', model: 'm1', baseUrl: 'https://p.test', inputPricePerMTok: 1, outputPricePerMTok: 2, maxOutputTokens: 10_000 };
const BACKUP: Route = { id: 'backup', tier: 'warm', provider: 'anthropic', model: 'm2', baseUrl: 'https://b.test', inputPricePerMTok: 3, outputPricePerMTok: 6, maxOutputTokens: 10_000 };
const ask = (text: string): ChatRequest => ({ messages: [{ role: 'user', parts: [{ type: 'text', text }] }] });

async function setup(options: { routes?: Route[]; limitUsd?: number; pauseAtPercent?: number; policy?: Partial<PolicyConfig>; webhook?: string; cacheTtlMs?: number; failoverAlert?: { maxFailovers: number; windowMs: number } } = {}) {
  const dir = await tempDir();
  const transport = new StubTransport();
  const events: ChainEvent[] = [];
  let chain: Chain | undefined;
  const ledger = await LocalLedger.open(dir, { ...(options.limitUsd !== undefined ? { limitUsd: options.limitUsd } : {}), period: 'month', pauseAtPercent: options.pauseAtPercent ?? 80 }, { onEvent: (e) => chain?.handle(e) });
  const router = new Router({
    routes: options.routes ?? [PRIMARY, BACKUP],
    policy: { ...DEFAULT_POLICY, retries: 0, initialDelayMs: 1, maxDelayMs: 5, ...options.policy },
    adapterFor: () => stubAdapter(),
    keyFor: async () => undefined,
    transport,
    spend: ledger,
    onEvent: (e) => chain?.handle(e),
  });
  const queue = await LocalColdQueue.open(dir, { maxAgeMs: 86_400_000 });
  const cache = await AnswerCache.open(dir, { ttlMs: options.cacheTtlMs ?? 60_000 });
  chain = new Chain({
    router, queue, ledger, cache,
    ...(options.webhook ? { notifier: new Notifier(options.webhook) } : {}),
    ...(options.failoverAlert ? { failoverAlert: options.failoverAlert } : {}),
  });
  chain.onEvent((e) => events.push(e));
  return { chain, router, ledger, queue, transport, events, dir };
}

/** A loopback webhook that records what it receives; `failing` answers 500. */
async function webhookServer(failing = false) {
  const received: Array<{ text: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(failing ? 500 : 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

const until = async (check: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('chain: money budget under concurrency', () => {
  it('never lets spent + held pass the limit with 50 concurrent calls; the refused ones are queued, none lost', async () => {
    // Each call holds at most $0.02 (10k output x $2/M, plus its input); $0.25 admits about 12.
    const { chain, ledger, transport, queue } = await setup({ routes: [PRIMARY], limitUsd: 0.25, pauseAtPercent: 100 });
    transport.fallback = { reply: 'ok', usage: { inputTokens: 20, outputTokens: 9_000 }, delayMs: 20 };
    let peak = 0;
    const observe = () => {
      const s = ledger.status();
      peak = Math.max(peak, s.spentUsd + s.reservedUsd);
    };
    transport.onSend = observe;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => chain.ask(ask(`question ${i}`), { label: `q${i}` })));
    observe();
    const answered = results.filter((r) => r.status === 'answered').length;
    const queued = results.filter((r) => r.status === 'queued');
    const status = ledger.status();
    const overshoot = Math.max(0, peak - 0.25, status.spentUsd - 0.25);
    console.log(`[metric] budget under 50 concurrent calls: answered ${answered}, queued ${queued.length}, peak spent+held $${peak.toFixed(4)} of $0.25, overshoot $${overshoot.toFixed(6)}`);
    assert.equal(overshoot, 0);
    assert.ok(answered >= 10 && answered <= 12, `answered ${answered}`);
    assert.equal(answered + queued.length, 50, 'every call is answered or queued');
    assert.equal((await queue.list()).length, queued.length, 'queue loss: every refused call is in the queue');
    assert.equal(transport.sent.length, answered, 'a refused call sends nothing');
  });

  it('pauses new requests at 80% (queued, not dropped) until resumed, then drains them', async () => {
    const { chain, ledger, transport, events } = await setup({ routes: [PRIMARY], limitUsd: 0.11, pauseAtPercent: 80 });
    transport.fallback = { reply: 'ok', usage: { inputTokens: 0, outputTokens: 44_000 } }; // $0.088 = 80%
    const first = await chain.ask(ask('one'));
    assert.equal(first.status, 'answered');
    const held = await chain.ask(ask('two'), { label: 'explain two' });
    assert.equal(held.status, 'queued');
    assert.equal(held.status === 'queued' && held.reason, 'budget-paused');
    assert.match(held.status === 'queued' ? held.message : '', /and requests are resumed/);
    assert.equal(transport.sent.length, 1);
    assert.ok(events.some((e) => e.type === 'budget-gate' && e.gate === 'budget-paused'));
    const stillHeld = await chain.drain();
    assert.match(stillHeld.stoppedBecause ?? '', /pause threshold/);
    ledger.resume();
    transport.fallback = { reply: 'ok', usage: { inputTokens: 0, outputTokens: 1_000 } };
    const report = await chain.drain();
    assert.deepEqual(report.answered.map((a) => a.label), ['explain two']);
    assert.equal(transport.sent.length, 2);
  });
});

describe('chain: cold tier', () => {
  it('queues a request every route failed, tells the caller, and sends it once a route recovers', async () => {
    const { chain, transport, events, queue } = await setup();
    transport.script('https://p.test', { status: 503 });
    transport.script('https://b.test', { status: 500 });
    const result = await chain.ask(ask('explain parseRoutes'), { label: 'explain parseRoutes' });
    assert.equal(result.status, 'queued');
    if (result.status !== 'queued') return;
    assert.equal(result.reason, 'all-routes-failed');
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['overloaded', 'server_error']);
    assert.ok(events.some((e) => e.type === 'queued' && e.id === result.queueId));
    const [entry] = await queue.list();
    assert.equal(entry?.id, result.queueId);
    transport.script('https://p.test', { reply: 'recovered answer' });
    const report = await chain.drain();
    assert.deepEqual(report.answered.map((a) => a.id), [result.queueId]);
    assert.equal((await queue.answer(result.queueId))?.response.message.parts[0]?.type, 'text');
    // The drained request kept its idempotency key from the first try.
    const keys = transport.sent.map((s) => s.headers['idempotency-key']);
    assert.equal(new Set(keys).size, 1);
  });

  it('does not queue what waiting cannot fix: every route refused the request itself', async () => {
    const { chain, transport, queue } = await setup();
    transport.script('https://p.test', { status: 400, body: 'bad request' });
    transport.script('https://b.test', { status: 404, body: 'no such model' });
    await assert.rejects(chain.ask(ask('x')), (e: unknown) => isAllRoutesFailedError(e));
    assert.deepEqual(await queue.list(), []);
  });
});

describe('chain: the queue never blocks on a request no route will take', () => {
  it('sets aside a queued request every route now refuses for good, and drains the ones behind it', async () => {
    const { chain, transport, queue, events } = await setup();
    transport.script('https://p.test', { status: 503 }, { status: 503 });
    transport.script('https://b.test', { status: 500 }, { status: 500 });
    const first = await chain.ask(ask('becomes a bad request'), { label: 'first' });
    const second = await chain.ask(ask('fine later'), { label: 'second' });
    assert.equal(first.status, 'queued');
    assert.equal(second.status, 'queued');
    transport.script('https://p.test', { status: 400, body: 'unsupported' }, { reply: 'second answered' });
    transport.script('https://b.test', { status: 404, body: 'gone' });
    const report = await chain.drain();
    assert.deepEqual(report.failed.map((f) => f.entry.label), ['first']);
    assert.match(report.failed[0]!.reason, /every route refused it: primary: bad_request, backup: not_found/);
    assert.deepEqual(report.answered.map((a) => a.label), ['second']);
    assert.equal(report.remaining, 0);
    assert.deepEqual(await queue.list(), []);
    assert.ok(events.some((e) => e.type === 'queue-failed' && e.label === 'first'));
  });

  it('queues the same request once, and answers a queued request from the cache when it was asked again meanwhile', async () => {
    const { chain, transport, queue, events } = await setup({ routes: [PRIMARY] });
    transport.script('https://p.test', { status: 503 }, { status: 503 });
    const a = await chain.ask(ask('same question'));
    const b = await chain.ask(ask('same question'));
    assert.ok(a.status === 'queued' && b.status === 'queued');
    assert.equal(a.queueId, b.queueId);
    assert.equal((await queue.list()).length, 1);
    assert.equal(events.filter((e) => e.type === 'queued').length, 1, 'the second ask is not announced as a new entry');
    transport.script('https://p.test', { reply: 'answered directly' });
    const direct = await chain.ask(ask('same question'));
    assert.equal(direct.status === 'answered' && direct.text, 'answered directly');
    const sentBefore = transport.sent.length;
    const report = await chain.drain();
    assert.equal(report.answered.length, 1);
    assert.equal(transport.sent.length, sentBefore, 'the queued copy was answered from the cache, not sent again');
  });
});

describe('chain: cache, sharing and idempotency', () => {
  it('answers the same request again from the cache and says so; noCache asks again', async () => {
    const { chain, transport } = await setup();
    transport.fallback = { reply: 'fresh', usage: { inputTokens: 1, outputTokens: 1 } };
    const first = await chain.ask(ask('same'));
    const second = await chain.ask(ask('same'));
    assert.equal(first.status === 'answered' && first.fromCache, false);
    assert.equal(second.status === 'answered' && second.fromCache, true);
    assert.equal(second.status === 'answered' && second.text, 'fresh');
    assert.equal(second.status === 'answered' && second.costUsd, 0);
    assert.equal(transport.sent.length, 1);
    const third = await chain.ask(ask('same'), { noCache: true });
    assert.equal(third.status === 'answered' && third.fromCache, false);
    assert.equal(transport.sent.length, 2);
  });

  it('shares one call between two identical requests in flight', async () => {
    const { chain, transport } = await setup();
    transport.fallback = { reply: 'shared', delayMs: 30 };
    const [a, b] = await Promise.all([chain.ask(ask('dup')), chain.ask(ask('dup'))]);
    assert.equal(transport.sent.length, 1);
    assert.equal(a.status === 'answered' && a.text, 'shared');
    assert.equal(b.status === 'answered' && b.text, 'shared');
  });

  it('keeps the shared call going while one of its callers cancels', async () => {
    const { chain, transport } = await setup();
    transport.fallback = { reply: 'still answered', delayMs: 30 };
    const controller = new AbortController();
    const leaving = chain.ask(ask('dup2'), { signal: controller.signal });
    const staying = chain.ask(ask('dup2'));
    controller.abort();
    await assert.rejects(leaving);
    const result = await staying;
    assert.equal(result.status === 'answered' && result.text, 'still answered');
  });

  it('never stops a shared call started by a caller who cannot cancel, when the others cancel', async () => {
    const { chain, transport } = await setup();
    transport.fallback = { reply: 'answered for the first', delayMs: 30 };
    const staying = chain.ask(ask('dup3'));
    const controller = new AbortController();
    const leaving = chain.ask(ask('dup3'), { signal: controller.signal });
    controller.abort();
    await assert.rejects(leaving);
    const result = await staying;
    assert.equal(result.status === 'answered' && result.text, 'answered for the first');
    assert.equal(transport.sent.length, 1, 'one call, not stopped and not sent again');
    assert.equal(transport.signals[0]!.aborted, false, 'its try was never aborted');
  });

  it('records in the ledger both a timed-out try that may have been billed and the retry that answered, and delivers one answer', async () => {
    const { chain, ledger, transport } = await setup({ routes: [PRIMARY], limitUsd: 10, policy: { retries: 1, timeoutMs: 50 } });
    transport.script('https://p.test', { hang: true }, { reply: 'second try', usage: { inputTokens: 10, outputTokens: 100 } });
    const result = await chain.ask(ask('flaky'));
    assert.equal(result.status === 'answered' && result.text, 'second try');
    assert.deepEqual(result.attempts.map((a) => a.outcome), ['timeout', 'answered']);
    const entries = ledger.entries();
    assert.equal(entries.length, 2);
    assert.deepEqual(entries.map((e) => e.estimated), [true, false]);
    assert.equal(new Set(entries.map((e) => e.requestId)).size, 1, 'both charges belong to one logical request');
  });
});

describe('chain: notifications and telemetry', () => {
  it('posts Slack-compatible notices when the chain goes cold, the budget pauses and the queue drains', async () => {
    const hook = await webhookServer();
    try {
      const { chain, transport } = await setup({ routes: [PRIMARY], limitUsd: 0.05, webhook: hook.url });
      transport.script('https://p.test', { status: 503 });
      await chain.ask(ask('cold one'), { label: 'explain cold' });
      await until(() => hook.received.length >= 1);
      assert.match(hook.received[0]!.text, /every route failed; a request is queued as q-\S+ \(every route failed \(primary: overloaded\)\)/);
      assert.ok(!hook.received[0]!.text.includes('explain cold'), 'the label stays on this machine');
      transport.fallback = { reply: 'ok', usage: { inputTokens: 0, outputTokens: 20_000 } };
      await chain.drain();
      await until(() => hook.received.length >= 3);
      const texts = hook.received.map((r) => r.text).join('\n');
      assert.match(texts, /AI requests are held \(budget-paused\): \$0\.04 spent of \$0\.05/);
      assert.match(texts, /1 queued request\(s\) answered; 0 still waiting/);
      assert.ok(hook.received.every((r) => Object.keys(r).join() === 'text'), 'only the Slack "text" field is sent');
    } finally {
      await hook.close();
    }
  });

  it('keeps answering when the webhook fails', async () => {
    const hook = await webhookServer(true);
    try {
      const { chain, transport } = await setup({ routes: [PRIMARY], webhook: hook.url });
      transport.script('https://p.test', { status: 503 }, { reply: 'fine' });
      const queued = await chain.ask(ask('a'));
      assert.equal(queued.status, 'queued');
      await until(() => hook.received.length >= 1);
      const report = await chain.drain();
      assert.equal(report.answered.length, 1);
    } finally {
      await hook.close();
    }
  });

  it('raises one alert when failovers pass the limit within the window, with no payload text in events', async () => {
    const { chain, transport, events } = await setup({ failoverAlert: { maxFailovers: 2, windowMs: 60_000 } });
    for (let i = 0; i < 4; i++) transport.script('https://p.test', { status: 500 });
    for (let i = 0; i < 4; i++) await chain.ask(ask(`secret payload ${i}`));
    const alerts = events.filter((e) => e.type === 'failover-alert');
    assert.deepEqual(alerts, [{ type: 'failover-alert', failovers: 3, windowMs: 60_000 }]);
    const failovers = events.filter((e) => e.type === 'failover');
    assert.equal(failovers.length, 4);
    assert.deepEqual(Object.keys(failovers[0]!).sort(), ['addedMs', 'costDeltaUsd', 'from', 'reason', 'to', 'type']);
    // backup costs $3/$6 per million against $1/$2: the answer cap alone (10,000 tokens) adds $0.04.
    const delta = (failovers[0] as { costDeltaUsd: number }).costDeltaUsd;
    assert.ok(delta > 0.04 && delta < 0.041, `cost delta ${delta}`);
    assert.ok(!JSON.stringify(events).includes('secret payload'), 'events carry no payload text');
  });
});
