import type { ProviderAdapter } from './adapter';
import { classifyOpenAiError } from './openaiErrors';
import { buildOpenAiRequest } from './openaiRequest';
import { parseOpenAiResponse } from './openaiResponse';
import { OpenAiStreamDecoder } from './openaiStream';

/**
 * Gateways that speak OpenAI's format (OpenRouter, DeepSeek, Ollama, LiteLLM, Portkey, vLLM).
 * What differs from `openai`, field by field: `max_tokens` instead of `max_completion_tokens`
 * (the one every gateway knows); `stream_options.include_usage` kept (all of them accept it and
 * it is the only way to get usage from a stream); no `Idempotency-Key` header (not part of their
 * APIs); reasoning never sent back (DeepSeek refuses `reasoning_content` in input); temperature
 * passed as given, since the model behind it is unknown. The base URL is required by route
 * validation: there is no default endpoint.
 */
export const openAiCompatibleAdapter: ProviderAdapter = {
  kind: 'openai-compatible',
  // DeepSeek's prefix completion is a beta endpoint and others have none: restart instead.
  supportsPrefill: false,
  buildRequest: (route, request, options) => buildOpenAiRequest('openai-compatible', route, request, options),
  parseResponse: (body) => parseOpenAiResponse('openai-compatible', body),
  createStreamDecoder: () => new OpenAiStreamDecoder('openai-compatible'),
  classifyError: classifyOpenAiError,
};
