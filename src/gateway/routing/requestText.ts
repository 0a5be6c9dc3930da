import type { ChatRequest } from '../ir';

/**
 * Everything in a request that a model reads, as one text: what the context-window check counts.
 * Tool definitions and arguments count as their JSON.
 */
export function requestText(request: ChatRequest): string {
  const pieces: string[] = [];
  if (request.system) pieces.push(request.system);
  for (const tool of request.tools ?? []) pieces.push(tool.name, tool.description, JSON.stringify(tool.parameters));
  for (const message of request.messages) {
    for (const part of message.parts) {
      if (part.type === 'text' || part.type === 'reasoning') pieces.push(part.text);
      else if (part.type === 'tool_call') pieces.push(part.name, JSON.stringify(part.arguments));
      else pieces.push(part.content);
    }
  }
  return pieces.join('\n');
}
