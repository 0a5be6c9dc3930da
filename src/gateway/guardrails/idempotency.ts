import { hash } from 'node:crypto';
import type { ChatRequest, Message, ReasoningPart, TextPart, ToolCallPart, ToolResultPart } from '../ir';

/** Sorts object keys so that equal values serialise equally, whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/**
 * The request as the model reads it, as canonical JSON, without what differs between providers:
 * tool-call ids are replaced by their order, and provider-specific origins (ids, signatures) are
 * dropped. Objects built here are built with their keys already in sorted order; only what
 * callers give (tool arguments and definitions) is sorted, so a long conversation is not copied
 * whole on every request.
 */
function normalisedJson(request: ChatRequest): string {
  const order = new Map<string, number>();
  const callIndex = (id: string) => {
    if (!order.has(id)) order.set(id, order.size);
    return order.get(id);
  };
  const messages = request.messages.map((m: Message) => ({
    parts: (m.parts as ReadonlyArray<TextPart | ToolCallPart | ToolResultPart | ReasoningPart>).flatMap((p): unknown[] => {
      switch (p.type) {
        case 'text': return [{ t: 'text', text: p.text }];
        case 'tool_call': {
          const n = callIndex(p.id);
          return [{ args: canonical(p.arguments), n, name: p.name, t: 'call' }];
        }
        case 'tool_result': {
          const n = callIndex(p.callId);
          return [{ content: p.content, error: p.isError ?? false, n, t: 'result' }];
        }
        case 'reasoning': return [];
      }
    }),
    role: m.role,
  }));
  return JSON.stringify({
    maxOutputTokens: request.maxOutputTokens ?? null,
    messages,
    system: request.system ?? '',
    temperature: request.temperature ?? null,
    tools: canonical(request.tools ?? []),
  });
}

/**
 * One key per logical request, the same on every route and every retry: a hash of the
 * normalised request. Sent as `Idempotency-Key` where accepted, and the local cache's key.
 * One-shot `hash` (Node 20.12+): making a Hash object costs more than hashing a short request.
 */
export function idempotencyKey(request: ChatRequest): string {
  return `cg-${hash('sha256', normalisedJson(request), 'hex').slice(0, 40)}`;
}
