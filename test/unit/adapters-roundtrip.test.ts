// A conversation with tool calls (two in parallel) started on any provider continues on every
// other: parsed from each provider's response format, answered with tool results, rebuilt for
// each target and accepted by that target's strict checks; then relayed through all four fakes
// over HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters';
import { AnswerBuilder, responseFromEvents } from '../../src/gateway/routing/answer';
import { toolCallsOf, type ChatRequest, type ChatResponse, type Message, type ToolDefinition } from '../../src/gateway/ir';
import type { HttpProviderKind, Route } from '../../src/gateway/routing/routes';
import { dialectFor, isRejection, type FakeProvider, type FakeReply } from '../fakes';
import { routeFor } from './conversation';
import { fixture } from './fixtureFiles';
import { fakesOfEveryKind, send } from './httpClient';

const bytes = (text: string) => new TextEncoder().encode(text);

function decodeAll(kind: HttpProviderKind, body: string): ChatResponse {
  const decoder = adapterFor(kind).createStreamDecoder();
  return responseFromEvents([...decoder.push(bytes(body)), ...decoder.end()]);
}

/** A fake's own rendering of a reply (independent of the adapters), parsed by the adapter. */
function renderedBy(kind: HttpProviderKind, reply: FakeReply, model: string, stream: boolean): ChatResponse {
  const d = dialectFor(kind);
  const ctx = { model, inputTokens: 10, includeUsage: true, newId: (prefix: string, n: number) => `${prefix}${'x'.repeat(n - 3)}${Math.random().toString(36).slice(2, 5)}` };
  return stream ? decodeAll(kind, d.streamEvents(reply, ctx).map((e) => e.text).join('')) : adapterFor(kind).parseResponse(JSON.stringify(d.wholeBody(reply, ctx)));
}

const TWO_CALLS: FakeReply = { text: 'Checking both.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_time', arguments: { zone: 'CET' } }] };

const SOURCES: Array<{ name: string; answer: () => ChatResponse }> = [
  { name: 'OpenAI stream, two parallel calls (recorded)', answer: () => decodeAll('openai', fixture('openai-parallel-tool-calls-stream.sse').text) },
  { name: 'Gemini 2.5 whole, two parallel calls, first signed (recorded)', answer: () => adapterFor('gemini').parseResponse(fixture('gemini-parallel-function-calls.json').text) },
  { name: 'Gemini 3 stream, signed call (recorded)', answer: () => decodeAll('gemini', fixture('gemini3-function-call-signature-stream.sse').text) },
  { name: 'Anthropic stream, text then a call (recorded)', answer: () => decodeAll('anthropic', fixture('anthropic-tool-use-stream.sse').text) },
  { name: 'Anthropic stream with thinking, two parallel calls', answer: () => renderedBy('anthropic', { ...TWO_CALLS, reasoning: 'I need two tools.' }, 'claude-sonnet-4-5', true) },
  { name: 'Anthropic whole, two parallel calls', answer: () => renderedBy('anthropic', TWO_CALLS, 'claude-sonnet-4-5', false) },
  { name: 'OpenAI-compatible stream with reasoning_content, two calls', answer: () => renderedBy('openai-compatible', { ...TWO_CALLS, reasoning: 'thinking' }, 'deepseek-chat', true) },
  { name: 'Gemini 3 stream, two calls', answer: () => renderedBy('gemini', TWO_CALLS, 'gemini-3-pro-preview', true) },
];

const TARGETS: Route[] = [
  routeFor('openai'),
  routeFor('openai', { model: 'o4-mini' }),
  routeFor('openai-compatible'),
  routeFor('anthropic'),
  routeFor('anthropic', { model: 'claude-opus-4-6' }),
  routeFor('gemini'),
  routeFor('gemini', { model: 'gemini-3-pro-preview' }),
];

/** Tools for the calls a conversation holds: a target may require their definitions. */
function toolsFor(messages: readonly Message[]): ToolDefinition[] {
  const names = new Set(messages.flatMap((m) => (m.role === 'assistant' ? toolCallsOf(m).map((c) => c.name) : [])));
  return [...names].map((name) => ({ name, description: `the ${name} tool`, parameters: { type: 'object', properties: { value: { type: 'string' } } } }));
}

/** The conversation after a tool-calling answer: every call answered, in one user turn. */
function continued(history: readonly Message[], answer: ChatResponse): Message[] {
  const calls = toolCallsOf(answer.message);
  assert.ok(calls.length > 0, 'the source answer must call tools');
  return [...history, answer.message, { role: 'user', parts: calls.map((c) => ({ type: 'tool_result' as const, callId: c.id, name: c.name, content: `${c.name} result` })) }];
}

function accepted(route: Route, request: ChatRequest, stream: boolean): void {
  // The fake's paths: a base URL as a route pointing at it would have.
  const local = { ...route, baseUrl: `http://127.0.0.1:9${dialectFor(route.provider as HttpProviderKind).basePath}` };
  const spec = adapterFor(route.provider as HttpProviderKind).buildRequest(local, request, { stream, apiKey: 'test-key' });
  const url = new URL(spec.url);
  try {
    dialectFor(route.provider as HttpProviderKind).accept({ method: 'POST', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: spec.headers, rawBody: spec.body }, { key: 'test-key' });
  } catch (e) {
    if (isRejection(e)) assert.fail(`${route.provider} ${route.model} refused it: ${e.message}`);
    throw e;
  }
}

