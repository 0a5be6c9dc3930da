// The fake providers' request checks: each refuses the shapes the real API refuses, with the real
// status and error body, and accepts the good ones.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import { dialectFor, isRejection, type FakeHttpRequest } from '../fakes';
import { FIXTURES_DIR } from './fixtureFiles';

const KEY = 'test-key';

function post(path: string, body: unknown, headers: Record<string, string>): FakeHttpRequest {
  const url = new URL(path, 'http://127.0.0.1');
  return { method: 'POST', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { 'content-type': 'application/json', ...headers }, rawBody: typeof body === 'string' ? body : JSON.stringify(body) };
}

const HEADERS: Record<HttpProviderKind, Record<string, string>> = {
  openai: { authorization: `Bearer ${KEY}` },
  'openai-compatible': { authorization: `Bearer ${KEY}` },
  anthropic: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
  gemini: { 'x-goog-api-key': KEY },
};

const PATHS: Record<HttpProviderKind, string> = {
  openai: '/v1/chat/completions',
  'openai-compatible': '/v1/chat/completions',
  anthropic: '/v1/messages',
  gemini: '/v1beta/models/gemini-2.5-flash:generateContent',
};

function check(kind: HttpProviderKind, body: unknown, opts: { headers?: Record<string, string>; path?: string; key?: string | null; models?: string[] } = {}) {
  const request = post(opts.path ?? PATHS[kind], body, opts.headers ?? HEADERS[kind]);
  try {
    return { accepted: dialectFor(kind).accept(request, { key: opts.key === undefined ? KEY : opts.key, models: opts.models }) };
  } catch (e) {
    if (!isRejection(e)) throw e;
    return { status: e.status, message: e.message, body: e.body };
  }
}

function refused(kind: HttpProviderKind, body: unknown, status: number, message: RegExp | string, opts: Parameters<typeof check>[2] = {}): void {
  const r = check(kind, body, opts);
  assert.equal(r.status, status, `expected ${status}, got ${JSON.stringify(r)}`);
  if (typeof message === 'string') assert.equal(r.message, message);
  else assert.match(r.message ?? '', message);
}

const fixtureJson = (name: string) => JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')) as unknown;

