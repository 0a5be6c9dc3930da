import type { ProviderAdapter } from './adapter';
import { classifyOpenAiError } from './openaiErrors';
import { buildOpenAiRequest } from './openaiRequest';
import { parseOpenAiResponse } from './openaiResponse';
import { OpenAiStreamDecoder } from './openaiStream';

/** OpenAI Chat Completions (`/chat/completions`). */
export const openAiAdapter: ProviderAdapter = {
  kind: 'openai',
  supportsPrefill: false,
  buildRequest: (route, request, options) => buildOpenAiRequest('openai', route, request, options),
  parseResponse: (body) => parseOpenAiResponse('openai', body),
  createStreamDecoder: () => new OpenAiStreamDecoder('openai'),
  classifyError: classifyOpenAiError,
};
