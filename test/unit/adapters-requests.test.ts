// Requests built from the IR, checked field by field against each provider's documented format.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor, canPrefill } from '../../src/gateway/routing/adapters';
import { geminiParameters } from '../../src/gateway/routing/adapters/geminiSchema';
import type { ChatRequest } from '../../src/gateway/ir';
import { CONVERSATION, REQUEST, routeFor } from './conversation';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';

const build = (route: ReturnType<typeof routeFor>, request: ChatRequest, options: Partial<Parameters<ReturnType<typeof adapterFor>['buildRequest']>[2]> = {}) => {
  const spec = adapterFor(route.provider as HttpProviderKind).buildRequest(route, request, { stream: false, apiKey: 'k-123', ...options });
  return { ...spec, json: JSON.parse(spec.body) as Record<string, unknown> };
};

describe('OpenAI request', () => {
  it('puts system first, tool_calls with the calls\' own ids, one tool message per result, tools, max_completion_tokens', () => {
    const r = build(routeFor('openai'), REQUEST, { idempotencyKey: 'idem-1' });
    assert.equal(r.url, 'https://api.openai.com/v1/chat/completions');
    assert.deepEqual(r.headers, { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer k-123', 'idempotency-key': 'idem-1' });
    assert.deepEqual(r.json, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_def', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_abc', content: '18C' },
        { role: 'tool', tool_call_id: 'call_def', content: 'Error: clock broke' },
      ],
      max_completion_tokens: 300,
      temperature: 0.5,
      tools: REQUEST.tools!.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })),
    });
  });

  it('streams with include_usage, sends no key header without a key, and spares reasoning models max_tokens and temperature', () => {
    const r = build(routeFor('openai', { model: 'o4-mini', maxOutputTokens: 900 }), { messages: CONVERSATION.slice(0, 1), temperature: 0.2 }, { stream: true, apiKey: undefined });
    assert.deepEqual(r.headers, { 'content-type': 'application/json', accept: 'text/event-stream' });
    assert.deepEqual(r.json, { model: 'o4-mini', messages: [{ role: 'user', content: 'Weather and time in Paris?' }], max_completion_tokens: 900, stream: true, stream_options: { include_usage: true } });
  });
});

