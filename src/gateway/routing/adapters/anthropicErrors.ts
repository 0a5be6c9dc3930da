// Anthropic Messages errors (HTTP bodies and `event: error` in streams) into the taxonomy.
import { kindForStatus, ProviderError, retryAfterFromHeaders, type FailureKind } from '../failures';
import { bodySnippet, providerWords } from './providerWords';
import { isObject, parseJsonOrUndefined, str, type JsonObject } from './wireJson';

const KIND_BY_TYPE: Readonly<Record<string, FailureKind>> = {
  invalid_request_error: 'bad_request',
  authentication_error: 'auth',
  permission_error: 'auth',
  not_found_error: 'not_found',
  request_too_large: 'context_too_long',
  rate_limit_error: 'rate_limited',
  api_error: 'server_error',
  overloaded_error: 'overloaded',
  billing_error: 'quota_exhausted',
  timeout_error: 'timeout',
};

const CONTEXT_WORDS = /prompt is too long|exceed context limit|context window/i;
// Anthropic answers an empty prepaid balance with a 400, not a 429.
const CREDIT_WORDS = /credit balance is too low|spend limit|billing/i;

/** An Anthropic `error` object ({type, message}); `status` undefined when it came inside a stream. */
export function anthropicError(error: JsonObject, status: number | undefined, retryAfterMs?: number): ProviderError {
  const type = str(error.type);
  const message = str(error.message) ?? 'no message';
  let kind: FailureKind = (type ? KIND_BY_TYPE[type] : undefined) ?? (status !== undefined ? kindForStatus(status) : 'server_error');
  if (kind === 'bad_request' && CONTEXT_WORDS.test(message)) kind = 'context_too_long';
  else if (kind === 'bad_request' && CREDIT_WORDS.test(message)) kind = 'quota_exhausted';
  return new ProviderError({ kind, message: providerWords(message), httpStatus: status, retryAfterMs, providerCode: type, inBody: status === undefined });
}

/** Classifies a non-2xx response from the Messages API. */
export function classifyAnthropicError(status: number, headers: Readonly<Record<string, string | undefined>>, body: string, now: number): ProviderError {
  const retryAfterMs = retryAfterFromHeaders(headers, now);
  const parsed = parseJsonOrUndefined(body);
  if (isObject(parsed) && isObject(parsed.error)) return anthropicError(parsed.error, status, retryAfterMs);
  return new ProviderError({ kind: kindForStatus(status), message: bodySnippet(status, body), httpStatus: status, retryAfterMs });
}
