import type { ChatRequest, Message } from '../gateway/ir';

const ANSWER_NOW = 'No tools are available now. Answer from the code and the tool results above.';

/**
 * The conversation as one request without tools, for the cold queue: tool calls and results
 * become text (every provider refuses tool blocks without tool definitions), and the model is
 * asked to answer from what was gathered. Answered later, it stands alone.
 */
export function standaloneRequest(system: string, history: readonly Message[]): ChatRequest {
  const messages: Message[] = history.map((m): Message => (m.role === 'assistant'
    ? {
      role: 'assistant',
      parts: m.parts.flatMap((p) => (p.type === 'text' ? [p]
        : p.type === 'tool_call' ? [{ type: 'text' as const, text: `(called ${p.name} ${JSON.stringify(p.arguments)})` }] : [])),
    }
    : {
      role: 'user',
      parts: m.parts.map((p) => (p.type === 'text' ? p : { type: 'text' as const, text: `Result of ${p.name}${p.isError ? ' (refused)' : ''}:\n${p.content}` })),
    }));
  const withText = messages.filter((m) => m.parts.length > 0);
  if (history.length > 1) withText.push({ role: 'user', parts: [{ type: 'text', text: ANSWER_NOW }] });
  return { system, messages: withText };
}
