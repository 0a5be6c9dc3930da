// Each scripted fault, seen from a plain HTTP client: what reaches the wire, for every provider kind.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters';
import type { ChatRequest } from '../../src/gateway/ir';
import { HTTP_PROVIDER_KINDS, type HttpProviderKind } from '../../src/gateway/routing/routes';
import { startFakeProvider, type FakeProvider, type FakeStep } from '../fakes';
import { routeFor } from './conversation';
import { newAgent, send } from './httpClient';

const ASK: ChatRequest = { messages: [{ role: 'user', parts: [{ type: 'text', text: 'What is the weather?' }] }], tools: [{ name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] };
const WITH_CALL: FakeStep['reply'] = { text: 'Looking it up.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris, France' } }] };

/** The end marker of each format, whose absence makes a stream incomplete. */
const TERMINAL: Record<HttpProviderKind, string> = {
  openai: 'data: [DONE]',
  'openai-compatible': 'data: [DONE]',
  anthropic: 'event: message_stop',
  gemini: '"finishReason"',
};

const STREAM_TYPE: Record<HttpProviderKind, string> = {
  openai: 'text/event-stream; charset=utf-8',
  'openai-compatible': 'text/event-stream; charset=utf-8',
  anthropic: 'text/event-stream; charset=utf-8',
  gemini: 'text/event-stream',
};

/** Pieces of the provider's own error body that say which error it is. */
function errorShape(kind: HttpProviderKind, body: string): unknown {
  const json = JSON.parse(body) as { error: Record<string, unknown>; type?: string };
  if (kind === 'openai') return [json.error.type, json.error.code];
  if (kind === 'openai-compatible') return json.error.code;
  if (kind === 'anthropic') return [json.type, json.error.type];
  return [json.error.code, json.error.status];
}

