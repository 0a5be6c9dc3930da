// Provider error bodies (as the API references document them) into the failure taxonomy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters';
import { isProviderError, type FailureKind, type ProviderError } from '../../src/gateway/routing/failures';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function classify(kind: HttpProviderKind, status: number, body: unknown, headers: Record<string, string> = {}): ProviderError {
  return adapterFor(kind).classifyError(status, headers, typeof body === 'string' ? body : JSON.stringify(body), NOW);
}

const openAi = (message: string, type: string, code: string | null, param: string | null = null) => ({ error: { message, type, param, code } });
const anthropic = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_1' });
const gemini = (code: number, status: string, message: string, details?: unknown[]) => ({ error: { code, message, status, ...(details ? { details } : {}) } });

interface Case {
  readonly name: string;
  readonly kind: HttpProviderKind;
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  readonly expect: { kind: FailureKind; retryAfterMs?: number; providerCode?: string };
}

const CASES: Case[] = [
  { name: 'OpenAI 429 insufficient_quota', kind: 'openai', status: 429, body: openAi('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'), expect: { kind: 'quota_exhausted', providerCode: 'insufficient_quota' } },
  { name: 'OpenAI 429 rate limit, wait only in the message', kind: 'openai', status: 429, body: openAi('Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 1.5s. Visit https://platform.openai.com/account/rate-limits to learn more.', 'tokens', 'rate_limit_exceeded'), expect: { kind: 'rate_limited', retryAfterMs: 1500, providerCode: 'rate_limit_exceeded' } },
  { name: 'OpenAI 429 with retry-after-ms header', kind: 'openai', status: 429, headers: { 'retry-after-ms': '250', 'retry-after': '9' }, body: openAi('Rate limit reached. Please try again in 20s.', 'requests', 'rate_limit_exceeded'), expect: { kind: 'rate_limited', retryAfterMs: 250, providerCode: 'rate_limit_exceeded' } },
  { name: 'OpenAI 400 context_length_exceeded', kind: 'openai', status: 400, body: openAi("This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.", 'invalid_request_error', 'context_length_exceeded', 'messages'), expect: { kind: 'context_too_long', providerCode: 'context_length_exceeded' } },
  { name: 'OpenAI 404 model_not_found', kind: 'openai', status: 404, body: openAi('The model `gpt-9` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found'), expect: { kind: 'not_found', providerCode: 'model_not_found' } },
  { name: 'OpenAI 503 overloaded', kind: 'openai', status: 503, body: openAi('The server is overloaded or not ready yet.', 'server_error', null), expect: { kind: 'overloaded', providerCode: 'server_error' } },
  { name: 'OpenAI 500', kind: 'openai', status: 500, body: openAi('The server had an error while processing your request. Sorry about that!', 'server_error', null), expect: { kind: 'server_error', providerCode: 'server_error' } },
  { name: 'a proxy\'s 502 HTML page', kind: 'openai', status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', expect: { kind: 'server_error' } },
  { name: 'OpenRouter 402 out of credits', kind: 'openai-compatible', status: 402, body: { error: { message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits', code: 402 } }, expect: { kind: 'quota_exhausted', providerCode: '402' } },
  { name: 'OpenRouter 400 context too long', kind: 'openai-compatible', status: 400, body: { error: { message: "This endpoint's maximum context length is 131072 tokens. However, you requested about 200000 tokens.", code: 400 } }, expect: { kind: 'context_too_long', providerCode: '400' } },
  { name: 'LiteLLM 429 with a string code', kind: 'openai-compatible', status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, body: { error: { message: 'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached', type: 'None', param: 'None', code: '429' } }, expect: { kind: 'rate_limited', retryAfterMs: 30_000, providerCode: 'None' } },
  { name: 'FastAPI-style {"detail"} 404', kind: 'openai-compatible', status: 404, body: { detail: 'Not Found' }, expect: { kind: 'not_found' } },
  { name: 'Anthropic 529 overloaded with retry-after', kind: 'anthropic', status: 529, headers: { 'retry-after': '3' }, body: anthropic('overloaded_error', 'Overloaded'), expect: { kind: 'overloaded', retryAfterMs: 3000, providerCode: 'overloaded_error' } },
  { name: 'Anthropic 400 prompt too long', kind: 'anthropic', status: 400, body: anthropic('invalid_request_error', 'prompt is too long: 215000 tokens > 200000 maximum'), expect: { kind: 'context_too_long', providerCode: 'invalid_request_error' } },
  { name: 'Anthropic 400 credit balance', kind: 'anthropic', status: 400, body: anthropic('invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.'), expect: { kind: 'quota_exhausted', providerCode: 'invalid_request_error' } },
  { name: 'Anthropic 413 request_too_large', kind: 'anthropic', status: 413, body: anthropic('request_too_large', 'Request exceeds the maximum allowed number of bytes.'), expect: { kind: 'context_too_long', providerCode: 'request_too_large' } },
  { name: 'Anthropic 401', kind: 'anthropic', status: 401, body: anthropic('authentication_error', 'invalid x-api-key'), expect: { kind: 'auth', providerCode: 'authentication_error' } },
  { name: 'Anthropic 403', kind: 'anthropic', status: 403, body: anthropic('permission_error', 'Your API key does not have permission to use the specified resource.'), expect: { kind: 'auth', providerCode: 'permission_error' } },
  { name: 'Anthropic 429', kind: 'anthropic', status: 429, headers: { 'retry-after': '12' }, body: anthropic('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), expect: { kind: 'rate_limited', retryAfterMs: 12_000, providerCode: 'rate_limit_error' } },
  { name: 'Gemini 400 API_KEY_INVALID', kind: 'gemini', status: 400, body: gemini(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]), expect: { kind: 'auth', providerCode: 'INVALID_ARGUMENT' } },
  { name: 'Gemini 403 no key', kind: 'gemini', status: 403, body: gemini(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."), expect: { kind: 'auth', providerCode: 'PERMISSION_DENIED' } },
  { name: 'Gemini 503 overloaded', kind: 'gemini', status: 503, body: gemini(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'), expect: { kind: 'overloaded', providerCode: 'UNAVAILABLE' } },
  { name: 'Gemini 500', kind: 'gemini', status: 500, body: gemini(500, 'INTERNAL', 'An internal error has occurred.'), expect: { kind: 'server_error', providerCode: 'INTERNAL' } },
  { name: 'Gemini 504', kind: 'gemini', status: 504, body: gemini(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'), expect: { kind: 'timeout', providerCode: 'DEADLINE_EXCEEDED' } },
  { name: 'Gemini 400 too many tokens', kind: 'gemini', status: 400, body: gemini(400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'), expect: { kind: 'context_too_long', providerCode: 'INVALID_ARGUMENT' } },
  { name: 'Gemini 429 daily quota', kind: 'gemini', status: 429, body: gemini(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] }, { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1m5s' }]), expect: { kind: 'quota_exhausted', retryAfterMs: 65_000, providerCode: 'RESOURCE_EXHAUSTED' } },
];

describe('error classification', () => {
  for (const c of CASES) {
    it(`${c.name} -> ${c.expect.kind}`, () => {
      const e = classify(c.kind, c.status, c.body, c.headers);
      assert.equal(e.kind, c.expect.kind);
      assert.equal(e.httpStatus, c.status);
      assert.equal(e.retryAfterMs, c.expect.retryAfterMs);
      assert.equal(e.providerCode, c.expect.providerCode);
      assert.equal(e.inBody, false);
      assert.ok(e.message.length > 0 && e.message.length <= 300);
    });
  }

  it('keeps the provider\'s words but never a key they quote', () => {
    const e = classify('openai', 401, openAi('Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz123456. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'));
    assert.equal(e.kind, 'auth');
    assert.equal(e.message, 'Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.');
    const g = classify('gemini', 400, gemini(400, 'INVALID_ARGUMENT', 'API key not valid: AIzaSyA1234567890abcdefghijklmnopqrstu'));
    assert.equal(g.message, 'API key not valid: [redacted]');
    assert.equal(classify('openai', 502, '<html><body><h1>502 Bad Gateway</h1></body></html>').message, 'HTTP 502: 502 Bad Gateway');
    assert.equal(classify('anthropic', 500, '').message, 'HTTP 500 with an empty body');
  });
});

describe('errors inside a 200 body', () => {
  const throwsKind = (fn: () => unknown, kind: FailureKind, providerCode?: string) =>
    assert.throws(fn, (e: unknown) => isProviderError(e) && e.kind === kind && e.inBody && e.providerCode === providerCode && e.httpStatus === undefined);

  it('throws the inner error, or malformed for what is not the format', () => {
    throwsKind(() => adapterFor('openai').parseResponse(JSON.stringify(openAi('The server had an error', 'server_error', null))), 'server_error', 'server_error');
    throwsKind(() => adapterFor('openai').parseResponse('{"id":"x","choices":[]}'), 'malformed');
    throwsKind(() => adapterFor('openai-compatible').parseResponse('<html>502</html>'), 'malformed');
    throwsKind(() => adapterFor('anthropic').parseResponse(JSON.stringify(anthropic('overloaded_error', 'Overloaded'))), 'overloaded', 'overloaded_error');
    throwsKind(() => adapterFor('anthropic').parseResponse('{"id":"msg_1","type":"message"}'), 'malformed');
    throwsKind(() => adapterFor('gemini').parseResponse(JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5 } })), 'bad_request', 'SAFETY');
    throwsKind(() => adapterFor('gemini').parseResponse(JSON.stringify(gemini(503, 'UNAVAILABLE', 'The model is overloaded.'))), 'overloaded', 'UNAVAILABLE');
    throwsKind(() => adapterFor('gemini').parseResponse('{"usageMetadata":{"promptTokenCount":5}}'), 'malformed');
    throwsKind(() => adapterFor('gemini').parseResponse('[1,2]'), 'malformed');
  });

  it('returns an empty answer, not an error, for a candidate stopped with no content', () => {
    const safety = adapterFor('gemini').parseResponse(JSON.stringify({ candidates: [{ finishReason: 'SAFETY', index: 0 }], usageMetadata: { promptTokenCount: 7 } }));
    assert.deepEqual(safety, { message: { role: 'assistant', parts: [] }, stopReason: 'content_filter', usage: { inputTokens: 7, outputTokens: 0 } });
    const maxed = adapterFor('gemini').parseResponse(JSON.stringify({ candidates: [{ content: { role: 'model' }, finishReason: 'MAX_TOKENS' }], modelVersion: 'gemini-2.5-pro' }));
    assert.deepEqual(maxed, { message: { role: 'assistant', parts: [] }, stopReason: 'max_tokens', model: 'gemini-2.5-pro' });
    const refusal = adapterFor('openai').parseResponse(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, finish_reason: 'stop' }] }));
    assert.deepEqual(refusal, { message: { role: 'assistant', parts: [{ type: 'text', text: "I can't help with that." }] }, stopReason: 'content_filter' });
  });
});
