// A conversation with tool calls in IR form, shared by the request and round-trip tests.
import type { ChatRequest, Message, ToolCallPart, ToolDefinition } from '../../src/gateway/ir';
import type { HttpProviderKind, Route } from '../../src/gateway/routing/routes';

export const TOOLS: ToolDefinition[] = [
  {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        unit: { type: ['string', 'null'], enum: ['c', 'f'] },
      },
      required: ['city'],
      additionalProperties: false,
    },
  },
  { name: 'get_time', description: 'Current time', parameters: { type: 'object', properties: {} } },
];

export const CALL_WEATHER: ToolCallPart = { type: 'tool_call', id: 'tc1', name: 'get_weather', arguments: { city: 'Paris' }, origin: { provider: 'openai', id: 'call_abc' } };
export const CALL_TIME: ToolCallPart = { type: 'tool_call', id: 'tc2', name: 'get_time', arguments: {}, origin: { provider: 'openai', id: 'call_def' } };

/** A user question, an answer with reasoning, text and two parallel calls (made on OpenAI), and both results. */
export const CONVERSATION: Message[] = [
  { role: 'user', parts: [{ type: 'text', text: 'Weather and time in Paris?' }] },
  {
    role: 'assistant',
    parts: [
      { type: 'reasoning', text: 'Two tools needed.', origin: { provider: 'anthropic', signature: 'sig-a' } },
      { type: 'text', text: 'Checking.' },
      CALL_WEATHER,
      CALL_TIME,
    ],
  },
  {
    role: 'user',
    parts: [
      { type: 'tool_result', callId: 'tc1', name: 'get_weather', content: '18C' },
      { type: 'tool_result', callId: 'tc2', name: 'get_time', content: 'clock broke', isError: true },
    ],
  },
];

export const REQUEST: ChatRequest = { system: 'Be brief.', messages: CONVERSATION, tools: TOOLS, maxOutputTokens: 300, temperature: 0.5 };

const BASE_URLS: Record<HttpProviderKind, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  'openai-compatible': 'https://openrouter.ai/api/v1',
};

const MODELS: Record<HttpProviderKind, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
  'openai-compatible': 'deepseek/deepseek-chat',
};

export function routeFor(provider: HttpProviderKind, extra: Partial<Route> = {}): Route {
  return { id: `${provider}-route`, tier: 'hot', provider, model: MODELS[provider], baseUrl: BASE_URLS[provider], ...extra };
}
