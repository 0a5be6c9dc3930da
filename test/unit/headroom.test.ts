// Rate-limit headroom: the limits OpenAI and Anthropic report with each answer are read per
// route; a request the remaining tokens cannot hold before the reset goes to the next route with
// no call to the first; the route is tried again once its reset has passed; a route running low
// is reported once. A burst against strict fakes counts the 429s it saves, with and without.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import type { GatewayEvent } from '../../src/gateway/routing/events';
import type { ChatRequest } from '../../src/gateway/ir';
import { DEFAULT_POLICY } from '../../src/gateway/routing/policyConfig';
import { headroomShortfall, headroomSummary, parseResetDuration, readRateLimits } from '../../src/gateway/routing/rateLimits';
import { Router } from '../../src/gateway/routing/router';
import type { HttpProviderKind, Route } from '../../src/gateway/routing/routes';
import { startFakeProvider, type FakeProvider, type FakeStep } from '../fakes/index';

const T0 = Date.parse('2026-12-04T12:00:00Z');
const headerOf = (headers: Record<string, string>) => (name: string) => headers[name];

// The example headers of OpenAI's rate-limit guide, and of Anthropic's rate-limits page.
const OPENAI_HEADERS = {
  'x-ratelimit-limit-requests': '60',
  'x-ratelimit-limit-tokens': '150000',
  'x-ratelimit-remaining-requests': '59',
  'x-ratelimit-remaining-tokens': '149984',
  'x-ratelimit-reset-requests': '1s',
  'x-ratelimit-reset-tokens': '6m0s',
};
const ANTHROPIC_HEADERS = {
  'anthropic-ratelimit-requests-limit': '50',
  'anthropic-ratelimit-requests-remaining': '49',
  'anthropic-ratelimit-requests-reset': '2026-12-04T12:00:01Z',
  'anthropic-ratelimit-tokens-limit': '50000',
  'anthropic-ratelimit-tokens-remaining': '48000',
  'anthropic-ratelimit-tokens-reset': '2026-12-04T12:00:30Z',
  'anthropic-ratelimit-input-tokens-limit': '40000',
  'anthropic-ratelimit-input-tokens-remaining': '39000',
  'anthropic-ratelimit-input-tokens-reset': '2026-12-04T12:00:30Z',
  'anthropic-ratelimit-output-tokens-limit': '8000',
  'anthropic-ratelimit-output-tokens-remaining': '300',
  'anthropic-ratelimit-output-tokens-reset': '2026-12-04T12:00:20Z',
};

