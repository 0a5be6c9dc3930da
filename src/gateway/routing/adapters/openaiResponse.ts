// OpenAI Chat Completions whole response -> IR.
import { newToolCallId, type AssistantMessage, type ChatResponse, type StopReason, type Usage } from '../../ir';
import type { OpenAiFlavor } from './openaiRequest';
import { openAiError } from './openaiErrors';
import { isObject, malformed, num, parseJsonObject, parseToolArguments, str, type JsonObject } from './wireJson';

/** OpenAI's finish_reason in IR terms; tool calls present mean the model waits for results. */
export function openAiStopReason(finish: string | undefined, hasToolCalls: boolean): StopReason {
  if (hasToolCalls && (finish === 'tool_calls' || finish === 'function_call' || finish === 'stop' || finish === undefined)) return 'tool_calls';
  switch (finish) {
    case 'stop':
      return 'end';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'other';
  }
}

export function openAiUsage(usage: unknown): Usage | undefined {
  if (!isObject(usage)) return undefined;
  const inputTokens = num(usage.prompt_tokens);
  const outputTokens = num(usage.completion_tokens);
  return inputTokens === undefined || outputTokens === undefined ? undefined : { inputTokens, outputTokens };
}

/** Parses a whole 200 body; an `error` object inside it or a body with no choice throws. */
export function parseOpenAiResponse(flavor: OpenAiFlavor, body: string): ChatResponse {
  const json = parseJsonObject(body, 'The response body');
  if (isObject(json.error)) throw openAiError(json.error, undefined);
  const choices = Array.isArray(json.choices) ? json.choices : undefined;
  const choice = choices?.[0];
  if (!isObject(choice) || !isObject(choice.message)) throw malformed('The response has no choices[0].message; it is not a chat completion.');
  const message = choice.message;
  const finish = str(choice.finish_reason);
  const parts: AssistantMessage['parts'][number][] = [];
  const reasoning = str(message.reasoning_content) ?? str(message.reasoning);
  if (reasoning) parts.push({ type: 'reasoning', text: reasoning, origin: { provider: flavor } });
  const text = str(message.content) ?? '';
  if (text !== '') parts.push({ type: 'text', text });
  const refusal = str(message.refusal);
  if (refusal) parts.push({ type: 'text', text: refusal });
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
  for (const call of toolCalls) {
    const fn: JsonObject = isObject(call.function) ? call.function : {};
    const name = str(fn.name);
    const args = parseToolArguments(str(fn.arguments) ?? '');
    // A call cut by max_tokens is incomplete: it is dropped, and the stop reason says why.
    if (args === undefined && finish === 'length') continue;
    if (!name || args === undefined) throw malformed(`Tool call ${JSON.stringify(name ?? '?')} has arguments that are not a JSON object.`);
    const id = str(call.id);
    parts.push({ type: 'tool_call', id: newToolCallId(), name, arguments: args, origin: id ? { provider: flavor, id } : { provider: flavor } });
  }
  const hasCalls = parts.some((p) => p.type === 'tool_call');
  const stopReason = refusal && !hasCalls ? 'content_filter' : openAiStopReason(finish, hasCalls);
  const usage = openAiUsage(json.usage);
  const model = str(json.model);
  return { message: { role: 'assistant', parts }, stopReason, ...(usage ? { usage } : {}), ...(model ? { model } : {}) };
}
