// Gemini generateContent whole response -> IR.
import { ProviderError } from '../failures';
import { newToolCallId, type AssistantMessage, type ChatResponse, type StopReason, type ToolCallPart, type Usage } from '../../ir';
import { geminiError } from './geminiErrors';
import { isObject, malformed, num, parseJsonObject, str, type JsonObject } from './wireJson';

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

export function geminiStopReason(reason: string | undefined, hasToolCalls: boolean): StopReason {
  if (reason === 'STOP') return hasToolCalls ? 'tool_calls' : 'end';
  if (reason === 'MAX_TOKENS') return 'max_tokens';
  if (reason !== undefined && FILTERED.has(reason)) return 'content_filter';
  return 'other';
}

/** Output counts thinking tokens too: Gemini bills them as output. */
export function geminiUsage(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const inputTokens = num(value.promptTokenCount);
  if (inputTokens === undefined) return undefined;
  return { inputTokens, outputTokens: (num(value.candidatesTokenCount) ?? 0) + (num(value.thoughtsTokenCount) ?? 0) };
}

/** Throws for the ways Gemini reports failure inside a 200: an error object, a blocked prompt. */
export function throwIfGeminiFailure(json: JsonObject): void {
  if (isObject(json.error)) throw geminiError(json.error, undefined);
  const feedback = isObject(json.promptFeedback) ? json.promptFeedback : undefined;
  const blockReason = str(feedback?.blockReason);
  if (blockReason) {
    throw new ProviderError({ kind: 'bad_request', inBody: true, providerCode: blockReason, message: `Gemini blocked the prompt (${blockReason}); another provider may answer it.` });
  }
}

/** One functionCall part as an IR call, with Gemini's id and thought signature kept as its origin. */
export function geminiToolCall(part: JsonObject): ToolCallPart | undefined {
  if (!isObject(part.functionCall)) return undefined;
  const call = part.functionCall;
  const name = str(call.name);
  if (!name) throw malformed('A functionCall part has no name.');
  const args = call.args === undefined ? {} : call.args;
  if (!isObject(args)) throw malformed(`The functionCall ${JSON.stringify(name)} has args that are not an object.`);
  const id = str(call.id);
  const signature = str(part.thoughtSignature);
  return { type: 'tool_call', id: newToolCallId(), name, arguments: args, origin: { provider: 'gemini', ...(id ? { id } : {}), ...(signature ? { signature } : {}) } };
}

/** Parses a whole 200 body. No candidate at all is malformed; a candidate with no content is an empty answer. */
export function parseGeminiResponse(body: string): ChatResponse {
  const json = parseJsonObject(body, 'The response body');
  throwIfGeminiFailure(json);
  const candidate = Array.isArray(json.candidates) ? json.candidates[0] : undefined;
  if (!isObject(candidate)) throw malformed('The response has no candidates and no promptFeedback; it is not a generateContent response.');
  const content = isObject(candidate.content) ? candidate.content : {};
  const parts: AssistantMessage['parts'][number][] = [];
  for (const part of Array.isArray(content.parts) ? content.parts.filter(isObject) : []) {
    const call = geminiToolCall(part);
    if (call) parts.push(call);
    else if (part.thought === true) {
      const signature = str(part.thoughtSignature);
      parts.push({ type: 'reasoning', text: str(part.text) ?? '', origin: signature ? { provider: 'gemini', signature } : { provider: 'gemini' } });
    } else if (str(part.text)) parts.push({ type: 'text', text: part.text as string });
  }
  const usage = geminiUsage(json.usageMetadata);
  const model = str(json.modelVersion);
  const stopReason = geminiStopReason(str(candidate.finishReason), parts.some((p) => p.type === 'tool_call'));
  return { message: { role: 'assistant', parts }, stopReason, ...(usage ? { usage } : {}), ...(model ? { model } : {}) };
}
