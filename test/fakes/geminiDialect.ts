// Replies and faults in Gemini's wire format: alt=sse events end in CRLF CRLF, as the real API's do.
import type { StopReason } from '../../src/gateway/ir';
import { pieces, roughTokens, sse, type Dialect, type RenderContext, type WireEvent } from './dialect';
import { checkGeminiRequest, geminiErrorBody } from './geminiChecks';
import type { FakeReply, HttpFailure, RetryHint } from './script';

const FINISH: Readonly<Record<StopReason, string>> = { end: 'STOP', tool_calls: 'STOP', max_tokens: 'MAX_TOKENS', content_filter: 'SAFETY', other: 'OTHER' };

const frame = (body: unknown) => sse(JSON.stringify(body), undefined, '\r\n');

function stopOf(reply: FakeReply): StopReason {
  return reply.stopReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'end');
}

/** Thinking models (2.5, 3) sign their function calls; Gemini 3 requires the signature back. */
function signs(model: string): boolean {
  return /^gemini-(3|2\.5)/.test(model);
}

function callParts(reply: FakeReply, ctx: RenderContext): Record<string, unknown>[] {
  return (reply.toolCalls ?? []).map((call, i) => ({
    functionCall: { name: call.name, args: call.arguments, ...(call.id ? { id: call.id } : {}) },
    ...(i === 0 && signs(ctx.model) ? { thoughtSignature: ctx.newId('Cs', 48) } : {}),
  }));
}

function usage(reply: FakeReply, ctx: RenderContext, final: boolean) {
  const input = reply.usage?.inputTokens ?? ctx.inputTokens;
  if (!final) return { promptTokenCount: input, totalTokenCount: input };
  const output = reply.usage?.outputTokens ?? roughTokens((reply.text ?? '') + JSON.stringify(reply.toolCalls ?? []));
  return { promptTokenCount: input, candidatesTokenCount: output, totalTokenCount: input + output };
}

function errorFor(failure: HttpFailure, hint: RetryHint, model: string): { status: number; rpc: string; message: string; details?: unknown[] } {
  const retryInfo = hint.retryDelay ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: hint.retryDelay }] : [];
  const quota = (id: string) => ({ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: id }] });
  switch (failure) {
    case 'rate_limited':
      return { status: 429, rpc: 'RESOURCE_EXHAUSTED', message: 'You exceeded your current quota, please check your plan and billing details.', details: [quota('GenerateRequestsPerMinutePerProjectPerModel-FreeTier'), ...retryInfo] };
    case 'quota_exhausted':
      return { status: 429, rpc: 'RESOURCE_EXHAUSTED', message: 'You exceeded your current quota, please check your plan and billing details.', details: [quota('GenerateRequestsPerDayPerProjectPerModel-FreeTier'), ...retryInfo] };
    case 'overloaded':
      return { status: 503, rpc: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' };
    case 'server_error':
      return { status: 500, rpc: 'INTERNAL', message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' };
    case 'auth':
      return { status: 400, rpc: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }] };
    case 'bad_request':
      return { status: 400, rpc: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' };
    case 'context_too_long':
      return { status: 400, rpc: 'INVALID_ARGUMENT', message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).' };
    case 'not_found':
      return { status: 404, rpc: 'NOT_FOUND', message: `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.` };
  }
}

/** The fake for `gemini`. */
export function geminiDialect(): Dialect {
  const envelope = (reply: FakeReply, ctx: RenderContext, responseId: string, candidate: Record<string, unknown>, final: boolean) => ({
    candidates: [{ ...candidate, index: 0 }],
    usageMetadata: usage(reply, ctx, final),
    modelVersion: reply.model ?? ctx.model,
    responseId,
  });
  return {
    kind: 'gemini',
    basePath: '/v1beta',
    jsonContentType: 'application/json; charset=UTF-8',
    streamContentType: 'text/event-stream',
    accept: checkGeminiRequest,

    wholeBody(reply, ctx) {
      const parts: Record<string, unknown>[] = [];
      if (reply.reasoning) parts.push({ text: reply.reasoning, thought: true });
      if (reply.text) parts.push({ text: reply.text });
      parts.push(...callParts(reply, ctx));
      return envelope(reply, ctx, ctx.newId('', 22), { content: { parts, role: 'model' }, finishReason: FINISH[stopOf(reply)] }, true);
    },

    streamEvents(reply, ctx) {
      const id = ctx.newId('', 22);
      const chunk = (parts: unknown[]) => frame(envelope(reply, ctx, id, { content: { parts, role: 'model' } }, false));
      const events: WireEvent[] = [];
      if (reply.reasoning) events.push({ text: chunk([{ text: reply.reasoning, thought: true }]) });
      for (const piece of pieces(reply.text ?? '', reply.chunkSize ?? 8)) events.push({ text: chunk([{ text: piece }]) });
      const calls = callParts(reply, ctx);
      if (calls.length > 0) events.push({ text: chunk(calls), tag: 'tool_whole' });
      events.push({ text: frame(envelope(reply, ctx, id, { content: { parts: [{ text: '' }], role: 'model' }, finishReason: FINISH[stopOf(reply)] }, true)), tag: 'terminal' });
      return events;
    },

    httpError(failure, hint, model) {
      const e = errorFor(failure, hint, model);
      return { status: e.status, body: geminiErrorBody(e.status, e.rpc, e.message, e.details) };
    },

    streamError(failure) {
      const e = errorFor(failure, {}, 'the model');
      return [{ text: frame(geminiErrorBody(e.status, e.rpc, e.message, e.details)) }];
    },

    bodyError(failure, model) {
      const e = errorFor(failure, {}, model);
      return geminiErrorBody(e.status, e.rpc, e.message, e.details);
    },

    blockedBody(ctx) {
      return {
        promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }] },
        usageMetadata: { promptTokenCount: ctx.inputTokens, totalTokenCount: ctx.inputTokens },
        modelVersion: ctx.model,
      };
    },

    frameEvent: (body) => frame(body),
    malformedEvent: () => 'data: {"candidates": [{"content": {"parts": [{"text": "Hel\r\n\r\n',
  };
}
