// IR -> Gemini generateContent / streamGenerateContent?alt=sse request.
import type { AssistantMessage, ChatRequest, ToolCallPart, UserMessage } from '../../ir';
import type { Route } from '../routes';
import type { BuildOptions, HttpRequestSpec } from './adapter';
import { geminiParameters } from './geminiSchema';
import { callsById, geminiCallId } from './toolIds';
import { endpoint } from './urls';
import { keyHeaderValue } from './keyHeader';

type Part = Record<string, unknown>;
interface WireContent {
  role: 'user' | 'model';
  parts: Part[];
}

/**
 * Gemini 3 refuses a function call in the current turn without the signature it issued. Calls
 * made elsewhere have none; the API documents this value for exactly that case.
 */
export const FOREIGN_CALL_SIGNATURE = 'skip_thought_signature_validator';

function userParts(message: UserMessage, calls: Map<string, ToolCallPart>): Part[] {
  const responses: Part[] = [];
  const texts: Part[] = [];
  for (const part of message.parts) {
    if (part.type === 'tool_result') {
      const call = calls.get(part.callId);
      const id = geminiCallId(call);
      // Gemini matches responses to calls by name (and id when it gave one).
      const functionResponse: Part = { name: call?.name ?? part.name, response: part.isError ? { error: part.content } : { output: part.content } };
      if (id) functionResponse.id = id;
      responses.push({ functionResponse });
    } else if (part.text !== '') {
      texts.push({ text: part.text });
    }
  }
  return [...responses, ...texts];
}

function modelParts(message: AssistantMessage, calls: Map<string, ToolCallPart>): Part[] {
  const parts: Part[] = [];
  for (const part of message.parts) {
    if (part.type === 'text') {
      if (part.text !== '') parts.push({ text: part.text });
    } else if (part.type === 'tool_call') {
      const id = geminiCallId(calls.get(part.id));
      const signature = part.origin?.provider === 'gemini' ? part.origin.signature : undefined;
      parts.push({ functionCall: { name: part.name, args: part.arguments, ...(id ? { id } : {}) }, ...(signature ? { thoughtSignature: signature } : {}) });
    } else if (part.origin.provider === 'gemini') {
      parts.push({ text: part.text, thought: true, ...(part.origin.signature ? { thoughtSignature: part.origin.signature } : {}) });
    }
  }
  return parts;
}

/** The `contents` array: roles alternate (same-role turns merged), a user turn first. */
export function geminiContents(request: ChatRequest): WireContent[] {
  const calls = callsById(request.messages);
  const contents: WireContent[] = [];
  for (const message of request.messages) {
    const parts = message.role === 'user' ? userParts(message, calls) : modelParts(message, calls);
    if (parts.length === 0) continue;
    const role = message.role === 'user' ? 'user' : 'model';
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  }
  for (const content of contents) {
    if (content.role === 'user') content.parts.sort((a, b) => Number('functionResponse' in b) - Number('functionResponse' in a));
    const firstCall = content.parts.find((p) => 'functionCall' in p);
    if (firstCall && !firstCall.thoughtSignature) firstCall.thoughtSignature = FOREIGN_CALL_SIGNATURE;
  }
  if (contents[0]?.role !== 'user') contents.unshift({ role: 'user', parts: [{ text: '(The conversation so far follows.)' }] });
  return contents;
}

/** Builds the HTTP request; the key goes in the x-goog-api-key header, never in the URL. */
export function buildGeminiRequest(route: Route, request: ChatRequest, options: BuildOptions): HttpRequestSpec {
  const body: Record<string, unknown> = { contents: geminiContents(request) };
  if (request.system) body.systemInstruction = { parts: [{ text: request.system }] };
  if (request.tools && request.tools.length > 0) {
    const functionDeclarations = request.tools.map((t) => {
      const parameters = geminiParameters(t.parameters);
      return { name: t.name, description: t.description, ...(parameters ? { parameters } : {}) };
    });
    body.tools = [{ functionDeclarations }];
  }
  const generationConfig: Record<string, unknown> = {};
  const maxTokens = request.maxOutputTokens ?? route.maxOutputTokens;
  if (maxTokens !== undefined) generationConfig.maxOutputTokens = maxTokens;
  if (request.temperature !== undefined) generationConfig.temperature = request.temperature;
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: options.stream ? 'text/event-stream' : 'application/json',
  };
  if (options.apiKey !== undefined) headers['x-goog-api-key'] = keyHeaderValue(route, options.apiKey);
  const model = encodeURIComponent(route.model.replace(/^models\//, ''));
  const path = options.stream ? `models/${model}:streamGenerateContent?alt=sse` : `models/${model}:generateContent`;
  return { url: endpoint(route.baseUrl, path), headers, body: JSON.stringify(body) };
}
