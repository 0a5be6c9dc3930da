// Stream decoders at their edges: cut streams, missing end markers, calls cut inside their
// arguments (never emitted), errors and garbage in the stream, and what follows the end marker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters';
import { isProviderError, type FailureKind } from '../../src/gateway/routing/failures';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import type { StreamEvent } from '../../src/gateway/routing/stream';

function run(kind: HttpProviderKind, sse: string): { events: StreamEvent[]; error?: { kind: FailureKind; partialText?: string; inBody: boolean } } {
  const decoder = adapterFor(kind).createStreamDecoder();
  const events: StreamEvent[] = [];
  try {
    events.push(...decoder.push(new TextEncoder().encode(sse)));
    events.push(...decoder.end());
    return { events };
  } catch (e) {
    assert.ok(isProviderError(e));
    return { events, error: { kind: e.kind, partialText: e.partialText, inBody: e.inBody } };
  }
}

const oa = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'gpt-x', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const an = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const ge = (body: unknown) => `data: ${JSON.stringify(body)}\r\n\r\n`;
const types = (events: StreamEvent[]) => events.map((e) => e.type);

describe('OpenAI stream edges', () => {
  it('never emits a call cut inside its arguments, and says how much text had arrived', () => {
    const r = run('openai', oa({ role: 'assistant', content: 'Let me look.' }) + oa({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }));
    assert.deepEqual(r.events, [{ type: 'text', text: 'Let me look.' }]);
    assert.deepEqual(r.error, { kind: 'truncated_stream', partialText: 'Let me look.', inBody: true });
  });

  it('accepts a finish_reason without [DONE] as complete (some gateways never send it)', () => {
    const r = run('openai-compatible', oa({ content: 'Hi' }) + oa({}, 'stop'));
    assert.equal(r.error, undefined);
    assert.deepEqual(r.events, [{ type: 'text', text: 'Hi' }, { type: 'end', stopReason: 'end', model: 'gpt-x' }]);
  });

  it('drops a call that max_tokens cut, and reports max_tokens', () => {
    const r = run('openai', oa({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":"unfinis' } }] }) + oa({}, 'length') + 'data: [DONE]\n\n');
    assert.deepEqual(r.events, [{ type: 'end', stopReason: 'max_tokens', model: 'gpt-x' }]);
  });

  it('fails a finished call whose arguments are not JSON as malformed', () => {
    const r = run('openai', oa({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a" 1}' } }] }) + oa({}, 'tool_calls') + 'data: [DONE]\n\n');
    assert.equal(r.error?.kind, 'malformed');
  });

  it('reads OpenRouter keep-alive comments, DeepSeek reasoning_content, and an OpenRouter mid-stream error', () => {
    const ok = run('openai-compatible', ': OPENROUTER PROCESSING\n\n' + oa({ reasoning_content: 'hmm' }) + oa({ content: 'A' }) + oa({}, 'stop') + 'data: [DONE]\n\n');
    assert.deepEqual(ok.events, [
      { type: 'reasoning', text: 'hmm', origin: { provider: 'openai-compatible' } },
      { type: 'text', text: 'A' },
      { type: 'end', stopReason: 'end', model: 'gpt-x' },
    ]);
    const failed = run('openai-compatible', oa({ content: 'A' }) + `data: ${JSON.stringify({ id: 'g', error: { code: 502, message: 'Provider disconnected' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] })}\n\n`);
    assert.deepEqual(failed.events, [{ type: 'text', text: 'A' }]);
    assert.deepEqual(failed.error, { kind: 'server_error', partialText: 'A', inBody: true });
  });

  it('fails data that is not JSON as malformed, with the text so far', () => {
    const r = run('openai', oa({ content: 'Hel' }) + 'data: {"choices":[{"delta":{"content":"lo\n\n');
    assert.deepEqual(r.error, { kind: 'malformed', partialText: 'Hel', inBody: true });
  });

  it('ignores anything after [DONE]', () => {
    const r = run('openai', oa({ content: 'A' }) + oa({}, 'stop') + 'data: [DONE]\n\n' + oa({ content: 'B' }) + 'data: garbage\n\n');
    assert.deepEqual(types(r.events), ['text', 'end']);
    assert.equal(r.error, undefined);
  });
});

describe('Anthropic stream edges', () => {
  const start = an('message_start', { message: { model: 'claude-x', usage: { input_tokens: 3, output_tokens: 1 } } });

  it('never emits a tool_use cut inside its input_json_delta pieces', () => {
    const r = run('anthropic', start + an('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } }) + an('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }));
    assert.deepEqual(r.events, []);
    assert.deepEqual(r.error, { kind: 'truncated_stream', partialText: '', inBody: true });
  });

  it('treats a stream that ends after message_delta but before message_stop as truncated', () => {
    const r = run('anthropic', start + an('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) + an('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }) + an('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }));
    assert.deepEqual(r.error, { kind: 'truncated_stream', partialText: 'Hi', inBody: true });
  });

  it('takes a tool_use whose input came whole in content_block_start, and ignores unknown events', () => {
    const r = run('anthropic', start + an('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: { x: 1 } } }) + an('content_block_stop', { index: 0 }) + an('some_future_event', {}) + an('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } }) + an('message_stop', {}));
    assert.equal(r.error, undefined);
    const call = r.events[0];
    assert.ok(call?.type === 'tool_call');
    assert.deepEqual([call.call.name, call.call.arguments, call.call.origin], ['f', { x: 1 }, { provider: 'anthropic', id: 'toolu_1' }]);
    assert.deepEqual(r.events.slice(1), [{ type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } }, { type: 'end', stopReason: 'tool_calls', model: 'claude-x' }]);
  });

  it('drops a tool_use whose input was cut by max_tokens (it closes before the stop reason comes), keeping the text', () => {
    const cut = start
      + an('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) + an('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Reading.' } }) + an('content_block_stop', { index: 0 })
      + an('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'read_symbol', input: {} } })
      + an('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"name": "par' } }) + an('content_block_stop', { index: 1 });
    const capped = run('anthropic', `${cut}${an('message_delta', { delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 9 } })}${an('message_stop', {})}`);
    assert.equal(capped.error, undefined);
    assert.deepEqual(types(capped.events), ['text', 'usage', 'end']);
    assert.deepEqual(capped.events.at(-1), { type: 'end', stopReason: 'max_tokens', model: 'claude-x' });
    // The same incomplete input under any other stop reason is a malformed answer.
    const broken = run('anthropic', `${cut}${an('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } })}${an('message_stop', {})}`);
    assert.equal(broken.error?.kind, 'malformed');
  });

  it('classifies event: error by its type', () => {
    assert.equal(run('anthropic', start + an('error', { error: { type: 'api_error', message: 'Internal server error' } })).error?.kind, 'server_error');
    assert.equal(run('anthropic', start + an('error', { error: { type: 'rate_limit_error', message: 'slow down' } })).error?.kind, 'rate_limited');
  });
});

describe('Gemini stream edges', () => {
  const chunk = (parts: unknown[], finishReason?: string) => ge({ candidates: [{ content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}) }], modelVersion: 'gemini-x' });

  it('treats a stream without a finishReason as truncated, with the text so far', () => {
    const r = run('gemini', chunk([{ text: 'Par' }]) + chunk([{ text: 'is' }]));
    assert.deepEqual(r.error, { kind: 'truncated_stream', partialText: 'Paris', inBody: true });
  });

  it('fails an event cut in the middle of a functionCall as truncated, never emitting the call', () => {
    const whole = chunk([{ functionCall: { name: 'f', args: { a: 1 } } }], 'STOP');
    const r = run('gemini', `${whole.slice(0, 40)}\r\n\r\n`);
    assert.equal(r.error?.kind, 'malformed');
    const cut = run('gemini', whole.slice(0, 40));
    assert.deepEqual(cut, { events: [], error: { kind: 'truncated_stream', partialText: '', inBody: true } });
  });

  it('throws a blocked prompt and an error chunk inside the stream', () => {
    assert.equal(run('gemini', ge({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } })).error?.kind, 'bad_request');
    const r = run('gemini', chunk([{ text: 'a' }]) + ge({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }));
    assert.deepEqual(r.error, { kind: 'overloaded', partialText: 'a', inBody: true });
  });

  it('maps MAX_TOKENS and SAFETY finish reasons', () => {
    assert.deepEqual(run('gemini', chunk([{ text: 'a' }], 'MAX_TOKENS')).events.at(-1), { type: 'end', stopReason: 'max_tokens', model: 'gemini-x' });
    assert.deepEqual(run('gemini', chunk([], 'SAFETY')).events, [{ type: 'end', stopReason: 'content_filter', model: 'gemini-x' }]);
  });
});
