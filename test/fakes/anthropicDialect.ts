// Replies and faults in Anthropic's Messages wire format.
import type { StopReason } from '../../src/gateway/ir';
import { anthropicErrorBody, checkAnthropicRequest } from './anthropicChecks';
import { argumentPieces, pieces, roughTokens, sse, type Dialect, type RenderContext, type WireEvent } from './dialect';
import type { FakeReply, HttpFailure } from './script';

const STOP: Readonly<Record<StopReason, string>> = { end: 'end_turn', tool_calls: 'tool_use', max_tokens: 'max_tokens', content_filter: 'refusal', other: 'pause_turn' };

const ERRORS: Readonly<Record<HttpFailure, { status: number; type: string; message: string }>> = {
  rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
  },
  quota_exhausted: { status: 400, type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.' },
  overloaded: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
  server_error: { status: 500, type: 'api_error', message: 'Internal server error' },
  auth: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
  bad_request: { status: 400, type: 'invalid_request_error', message: 'messages.0.content.0.type: Field required' },
  context_too_long: { status: 400, type: 'invalid_request_error', message: 'prompt is too long: 215000 tokens > 200000 maximum' },
  not_found: { status: 404, type: 'not_found_error', message: 'model: claude-nonexistent' },
};

const STREAM_ERRORS = {
  overloaded: { type: 'overloaded_error', message: 'Overloaded' },
  server_error: { type: 'api_error', message: 'Internal server error' },
  rate_limited: { type: 'rate_limit_error', message: 'Rate limited' },
} as const;

function stopOf(reply: FakeReply): StopReason {
  return reply.stopReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'end');
}

function outputTokens(reply: FakeReply): number {
  return reply.usage?.outputTokens ?? roughTokens((reply.text ?? '') + JSON.stringify(reply.toolCalls ?? []));
}

const event = (type: string, data: Record<string, unknown>) => sse(JSON.stringify({ type, ...data }), type);

/** The fake for `anthropic`. */
export function anthropicDialect(): Dialect {
  const signature = (ctx: RenderContext) => ctx.newId('Eu', 64);
  return {
    kind: 'anthropic',
    basePath: '',
    jsonContentType: 'application/json',
    streamContentType: 'text/event-stream; charset=utf-8',
    accept: checkAnthropicRequest,

    wholeBody(reply, ctx) {
      const content: unknown[] = [];
      if (reply.reasoning) content.push({ type: 'thinking', thinking: reply.reasoning, signature: signature(ctx) });
      if (reply.text) content.push({ type: 'text', text: reply.text });
      for (const call of reply.toolCalls ?? []) content.push({ type: 'tool_use', id: call.id ?? ctx.newId('toolu_01', 22), name: call.name, input: call.arguments });
      return {
        id: ctx.newId('msg_01', 22),
        type: 'message',
        role: 'assistant',
        model: reply.model ?? ctx.model,
        content,
        stop_reason: STOP[stopOf(reply)],
        stop_sequence: null,
        usage: { input_tokens: reply.usage?.inputTokens ?? ctx.inputTokens, output_tokens: outputTokens(reply) },
      };
    },

    streamEvents(reply, ctx) {
      const size = reply.chunkSize ?? 8;
      const inputTokens = reply.usage?.inputTokens ?? ctx.inputTokens;
      const events: WireEvent[] = [
        {
          text: event('message_start', {
            message: { id: ctx.newId('msg_01', 22), type: 'message', role: 'assistant', model: reply.model ?? ctx.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1 } },
          }),
        },
      ];
      let index = 0;
      if (reply.reasoning) {
        events.push({ text: event('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }) });
        for (const piece of pieces(reply.reasoning, size)) events.push({ text: event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }) });
        events.push({ text: event('content_block_delta', { index, delta: { type: 'signature_delta', signature: signature(ctx) } }) });
        events.push({ text: event('content_block_stop', { index }) });
        index++;
      }
      if (reply.text) {
        events.push({ text: event('content_block_start', { index, content_block: { type: 'text', text: '' } }) });
        events.push({ text: sse('{"type": "ping"}', 'ping') });
        for (const piece of pieces(reply.text, size)) events.push({ text: event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }) });
        events.push({ text: event('content_block_stop', { index }) });
        index++;
      }
      for (const call of reply.toolCalls ?? []) {
        events.push({ text: event('content_block_start', { index, content_block: { type: 'tool_use', id: call.id ?? ctx.newId('toolu_01', 22), name: call.name, input: {} } }) });
        events.push({ text: event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }) });
        for (const piece of argumentPieces(call.arguments)) {
          events.push({ text: event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }), tag: 'tool_partial' });
        }
        events.push({ text: event('content_block_stop', { index }) });
        index++;
      }
      events.push({ text: event('message_delta', { delta: { stop_reason: STOP[stopOf(reply)], stop_sequence: null }, usage: { output_tokens: outputTokens(reply) } }), tag: 'terminal' });
      events.push({ text: event('message_stop', {}), tag: 'terminal' });
      return events;
    },

    httpError(failure: HttpFailure) {
      const e = ERRORS[failure];
      return { status: e.status, body: anthropicErrorBody(e.type, e.message) };
    },

    streamError(failure) {
      return [{ text: event('error', { error: STREAM_ERRORS[failure] }) }];
    },

    bodyError(failure) {
      const e = ERRORS[failure];
      return anthropicErrorBody(e.type, e.message);
    },

    blockedBody(ctx) {
      return this.wholeBody({ text: '', stopReason: 'content_filter' }, ctx);
    },

    frameEvent: (body) => sse(JSON.stringify(body), 'error'),
    malformedEvent: () => sse('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel', 'content_block_delta'),
  };
}
