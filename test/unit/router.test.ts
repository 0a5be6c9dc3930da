import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { isAllRoutesFailedError, isCancelledError } from '../../src/gateway/routing/chainErrors';
import type { AnswerEvent, GatewayEvent } from '../../src/gateway/routing/events';
import { ProviderError } from '../../src/gateway/routing/failures';
import type { ChatRequest } from '../../src/gateway/ir';
import { DEFAULT_POLICY, type PolicyConfig } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import type { Route } from '../../src/gateway/routing/routes';
import { stubAdapter, StubTransport } from './support/stubProvider';

const HOT_A: Route = { id: 'hot-a', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'https://a.test', secret: 'A_KEY' };
const HOT_B: Route = { id: 'hot-b', tier: 'hot', provider: 'openai', model: 'gpt-4o', baseUrl: 'https://b.test', secret: 'B_KEY' };
const WARM: Route = { id: 'warm', tier: 'warm', provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: 'https://c.test', secret: 'C_KEY' };
const KEYS: Record<string, string> = { A_KEY: 'key-a', B_KEY: 'key-b', C_KEY: 'key-c' };
const REQUEST: ChatRequest = { messages: [{ role: 'user', parts: [{ type: 'text', text: 'What does parseRoutes do?' }] }] };

function setup(routes: Route[], policy: Partial<PolicyConfig> = {}, options: { prefill?: boolean; keys?: Record<string, string>; initialBreakerStates?: Record<string, unknown> } = {}) {
  const transport = new StubTransport();
  const events: GatewayEvent[] = [];
  const keys = options.keys ?? KEYS;
  const router = new Router({
    routes,
    policy: { ...DEFAULT_POLICY, initialDelayMs: 10, maxDelayMs: 40, ...policy },
    adapterFor: () => stubAdapter(options.prefill),
    keyFor: async (route) => (route.secret ? keys[route.secret] : undefined),
    transport,
    onEvent: (e) => events.push(e),
    ...(options.initialBreakerStates ? { initialBreakerStates: options.initialBreakerStates } : {}),
  });
  return { router, transport, events };
}