describe('OpenAI-compatible request', () => {
  it('uses max_tokens, derived call ids for calls made elsewhere, keeps include_usage, and sends no Idempotency-Key', () => {
    const r = build(routeFor('openai-compatible'), REQUEST, { stream: true, idempotencyKey: 'idem-1' });
    assert.equal(r.url, 'https://openrouter.ai/api/v1/chat/completions');
    assert.deepEqual(r.headers, { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer k-123' });
    const messages = r.json.messages as Array<Record<string, unknown>>;
    assert.deepEqual(messages[2]?.tool_calls, [
      { id: 'call_tc1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_tc2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    assert.deepEqual(messages.slice(3), [
      { role: 'tool', tool_call_id: 'call_tc1', content: '18C' },
      { role: 'tool', tool_call_id: 'call_tc2', content: 'Error: clock broke' },
    ]);
    assert.equal(r.json.max_tokens, 300);
    assert.equal('max_completion_tokens' in r.json, false);
    assert.deepEqual(r.json.stream_options, { include_usage: true });
  });
});

describe('Anthropic request', () => {
  it('has top-level system, required max_tokens, tool_use with toolu_ ids, ALL results in one user turn, thinking kept for Anthropic', () => {
    const r = build(routeFor('anthropic'), REQUEST, { idempotencyKey: 'idem-2' });
    assert.equal(r.url, 'https://api.anthropic.com/v1/messages');
    assert.deepEqual(r.headers, { 'content-type': 'application/json', accept: 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k-123', 'idempotency-key': 'idem-2' });
    assert.deepEqual(r.json, {
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather and time in Paris?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Two tools needed.', signature: 'sig-a' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_tc1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_tc2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_tc1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_tc2', content: 'clock broke', is_error: true },
          ],
        },
      ],
      tools: REQUEST.tools!.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })),
      temperature: 0.5,
    });
  });

  it('merges results split over two IR messages into one user turn, results before text, and defaults max_tokens', () => {
    const split: ChatRequest = {
      messages: [
        ...CONVERSATION.slice(0, 2),
        { role: 'user', parts: [{ type: 'text', text: 'here you go' }, { type: 'tool_result', callId: 'tc1', name: 'get_weather', content: '18C' }] },
        { role: 'user', parts: [{ type: 'tool_result', callId: 'tc2', name: 'get_time', content: '12:00' }] },
      ],
      temperature: 1.7,
    };
    const r = build(routeFor('anthropic', { baseUrl: 'https://proxy.example.com/v1/' }), split);
    assert.equal(r.url, 'https://proxy.example.com/v1/messages');
    assert.equal(r.json.max_tokens, 4096);
    assert.equal(r.json.temperature, 1, 'Anthropic allows 0..1');
    const messages = r.json.messages as Array<{ role: string; content: unknown[] }>;
    assert.equal(messages.length, 3);
    assert.deepEqual(messages[2], {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_tc1', content: '18C' },
        { type: 'tool_result', tool_use_id: 'toolu_tc2', content: '12:00' },
        { type: 'text', text: 'here you go' },
      ],
    });
  });

  it('continues from partial text as a trimmed assistant prefill on models that allow it, never on Claude 4.6+', () => {
    const ask: ChatRequest = { messages: CONVERSATION.slice(0, 1) };
    const old = build(routeFor('anthropic', { model: 'claude-sonnet-4-5-20250929' }), ask, { continueFrom: 'The answer is \n' });
    assert.deepEqual((old.json.messages as unknown[]).at(-1), { role: 'assistant', content: [{ type: 'text', text: 'The answer is' }] });
    const recent = build(routeFor('anthropic', { model: 'claude-opus-4-6' }), ask, { continueFrom: 'The answer is' });
    assert.equal((recent.json.messages as unknown[]).length, 1);
    assert.equal(canPrefill(routeFor('anthropic', { model: 'claude-3-5-sonnet-20241022' })), true);
    assert.equal(canPrefill(routeFor('anthropic', { model: 'claude-sonnet-4-20250514' })), true);
    assert.equal(canPrefill(routeFor('anthropic', { model: 'claude-sonnet-4-6' })), false);
    assert.equal(canPrefill(routeFor('anthropic', { model: 'claude-opus-4-8' })), false);
    assert.equal(canPrefill(routeFor('anthropic', { model: 'my-proxy-alias' })), false);
    for (const kind of ['openai', 'openai-compatible', 'gemini'] as const) assert.equal(canPrefill(routeFor(kind)), false);
  });
});

