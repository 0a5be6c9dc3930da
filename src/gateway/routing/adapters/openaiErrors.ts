// OpenAI-format errors (OpenAI and the gateways that copy its shape) into the taxonomy.
import { kindForStatus, ProviderError, retryAfterFromHeaders, type FailureKind } from '../failures';
import { bodySnippet, providerWords } from './providerWords';
import { tryAgainInMs } from './retryHints';
import { isObject, num, parseJsonOrUndefined, str, type JsonObject } from './wireJson';

const CONTEXT_WORDS = /maximum context length|context length exceeded|context_length_exceeded|context window|reduce the length of the messages/i;

function refine(base: FailureKind, code: string | undefined, type: string | undefined, message: string): FailureKind {
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return 'quota_exhausted';
  if (base === 'bad_request' && (code === 'context_length_exceeded' || CONTEXT_WORDS.test(message))) return 'context_too_long';
  if (code === 'context_length_exceeded') return 'context_too_long';
  if (code === 'rate_limit_exceeded' || type === 'rate_limit_error') return base === 'server_error' || base === 'bad_request' ? 'rate_limited' : base;
  if (code === 'model_not_found') return 'not_found';
  if (code === 'invalid_api_key' || type === 'authentication_error') return 'auth';
  if (base === 'server_error' && /overloaded/i.test(message)) return 'overloaded';
  return base;
}

/**
 * An OpenAI `error` object as a ProviderError. `status` is the HTTP status, undefined for an error
 * inside a 200 body or stream (then the error's own numeric code, as OpenRouter sends, decides).
 */
export function openAiError(error: JsonObject, status: number | undefined, retryAfterMs?: number): ProviderError {
  const message = str(error.message) ?? 'no message';
  const numericCode = num(error.code) ?? (typeof error.code === 'string' && /^\d{3}$/.test(error.code) ? Number(error.code) : undefined);
  const code = typeof error.code === 'string' && numericCode === undefined ? error.code : undefined;
  const type = str(error.type);
  const httpish = status ?? numericCode;
  // 402 is how OpenRouter and DeepSeek say the balance or credits ran out.
  const base: FailureKind = httpish === 402 ? 'quota_exhausted' : httpish !== undefined ? kindForStatus(httpish) : 'server_error';
  return new ProviderError({
    kind: refine(base, code, type, message),
    message: providerWords(message),
    httpStatus: status,
    retryAfterMs: retryAfterMs ?? tryAgainInMs(message),
    providerCode: code ?? type ?? (numericCode === undefined ? undefined : String(numericCode)),
    inBody: status === undefined,
  });
}

/** Classifies a non-2xx response from an OpenAI-format endpoint. */
export function classifyOpenAiError(status: number, headers: Readonly<Record<string, string | undefined>>, body: string, now: number): ProviderError {
  const retryAfterMs = retryAfterFromHeaders(headers, now);
  const parsed = parseJsonOrUndefined(body);
  if (isObject(parsed) && isObject(parsed.error)) return openAiError(parsed.error, status, retryAfterMs);
  // Some gateways answer {"error": "text"} or {"detail": "text"} (FastAPI-based ones).
  const text = isObject(parsed) ? (str(parsed.error) ?? str(parsed.detail) ?? str(parsed.message)) : undefined;
  if (text !== undefined) return openAiError({ message: text }, status, retryAfterMs);
  const base = status === 402 ? 'quota_exhausted' : kindForStatus(status);
  return new ProviderError({ kind: base, message: bodySnippet(status, body), httpStatus: status, retryAfterMs });
}
