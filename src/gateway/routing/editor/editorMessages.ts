// The IR to the Language Model API's messages and back. Tool-call ids follow the same rule as the
// HTTP kinds: a call the editor's model made keeps its own id; a call made on another route gets
// ours, so a conversation moves between an HTTP provider and an editor model either way.
import { newToolCallId, type ChatRequest, type Message, type ToolCallPart } from '../../ir';
import { callsById } from '../adapters/toolIds';
import type { EditorChatRequest, EditorMessage } from './editorModel';

/** The id the editor's model sees for one of our calls. */
function editorCallId(ourId: string, call: ToolCallPart | undefined): string {
  return call?.origin?.provider === 'vscode-lm' && call.origin.id ? call.origin.id : ourId;
}

/**
 * A request in the editor's shape. The API has no system role, so the system text opens the
 * first user message; reasoning from other providers is left out, as for every other kind.
 */
export function toEditorRequest(request: ChatRequest): EditorChatRequest {
  const calls = callsById(request.messages);
  const messages: EditorMessage[] = [];
  request.messages.forEach((message: Message, index) => {
    const parts: EditorMessage['parts'][number][] = [];
    if (index === 0 && request.system) parts.push({ type: 'text', text: `${request.system}\n\n` });
    for (const part of message.parts) {
      if (part.type === 'text') {
        if (part.text) parts.push({ type: 'text', text: part.text });
      } else if (part.type === 'tool_call') {
        parts.push({ type: 'tool_call', callId: editorCallId(part.id, part), name: part.name, input: part.arguments });
      } else if (part.type === 'tool_result') {
        // The API's result part has no error flag: the text says it.
        parts.push({ type: 'tool_result', callId: editorCallId(part.callId, calls.get(part.callId)), content: part.isError ? `Error: ${part.content}` : part.content });
      }
    }
    if (parts.length > 0) messages.push({ role: message.role, parts });
  });
  if (messages.length === 0 && request.system) messages.push({ role: 'user', parts: [{ type: 'text', text: request.system }] });
  return {
    messages,
    ...(request.tools?.length ? { tools: request.tools } : {}),
    ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  };
}

/** A tool call the editor's model made, in the IR: our id, its own kept as the origin. */
export function fromEditorToolCall(callId: string, name: string, input: unknown): ToolCallPart {
  const args = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  return { type: 'tool_call', id: newToolCallId(), name, arguments: args, origin: { provider: 'vscode-lm', id: callId } };
}
