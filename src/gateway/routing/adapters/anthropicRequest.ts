// IR -> Anthropic Messages request.
import type { AssistantMessage, ChatRequest, ToolCallPart, UserMessage } from '../../ir';
import type { Route } from '../routes';
import type { BuildOptions, HttpRequestSpec } from './adapter';
import { anthropicCallId, callsById } from './toolIds';
import { endpoint } from './urls';
import { keyHeaderValue } from './keyHeader';

export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; used when neither the request nor the route sets one. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface WireTurn {
  role: 'user' | 'assistant';
  content: Block[];
}

/**
 * Whether the model continues a final assistant message (prefill). Claude 4.6 and later answer
 * 400 "This model does not support assistant message prefill"; unknown names are not risked.
 */
export function anthropicAcceptsPrefill(model: string): boolean {
  const m = /claude-(?:(?:opus|sonnet|haiku)-)?(\d+)(?:-(\d{1,2})(?!\d))?/.exec(model);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = m[2] === undefined ? 0 : Number(m[2]);
  return major < 4 || (major === 4 && minor < 6);
}

function userBlocks(message: UserMessage, calls: Map<string, ToolCallPart>): Block[] {
  const results: Block[] = [];
  const texts: Block[] = [];
  for (const part of message.parts) {
    if (part.type === 'tool_result') {
      const block: Block = { type: 'tool_result', tool_use_id: anthropicCallId(part.callId, calls.get(part.callId)) };
      if (part.content !== '') block.content = part.content;
      if (part.isError) block.is_error = true;
      results.push(block);
    } else if (part.text !== '') {
      texts.push({ type: 'text', text: part.text });
    }
  }
  return [...results, ...texts];
}

function assistantBlocks(message: AssistantMessage, calls: Map<string, ToolCallPart>): Block[] {
  const blocks: Block[] = [];
  for (const part of message.parts) {
    if (part.type === 'text') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text });
    } else if (part.type === 'tool_call') {
      blocks.push({ type: 'tool_use', id: anthropicCallId(part.id, calls.get(part.id)), name: part.name, input: part.arguments });
    } else if (part.origin.provider === 'anthropic' && part.origin.signature) {
      // Thinking goes back only to Anthropic, and only with the signature it requires.
      blocks.push({ type: 'thinking', thinking: part.text, signature: part.origin.signature });
    }
  }
  return blocks;
}

/**
 * The `messages` array. Turns of one role in a row are merged, which puts all tool results of a
 * turn in ONE user message (split over two, the API answers 400), tool results first.
 */
export function anthropicMessages(request: ChatRequest): WireTurn[] {
  const calls = callsById(request.messages);
  const turns: WireTurn[] = [];
  for (const message of request.messages) {
    const content = message.role === 'user' ? userBlocks(message, calls) : assistantBlocks(message, calls);
    if (content.length === 0) continue;
    const last = turns[turns.length - 1];
    if (last && last.role === message.role) last.content.push(...content);
    else turns.push({ role: message.role, content });
  }
  for (const turn of turns) {
    if (turn.role === 'user') turn.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  // The API wants the conversation to open with a user turn.
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', content: [{ type: 'text', text: '(The conversation so far follows.)' }] });
  return turns;
}

/** Builds the HTTP request; `continueFrom` becomes a final assistant turn where the model allows it. */
export function buildAnthropicRequest(route: Route, request: ChatRequest, options: BuildOptions): HttpRequestSpec {
  const messages = anthropicMessages(request);
  // The API refuses a final assistant turn ending in whitespace; the router continues after this trimmed text.
  const prefill = options.continueFrom?.trimEnd();
  if (prefill && anthropicAcceptsPrefill(route.model)) {
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant') last.content.push({ type: 'text', text: prefill });
    else messages.push({ role: 'assistant', content: [{ type: 'text', text: prefill }] });
  }
  const body: Record<string, unknown> = {
    model: route.model,
    max_tokens: request.maxOutputTokens ?? route.maxOutputTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
  };
  if (request.system) body.system = request.system;
  body.messages = messages;
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object', ...t.parameters } }));
  }
  // Anthropic's range is 0..1 where OpenAI's and Gemini's is 0..2.
  if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
  if (options.stream) body.stream = true;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: options.stream ? 'text/event-stream' : 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
  };
  if (options.apiKey !== undefined) headers['x-api-key'] = keyHeaderValue(route, options.apiKey);
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  // Users paste the base URL with or without /v1; both reach /v1/messages.
  const base = route.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return { url: endpoint(base, 'v1/messages'), headers, body: JSON.stringify(body) };
}
