// Every recorded provider response, decoded by the right adapter: whole, split at every byte
// boundary into two chunks, and byte by byte, always to the same events. The expectations below
// were written by reading each fixture file, not by running the adapters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFor } from '../../src/gateway/routing/adapters';
import { isProviderError, type FailureKind } from '../../src/gateway/routing/failures';
import type { ChatResponse, PartOrigin } from '../../src/gateway/ir';
import type { StreamEvent } from '../../src/gateway/routing/stream';
import { allFixtures, type Fixture } from './fixtureFiles';

interface ErrorSummary {
  kind: FailureKind;
  inBody: boolean;
  httpStatus?: number;
  providerCode?: string;
  retryAfterMs?: number;
  partialText?: string;
  message: string;
}

type Expected =
  | { stream: unknown[]; error?: ErrorSummary }
  | { response: unknown }
  | { classified: ErrorSummary };

const call = (name: string, args: Record<string, unknown>, origin: PartOrigin) => ({ type: 'tool_call', call: { type: 'tool_call', id: '<ours>', name, arguments: args, origin } });
const text = (t: string) => ({ type: 'text', text: t });

const ANTHROPIC_SIGNATURE =
  'EvMCCkYICxgCKkCHP2cSuEdcJK/0rFwqES/ecn+VurRpNTwI4XNyM0vnNfGsc9OmE8YYHauwBZ/uaRpmlEn2I4/kszHlcpptO82JEgyRMSbPkJYaegxYF3AaDHZbSm9EzZ6CM+YtliIw3iNVP/ilYrfoneo8S2+ad/5xSC62nKbk6joLtKmqXgXwYFJRpjIUjM2V7EGReOPRKtoBKfNHVmdNf7SeMhHalX/ObSeJ1G/NjDyGQAsDjyHGd7uY1r5gAIn3Cpdv5r+gHYJmWT+w2uiKZsBDRoSf4O3Km0l752EhPD4InEhqpCKyqhbUZ3dt5+JVKQHk2iyTBhQMB/XBYgZTstIpRqQRXU5ypcrydgnqj3mD1G9C7YC0ZTCNvFluAx0OL8q+cQwufgfqKquLEf2+XMYzhx9jYkVFEpnf/s1nx6gNBATKfF3Dmrs2r4tWu2QJB+FjlRuDp/8dxUxgJbmyhGxb7XsYeb1vgb7wwzDvP/UhjfQYAQ==';

const OPENAI_STREAM_ERROR =
  'The server had an error processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if you keep seeing this error. (Please include the request ID fb94b183e8b7bc5aca22fa62981cc107 in your email.)';