/** Lets pending promise callbacks and I/O callbacks run (timers stay mocked). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function advance(t: TestContext, ms: number, step = 100): Promise<void> {
  for (let passed = 0; passed < ms; passed += step) {
    await settle();
    t.mock.timers.tick(Math.min(step, ms - passed));
  }
  await settle();
}

describe('router: keys', () => {
  it('uses a key known now without waiting on keyFor, reads it again for a retry, and asks keyFor when none is known', async () => {
    const transport = new StubTransport();
    const asked: string[] = [];
    let current = 'key-a';
    const router = new Router({
      routes: [HOT_A, { ...HOT_B, tier: 'warm' }],
      policy: { ...DEFAULT_POLICY, retries: 1, initialDelayMs: 1, maxDelayMs: 2 },
      adapterFor: () => stubAdapter(),
      keyFor: async (route) => {
        asked.push(route.id);
        return route.secret === 'A_KEY' ? current : KEYS[route.secret!];
      },
      knownKey: (route) => (route.secret === 'A_KEY' ? 'key-a' : undefined),
      transport,
    });
    transport.script('https://a.test', { status: 500, body: 'boom' }, { status: 401, body: 'bad key' });
    transport.script('https://b.test', { reply: 'from b' });
    current = 'key-a2'; // replaced after the route was chosen: the retry must carry it
    const answer = await router.send(REQUEST);
    assert.equal(answer.route.id, 'hot-b');
    assert.deepEqual(transport.sent.map((s) => s.headers.authorization), ['Bearer key-a', 'Bearer key-a2', 'Bearer key-b']);
    assert.deepEqual(asked, ['hot-a', 'hot-b'], 'keyFor is asked for the retry and for the route whose key is not known, not for the first try');
  });
});

describe('router: order and skips', () => {
  it('tries hot routes in order, then warm, and reports every attempt', async () => {
    const { router, transport } = setup([WARM, HOT_A, HOT_B], { retries: 0 });
    transport.script('https://a.test', { status: 500, body: 'boom' });
    transport.script('https://b.test', { status: 401, body: 'bad key' });
    transport.script('https://c.test', { reply: 'from warm' });
    const answer = await router.send(REQUEST);
    assert.equal(answer.route.id, 'warm');
    assert.deepEqual(answer.attempts.map((a) => [a.route, a.outcome, a.httpStatus]), [
      ['hot-a', 'server_error', 500], ['hot-b', 'auth', 401], ['warm', 'answered', 200],
    ]);
    assert.deepEqual(transport.sent.map((s) => s.headers.authorization), ['Bearer key-a', 'Bearer key-b', 'Bearer key-c']);
    // One logical request: every try carries the same idempotency key.
    assert.equal(new Set(transport.sent.map((s) => s.headers['idempotency-key'])).size, 1);
  });

  it('skips a route without its key, and one whose window cannot hold the payload, without sending', async () => {
    const small: Route = { ...HOT_B, contextWindow: 30, maxOutputTokens: 40 };
    const { router, transport } = setup([HOT_A, small, WARM], {}, { keys: { B_KEY: 'key-b', C_KEY: 'key-c' } });
    const answer = await router.send(REQUEST);
    assert.equal(answer.route.id, 'warm');
    assert.deepEqual(answer.attempts.map((a) => [a.route, a.outcome, a.skipped]), [
      ['hot-a', 'no-key', true], ['hot-b', 'context-window', true], ['warm', 'answered', false],
    ]);
    assert.match(answer.attempts[1]!.message!, /exceed its 30-token window/);
    assert.equal(transport.sent.length, 1);
  });

  it('throws an error listing each attempt when every route fails', async () => {
    const { router, transport } = setup([HOT_A, WARM], { retries: 0 });
    transport.script('https://a.test', { status: 400, body: 'unsupported parameter' });
    transport.script('https://c.test', { status: 404, body: 'model not found' });
    await assert.rejects(router.send(REQUEST), (e: unknown) => {
      assert.ok(isAllRoutesFailedError(e));
      assert.match(e.message, /hot-a \(hot, openai gpt-4o-mini\): bad_request HTTP 400 in \d+ ms: unsupported parameter/);
      assert.match(e.message, /warm \(warm, anthropic claude-sonnet-4-5\): not_found HTTP 404/);
      return true;
    });
    // 400 and 404 are never retried.
    assert.equal(transport.sent.length, 2);
  });

  it('skips routes no larger than one that said the payload is too long', async () => {
    const a: Route = { ...HOT_A, contextWindow: 8000 };
    const b: Route = { ...HOT_B, contextWindow: 8000 };
    const big: Route = { ...WARM, contextWindow: 200000 };
    const t2 = setup([a, b, big], { retries: 0 });
    t2.transport.script('https://a.test', { throws: new ProviderError({ kind: 'context_too_long', message: 'prompt is too long', httpStatus: 400 }) });
    const answer = await t2.router.send(REQUEST);
    assert.deepEqual(answer.attempts.map((x) => [x.route, x.outcome]), [['hot-a', 'context_too_long'], ['hot-b', 'context-window'], ['warm', 'answered']]);
    assert.equal(t2.transport.sentTo('https://b.test').length, 0);
  });
});

describe('router: retries and Retry-After (fake clock)', () => {
  it('waits exactly the Retry-After a 429 asks for, then retries the same route', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const { router, transport } = setup([HOT_A, WARM], { retries: 2, retryAfterThresholdMs: 10_000 });
    transport.script('https://a.test', { status: 429, headers: { 'retry-after': '3' }, body: 'slow down' }, { reply: 'after waiting' });
    const pending = router.send(REQUEST);
    await advance(t, 2_900);
    assert.equal(transport.sentTo('https://a.test').length, 1, 'no retry before Retry-After has passed');
    await advance(t, 200);
    const answer = await pending;
    assert.equal(answer.route.id, 'hot-a');
    assert.equal(transport.sentTo('https://a.test').length, 2);
    assert.equal(transport.sentTo('https://c.test').length, 0);
    assert.deepEqual(answer.attempts.map((a) => a.outcome), ['rate_limited', 'answered']);
  });

  it('fails over at once when Retry-After is longer than the threshold', async () => {
    const { router, transport } = setup([HOT_A, WARM], { retries: 2, retryAfterThresholdMs: 10_000 });
    transport.script('https://a.test', { status: 429, headers: { 'retry-after': '120' }, body: 'quota window' });
    const started = Date.now();
    const answer = await router.send(REQUEST);
    assert.ok(Date.now() - started < 1_000, 'did not sleep on the long Retry-After');
    assert.equal(answer.route.id, 'warm');
    assert.equal(transport.sentTo('https://a.test').length, 1);
  });

  it('honours retry-after-ms and an HTTP-date Retry-After', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-11-23T10:00:00Z') });
    const { router, transport } = setup([HOT_A], { retries: 2 });
    transport.script('https://a.test',
      { status: 503, headers: { 'retry-after-ms': '1500' } },
      { status: 503, headers: { 'retry-after': 'Mon, 23 Nov 2026 10:00:04 GMT' } },
      { reply: 'ok' });
    const pending = router.send(REQUEST);
    await advance(t, 1_400);
    assert.equal(transport.sent.length, 1);
    await advance(t, 200); // 1.6 s: the first wait (1.5 s) is over
    assert.equal(transport.sent.length, 2);
    await advance(t, 2_000); // 3.6 s: the date is 10:00:04, not yet
    assert.equal(transport.sent.length, 2);
    await advance(t, 600);
    assert.equal((await pending).route.id, 'hot-a');
    assert.equal(transport.sent.length, 3);
  });

  it('backs off with full jitter within the cap between retries of a 5xx', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { router, transport, events } = setup([HOT_A], { retries: 3, initialDelayMs: 100, maxDelayMs: 250 });
    transport.script('https://a.test', { status: 500 }, { status: 502 }, { status: 503 }, { reply: 'third time lucky' });
    const pending = router.send(REQUEST);
    await advance(t, 2_000, 10);
    assert.equal((await pending).route.id, 'hot-a');
    const delays = events.flatMap((e) => (e.type === 'retry' ? [e.delayMs] : []));
    assert.equal(delays.length, 3);
    for (const d of delays) assert.ok(d >= 0 && d <= 250, `delay ${d} outside [0, 250]`);
  });

  it('does not retry auth failures or bad requests on the same route', async () => {
    const { router, transport } = setup([HOT_A, WARM], { retries: 3 });
    transport.script('https://a.test', { status: 403, body: 'forbidden' });
    await router.send(REQUEST);
    assert.equal(transport.sentTo('https://a.test').length, 1);
  });
});

describe('router: circuit breaker (fake clock)', () => {
  it('opens after 5 consecutive failures, skips the route at no cost, probes after 30 s and closes', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 5_000_000 });
    const { router, transport, events } = setup([HOT_A, WARM], { retries: 0, breakerThreshold: 5, halfOpenAfterMs: 30_000 });
    for (let i = 0; i < 5; i++) transport.script('https://a.test', { status: 500 });
    for (let i = 0; i < 5; i++) assert.equal((await router.send(REQUEST)).route.id, 'warm');
    assert.equal(router.routeStatus()[0]!.breaker, 'open');
    assert.deepEqual(events.filter((e) => e.type === 'breaker').map((e) => (e as { state: string }).state), ['open']);

    const skipped = await router.send(REQUEST);
    assert.deepEqual(skipped.attempts.map((a) => [a.route, a.outcome, a.skipped]), [['hot-a', 'breaker-open', true], ['warm', 'answered', false]]);
    assert.equal(transport.sentTo('https://a.test').length, 5, 'an open breaker sends nothing');

    t.mock.timers.tick(30_000);
    assert.equal(router.routeStatus()[0]!.breaker, 'half-open');
    transport.script('https://a.test', { reply: 'recovered' });
    const probe = await router.send(REQUEST);
    assert.equal(probe.route.id, 'hot-a');
    assert.equal(router.routeStatus()[0]!.breaker, 'closed');
    assert.deepEqual(events.filter((e) => e.type === 'breaker').map((e) => (e as { state: string }).state), ['open', 'half-open', 'closed']);
  });

  it('re-opens when the half-open probe fails', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { router, transport } = setup([HOT_A, WARM], { retries: 0, breakerThreshold: 2, halfOpenAfterMs: 1_000 });
    transport.script('https://a.test', { status: 503 }, { status: 503 }, { status: 503 });
    await router.send(REQUEST);
    await router.send(REQUEST);
    t.mock.timers.tick(1_000);
    await router.send(REQUEST);
    assert.equal(router.routeStatus()[0]!.breaker, 'open');
    assert.equal(transport.sentTo('https://a.test').length, 3);
  });

  it('does not count auth or bad-request failures toward the breaker', async () => {
    const { router, transport } = setup([HOT_A, WARM], { retries: 0, breakerThreshold: 2 });
    transport.script('https://a.test', { status: 401 }, { status: 400 }, { status: 401 });
    for (let i = 0; i < 3; i++) await router.send(REQUEST);
    assert.equal(router.routeStatus()[0]!.breaker, 'closed');
  });

  it('restores an open breaker from saved state (a window reload)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const first = setup([HOT_A, WARM], { retries: 0, breakerThreshold: 1, halfOpenAfterMs: 60_000 });
    first.transport.script('https://a.test', { status: 500 });
    await first.router.send(REQUEST);
    const saved = JSON.parse(JSON.stringify(first.router.breakerStates())) as Record<string, unknown>;
    const second = setup([HOT_A, WARM], { retries: 0, breakerThreshold: 1, halfOpenAfterMs: 60_000 }, { initialBreakerStates: saved });
    assert.equal(second.router.routeStatus()[0]!.breaker, 'open');
    const answer = await second.router.send(REQUEST);
    assert.equal(answer.attempts[0]!.outcome, 'breaker-open');
    assert.equal(second.transport.sentTo('https://a.test').length, 0);
  });

  it('keeps a half-open breaker waiting for a real probe when the budget refuses the route, and skips a route being probed', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    let refuse = false;
    const transport = new StubTransport();
    const router = new Router({
      routes: [HOT_A, WARM], policy: { ...DEFAULT_POLICY, retries: 0, breakerThreshold: 1, halfOpenAfterMs: 1_000 },
      adapterFor: () => stubAdapter(), keyFor: async (r) => KEYS[r.secret!], transport,
      spend: {
        refusal: (route) => (refuse && route.id === 'hot-a' ? 'too dear' : undefined),
        reserve: () => ({ settle: () => undefined }),
      },
    });
    transport.script('https://a.test', { status: 500 });
    await router.send(REQUEST);
    t.mock.timers.tick(1_000);
    assert.equal(router.routeStatus()[0]!.breaker, 'half-open');
    refuse = true;
    const refused = await router.send(REQUEST);
    assert.deepEqual(refused.attempts.map((a) => [a.route, a.outcome]), [['hot-a', 'over-budget'], ['warm', 'answered']]);
    assert.equal(router.routeStatus()[0]!.breaker, 'half-open', 'a refusal proves nothing about the route');
    refuse = false;
    // While one request probes the half-open route, another fails over instead of waiting.
    transport.script('https://a.test', { hang: true });
    const controller = new AbortController();
    const probe = router.send(REQUEST, { signal: controller.signal });
    await settle();
    const other = await router.send(REQUEST);
    assert.deepEqual(other.attempts.map((a) => [a.route, a.outcome]), [['hot-a', 'breaker-open'], ['warm', 'answered']]);
    controller.abort();
    await assert.rejects(probe);
    assert.notEqual(router.routeStatus()[0]!.breaker, 'closed', 'a cancelled probe does not close the breaker');
  });

  it('can be reset by hand', async () => {
    const { router, transport } = setup([HOT_A, WARM], { retries: 0, breakerThreshold: 1 });
    transport.script('https://a.test', { status: 500 });
    await router.send(REQUEST);
    assert.equal(router.routeStatus()[0]!.breaker, 'open');
    router.resetBreaker('hot-a');
    assert.equal(router.routeStatus()[0]!.breaker, 'closed');
    assert.equal((await router.send(REQUEST)).route.id, 'hot-a');
  });
});

describe('router: streams and cancellation', () => {
  it('streams text as it arrives', async () => {
    const { router } = setup([HOT_A]);
    const seen: AnswerEvent[] = [];
    const answer = await router.send(REQUEST, { stream: true, onAnswer: (e) => seen.push(e) });
    assert.deepEqual(seen.map((e) => (e.type === 'text' ? e.text : e.type)), ['default', ' answer']);
    assert.deepEqual(answer.response.message.parts, [{ type: 'text', text: 'default answer' }]);
  });

  it('continues a cut stream on a route that takes a prefill, from the text already shown', async () => {
    const { router, transport } = setup([HOT_A, WARM], {}, { prefill: true });
    transport.script('https://a.test', { cutAfter: ['The function', ' validates'] });
    transport.script('https://c.test', { reply: 'routes.' });
    const seen: AnswerEvent[] = [];
    const answer = await router.send(REQUEST, { stream: true, onAnswer: (e) => seen.push(e) });
    assert.equal(answer.continuation, 'prefill');
    assert.deepEqual(seen.map((e) => e.type), ['text', 'text', 'continue', 'text']);
    assert.equal(transport.sentTo('https://c.test')[0]!.body.continueFrom, 'The function validates');
    const text = answer.response.message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    assert.equal(text, 'The function validatesroutes.');
    assert.equal(transport.sentTo('https://a.test').length, 1, 'a cut stream is not retried on its route');
  });

  it('restarts on a route that cannot continue, telling the caller to drop the partial text', async () => {
    const { router, transport } = setup([HOT_A, WARM], {}, { prefill: false });
    transport.script('https://a.test', { cutAfter: ['half an'] });
    const seen: AnswerEvent[] = [];
    const answer = await router.send(REQUEST, { stream: true, onAnswer: (e) => seen.push(e) });
    assert.equal(answer.continuation, 'restart');
    assert.deepEqual(seen.map((e) => e.type), ['text', 'restart', 'text', 'text']);
    assert.equal(transport.sentTo('https://c.test')[0]!.body.continueFrom, null);
    assert.equal(answer.attempts[0]!.outcome, 'truncated_stream');
  });

  it('cancels the whole chain: aborts the call in flight and tries nothing more', async () => {
    const { router, transport } = setup([HOT_A, WARM]);
    transport.script('https://a.test', { hang: true });
    const controller = new AbortController();
    const pending = router.send(REQUEST, { signal: controller.signal });
    await settle();
    controller.abort();
    await assert.rejects(pending, (e: unknown) => isCancelledError(e));
    await settle();
    assert.deepEqual(transport.aborted, ['https://a.test']);
    assert.equal(transport.sentTo('https://c.test').length, 0);
  });

  it('cancels during a Retry-After wait without waiting it out', async (t) => {
    // cockatiel 3's retry wait is not abortable; the chain stops waiting for it (fake clock here,
    // so the wait it leaves behind does not hold the test process).
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { router, transport } = setup([HOT_A, WARM], { retryAfterThresholdMs: 60_000 });
    transport.script('https://a.test', { status: 429, headers: { 'retry-after': '50' } });
    const controller = new AbortController();
    const pending = router.send(REQUEST, { signal: controller.signal });
    await settle();
    controller.abort();
    await assert.rejects(pending, (e: unknown) => isCancelledError(e));
    t.mock.timers.tick(60_000);
    await settle();
    assert.equal(transport.sentTo('https://a.test').length, 1, 'nothing is sent after the cancel, even when the wait ends');
    assert.equal(transport.sentTo('https://c.test').length, 0);
  });

  it('sends every try of one request with the same abort signal, and a fresh one after a time-out', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { router, transport } = setup([HOT_A, WARM], { retries: 2, timeoutMs: 5_000 });
    transport.script('https://a.test', { status: 503 }, { status: 503 }, { reply: 'third try' });
    const first = router.send(REQUEST);
    await advance(t, 1_000, 10);
    assert.equal((await first).attempts.length, 3);
    assert.equal(new Set(transport.signals).size, 1, 'one signal for the three tries');
    assert.equal(transport.signals[0]!.aborted, false, 'a finished request leaves its signal alone (the connection stays kept alive)');

    transport.script('https://a.test', { hang: true }, { reply: 'after the time-out' });
    const second = router.send(REQUEST);
    await advance(t, 6_000);
    const answer = await second;
    assert.deepEqual(answer.attempts.map((a) => a.outcome), ['timeout', 'answered']);
    const [timedOut, retried] = transport.signals.slice(3);
    assert.equal(timedOut!.aborted, true);
    assert.equal(retried!.aborted, false, 'the retry after a time-out is not born aborted');
    assert.notEqual(timedOut, transport.signals[0], 'each request has its own signal');
  });

  it('leaves no listener on the caller\'s signal once a request is answered or has failed over', async () => {
    const { router, transport } = setup([HOT_A, WARM], { retries: 0 });
    const controller = new AbortController();
    transport.script('https://a.test', { status: 500 });
    await router.send(REQUEST, { signal: controller.signal });
    await router.send(REQUEST, { signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('times out an attempt that never answers and fails over', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { router, transport } = setup([HOT_A, WARM], { retries: 0, timeoutMs: 5_000 });
    transport.script('https://a.test', { hang: true });
    const pending = router.send(REQUEST);
    await advance(t, 5_100);
    const answer = await pending;
    assert.equal(answer.route.id, 'warm');
    assert.equal(answer.attempts[0]!.outcome, 'timeout');
    assert.deepEqual(transport.aborted, ['https://a.test']);
  });
});
