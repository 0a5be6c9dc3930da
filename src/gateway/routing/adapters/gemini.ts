import type { ProviderAdapter } from './adapter';
import { classifyGeminiError } from './geminiErrors';
import { buildGeminiRequest } from './geminiRequest';
import { parseGeminiResponse } from './geminiResponse';
import { GeminiStreamDecoder } from './geminiStream';

/** Gemini generateContent / streamGenerateContent?alt=sse. */
export const geminiAdapter: ProviderAdapter = {
  kind: 'gemini',
  // A trailing model turn is not reliably continued by Gemini: restart instead.
  supportsPrefill: false,
  buildRequest: buildGeminiRequest,
  parseResponse: parseGeminiResponse,
  createStreamDecoder: () => new GeminiStreamDecoder(),
  classifyError: classifyGeminiError,
};