const EXPECTED: Record<string, Expected> = {
  'anthropic-400-tool-use-without-result.json': {
    classified: {
      kind: 'bad_request', inBody: false, httpStatus: 400, providerCode: 'invalid_request_error',
      message: 'messages.167: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_019P95AL5DFCUyhtgQDcWJ3x. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    },
  },
  'anthropic-500-api-error.json': {
    classified: { kind: 'server_error', inBody: false, httpStatus: 500, providerCode: 'api_error', message: 'Internal server error' },
  },
  'anthropic-stream-overloaded.sse': {
    stream: [text('2')],
    error: { kind: 'overloaded', inBody: true, providerCode: 'overloaded_error', partialText: '2', message: 'Overloaded' },
  },
  'anthropic-text-stream.sse': {
    stream: [text('2'), { type: 'usage', usage: { inputTokens: 20, outputTokens: 5 } }, { type: 'end', stopReason: 'end', model: 'claude-sonnet-4-5-20250929' }],
  },
  'anthropic-thinking-stream.sse': {
    stream: [
      { type: 'reasoning', text: 'This is a straightforward question about pedest', origin: { provider: 'anthropic', signature: ANTHROPIC_SIGNATURE } },
      text('Here are'),
      text(' the'),
      text(' basic'),
      { type: 'usage', usage: { inputTokens: 43, outputTokens: 282 } },
      { type: 'end', stopReason: 'end', model: 'claude-sonnet-4-20250514' },
    ],
  },
  'anthropic-tool-use-stream.sse': {
    stream: [
      text('I'),
      text("'ll check the current weather in Paris for you."),
      call('get_weather', { location: 'Paris' }, { provider: 'anthropic', id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn' }),
      { type: 'usage', usage: { inputTokens: 377, outputTokens: 65 } },
      { type: 'end', stopReason: 'tool_calls', model: 'claude-opus-4-8' },
    ],
  },
  'gemini-404-model-not-found.json': {
    classified: {
      kind: 'not_found', inBody: false, httpStatus: 404, providerCode: 'NOT_FOUND',
      message: 'models/custom-gemini-2.0-flash is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
    },
  },
  'gemini-429-retry-info.json': {
    classified: { kind: 'rate_limited', inBody: false, httpStatus: 429, providerCode: 'RESOURCE_EXHAUSTED', retryAfterMs: 34_400, message: 'You exceeded your current quota, please check your plan.' },
  },
  'gemini-function-call-stream.sse': {
    stream: [
      call('get_capital', { country: 'France' }, { provider: 'gemini' }),
      { type: 'usage', usage: { inputTokens: 52, outputTokens: 5 } },
      { type: 'end', stopReason: 'tool_calls', model: 'gemini-2.0-flash' },
    ],
  },
  'gemini-parallel-function-calls.json': {
    response: {
      message: {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: '<ours>', name: 'print', arguments: { color: 'blue', text: 'hello' }, origin: { provider: 'gemini', signature: 'CtQEAdHtim++AM2qAS9X0ktnUUYqs8V/wQb80XJZ5T1i89Sr5+wliGwVMJz8ivqZZw770tgdBRYl89mBKuO4nlEVGA4sMj+ZI5UBn428kCvqZEhPjpRGlU8S62O242Col7+dkHEAWq8+T4Wh1iNJA5RGpuwFCAzlgASjgvL8BKPkQh3sqcHXq8gVeDFaTagAjYCNja2YX/Chxzz77scAVkqAMcHGGANvr5twWFGygCvTX+d2Rrd3bJqf4dgS0gZ3zP6qmsQT/06dGfB5QpRRutK+WqXzxcPqOgz8WFaszCcuxvKigI984OeiVnriVp3nBX4eu3Bm7sZ+pF7n+ww6DFXlER7Mrn90rHzE24Pl3P1WgJgwfMUFpNkYU+/zGJw089y0QARiUNk1QAKG+NaWy5CigkFMD8dw4gKG+pMDPsFeq0x9kqmVjAE6WKvuy4fA8MSibw8U0na8N+L8ge5xtF88smtW73KDzgsW6Bk8ruamw7Y/yH3nlv8hv+b+dHl4MOjcrI9szTupa5qFmPnbzApMT+IJcYWNa1i1WtIqE+xSGakBoMp148+rPFNCr7OS8JmG3/gZEvsxngnUrN75ZB6qNqVmYPw6vRrdGwyHDM7ZPla5mGwoRZVXMdCj07nl702RZhkkYiNOc95AF1Zx0DZ3F1qEGOHCQzS1e4Lg6t98kMQdbt772vpTT0UhOP1Sno0se5MeQH74+yuykvdd6e8nkc9tDC7q4uw5QWHMmVY2U+5v+TvAD601235n8rU8uE1Po/Rhrha0SQE6VDtWmU+UFePm4eA=' } },
          { type: 'tool_call', id: '<ours>', name: 'beep', arguments: {}, origin: { provider: 'gemini' } },
        ],
      },
      stopReason: 'tool_calls',
      // candidatesTokenCount 26 + thoughtsTokenCount 155: thinking is billed as output.
      usage: { inputTokens: 85, outputTokens: 181 },
      model: 'gemini-2.5-pro',
    },
  },
  'gemini-text-stream.sse': {
    stream: [
      text('The'),
      text(' capital of France'),
      text(' is Paris.\n'),
      { type: 'usage', usage: { inputTokens: 13, outputTokens: 8 } },
      { type: 'end', stopReason: 'end', model: 'gemini-2.0-flash-exp' },
    ],
  },
  'gemini3-function-call-signature-stream.sse': {
    stream: [
      call('get_country', {}, { provider: 'gemini', signature: 'EpwICpkIAXLI2nxlU6gsWZaZHRYkX1orzuM8vSUFwaAt1JRxEC2hJzPAcAu3PWaKz7X+PIyTTqF+ZIQPF+fQzkaRCbrxB0Qrem/xwR4S46oFxYiOF7EVa6pCBb9iu2uvCKrv5b7ezGzYqLD9glcNsLL3rA5OIsft4ec4qTT8NGd2SDdHB6WKrJ/K3rQHxoDQnB9JpnVTbtsaJoMWdFpnJcd7P7yxfdfgzO0aS6rGp+ch2yiKxsdQGan4QCdA0vCjfDcCBaxAuAVVaVSc6C7fioR1po2xPtQR/GJHzJuHKahKxN/X31DwhImJgP0WbFFCzZ8oLULvhSq3WDjEKmuSx5orPFDSud6Nr8ZN8UOn6GBkqQq3IKLdsdennT9L4HrABm3S7fpMyiuWPFhGFHPu3NAuny1UCgttcYp70Wk1tA+JefyvIHDlbrIJw+8NdDlsa0lBGEKmciCOT/b6+oZzsEQoMLzkp0R/3C/GVAIo2Jn7rYjfS9e9Kl+O2b3M0pcKW62qyjCa5oQJ/AmelBLKArd1UGJxs0YVWkoEfQnycE5lePgpATDMsYmGcHPSeiLxLq55tUPJ+xr1sHqSf87qm3Um2aNabuE+ti16GPeeWHWdQnDpEkr6sQma3BzaOeDq9n94Nrxxg/Fu2ZTFK+O2khOa3v48dDh+OVeaFKUFTL9A4ZIooRD94sEztEOvIlNexbNRWcc3MBf/bMUaJnx53Qj1p0N2FlJGBZlDmCRbiBXDM8umKyuiYA39woGI9j8gt5+M6UNfj2ot/hM8cCW86HrQEGt67+S02j4ncxHbQeBD8jSJCaN0Ah1HHQhHjV341ujEpBPF+F6JB2XtUyOHyr3hsQcuKDa27BFj2g1ojWKB/rffUc2eB0qlGBawwJQ09UnhHxjDW3qyXL/yHCXZLp8JPNBdRANLJ657TInHRksnmp7l5RxQJ0dd47pgi5VjN/08dQNsD/toXTnbcYuDcy0duEz53g4KF1cZyNuEg9kWYP1oMfOj8FrkGsyQh3+h8LQyIEvwqOrlmMjxSzJZXDbFGddHvIn5KasPKaR+T5AfxT1J3ex+pjIHoeBeAf/a8bmq3Z+gDalxa/kBIqT0KbYnAbtVk8Wq4vDZhDwYvkawPvSgFuFEhrhE8xZ3QJj7nofhWQJ+4DDVjujYlIrjBihUFvkPC2GUlrjQVNqJwhwTmZ7esjrMjx+QHtmtDNps5TZdhb1wXJ2LU2OJOYoILGhEZw0g1oeWgErSE0QUCO2EwBraenzWHlc8P2A7OGcRpE7KHdDYTuIJ9IbyeVMgeYowYXnxy7ElQ1CWkLSDHsbsptHrG9NTaRWdiAFwInb7nd1KrJVPvsNlnUfExbs8gd0IoxjaTjY1V7mjb2D/7NoL5owonoBDAXOk15QuFyU=' }),
      { type: 'usage', usage: { inputTokens: 29, outputTokens: 212 } },
      { type: 'end', stopReason: 'tool_calls', model: 'gemini-3-pro-preview' },
    ],
  },
  'openai-400-unsupported-parameter.json': {
    classified: {
      kind: 'bad_request', inBody: false, httpStatus: 400, providerCode: 'unsupported_parameter',
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    },
  },
  'openai-chat-completion.json': {
    response: {
      message: { role: 'assistant', parts: [{ type: 'text', text: '{"city":"San Francisco","units":"c"}' }] },
      stopReason: 'end',
      usage: { inputTokens: 17, outputTokens: 10 },
      model: 'gpt-4o-2024-08-06',
    },
  },
  'openai-parallel-tool-calls-stream.sse': {
    stream: [
      call('get_country', {}, { provider: 'openai', id: 'call_q2UyBRP7eXNTzAoR8lEhjc9Z' }),
      call('get_product_name', {}, { provider: 'openai', id: 'call_b51ijcpFkDiTQG1bQzsrmtW5' }),
      { type: 'usage', usage: { inputTokens: 364, outputTokens: 40 } },
      { type: 'end', stopReason: 'tool_calls', model: 'gpt-4o-2024-08-06' },
    ],
  },
  'openai-stream-error-event.sse': {
    stream: [],
    error: {
      kind: 'server_error', inBody: true, providerCode: 'server_error',
      message: OPENAI_STREAM_ERROR,
    },
  },
  'openai-text-stream-usage.sse': {
    stream: [
      ...['{"', 'city', '":"', 'San', ' Francisco', '","', 'units', '":"', 'c', '"}'].map(text),
      { type: 'usage', usage: { inputTokens: 17, outputTokens: 10 } },
      { type: 'end', stopReason: 'end', model: 'gpt-4o-2024-08-06' },
    ],
  },
  'openai-tool-call-args-stream.sse': {
    stream: [
      call('get_capital', { country: 'UK' }, { provider: 'openai', id: 'call_ZR5UUuTt3pf61kjwAJIYdVMj' }),
      { type: 'usage', usage: { inputTokens: 53, outputTokens: 15 } },
      { type: 'end', stopReason: 'tool_calls', model: 'gpt-4o-mini-2024-07-18' },
    ],
  },
};

/** Our tool-call ids are fresh each run: check their shape and uniqueness, then mask them. */
function maskIds<T>(value: T, seen = new Set<string>()): T {
  if (Array.isArray(value)) return value.map((v) => maskIds(v, seen)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskIds(v, seen);
  if (out.type === 'tool_call' && typeof out.id === 'string') {
    assert.match(out.id, /^tc[0-9a-z]+$/);
    assert.ok(!seen.has(out.id), `tool-call id ${out.id} is reused`);
    seen.add(out.id);
    out.id = '<ours>';
  }
  return out as T;
}

function summary(e: unknown): ErrorSummary {
  assert.ok(isProviderError(e), `expected a ProviderError, got ${String(e)}`);
  const s: ErrorSummary = { kind: e.kind, inBody: e.inBody, message: e.message };
  if (e.httpStatus !== undefined) s.httpStatus = e.httpStatus;
  if (e.providerCode !== undefined) s.providerCode = e.providerCode;
  if (e.retryAfterMs !== undefined) s.retryAfterMs = e.retryAfterMs;
  if (e.partialText !== undefined) s.partialText = e.partialText;
  return s;
}

function decode(f: Fixture, chunks: Uint8Array[]): { stream: StreamEvent[]; error?: ErrorSummary } {
  const decoder = adapterFor(f.meta.kind).createStreamDecoder();
  const stream: StreamEvent[] = [];
  try {
    for (const chunk of chunks) stream.push(...decoder.push(chunk));
    stream.push(...decoder.end());
  } catch (e) {
    return { stream: maskIds(stream), error: summary(e) };
  }
  return { stream: maskIds(stream) };
}

function chunkings(bytes: Uint8Array): Array<[string, Uint8Array[]]> {
  const out: Array<[string, Uint8Array[]]> = [['whole', [bytes]]];
  for (let cut = 1; cut < bytes.length; cut++) out.push([`split at byte ${cut}`, [bytes.subarray(0, cut), bytes.subarray(cut)]]);
  out.push(['byte by byte', Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1))]);
  return out;
}

