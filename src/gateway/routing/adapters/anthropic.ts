import type { ProviderAdapter } from './adapter';
import { classifyAnthropicError } from './anthropicErrors';
import { anthropicAcceptsPrefill, buildAnthropicRequest } from './anthropicRequest';
import { parseAnthropicResponse } from './anthropicResponse';
import { AnthropicStreamDecoder } from './anthropicStream';

/** Anthropic Messages (`/v1/messages`). */
export const anthropicAdapter: ProviderAdapter = {
  kind: 'anthropic',
  supportsPrefill: true,
  canPrefill: (route) => anthropicAcceptsPrefill(route.model),
  buildRequest: buildAnthropicRequest,
  parseResponse: parseAnthropicResponse,
  createStreamDecoder: () => new AnthropicStreamDecoder(),
  classifyError: classifyAnthropicError,
};