describe('tool-call conversations across providers', () => {
  for (const source of SOURCES) {
    it(`${source.name}: continues on every provider`, () => {
      const messages = continued([{ role: 'user', parts: [{ type: 'text', text: 'Go.' }] }], source.answer());
      const request: ChatRequest = { system: 'Use the tools.', messages, tools: toolsFor(messages) };
      for (const route of TARGETS) for (const stream of [false, true]) accepted(route, request, stream);
    });
  }

  it('refuses (in the fake) what a careless translation would send: results split across messages, a Gemini 3 call without signature', () => {
    // The checks must be able to fail, or the test above proves nothing.
    const spec = adapterFor('anthropic').buildRequest(routeFor('anthropic'), { messages: [{ role: 'user', parts: [{ type: 'text', text: 'Go.' }] }] }, { stream: false, apiKey: 'test-key' });
    const body = JSON.parse(spec.body) as { messages: unknown[]; tools?: unknown[] };
    body.messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'f', input: {} }, { type: 'tool_use', id: 'toolu_b', name: 'f', input: {} }] });
    body.messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a' }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_b' }] });
    body.tools = [{ name: 'f', description: 'f', input_schema: { type: 'object' } }];
    assert.throws(() => dialectFor('anthropic').accept({ method: 'POST', path: '/v1/messages', query: {}, headers: spec.headers, rawBody: JSON.stringify(body) }, { key: 'test-key' }), /without `tool_result` blocks immediately after: toolu_b/);

    const messages = continued([{ role: 'user', parts: [{ type: 'text', text: 'Go.' }] }], SOURCES[0]!.answer());
    const route = routeFor('gemini', { model: 'gemini-3-pro-preview', baseUrl: 'http://127.0.0.1:9/v1beta' });
    const gemini = adapterFor('gemini').buildRequest(route, { messages, tools: toolsFor(messages) }, { stream: false, apiKey: 'test-key' });
    const unsigned = gemini.body.replaceAll(',"thoughtSignature":"skip_thought_signature_validator"', '');
    assert.notEqual(unsigned, gemini.body);
    const path = new URL(gemini.url).pathname;
    assert.throws(() => dialectFor('gemini').accept({ method: 'POST', path, query: {}, headers: gemini.headers, rawBody: unsigned }, { key: 'test-key' }), /missing a thought_signature/);
  });
});

describe('a conversation relayed through every provider over HTTP', () => {
  const { agent, fakes } = fakesOfEveryKind();

  async function hop(route: Route, messages: readonly Message[], reply: FakeReply, stream: boolean): Promise<ChatResponse> {
    const fake = fakes.get(route.provider as HttpProviderKind) as FakeProvider;
    fake.reset();
    fake.script({ reply });
    const request: ChatRequest = { system: 'Use the tools.', messages, tools: toolsFor([...messages, { role: 'assistant', parts: (reply.toolCalls ?? []).map((c, i) => ({ type: 'tool_call', id: `x${i}`, name: c.name, arguments: c.arguments })) }]) };
    const adapter = adapterFor(route.provider as HttpProviderKind);
    const spec = adapter.buildRequest({ ...route, baseUrl: fake.url }, request, { stream, apiKey: 'test-key' });
    const r = await send(agent, spec.url, { headers: spec.headers, body: spec.body });
    assert.equal(fake.requests[0]?.rejected, undefined, `${route.provider} refused: ${fake.requests[0]?.rejected?.message}`);
    assert.equal(r.status, 200);
    if (!stream) return adapter.parseResponse(r.body);
    const builder = new AnswerBuilder();
    const decoder = adapter.createStreamDecoder();
    for (const e of [...decoder.push(bytes(r.body)), ...decoder.end()]) builder.add(e);
    return builder.response();
  }

  const orders: HttpProviderKind[][] = [
    ['openai', 'anthropic', 'gemini', 'openai-compatible', 'openai'],
    ['gemini', 'openai-compatible', 'anthropic', 'openai', 'gemini'],
  ];
  for (const order of orders) {
    for (const stream of [true, false]) {
      it(`${order.join(' -> ')} (${stream ? 'streamed' : 'whole'}), each hop making two parallel calls`, async () => {
        let messages: Message[] = [{ role: 'user', parts: [{ type: 'text', text: 'Plan my day in Paris.' }] }];
        for (const [i, kind] of order.entries()) {
          const route = routeFor(kind, kind === 'gemini' ? { model: 'gemini-3-pro-preview' } : {});
          const last = i === order.length - 1;
          const reply: FakeReply = last ? { text: 'Here is your plan.' } : { text: `Step ${i}.`, toolCalls: [{ name: `tool_${i}_a`, arguments: { n: i } }, { name: `tool_${i}_b`, arguments: {} }] };
          const answer = await hop(route, messages, reply, stream);
          if (last) {
            assert.equal(answer.stopReason, 'end');
            assert.equal(answer.message.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''), 'Here is your plan.');
          } else {
            assert.deepEqual(toolCallsOf(answer.message).map((c) => [c.name, c.arguments, c.origin?.provider]), [[`tool_${i}_a`, { n: i }, kind], [`tool_${i}_b`, {}, kind]]);
            messages = continued(messages, answer);
          }
        }
        // Every hop's request carried the whole history: the last one holds all earlier calls.
        assert.equal(messages.filter((m) => m.role === 'assistant').length, order.length - 1);
      });
    }
  }
});
