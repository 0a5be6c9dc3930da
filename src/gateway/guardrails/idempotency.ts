import { hash } from 'node:crypto';
import type { ChatRequest, ReasoningPart, TextPart, ToolCallPart, ToolResultPart } from '../ir';

/** Sorts object keys so that equal values serialise equally, whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** `,"name":value` as JSON.stringify writes a property, or nothing where it would leave it out. */
function property(name: string, value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? '' : `,"${name}":${json}`;
}

/** One part as the key reads it, or undefined for a part the model does not read back. */
function partJson(p: TextPart | ToolCallPart | ToolResultPart | ReasoningPart, callIndex: (id: string) => number): string | undefined {
  switch (p.type) {
    // The common part, written without building an object for it.
    case 'text': return `{"t":"text"${property('text', p.text)}}`;
    case 'tool_call': {
      const n = callIndex(p.id);
      return JSON.stringify({ args: canonical(p.arguments), n, name: p.name, t: 'call' });
    }
    case 'tool_result': {
      const n = callIndex(p.callId);
      return JSON.stringify({ content: p.content, error: p.isError ?? false, n, t: 'result' });
    }
    case 'reasoning': return undefined;
  }
  // A part of a type this version does not know (only in data read back from disk), as 0.1 wrote it.
  return 'null';
}

/**
 * The request as the model reads it, as canonical JSON, without what differs between providers:
 * tool-call ids are replaced by their order, and provider-specific origins (ids, signatures) are
 * dropped. The JSON is written in sorted key order as it goes, byte for byte what stringifying
 * sorted objects gives; only what callers give (tool arguments and definitions) is sorted, so
 * a long conversation is not copied on every request.
 */
function normalisedJson(request: ChatRequest): string {
  let order: Map<string, number> | undefined;
  const callIndex = (id: string): number => {
    order ??= new Map();
    let n = order.get(id);
    if (n === undefined) order.set(id, (n = order.size));
    return n;
  };
  let messages = '';
  for (const m of request.messages) {
    let parts = '';
    for (const p of m.parts as ReadonlyArray<TextPart | ToolCallPart | ToolResultPart | ReasoningPart>) {
      const json = partJson(p, callIndex);
      if (json !== undefined) parts += parts ? `,${json}` : json;
    }
    const message = `{"parts":[${parts}]${property('role', m.role)}}`;
    messages += messages ? `,${message}` : message;
  }
  // Every property written with its leading comma; the first one's is dropped.
  const body = `${property('maxOutputTokens', request.maxOutputTokens ?? null)},"messages":[${messages}]${property('system', request.system ?? '')}${property('temperature', request.temperature ?? null)}${request.tools == null ? ',"tools":[]' : property('tools', canonical(request.tools))}`;
  return `{${body.slice(1)}}`;
}

/**
 * One key per logical request, the same on every route and every retry: a hash of the
 * normalised request. Sent as `Idempotency-Key` where accepted, and the local cache's key.
 * One-shot `hash` (Node 20.12+): making a Hash object costs more than hashing a short request.
 */
export function idempotencyKey(request: ChatRequest): string {
  return `cg-${hash('sha256', normalisedJson(request), 'hex').slice(0, 40)}`;
}