describe('fake OpenAI checks', () => {
  const user = { role: 'user', content: 'hi' };
  const withCalls = { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'call_2', type: 'function', function: { name: 'g', arguments: '{}' } }] };
  const answers = [{ role: 'tool', tool_call_id: 'call_1', content: 'a' }, { role: 'tool', tool_call_id: 'call_2', content: 'b' }];

  it('accepts a conversation whose every tool call is answered', () => {
    assert.deepEqual(check('openai', { model: 'gpt-4o', messages: [user, withCalls, ...answers, user], stream: true, stream_options: { include_usage: true } }).accepted, { model: 'gpt-4o', stream: true, includeUsage: true });
  });

  it('refuses a missing or wrong key with 401', () => {
    refused('openai', { model: 'm', messages: [user] }, 401, /You didn't provide an API key/, { headers: {} });
    const wrong = check('openai', { model: 'm', messages: [user] }, { headers: { authorization: 'Bearer sk-wrongwrongwrong1234' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual((wrong.body as { error: { code: string } }).error.code, 'invalid_api_key');
  });

  it('refuses unknown fields, a missing model, and empty messages', () => {
    refused('openai', { model: 'm', messages: [user], foo: 1 }, 400, 'Unrecognized request argument supplied: foo');
    refused('openai', { messages: [user] }, 400, 'you must provide a model parameter');
    refused('openai', { model: 'm', messages: [] }, 400, /Invalid 'messages': empty array/);
    refused('openai', { model: 'm', messages: [user, { role: 'assistant', content: 'x', reasoning_content: 'y' }] }, 400, /messages\[1\]\.reasoning_content/);
  });

  it('refuses tool messages that answer nothing, and calls left unanswered', () => {
    refused('openai', { model: 'm', messages: [user, answers[0]] }, 400, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.");
    refused('openai', { model: 'm', messages: [user, withCalls, answers[0], user] }, 400, /The following tool_call_ids did not have response messages: call_2$/);
    refused('openai', { model: 'm', messages: [user, withCalls, answers[0]] }, 400, /did not have response messages: call_2/);
    refused('openai', { model: 'm', messages: [user, withCalls, { role: 'tool', tool_call_id: 'call_9', content: 'a' }] }, 400, /'tool_call_id' of 'call_9' not found/);
  });

  it('refuses call ids over 40 characters and bad tool names', () => {
    const long = { ...withCalls, tool_calls: [{ id: `call_${'x'.repeat(40)}`, type: 'function', function: { name: 'f', arguments: '{}' } }] };
    refused('openai', { model: 'm', messages: [user, long, { role: 'tool', tool_call_id: `call_${'x'.repeat(40)}`, content: 'a' }] }, 400, /string too long\. Expected a string with maximum length 40, but got a string with length 45/);
    refused('openai', { model: 'm', messages: [user], tools: [{ type: 'function', function: { name: 'bad name', parameters: { type: 'object' } } }] }, 400, /does not match pattern/);
  });

  it("answers max_tokens on a reasoning model with the real API's error body (fixture)", () => {
    const r = check('openai', { model: 'o3-mini', messages: [user], max_tokens: 10 });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, fixtureJson('openai-400-unsupported-parameter.json'));
    refused('openai', { model: 'm', messages: [user], stream_options: { include_usage: true } }, 400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  });

  it('as a gateway: refuses OpenAI-only fields, answers in OpenRouter\'s shape, and may need no key', () => {
    const r = check('openai-compatible', { model: 'm', messages: [user], max_completion_tokens: 5 });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: { message: 'Unrecognized request argument supplied: max_completion_tokens', code: 400 } });
    assert.deepEqual(check('openai-compatible', { model: 'llama3', messages: [user], max_tokens: 5 }, { headers: {}, key: null }).accepted, { model: 'llama3', stream: false, includeUsage: false });
  });
});

describe('fake Anthropic checks', () => {
  const base = { model: 'claude-sonnet-4-5', max_tokens: 100 };
  const tools = [{ name: 'f', description: 'f', input_schema: { type: 'object', properties: {} } }];
  const user = { role: 'user', content: 'hi' };
  const uses = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }, { type: 'tool_use', id: 'toolu_2', name: 'f', input: {} }] };
  const result = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'ok' });

  it('accepts all results of a turn in one user message', () => {
    assert.deepEqual(check('anthropic', { ...base, messages: [user, uses, { role: 'user', content: [result('toolu_1'), result('toolu_2')] }], tools, stream: true }).accepted, { model: 'claude-sonnet-4-5', stream: true });
  });

  it('refuses results split over two messages, with the message the real API gives (fixture)', () => {
    const real = fixtureJson('anthropic-400-tool-use-without-result.json') as { error: { type: string; message: string } };
    const r = check('anthropic', { ...base, messages: [user, uses, { role: 'user', content: [result('toolu_1')] }, { role: 'user', content: [result('toolu_2')] }], tools });
    assert.equal(r.status, 400);
    assert.equal((r.body as { error: { type: string } }).error.type, real.error.type);
    assert.equal(r.message, real.error.message.replace('messages.167', 'messages.1').replace('toolu_019P95AL5DFCUyhtgQDcWJ3x', 'toolu_2'));
  });

  it('refuses results that answer no tool_use of the previous turn', () => {
    refused('anthropic', { ...base, messages: [user, { role: 'assistant', content: 'ok' }, { role: 'user', content: [result('toolu_9')] }], tools }, 400, /unexpected `tool_use_id` found in `tool_result` blocks: toolu_9/);
  });

  it('refuses missing max_tokens, model and version, unknown fields, and a missing key', () => {
    refused('anthropic', { model: 'c', messages: [user] }, 400, 'max_tokens: Field required');
    refused('anthropic', { max_tokens: 5, messages: [user] }, 400, 'model: Field required');
    refused('anthropic', { ...base, messages: [user], frequency_penalty: 1 }, 400, 'frequency_penalty: Extra inputs are not permitted');
    refused('anthropic', { ...base, messages: [user] }, 400, 'anthropic-version: header is required', { headers: { 'x-api-key': KEY } });
    refused('anthropic', { ...base, messages: [user] }, 401, 'x-api-key header is required', { headers: { 'anthropic-version': '2023-06-01' } });
  });

  it('refuses role order, prefill where the model has none, trailing whitespace, tools missing, temperature over 1', () => {
    refused('anthropic', { ...base, messages: [{ role: 'assistant', content: 'x' }, user] }, 400, /first message must use the "user" role/);
    refused('anthropic', { ...base, model: 'claude-opus-4-6', messages: [user, { role: 'assistant', content: 'The' }] }, 400, /does not support assistant message prefill/);
    assert.ok(check('anthropic', { ...base, messages: [user, { role: 'assistant', content: 'The' }] }).accepted);
    refused('anthropic', { ...base, messages: [user, { role: 'assistant', content: 'The ' }] }, 400, 'messages: final assistant content cannot end with trailing whitespace');
    refused('anthropic', { ...base, messages: [user, uses, { role: 'user', content: [result('toolu_1'), result('toolu_2')] }] }, 400, /must define tools/);
    refused('anthropic', { ...base, messages: [user], temperature: 1.5 }, 400, /less than or equal to 1/);
    refused('anthropic', { ...base, messages: [user, { role: 'assistant', content: [{ type: 'text', text: '' }] }, user] }, 400, /text content blocks must be non-empty/);
  });
});

