// Replies and faults in OpenAI's Chat Completions wire format; the gateway flavor answers errors
// the way OpenRouter does ({message, code: status}) and streams DeepSeek-style reasoning_content.
import type { StopReason } from '../../src/gateway/ir';
import { argumentPieces, pieces, roughTokens, sse, type Dialect, type HttpErrorResponse, type RenderContext, type WireEvent } from './dialect';
import { checkOpenAiRequest, openAiErrorBody, type OpenAiFlavor } from './openaiChecks';
import type { FakeReply, HttpFailure, RetryHint } from './script';

const FINISH: Readonly<Record<StopReason, string>> = { end: 'stop', tool_calls: 'tool_calls', max_tokens: 'length', content_filter: 'content_filter', other: 'stop' };

function stopOf(reply: FakeReply): StopReason {
  return reply.stopReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'end');
}

function usageOf(reply: FakeReply, ctx: RenderContext) {
  const u = reply.usage ?? { inputTokens: ctx.inputTokens, outputTokens: roughTokens((reply.text ?? '') + JSON.stringify(reply.toolCalls ?? [])) };
  return { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens };
}

function callIds(reply: FakeReply, ctx: RenderContext): string[] {
  return (reply.toolCalls ?? []).map((c) => c.id ?? ctx.newId('call_', 24));
}

function errorFor(flavor: OpenAiFlavor, failure: HttpFailure, hint: RetryHint, model: string): { status: number; message: string; type: string; code: string | null; param: string | null } {
  const wait = typeof hint.retryAfter === 'number' ? ` Please try again in ${hint.retryAfter}s.` : '';
  switch (failure) {
    case 'rate_limited':
      return { status: 429, type: 'requests', code: 'rate_limit_exceeded', param: null, message: `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1.${wait}` };
    case 'quota_exhausted':
      return flavor === 'openai'
        ? { status: 429, type: 'insufficient_quota', code: 'insufficient_quota', param: null, message: 'You exceeded your current quota, please check your plan and billing details.' }
        : { status: 402, type: 'insufficient_quota', code: null, param: null, message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits' };
    case 'overloaded':
      return { status: 503, type: 'server_error', code: null, param: null, message: 'The server is overloaded or not ready yet.' };
    case 'server_error':
      return { status: 500, type: 'server_error', code: null, param: null, message: 'The server had an error while processing your request. Sorry about that!' };
    case 'auth':
      return { status: 401, type: 'invalid_request_error', code: 'invalid_api_key', param: null, message: 'Incorrect API key provided: sk-fa*******1234. You can find your API key at https://platform.openai.com/account/api-keys.' };
    case 'bad_request':
      return { status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'messages[0].role', message: "Invalid value: 'bogus'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'." };
    case 'context_too_long':
      return flavor === 'openai'
        ? { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages', message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages." }
        : { status: 400, type: 'invalid_request_error', code: null, param: null, message: "This endpoint's maximum context length is 131072 tokens. However, you requested about 200000 tokens. Please reduce the length of either one." };
    case 'not_found':
      return { status: 404, type: 'invalid_request_error', code: 'model_not_found', param: null, message: `The model \`${model}\` does not exist or you do not have access to it.` };
  }
}

/** The fake for `openai` or `openai-compatible`. */
export function openAiDialect(flavor: OpenAiFlavor): Dialect {
  const chunk = (ctx: RenderContext, id: string, choices: unknown[], extra: Record<string, unknown> = {}) =>
    sse(JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: ctx.model, system_fingerprint: 'fp_fake', choices, ...extra }));
  const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({ index: 0, delta, logprobs: null, finish_reason: finish });

  return {
    kind: flavor,
    basePath: '/v1',
    jsonContentType: 'application/json',
    streamContentType: 'text/event-stream; charset=utf-8',
    accept: (request, options) => checkOpenAiRequest(flavor, '/v1', request, options),

    wholeBody(reply, ctx) {
      const ids = callIds(reply, ctx);
      const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({ id: ids[i], type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
      const message: Record<string, unknown> = { role: 'assistant', content: reply.text ?? (toolCalls.length ? null : ''), refusal: null };
      if (toolCalls.length) message.tool_calls = toolCalls;
      if (flavor === 'openai-compatible' && reply.reasoning) message.reasoning_content = reply.reasoning;
      return {
        id: ctx.newId('chatcmpl-', 29),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: reply.model ?? ctx.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH[stopOf(reply)] }],
        usage: usageOf(reply, ctx),
        system_fingerprint: 'fp_fake',
      };
    },

    streamEvents(reply, ctx) {
      const id = ctx.newId('chatcmpl-', 29);
      const c = { ...ctx, model: reply.model ?? ctx.model };
      const events: WireEvent[] = [{ text: chunk(c, id, [choice({ role: 'assistant', content: '', refusal: null })]) }];
      if (flavor === 'openai-compatible' && reply.reasoning) {
        for (const piece of pieces(reply.reasoning, reply.chunkSize ?? 8)) events.push({ text: chunk(c, id, [choice({ reasoning_content: piece })]) });
      }
      for (const piece of pieces(reply.text ?? '', reply.chunkSize ?? 8)) events.push({ text: chunk(c, id, [choice({ content: piece })]) });
      const ids = callIds(reply, ctx);
      (reply.toolCalls ?? []).forEach((call, index) => {
        events.push({ text: chunk(c, id, [choice({ tool_calls: [{ index, id: ids[index], type: 'function', function: { name: call.name, arguments: '' } }] })]) });
        const args = argumentPieces(call.arguments);
        args.forEach((piece, k) => {
          const event = chunk(c, id, [choice({ tool_calls: [{ index, function: { arguments: piece } }] })]);
          events.push(k < args.length - 1 ? { text: event, tag: 'tool_partial' } : { text: event });
        });
      });
      events.push({ text: chunk(c, id, [choice({}, FINISH[stopOf(reply)])]), tag: 'terminal' });
      if (ctx.includeUsage) events.push({ text: chunk(c, id, [], { usage: usageOf(reply, ctx) }), tag: 'terminal' });
      events.push({ text: sse('[DONE]'), tag: 'terminal' });
      return events;
    },

    httpError(failure, hint, model): HttpErrorResponse {
      const e = errorFor(flavor, failure, hint, model);
      return { status: e.status, body: openAiErrorBody(flavor, e.status, e.message, e.param, e.code, e.type) };
    },

    streamError(failure) {
      const e = errorFor(flavor, failure, {}, 'the model');
      if (flavor === 'openai') {
        const message = failure === 'server_error' ? 'The server had an error processing your request. Sorry about that! You can retry your request.' : e.message;
        return [{ text: sse(JSON.stringify({ error: { message, type: e.type, param: null, code: e.code } })) }, { text: sse('[DONE]') }];
      }
      // OpenRouter: the error rides on a chunk whose choice finishes with "error".
      const code = failure === 'rate_limited' ? 429 : failure === 'overloaded' ? 503 : 502;
      return [{ text: sse(JSON.stringify({ id: 'gen-fake', object: 'chat.completion.chunk', error: { code, message: e.message }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] })) }];
    },

    bodyError(failure, model) {
      const e = errorFor(flavor, failure, {}, model);
      return openAiErrorBody(flavor, e.status, e.message, e.param, e.code, e.type);
    },

    blockedBody(ctx) {
      return this.wholeBody({ text: '', stopReason: 'content_filter' }, ctx);
    },

    frameEvent: (body) => sse(JSON.stringify(body)),
    malformedEvent: () => sse('{"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel'),
  };
}
