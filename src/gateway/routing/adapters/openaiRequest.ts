// IR -> OpenAI Chat Completions request, for OpenAI itself and for OpenAI-compatible gateways.
import type { ChatRequest, Message, ToolCallPart } from '../../ir';
import type { Route } from '../routes';
import type { BuildOptions, HttpRequestSpec } from './adapter';
import { callsById, openAiCallId } from './toolIds';
import { endpoint } from './urls';
import { keyHeaderValue } from './keyHeader';

export type OpenAiFlavor = 'openai' | 'openai-compatible';

type WireMessage = Record<string, unknown>;

/**
 * OpenAI reasoning models (o1, o3, o4-mini, gpt-5...) refuse `max_tokens` and any temperature but
 * the default; their chat variants (gpt-5-chat-latest) behave like the older models.
 */
export function isOpenAiReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model) && !/chat/.test(model);
}

function assistantMessage(parts: Extract<Message, { role: 'assistant' }>['parts'], flavor: OpenAiFlavor, calls: Map<string, ToolCallPart>): WireMessage | undefined {
  // Reasoning is dropped: OpenAI has no input for it, and DeepSeek answers 400 when its
  // `reasoning_content` is sent back.
  const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  const toolCalls = parts
    .filter((p): p is ToolCallPart => p.type === 'tool_call')
    .map((p) => ({
      id: openAiCallId(p.id, calls.get(p.id), flavor),
      type: 'function',
      function: { name: p.name, arguments: JSON.stringify(p.arguments) },
    }));
  if (text === '' && toolCalls.length === 0) return undefined;
  return toolCalls.length > 0 ? { role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls } : { role: 'assistant', content: text };
}

/** The `messages` array: system first, tool results as `role: tool` right after their calls. */
export function openAiMessages(request: ChatRequest, flavor: OpenAiFlavor): WireMessage[] {
  const calls = callsById(request.messages);
  const out: WireMessage[] = [];
  if (request.system) out.push({ role: 'system', content: request.system });
  for (const message of request.messages) {
    if (message.role === 'assistant') {
      const wire = assistantMessage(message.parts, flavor, calls);
      if (wire) out.push(wire);
      continue;
    }
    // Tool messages must come before any user text: they answer the assistant turn just above.
    for (const part of message.parts) {
      if (part.type === 'tool_result') {
        // The format has no error flag for a tool result: say it in the content.
        const content = part.isError && !/^error\b/i.test(part.content) ? `Error: ${part.content}` : part.content;
        out.push({ role: 'tool', tool_call_id: openAiCallId(part.callId, calls.get(part.callId), flavor), content });
      }
    }
    const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    if (text !== '') out.push({ role: 'user', content: text });
  }
  return out;
}

/** Builds the HTTP request; `continueFrom` is ignored (Chat Completions has no assistant prefill). */
export function buildOpenAiRequest(flavor: OpenAiFlavor, route: Route, request: ChatRequest, options: BuildOptions): HttpRequestSpec {
  const body: Record<string, unknown> = { model: route.model, messages: openAiMessages(request, flavor) };
  const maxTokens = request.maxOutputTokens ?? route.maxOutputTokens;
  const reasoning = flavor === 'openai' && isOpenAiReasoningModel(route.model);
  if (maxTokens !== undefined) {
    // OpenAI deprecated max_tokens (reasoning models refuse it); gateways mostly know only max_tokens.
    body[flavor === 'openai' ? 'max_completion_tokens' : 'max_tokens'] = maxTokens;
  }
  if (request.temperature !== undefined && !reasoning) body.temperature = request.temperature;
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }
  if (options.stream) {
    body.stream = true;
    // Without it no usage arrives in a stream. OpenRouter, DeepSeek, Ollama, LiteLLM and vLLM
    // accept it too, so it is sent to every OpenAI-format route.
    body.stream_options = { include_usage: true };
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: options.stream ? 'text/event-stream' : 'application/json',
  };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${keyHeaderValue(route, options.apiKey)}`;
  // Only OpenAI documents it; unknown headers are at best ignored by gateways, so none is sent there.
  if (flavor === 'openai' && options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  return { url: endpoint(route.baseUrl, 'chat/completions'), headers, body: JSON.stringify(body) };
}