describe('fake Gemini checks', () => {
  const user = { role: 'user', parts: [{ text: 'hi' }] };
  const calls = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'g', args: {} } }] };
  const responses = (...names: string[]) => ({ role: 'user', parts: names.map((name) => ({ functionResponse: { name, response: { output: 'ok' } } })) });
  const tools = [{ functionDeclarations: [{ name: 'f', description: 'f' }, { name: 'g', description: 'g' }] }];

  it('accepts a call turn answered by as many responses, and reads alt=sse', () => {
    assert.deepEqual(check('gemini', { contents: [user, calls, responses('g', 'f')], tools }).accepted, { model: 'gemini-2.5-flash', stream: false, jsonArray: false });
    assert.deepEqual(check('gemini', { contents: [user] }, { path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse' }).accepted, { model: 'gemini-2.5-flash', stream: true, jsonArray: false });
  });

  it('refuses a missing key with 403 and a wrong one with 400 API_KEY_INVALID', () => {
    refused('gemini', { contents: [user] }, 403, /unregistered callers/, { headers: {} });
    const r = check('gemini', { contents: [user] }, { headers: { 'x-goog-api-key': 'nope' } });
    assert.equal(r.status, 400);
    assert.equal((r.body as { error: { details: Array<{ reason: string }> } }).error.details[0]?.reason, 'API_KEY_INVALID');
  });

  it('refuses unknown names, including JSON Schema keywords the Schema object lacks', () => {
    refused('gemini', { contents: [user], safety: 1 }, 400, 'Invalid JSON payload received. Unknown name "safety": Cannot find field.');
    refused('gemini', { contents: [user], tools: [{ functionDeclarations: [{ name: 'f', description: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } }] }] }, 400, `Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters': Cannot find field.`);
    refused('gemini', { contents: [user], tools: [{ functionDeclarations: [{ name: 'f', description: 'f', parameters: { type: 'object', properties: {} } }] }] }, 400, /should be non-empty for OBJECT type/);
    assert.ok(check('gemini', { contents: [user], generation_config: { max_output_tokens: 5 } }).accepted, 'snake_case names are proto JSON too');
  });

  it('refuses response counts or names that do not match the call turn, and responses after no call', () => {
    refused('gemini', { contents: [user, calls, responses('f')], tools }, 400, 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
    refused('gemini', { contents: [user, calls, responses('f', 'h')], tools }, 400, /answer the function calls of the function call turn by name/);
    refused('gemini', { contents: [user, responses('f')], tools }, 400, 'Please ensure that function response turn comes immediately after a function call turn.');
    refused('gemini', { contents: [{ role: 'model', parts: [{ text: 'x' }] }, user] }, 400, /start with a user turn/);
  });

  it('on Gemini 3, refuses a call in the current turn without its thought signature, as the real API does', () => {
    const path = '/v1beta/models/gemini-3-pro-preview:generateContent';
    refused('gemini', { contents: [user, calls, responses('f', 'g')], tools }, 400, /^Function call is missing a thought_signature in functionCall parts\..*function call `default_api:f` , position 2\./, { path });
    const signed = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }, { functionCall: { name: 'g', args: {} } }] };
    assert.ok(check('gemini', { contents: [user, signed, responses('f', 'g')], tools }, { path }).accepted);
    // An earlier turn (before the last user text) is not checked.
    assert.ok(check('gemini', { contents: [user, calls, responses('f', 'g'), { role: 'model', parts: [{ text: 'done' }] }, user], tools }, { path }).accepted);
  });

  it('answers an unknown model with the 404 the real API gives (fixture)', () => {
    const real = fixtureJson('gemini-404-model-not-found.json') as { error: { message: string; status: string; code: number } };
    const r = check('gemini', { contents: [user] }, { path: '/v1beta/models/custom-gemini-2.0-flash:generateContent', models: ['gemini-2.5-flash'] });
    assert.equal(r.status, 404);
    const error = (r.body as { error: { message: string; status: string; code: number } }).error;
    assert.deepEqual([error.code, error.status, error.message], [real.error.code, real.error.status, real.error.message]);
  });
});