describe('Gemini request', () => {
  it('has systemInstruction, model turns with functionCall, all functionResponses in one user turn, converted schemas, generationConfig', () => {
    const r = build(routeFor('gemini'), REQUEST);
    assert.equal(r.url, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    assert.deepEqual(r.headers, { 'content-type': 'application/json', accept: 'application/json', 'x-goog-api-key': 'k-123' });
    assert.deepEqual(r.json, {
      contents: [
        { role: 'user', parts: [{ text: 'Weather and time in Paris?' }] },
        {
          role: 'model',
          parts: [
            { text: 'Checking.' },
            // Made on OpenAI, so no Gemini signature: the documented bypass value stands in for it.
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'skip_thought_signature_validator' },
            { functionCall: { name: 'get_time', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { output: '18C' } } },
            { functionResponse: { name: 'get_time', response: { error: 'clock broke' } } },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Current weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', nullable: true, enum: ['c', 'f'] } }, required: ['city'] },
            },
            { name: 'get_time', description: 'Current time' },
          ],
        },
      ],
      generationConfig: { maxOutputTokens: 300, temperature: 0.5 },
    });
  });

  it('streams over alt=sse with the key in a header only, and gives Gemini back its own ids, signatures and thoughts', () => {
    const own: ChatRequest = {
      messages: [
        { role: 'user', parts: [{ type: 'text', text: 'hi' }] },
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', text: 'thinking', origin: { provider: 'gemini', signature: 'sig-t' } },
            { type: 'reasoning', text: 'not mine', origin: { provider: 'anthropic', signature: 'sig-x' } },
            { type: 'tool_call', id: 'tc9', name: 'get_time', arguments: {}, origin: { provider: 'gemini', id: 'fc-1', signature: 'sig-g' } },
          ],
        },
        { role: 'user', parts: [{ type: 'tool_result', callId: 'tc9', name: 'get_time', content: '12:00' }] },
      ],
    };
    const r = build(routeFor('gemini', { model: 'models/gemini-3-pro-preview' }), own, { stream: true, idempotencyKey: 'not-sent' });
    assert.equal(r.url, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse');
    assert.doesNotMatch(r.url, /key=/);
    assert.deepEqual(r.headers, { 'content-type': 'application/json', accept: 'text/event-stream', 'x-goog-api-key': 'k-123' });
    assert.deepEqual(r.json.contents, [
      { role: 'user', parts: [{ text: 'hi' }] },
      { role: 'model', parts: [{ text: 'thinking', thought: true, thoughtSignature: 'sig-t' }, { functionCall: { name: 'get_time', args: {}, id: 'fc-1' }, thoughtSignature: 'sig-g' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_time', response: { output: '12:00' }, id: 'fc-1' } }] },
    ]);
  });
});

describe('every provider', () => {
  it('opens with a user turn even when the conversation does not', () => {
    const request: ChatRequest = { messages: [{ role: 'assistant', parts: [{ type: 'text', text: 'Earlier answer.' }] }, { role: 'user', parts: [{ type: 'text', text: 'More?' }] }] };
    const anthropic = build(routeFor('anthropic'), request).json.messages as Array<{ role: string }>;
    const gemini = build(routeFor('gemini'), request).json.contents as Array<{ role: string }>;
    assert.deepEqual(anthropic.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.deepEqual(gemini.map((m) => m.role), ['user', 'model', 'user']);
  });
});

describe('Gemini schema conversion', () => {
  it('resolves $ref, turns oneOf/null into anyOf/nullable and const into enum, drops what Schema lacks', () => {
    const converted = geminiParameters({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { point: { type: 'object', properties: { x: { type: 'number', format: 'double' }, y: { type: 'number', format: 'decimal' } }, required: ['x', 'y'], additionalProperties: false } },
      properties: {
        at: { $ref: '#/$defs/point', description: 'where' },
        kind: { const: 'circle' },
        size: { oneOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
        tags: { type: 'array', items: { type: 'string', format: 'uri' }, examples: [['a']] },
        mode: { allOf: [{ type: 'string' }, { enum: ['fast', 'slow'] }] },
        level: { type: 'integer', enum: [1, 2] },
      },
      required: ['at', 'ghost'],
    });
    assert.deepEqual(converted, {
      type: 'object',
      properties: {
        at: { type: 'object', description: 'where', properties: { x: { type: 'number', format: 'double' }, y: { type: 'number' } }, required: ['x', 'y'] },
        kind: { type: 'string', enum: ['circle'] },
        size: { nullable: true, type: 'integer', minimum: 1 },
        tags: { type: 'array', items: { type: 'string' } },
        mode: { type: 'string', enum: ['fast', 'slow'] },
        level: { type: 'integer' },
      },
      required: ['at'],
    });
    assert.equal(geminiParameters({ type: 'object' }), undefined);
    assert.equal(geminiParameters({}), undefined);
  });
});