describe('rate-limit headers', () => {
  it('reads OpenAI\'s x-ratelimit-* with their reset durations', () => {
    const reading = readRateLimits('openai', headerOf(OPENAI_HEADERS), T0)!;
    assert.deepEqual(reading.requests, { limit: 60, remaining: 59, resetAt: T0 + 1_000 });
    assert.deepEqual(reading.tokens, { limit: 150_000, remaining: 149_984, resetAt: T0 + 360_000 });
    assert.deepEqual(readRateLimits('openai-compatible', headerOf(OPENAI_HEADERS), T0)?.tokens?.remaining, 149_984, 'gateways that send them too');
  });

  it('reads Anthropic\'s anthropic-ratelimit-* with their RFC 3339 resets, each bucket apart', () => {
    const reading = readRateLimits('anthropic', headerOf(ANTHROPIC_HEADERS), T0)!;
    assert.deepEqual(reading.requests, { limit: 50, remaining: 49, resetAt: T0 + 1_000 });
    assert.deepEqual(reading.tokens, { limit: 50_000, remaining: 48_000, resetAt: T0 + 30_000 });
    assert.deepEqual(reading.outputTokens, { limit: 8_000, remaining: 300, resetAt: T0 + 20_000 });
    assert.equal(readRateLimits('openai', headerOf(ANTHROPIC_HEADERS), T0), undefined, 'each provider\'s own headers only');
  });

  it('finds none on Gemini, or on a response without them, or in values that are not numbers', () => {
    assert.equal(readRateLimits('gemini', headerOf(OPENAI_HEADERS), T0), undefined);
    assert.equal(readRateLimits('openai', headerOf({}), T0), undefined);
    assert.equal(readRateLimits('openai', headerOf({ 'x-ratelimit-remaining-tokens': 'lots' }), T0), undefined);
  });

  it('parses reset durations as OpenAI writes them, and refuses what it cannot read', () => {
    assert.equal(parseResetDuration('6m0s'), 360_000);
    assert.equal(parseResetDuration('20ms'), 20);
    assert.equal(parseResetDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseResetDuration('2'), 2_000);
    assert.equal(parseResetDuration('soon'), undefined);
    assert.equal(parseResetDuration('5s later'), undefined);
  });

  it('says why a request does not fit, only while the reset is ahead, and summarises what is left', () => {
    const reading = readRateLimits('anthropic', headerOf(ANTHROPIC_HEADERS), T0)!;
    assert.equal(headroomShortfall(reading, { input: 1_000, output: 200 }, T0), undefined);
    assert.match(headroomShortfall(reading, { input: 1_000, output: 512 }, T0)!, /^300 output tokens left of its rate limit until the reset in 20 s; this request's answer cap is 512$/);
    assert.equal(headroomShortfall(reading, { input: 1_000, output: 512 }, T0 + 20_001), undefined, 'after the reset the bucket is full again');
    assert.equal(headroomShortfall({ at: T0, tokens: { remaining: 0 } }, { input: 1, output: 1 }, T0), undefined, 'without a reset time nothing is skipped');
    assert.equal(headroomSummary(readRateLimits('openai', headerOf(OPENAI_HEADERS), T0)!, T0), '59 of 60 requests, 149,984 of 150,000 tokens left; resets in 360 s');
  });
});

const QUESTION: ChatRequest = { system: 'You explain code.', messages: [{ role: 'user', parts: [{ type: 'text', text: 'Explain parseRoutes.' }] }] };
const MODEL: Record<HttpProviderKind, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash', 'openai-compatible': 'deepseek-chat' };

function route(id: string, kind: HttpProviderKind, fake: FakeProvider, tier: 'hot' | 'warm'): Route {
  return { id, tier, provider: kind, model: MODEL[kind], baseUrl: fake.url, secret: 'KEY', maxOutputTokens: 512 };
}

/** OpenAI's headers for a token bucket with `left` tokens, resetting in `reset`. */
const openAiLeft = (left: number, reset = '30s') => ({
  'x-ratelimit-limit-tokens': '10000', 'x-ratelimit-remaining-tokens': String(left), 'x-ratelimit-reset-tokens': reset,
  'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '400', 'x-ratelimit-reset-requests': '120ms',
});

describe('headroom routing on the wire', () => {
  let openai: FakeProvider;
  let anthropic: FakeProvider;
  let gemini: FakeProvider;
  let clock: number;
  let events: GatewayEvent[];

  before(async () => {
    openai = await startFakeProvider('openai', { key: 'test-key' });
    anthropic = await startFakeProvider('anthropic', { key: 'test-key' });
    gemini = await startFakeProvider('gemini', { key: 'test-key' });
  });
  after(async () => {
    await openai.close();
    await anthropic.close();
    await gemini.close();
  });
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
    gemini.reset();
    clock = T0;
    events = [];
  });

  const router = (routes: Route[], headroomRouting = true) => new Router({
    routes, policy: { ...DEFAULT_POLICY, retries: 0, timeoutMs: 5_000 }, adapterFor, keyFor: async () => 'test-key',
    onEvent: (e) => events.push(e), now: () => clock, headroomRouting,
  });

  it('skips a route whose remaining tokens cannot hold the request, with no call, and tries it again after the reset', async () => {
    const r = router([route('openai-hot', 'openai', openai, 'hot'), route('claude-warm', 'anthropic', anthropic, 'warm')]);
    openai.script({ reply: { text: 'first' }, headers: openAiLeft(300) });
    assert.equal((await r.send(QUESTION)).route.id, 'openai-hot');
    const [status] = r.routeStatus();
    assert.equal(status!.headroom?.tokens?.remaining, 300, 'Show Routes and the tooltip see what is left');

    const second = await r.send(QUESTION);
    assert.equal(second.route.id, 'claude-warm');
    assert.equal(openai.requests.length, 1, 'no call was spent on a 429');
    const skipped = second.attempts[0]!;
    assert.equal(skipped.outcome, 'no-headroom');
    assert.equal(skipped.skipped, true);
    assert.match(skipped.message!, /^300 tokens left of its rate limit until the reset in 30 s; this request needs up to \d+ \(\d+ input \+ 512 answer cap\)$/);

    clock += 31_000;
    assert.equal(r.routeStatus()[0]!.headroom, undefined, 'the reading lapses at its reset');
    assert.equal((await r.send(QUESTION)).route.id, 'openai-hot', 'tried again once the bucket has reset');
    assert.equal(openai.requests.length, 2);
    r.dispose();
  });

  it('reads Anthropic\'s output-token bucket against the answer cap, and warns once when a route runs low', async () => {
    const r = router([route('claude-hot', 'anthropic', anthropic, 'hot'), route('openai-warm', 'openai', openai, 'warm')]);
    anthropic.script({ reply: { text: 'first' }, headers: ANTHROPIC_HEADERS });
    await r.send(QUESTION);
    clock = T0 + 5_000;
    const second = await r.send(QUESTION);
    assert.equal(second.route.id, 'openai-warm');
    assert.match(second.attempts[0]!.message!, /^300 output tokens left .* answer cap is 512$/);
    const low = events.filter((e) => e.type === 'headroom-low');
    assert.deepEqual(low, [{ type: 'headroom-low', route: 'claude-hot', what: 'output tokens', percentLeft: 3.8, resetAt: T0 + 20_000 }]);
    r.dispose();
  });

  it('takes a 429\'s wait (Gemini\'s RetryInfo) as no request left until then', async () => {
    const r = router([route('gemini-hot', 'gemini', gemini, 'hot'), route('openai-warm', 'openai', openai, 'warm')]);
    gemini.script({ fault: { type: 'http', failure: 'rate_limited', retryDelay: '30s' } });
    const first = await r.send(QUESTION);
    assert.equal(first.route.id, 'openai-warm');
    assert.equal(first.attempts[0]!.outcome, 'rate_limited');
    const second = await r.send(QUESTION);
    assert.equal(second.route.id, 'openai-warm');
    assert.equal(second.attempts[0]!.outcome, 'no-headroom');
    assert.match(second.attempts[0]!.message!, /^no requests left of its rate limit until the reset in 30 s$/);
    assert.equal(gemini.requests.length, 1, 'no second 429 was spent');
    clock += 30_001;
    assert.equal((await r.send(QUESTION)).route.id, 'gemini-hot', 'asked again once the wait is over');
    r.dispose();
  });

  it('believes no reset more than an hour ahead, reads epoch-second resets, and forgets the limits on a breaker reset', async () => {
    const epoch = readRateLimits('openai-compatible', headerOf({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': String((T0 + 20_000) / 1000) }), T0)!;
    assert.equal(epoch.tokens?.resetAt, T0 + 20_000, 'epoch seconds, as some gateways write them');
    const far = readRateLimits('anthropic', headerOf({ 'anthropic-ratelimit-tokens-remaining': '0', 'anthropic-ratelimit-tokens-reset': '2027-06-01T00:00:00Z' }), T0)!;
    assert.equal(far.tokens?.resetAt, T0 + 3_600_000, 'a reset months ahead parks the route an hour at most');

    const r = router([route('openai-hot', 'openai', openai, 'hot'), route('claude-warm', 'anthropic', anthropic, 'warm')]);
    openai.script({ fault: { type: 'http', failure: 'rate_limited', retryAfter: 86_400 } });
    await r.send(QUESTION);
    assert.equal(r.routeStatus()[0]!.headroom?.requests?.resetAt, T0 + 3_600_000, 'a day-long Retry-After is held for an hour at most');
    assert.equal((await r.send(QUESTION)).attempts[0]!.outcome, 'no-headroom');
    r.resetBreaker('openai-hot');
    assert.equal(r.routeStatus()[0]!.headroom, undefined, 'Reset is the user saying "try it"');
    assert.equal((await r.send(QUESTION)).route.id, 'openai-hot');
    r.dispose();
  });

  it('keeps a 429\'s wait when the same 429 carries rate-limit headers that look roomy', async () => {
    const r = router([route('openai-hot', 'openai', openai, 'hot'), route('claude-warm', 'anthropic', anthropic, 'warm')]);
    openai.script({ fault: { type: 'http', failure: 'rate_limited', retryAfter: 20 }, headers: openAiLeft(9_000) });
    await r.send(QUESTION);
    const second = await r.send(QUESTION);
    assert.equal(second.attempts[0]!.outcome, 'no-headroom', JSON.stringify(second.attempts));
    assert.match(second.attempts[0]!.message!, /^no requests left of its rate limit until the reset in 20 s$/);
    assert.equal(r.routeStatus()[0]!.headroom?.tokens?.remaining, 9_000, 'the headers are kept beside the wait');
    assert.equal(openai.requests.length, 1);
    r.dispose();
  });

  it('in a burst, goes round a route about to refuse instead of spending 429s on it (prints the calls saved)', async () => {
    const BURST = 12;
    // A provider whose token window empties after three answers, then refuses until its reset.
    const script = (): FakeStep[] => [
      { reply: { text: 'ok' }, headers: openAiLeft(2_000) },
      { reply: { text: 'ok' }, headers: openAiLeft(1_100) },
      { reply: { text: 'ok' }, headers: openAiLeft(200) },
      ...Array.from({ length: BURST }, (): FakeStep => ({ fault: { type: 'http', failure: 'rate_limited', retryAfter: 30 }, headers: openAiLeft(0) })),
    ];
    const refusals: Record<string, number> = {};
    for (const headroomRouting of [false, true]) {
      openai.reset();
      anthropic.reset();
      openai.script(...script());
      const r = router([route('openai-hot', 'openai', openai, 'hot'), route('claude-warm', 'anthropic', anthropic, 'warm')], headroomRouting);
      for (let i = 0; i < BURST; i++) assert.ok((await r.send(QUESTION)).response, `request ${i} answered`);
      refusals[String(headroomRouting)] = openai.requests.filter((q) => q.step?.fault).length;
      assert.equal(openai.requests.length + anthropic.requests.length - refusals[String(headroomRouting)]!, BURST, 'every request answered once');
      r.dispose();
    }
    console.log(`[figure] burst of ${BURST} requests, hot route out of tokens after 3: 429s spent without headroom routing ${refusals.false}, with it ${refusals.true}`);
    assert.equal(refusals.true, 0);
    assert.ok(refusals.false! > 0);
  });
});
