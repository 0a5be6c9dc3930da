// The one intermediate representation every provider adapter translates to and from. A
// conversation is kept in this form, so it can continue on any provider after a failover.
import type { ProviderKind } from './routing/routes';

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

/**
 * Where a part came from, and the provider's own data for it: its id format (`call_...`,
 * `toolu_...`, none for Gemini) and opaque tokens (Gemini's `thoughtSignature`, Anthropic's
 * thinking `signature`) that only that provider understands and that it requires back.
 */
export interface PartOrigin {
  readonly provider: ProviderKind;
  readonly id?: string;
  readonly signature?: string;
}

/** A call the model made. `id` is ours and stable; each provider sees an id in its own format. */
export interface ToolCallPart {
  readonly type: 'tool_call';
  readonly id: string;
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly origin?: PartOrigin;
}

/** The answer to one tool call, by our id. */
export interface ToolResultPart {
  readonly type: 'tool_result';
  readonly callId: string;
  /** The tool's name, which providers without call ids (Gemini) match results by. */
  readonly name: string;
  readonly content: string;
  readonly isError?: boolean;
}

/**
 * A model's visible reasoning. Sent back only to the provider that produced it (with its
 * signature); other providers never see it.
 */
export interface ReasoningPart {
  readonly type: 'reasoning';
  readonly text: string;
  readonly origin: PartOrigin;
}

export interface UserMessage {
  readonly role: 'user';
  readonly parts: ReadonlyArray<TextPart | ToolResultPart>;
}

export interface AssistantMessage {
  readonly role: 'assistant';
  readonly parts: ReadonlyArray<TextPart | ToolCallPart | ReasoningPart>;
}

export type Message = UserMessage | AssistantMessage;

/** One request to a model, independent of the provider. */
export interface ChatRequest {
  readonly system?: string;
  readonly messages: readonly Message[];
  readonly tools?: readonly ToolDefinition[];
  /** Upper bound on the answer; the route's maxOutputTokens applies when absent. */
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
}

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Why the model stopped: `tool_calls` means it waits for tool results. */
export type StopReason = 'end' | 'tool_calls' | 'max_tokens' | 'content_filter' | 'other';

/** A whole answer, from a non-streamed response or an assembled stream. */
export interface ChatResponse {
  readonly message: AssistantMessage;
  readonly stopReason: StopReason;
  readonly usage?: Usage;
  /** The model the provider says answered (it may differ from the one asked for). */
  readonly model?: string;
}

let counter = 0;

/** A new internal tool-call id: unique in this process, and valid inside every provider's id format. */
export function newToolCallId(): string {
  counter = (counter + 1) % 1_000_000;
  return `tc${Date.now().toString(36)}${counter.toString(36).padStart(4, '0')}${Math.random().toString(36).slice(2, 8)}`;
}

/** All text parts of a message, joined. */
export function textOf(message: AssistantMessage | UserMessage): string {
  // A loop rather than map and join: read from every answer, most of one text part.
  let text = '';
  for (const p of message.parts) if (p.type === 'text' && p.text != null) text += p.text;
  return text;
}

/** The tool calls of a message. */
export function toolCallsOf(message: AssistantMessage): ToolCallPart[] {
  return message.parts.filter((p): p is ToolCallPart => p.type === 'tool_call');
}
