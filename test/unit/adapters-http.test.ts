// Adapters against the fake providers through real HTTP: every fault class, for every provider
// kind, ends in the failure kind the taxonomy decides (a minimal transport stands in for the
// router's: network errors are `connection`, a headers timeout is `timeout`, the rest is the adapter's).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters';
import { responseFromEvents } from '../../src/gateway/routing/answer';
import { isProviderError, type FailureKind } from '../../src/gateway/routing/failures';
import type { ChatRequest } from '../../src/gateway/ir';
import { HTTP_PROVIDER_KINDS, type HttpProviderKind } from '../../src/gateway/routing/routes';
import type { StreamEvent } from '../../src/gateway/routing/stream';
import { HTTP_FAILURES, type FakeProvider, type FakeStep } from '../fakes';
import { routeFor } from './conversation';
import { fakesOfEveryKind, send } from './httpClient';

const ASK: ChatRequest = { messages: [{ role: 'user', parts: [{ type: 'text', text: 'Weather in Paris?' }] }], tools: [{ name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] };
const REPLY: FakeStep['reply'] = { text: 'Let me check the weather.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] };

interface Outcome {
  readonly outcome: 'answer' | FailureKind;
  readonly events: StreamEvent[];
  readonly partialText?: string;
}

describe('adapters over HTTP against the fake providers', () => {
  const { agent, fakes } = fakesOfEveryKind();

  /** One attempt as the router's transport would make it. */
  async function attempt(kind: HttpProviderKind, step: FakeStep, stream: boolean): Promise<Outcome> {
    const fake = fakes.get(kind) as FakeProvider;
    fake.reset();
    fake.script(step);
    const adapter = adapterFor(kind);
    const spec = adapter.buildRequest(routeFor(kind, { baseUrl: fake.url }), ASK, { stream, apiKey: 'test-key' });
    const r = await send(agent, spec.url, { headers: spec.headers, body: spec.body, timeoutMs: 100 });
    assert.equal(fake.requests[0]?.rejected, undefined, `the fake refused the adapter's request: ${JSON.stringify(fake.requests[0]?.rejected)}`);
    if (r.error?.stage === 'headers') return { outcome: r.error.code === 'TIMEOUT' ? 'timeout' : 'connection', events: [] };
    if ((r.status ?? 0) >= 300) return { outcome: adapter.classifyError(r.status ?? 0, r.headers, r.body, Date.now()).kind, events: [] };
    const events: StreamEvent[] = [];
    if (r.error && !stream) return { outcome: 'connection', events };
    try {
      if (!stream) {
        const response = adapter.parseResponse(r.body);
        return { outcome: 'answer', events: response.message.parts.map((p) => (p.type === 'tool_call' ? { type: 'tool_call', call: p } : { type: 'text', text: p.type === 'text' ? p.text : '' })) };
      }
      const decoder = adapter.createStreamDecoder();
      events.push(...decoder.push(new TextEncoder().encode(r.body)));
      if (r.error) return { outcome: 'connection', events };
      events.push(...decoder.end());
      return { outcome: 'answer', events };
    } catch (e) {
      assert.ok(isProviderError(e), String(e));
      return { outcome: e.kind, events, partialText: e.partialText };
    }
  }

  const calls = (o: Outcome) => o.events.filter((e) => e.type === 'tool_call');

  for (const kind of HTTP_PROVIDER_KINDS) {
    describe(kind, () => {
      for (const failure of HTTP_FAILURES) {
        it(`HTTP ${failure} -> ${failure}`, async () => {
          assert.equal((await attempt(kind, { fault: { type: 'http', failure } }, true)).outcome, failure);
        });
      }

      it('no headers in time -> timeout; a hang -> timeout; resets -> connection', async () => {
        assert.equal((await attempt(kind, { delayMs: 20_000 }, false)).outcome, 'timeout');
        assert.equal((await attempt(kind, { fault: { type: 'hang' } }, true)).outcome, 'timeout');
        assert.equal((await attempt(kind, { fault: { type: 'reset', when: 'before_headers' } }, true)).outcome, 'connection');
        assert.equal((await attempt(kind, { fault: { type: 'reset', when: 'after_headers' } }, false)).outcome, 'connection');
      });

      it('a stream cut inside a tool call -> truncated_stream with the text so far, and the call never emitted', async () => {
        const o = await attempt(kind, { reply: REPLY, fault: { type: 'cut', insideToolCall: true } }, true);
        assert.equal(o.outcome, 'truncated_stream');
        assert.equal(calls(o).length, 0);
        assert.equal(o.partialText, 'Let me check the weather.');
      });

      it('a stream with no end marker -> truncated_stream; a socket closed mid-stream -> connection', async () => {
        const open = await attempt(kind, { reply: REPLY, fault: { type: 'no_terminal' } }, true);
        assert.equal(open.outcome, 'truncated_stream');
        assert.equal(open.partialText, 'Let me check the weather.');
        // A call whose block closed (Anthropic) or came whole (Gemini) is complete and was emitted;
        // OpenAI's calls complete only with finish_reason. The router runs none: the stream failed.
        assert.equal(calls(open).length, kind === 'anthropic' || kind === 'gemini' ? 1 : 0);
        const closed = await attempt(kind, { reply: { text: 'abcdefgh', chunkSize: 2 }, fault: { type: 'cut', afterEvents: 3, how: 'destroy' } }, true);
        assert.equal(closed.outcome, 'connection');
      });

      it('error events inside a 200 stream -> their kind, with the text so far', async () => {
        for (const failure of ['overloaded', 'server_error', 'rate_limited'] as const) {
          const o = await attempt(kind, { reply: { text: 'Partial answer' }, fault: { type: 'stream_error', failure } }, true);
          assert.deepEqual([o.outcome, o.partialText], [failure, 'Partial answer'], failure);
        }
      });

      it('an error inside a 200 body -> its kind; garbage -> malformed', async () => {
        assert.equal((await attempt(kind, { fault: { type: 'body_error', failure: 'overloaded' } }, false)).outcome, 'overloaded');
        assert.equal((await attempt(kind, { fault: { type: 'body_error', failure: 'rate_limited' } }, true)).outcome, 'rate_limited');
        assert.equal((await attempt(kind, { fault: { type: 'malformed' } }, false)).outcome, 'malformed');
        assert.equal((await attempt(kind, { reply: { text: 'abcdef', chunkSize: 1 }, fault: { type: 'malformed', afterEvents: 2 } }, true)).outcome, 'malformed');
      });

      it('a blocked prompt -> bad_request on Gemini, an empty content-filtered answer elsewhere', async () => {
        const o = await attempt(kind, { fault: { type: 'blocked' } }, true);
        assert.equal(o.outcome, kind === 'gemini' ? 'bad_request' : 'answer');
        if (kind !== 'gemini') assert.deepEqual(o.events.at(-1), { type: 'end', stopReason: 'content_filter', model: routeFor(kind).model });
      });

      it('a whole reply and a stream of the same reply make the same answer', async () => {
        const streamed = await attempt(kind, { reply: { ...REPLY, usage: { inputTokens: 11, outputTokens: 7 } } }, true);
        const answer = responseFromEvents(streamed.events);
        const whole = await attempt(kind, { reply: { ...REPLY, usage: { inputTokens: 11, outputTokens: 7 } } }, false);
        assert.equal(answer.stopReason, 'tool_calls');
        assert.deepEqual(answer.usage, { inputTokens: 11, outputTokens: 7 });
        const strip = (parts: readonly unknown[]) => parts.map((p) => ({ ...(p as object), id: undefined, origin: undefined }));
        assert.deepEqual(strip(answer.message.parts), strip(whole.events.map((e) => (e.type === 'tool_call' ? e.call : { type: 'text', text: (e as { text: string }).text }))));
      });
    });
  }
});
