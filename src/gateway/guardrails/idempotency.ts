import { createHash } from 'node:crypto';
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
 * The request as the model reads it, without what differs between providers: tool-call ids are
 * replaced by their order, and provider-specific origins (ids, signatures) are dropped.
 */
function normalise(request: ChatRequest): unknown {
  const order = new Map<string, number>();
  const callIndex = (id: string) => {
    if (!order.has(id)) order.set(id, order.size);
    return order.get(id);
  };
  const messages = request.messages.map((m: Message) => ({
    role: m.role,
    parts: (m.parts as ReadonlyArray<TextPart | ToolCallPart | ToolResultPart | ReasoningPart>).flatMap((p): unknown[] => {
      switch (p.type) {
        case 'text': return [{ t: 'text', text: p.text }];
        case 'tool_call': return [{ t: 'call', n: callIndex(p.id), name: p.name, args: p.arguments }];
        case 'tool_result': return [{ t: 'result', n: callIndex(p.callId), content: p.content, error: p.isError ?? false }];
        case 'reasoning': return [];
      }
    }),
  }));
  return canonical({
    system: request.system ?? '',
    messages,
    tools: request.tools ?? [],
    maxOutputTokens: request.maxOutputTokens ?? null,
    temperature: request.temperature ?? null,
  });
}

/**
 * One key per logical request, the same on every route and every retry: a hash of the
 * normalised request. Sent as `Idempotency-Key` where accepted, and the local cache's key.
 */
export function idempotencyKey(request: ChatRequest): string {
  return `cg-${createHash('sha256').update(JSON.stringify(normalise(request))).digest('hex').slice(0, 40)}`;
}