describe('recorded provider responses', () => {
  const fixtures = allFixtures();

  it('has an expectation for every recorded file (a new recording needs one)', () => {
    assert.deepEqual(fixtures.map((f) => f.name), Object.keys(EXPECTED).sort());
  });

  for (const f of fixtures) {
    const expected = EXPECTED[f.name];
    it(`${f.name} (${f.meta.kind}, ${f.meta.streaming ? 'stream' : 'whole'}, ${f.meta.status})`, () => {
      assert.ok(expected, 'no expectation');
      const adapter = adapterFor(f.meta.kind);
      if ('classified' in expected) {
        const headers: Record<string, string> = { 'content-type': f.meta.contentType };
        for (const [k, v] of Object.entries(f.meta.headers ?? {})) headers[k.toLowerCase()] = v;
        assert.deepEqual(summary(adapter.classifyError(f.meta.status, headers, f.text, Date.now())), expected.classified);
      } else if ('response' in expected) {
        assert.deepEqual(maskIds(adapter.parseResponse(f.text) as ChatResponse), expected.response);
      } else {
        const want = expected.error ? { stream: expected.stream, error: expected.error } : { stream: expected.stream };
        for (const [how, chunks] of chunkings(f.bytes)) assert.deepEqual(decode(f, chunks), want, how);
      }
    });
  }
});
