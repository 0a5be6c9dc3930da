// Anthropic Messages whole response -> IR.
import { newToolCallId, type AssistantMessage, type ChatResponse, type StopReason, type Usage } from '../../ir';
import { anthropicError } from './anthropicErrors';
import { isObject, malformed, num, parseJsonObject, str } from './wireJson';

export function anthropicStopReason(reason: string | undefined): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'end';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

/** Input counts every input token (cache writes and reads are billed too, at their own rates). */
export function anthropicInputTokens(usage: Record<string, unknown>): number | undefined {
  const input = num(usage.input_tokens);
  if (input === undefined) return undefined;
  return input + (num(usage.cache_creation_input_tokens) ?? 0) + (num(usage.cache_read_input_tokens) ?? 0);
}

function usageOf(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const inputTokens = anthropicInputTokens(value);
  const outputTokens = num(value.output_tokens);
  return inputTokens === undefined || outputTokens === undefined ? undefined : { inputTokens, outputTokens };
}

/** Parses a whole 200 body (`type: "message"`); an error object throws ProviderError. */
export function parseAnthropicResponse(body: string): ChatResponse {
  const json = parseJsonObject(body, 'The response body');
  if (json.type === 'error' && isObject(json.error)) throw anthropicError(json.error, undefined);
  if (!Array.isArray(json.content)) throw malformed('The response has no content array; it is not a Messages response.');
  const parts: AssistantMessage['parts'][number][] = [];
  for (const block of json.content) {
    if (!isObject(block)) continue;
    if (block.type === 'text') {
      const text = str(block.text) ?? '';
      if (text !== '') parts.push({ type: 'text', text });
    } else if (block.type === 'thinking') {
      const signature = str(block.signature);
      parts.push({ type: 'reasoning', text: str(block.thinking) ?? '', origin: signature ? { provider: 'anthropic', signature } : { provider: 'anthropic' } });
    } else if (block.type === 'tool_use') {
      const id = str(block.id);
      const name = str(block.name);
      if (!id || !name || !isObject(block.input)) throw malformed('A tool_use block lacks its id, name or input object.');
      parts.push({ type: 'tool_call', id: newToolCallId(), name, arguments: block.input, origin: { provider: 'anthropic', id } });
    }
    // redacted_thinking and server-tool blocks are not kept: nothing in the IR can use them.
  }
  const usage = usageOf(json.usage);
  const model = str(json.model);
  return { message: { role: 'assistant', parts }, stopReason: anthropicStopReason(str(json.stop_reason)), ...(usage ? { usage } : {}), ...(model ? { model } : {}) };
}
