// Gemini (google.rpc.Status) errors into the taxonomy, with RetryInfo's retryDelay as the wait.
import { kindForStatus, ProviderError, retryAfterFromHeaders, type FailureKind } from '../failures';
import { bodySnippet, providerWords } from './providerWords';
import { durationMs } from './retryHints';
import { isObject, num, str, type JsonObject } from './wireJson';

const KIND_BY_STATUS: Readonly<Record<string, FailureKind>> = {
  INVALID_ARGUMENT: 'bad_request',
  FAILED_PRECONDITION: 'bad_request',
  OUT_OF_RANGE: 'bad_request',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limited',
  UNAVAILABLE: 'overloaded',
  INTERNAL: 'server_error',
  UNKNOWN: 'server_error',
  DEADLINE_EXCEEDED: 'timeout',
};

function details(error: JsonObject, type: string): JsonObject[] {
  const list = Array.isArray(error.details) ? error.details.filter(isObject) : [];
  return list.filter((d) => typeof d['@type'] === 'string' && (d['@type'] as string).endsWith(type));
}

function refine(kind: FailureKind, error: JsonObject, message: string): FailureKind {
  // A bad key is a 400 INVALID_ARGUMENT with reason API_KEY_INVALID, not a 401.
  if (details(error, 'google.rpc.ErrorInfo').some((d) => /^API_KEY_/.test(str(d.reason) ?? '')) || /API key (not valid|expired)/i.test(message)) return 'auth';
  if (/exceeds the maximum number of tokens|input token count/i.test(message)) return 'context_too_long';
  if (kind === 'rate_limited') {
    const perDay = details(error, 'google.rpc.QuotaFailure').some((d) => Array.isArray(d.violations) && d.violations.some((v) => isObject(v) && /PerDay/.test(str(v.quotaId) ?? '')));
    if (perDay || /spending cap|spend cap|prepayment credits are depleted/i.test(message)) return 'quota_exhausted';
  }
  return kind;
}

/** A Gemini `error` object; `httpStatus` undefined when it came inside a 200 body or stream. */
export function geminiError(error: JsonObject, httpStatus: number | undefined, headerWaitMs?: number): ProviderError {
  const status = str(error.status);
  const message = str(error.message) ?? 'no message';
  const code = httpStatus ?? num(error.code);
  const base = (status ? KIND_BY_STATUS[status] : undefined) ?? (code !== undefined ? kindForStatus(code) : 'server_error');
  const retryDelay = details(error, 'google.rpc.RetryInfo').map((d) => str(d.retryDelay)).find((d) => d !== undefined);
  return new ProviderError({
    kind: refine(base, error, message),
    message: providerWords(message),
    httpStatus,
    retryAfterMs: headerWaitMs ?? (retryDelay ? durationMs(retryDelay) : undefined),
    providerCode: status,
    inBody: httpStatus === undefined,
  });
}

/** The error object of a body that may be JSON, a JSON array (streaming without alt=sse) or SSE-framed. */
function errorObject(body: string): JsonObject | undefined {
  const text = body.trim().replace(/^data:\s*/, '');
  try {
    const parsed: unknown = JSON.parse(text);
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return isObject(first) && isObject(first.error) ? first.error : undefined;
  } catch {
    return undefined;
  }
}

/** Classifies a non-2xx response from the Gemini API. */
export function classifyGeminiError(status: number, headers: Readonly<Record<string, string | undefined>>, body: string, now: number): ProviderError {
  const wait = retryAfterFromHeaders(headers, now);
  const error = errorObject(body);
  if (error) return geminiError(error, status, wait);
  return new ProviderError({ kind: kindForStatus(status), message: bodySnippet(status, body), httpStatus: status, retryAfterMs: wait });
}
