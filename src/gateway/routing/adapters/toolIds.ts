// Tool-call ids across providers. The IR keeps our own stable id; each provider sees an id in its
// own format: its original id when it made the call, else one derived from ours, the same way
// every time, so a result always answers the call it belongs to.
import type { Message, ToolCallPart } from '../../ir';
import type { ProviderKind } from '../routes';

/** Every tool call of a conversation by our id. */
export function callsById(messages: readonly Message[]): Map<string, ToolCallPart> {
  const calls = new Map<string, ToolCallPart>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const part of message.parts) if (part.type === 'tool_call') calls.set(part.id, part);
  }
  return calls;
}

/** OpenAI rejects longer tool-call ids ("Expected a string with maximum length 40"). */
const OPENAI_MAX_ID = 40;

function safeChars(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** FNV-1a, enough to keep two long ids apart after shortening. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

function ownId(call: ToolCallPart | undefined, target: ProviderKind): string | undefined {
  return call?.origin?.provider === target ? call.origin.id : undefined;
}

/** The `tool_calls[].id` / `tool_call_id` an OpenAI-format provider sees for our call id. */
export function openAiCallId(ourId: string, call: ToolCallPart | undefined, target: ProviderKind): string {
  const own = ownId(call, target);
  if (own) return own;
  const derived = `call_${safeChars(ourId)}`;
  if (derived.length <= OPENAI_MAX_ID) return derived;
  const hash = shortHash(ourId);
  return `${derived.slice(0, OPENAI_MAX_ID - hash.length - 1)}_${hash}`;
}

/** The `tool_use.id` / `tool_use_id` Anthropic sees; it must match ^[a-zA-Z0-9_-]+$. */
export function anthropicCallId(ourId: string, call: ToolCallPart | undefined): string {
  return ownId(call, 'anthropic') ?? `toolu_${safeChars(ourId)}`;
}

/** Gemini's optional functionCall id: only one Gemini itself gave; others send none. */
export function geminiCallId(call: ToolCallPart | undefined): string | undefined {
  return ownId(call, 'gemini');
}