const RATE_LIMIT_SHAPE: Record<HttpProviderKind, unknown> = {
  openai: ['requests', 'rate_limit_exceeded'],
  'openai-compatible': 429,
  anthropic: ['error', 'rate_limit_error'],
  gemini: [429, 'RESOURCE_EXHAUSTED'],
};

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('fake providers on the wire', () => {
  const agent = newAgent();
  after(() => agent.close());

  for (const kind of HTTP_PROVIDER_KINDS) {
    describe(kind, () => {
      let fake: FakeProvider;
      let clock = 0;
      before(async () => {
        fake = await startFakeProvider(kind, { now: () => clock });
      });
      after(() => fake.close());
      beforeEach(() => fake.reset());

      const call = (stream: boolean, extra: { signal?: AbortSignal; timeoutMs?: number; key?: string } = {}) => {
        const spec = adapterFor(kind).buildRequest(routeFor(kind, { baseUrl: fake.url }), ASK, { stream, apiKey: extra.key ?? 'test-key' });
        return send(agent, spec.url, { headers: spec.headers, body: spec.body, signal: extra.signal, timeoutMs: extra.timeoutMs });
      };

      it('streams a reply in the real framing and content type, and answers a whole one as JSON', async () => {
        fake.script({ reply: WITH_CALL }, { reply: WITH_CALL });
        const streamed = await call(true);
        assert.equal(streamed.status, 200);
        assert.equal(streamed.headers['content-type'], STREAM_TYPE[kind]);
        assert.ok(streamed.body.includes(TERMINAL[kind]));
        if (kind === 'gemini') assert.equal(streamed.body.split('\r\n\r\n').filter(Boolean).every((e) => e.startsWith('data: {')), true);
        else assert.equal(streamed.body.includes('\r'), false);
        const whole = await call(false);
        assert.equal(whole.status, 200);
        assert.match(whole.headers['content-type'] ?? '', /^application\/json/);
        assert.ok(JSON.parse(whole.body));
      });

      it('answers an HTTP fault with the provider\'s status, error body and retry headers', async () => {
        fake.script({ fault: { type: 'http', failure: 'rate_limited', retryAfter: 2, retryAfterMs: 1500, retryDelay: '2s' } });
        const r = await call(false);
        assert.equal(r.status, 429);
        assert.equal(r.headers['retry-after'], '2');
        assert.equal(r.headers['retry-after-ms'], '1500');
        assert.deepEqual(errorShape(kind, r.body), RATE_LIMIT_SHAPE[kind]);
        if (kind === 'gemini') assert.match(r.body, /"retryDelay":"2s"/);
        fake.script({ fault: { type: 'http', failure: 'server_error', status: 502, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT', headers: { 'x-extra': 'yes' } } });
        const custom = await call(true);
        assert.deepEqual([custom.status, custom.headers['retry-after'], custom.headers['x-extra']], [502, 'Wed, 21 Oct 2026 07:28:00 GMT', 'yes']);
      });

      it('hangs until the client gives up, and records that the client closed the socket', async () => {
        fake.script({ fault: { type: 'hang' } });
        const controller = new AbortController();
        const pending = call(true, { signal: controller.signal });
        await until(() => fake.requests.length === 1);
        controller.abort();
        const r = await pending;
        assert.equal(r.error?.stage, 'headers');
        const rec = await fake.whenClosed(0);
        assert.equal(rec.aborted, true);
      });

      it('delays headers past a client time limit', async () => {
        fake.script({ delayMs: 30_000, reply: { text: 'late' } });
        const r = await call(false, { timeoutMs: 100 });
        assert.deepEqual([r.error?.stage, r.error?.code], ['headers', 'TIMEOUT']);
        assert.equal((await fake.whenClosed(0)).aborted, true);
      });

      it('resets the connection before headers, and after them', async () => {
        fake.script({ fault: { type: 'reset', when: 'before_headers' } }, { fault: { type: 'reset', when: 'after_headers' } });
        const before = await call(true);
        assert.equal(before.status, undefined);
        assert.equal(before.error?.stage, 'headers');
        const afterHeaders = await call(true);
        assert.equal(afterHeaders.status, 200);
        assert.equal(afterHeaders.error?.stage, 'body');
        assert.equal(fake.requests[1]?.aborted, false, 'a reset by the fake is not a client abort');
      });

      it('cuts a stream inside a tool call\'s arguments, cleanly or by closing the socket', async () => {
        fake.script({ reply: WITH_CALL, fault: { type: 'cut', insideToolCall: true } }, { reply: WITH_CALL, fault: { type: 'cut', insideToolCall: true, how: 'destroy' } });
        const clean = await call(true);
        assert.equal(clean.error, undefined);
        assert.ok(clean.body.includes('Looking'), 'the text before the call arrived');
        assert.ok(!clean.body.includes(TERMINAL[kind]));
        assert.ok(!clean.body.includes('France'), 'the arguments were cut before their end');
        const destroyed = await call(true);
        assert.equal(destroyed.error?.stage, 'body');
        assert.ok(destroyed.body.includes('Looking'));
      });

      it('cuts after N events, and leaves out only the end marker', async () => {
        fake.script({ reply: { text: 'abcdefghij', chunkSize: 2 }, fault: { type: 'cut', afterEvents: 2 } }, { reply: { text: 'abcdefghij', chunkSize: 2 }, fault: { type: 'no_terminal' } });
        const cut = await call(true);
        assert.equal(cut.body.split(kind === 'gemini' ? '\r\n\r\n' : '\n\n').filter(Boolean).length, 2);
        const open = await call(true);
        assert.ok(!open.body.includes(TERMINAL[kind]));
        for (const piece of ['ab', 'cd', 'ef', 'gh', 'ij']) assert.ok(open.body.includes(`"${piece}"`), piece);
      });

      it('sends an error event inside a 200 stream, an error inside a 200 body, and garbage', async () => {
        fake.script({ reply: { text: 'partial answer' }, fault: { type: 'stream_error', failure: 'overloaded' } }, { fault: { type: 'body_error', failure: 'server_error' } }, { fault: { type: 'malformed' } });
        const streamError = await call(true);
        assert.equal(streamError.status, 200);
        assert.ok(streamError.body.includes('partial'));
        assert.match(streamError.body, kind === 'anthropic' ? /event: error\ndata: .*overloaded_error/ : kind === 'gemini' ? /"status":"UNAVAILABLE"/ : /"error":\{/);
        const bodyError = await call(false);
        assert.equal(bodyError.status, 200);
        assert.ok((JSON.parse(bodyError.body) as { error?: unknown }).error);
        const garbage = await call(false);
        assert.equal(garbage.status, 200);
        assert.throws(() => JSON.parse(garbage.body));
      });

      it('consumes steps in order, falls back to the default reply, and spends no step on a refused request', async () => {
        clock = 1234;
        fake.script({ reply: { text: 'first' } }, { reply: { text: 'second' } });
        const refused = await call(false, { key: 'wrong-key' });
        assert.ok(refused.status === 400 || refused.status === 401);
        assert.equal(fake.pendingSteps(), 2);
        assert.match((await call(false)).body, /first/);
        assert.match((await call(false)).body, /second/);
        assert.match((await call(false)).body, /Hello from the fake provider/);
        const [rec] = fake.requests;
        assert.equal(rec?.method, 'POST');
        assert.equal(rec?.time, 1234);
        assert.ok(rec?.rejected);
        assert.equal(fake.requests[1]?.rejected, undefined);
        assert.deepEqual(fake.requests[1]?.step, { reply: { text: 'first' } });
        assert.ok(typeof fake.requests[1]?.body === 'object');
      });
    });
  }

  it('gemini: answers streamGenerateContent without alt=sse with a JSON array, and a blocked prompt with promptFeedback', async () => {
    const fake = await startFakeProvider('gemini');
    try {
      const spec = adapterFor('gemini').buildRequest(routeFor('gemini', { baseUrl: fake.url }), ASK, { stream: true, apiKey: 'test-key' });
      const array = await send(agent, spec.url.replace('?alt=sse', ''), { headers: spec.headers, body: spec.body });
      assert.ok(Array.isArray(JSON.parse(array.body)));
      fake.script({ fault: { type: 'blocked' } });
      const whole = adapterFor('gemini').buildRequest(routeFor('gemini', { baseUrl: fake.url }), ASK, { stream: false, apiKey: 'test-key' });
      const blocked = await send(agent, whole.url, { headers: whole.headers, body: whole.body });
      assert.equal((JSON.parse(blocked.body) as { promptFeedback: { blockReason: string } }).promptFeedback.blockReason, 'SAFETY');
      assert.equal(fake.requests[0]?.query.alt, undefined);
      assert.equal(fake.requests[1]?.headers['x-goog-api-key'], 'test-key');
    } finally {
      await fake.close();
    }
  });
});
