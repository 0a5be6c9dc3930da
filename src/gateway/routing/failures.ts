// The error taxonomy: every way a call can fail, each with one decision. Adapters classify
// provider responses into these kinds; the router acts on the decision, never on raw statuses.

export type FailureKind =
  | 'rate_limited'
  | 'quota_exhausted'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'truncated_stream'
  | 'malformed'
  | 'auth'
  | 'bad_request'
  | 'context_too_long'
  | 'not_found'
  | 'cancelled';

/** What the chain does about a failure of one kind. */
export interface FailureDecision {
  /** Try the same route again (with backoff, or after Retry-After when it is short enough). */
  readonly retry: boolean;
  /** Move on to the next route. False only for cancellation. */
  readonly failOver: boolean;
  /** Counts toward opening the route's circuit breaker (it says the route is unhealthy). */
  readonly tripsBreaker: boolean;
  /** For logs and the user. */
  readonly meaning: string;
}

export const DECISIONS: Readonly<Record<FailureKind, FailureDecision>> = {
  rate_limited: { retry: true, failOver: true, tripsBreaker: true, meaning: 'rate limited (429); retried after Retry-After when short enough, else failed over' },
  quota_exhausted: { retry: false, failOver: true, tripsBreaker: true, meaning: 'quota or spend cap exhausted; retrying cannot help' },
  overloaded: { retry: true, failOver: true, tripsBreaker: true, meaning: 'provider overloaded (503/529)' },
  server_error: { retry: true, failOver: true, tripsBreaker: true, meaning: 'provider server error (5xx)' },
  timeout: { retry: true, failOver: true, tripsBreaker: true, meaning: 'no answer within the time limit' },
  connection: { retry: true, failOver: true, tripsBreaker: true, meaning: 'connection failed or was reset' },
  truncated_stream: { retry: false, failOver: true, tripsBreaker: true, meaning: 'the stream stopped before the answer was complete' },
  malformed: { retry: false, failOver: true, tripsBreaker: true, meaning: 'the response was not in the provider\'s format' },
  auth: { retry: false, failOver: true, tripsBreaker: false, meaning: 'the key was refused (401/403); set the route\'s key' },
  bad_request: { retry: false, failOver: true, tripsBreaker: false, meaning: 'the provider refused the request (400)' },
  context_too_long: { retry: false, failOver: true, tripsBreaker: false, meaning: 'the payload is larger than the model\'s context window' },
  not_found: { retry: false, failOver: true, tripsBreaker: false, meaning: 'model or endpoint not found (404); check the route\'s model and base URL' },
  cancelled: { retry: false, failOver: false, tripsBreaker: false, meaning: 'cancelled by the user' },
};

export interface ProviderErrorInit {
  readonly kind: FailureKind;
  readonly message: string;
  readonly httpStatus?: number;
  /** How long the provider asked us to wait, from Retry-After, retry-after-ms or RetryInfo. */
  readonly retryAfterMs?: number;
  /** The provider's own error type or code (`overloaded_error`, `RESOURCE_EXHAUSTED`...). */
  readonly providerCode?: string;
  /** The error arrived inside a 200 response or a stream, not as an HTTP error status. */
  readonly inBody?: boolean;
  /**
   * For a stream that failed after content began: the text that had arrived, so the router can
   * continue from it (prefill) or restart, and never return it as a complete answer.
   */
  readonly partialText?: string;
  /** The request never left this machine (refused, no DNS, connect time-out): nothing can have been billed. */
  readonly notSent?: boolean;
  readonly cause?: unknown;
}

/** A failed call, classified. Messages hold the provider's words, never keys or payload text. */
export class ProviderError extends Error {
  readonly isProviderError = true;
  readonly kind: FailureKind;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly providerCode?: string;
  readonly inBody: boolean;
  readonly partialText?: string;
  readonly notSent: boolean;

  constructor(init: ProviderErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProviderError';
    this.kind = init.kind;
    this.httpStatus = init.httpStatus;
    this.retryAfterMs = init.retryAfterMs;
    this.providerCode = init.providerCode;
    this.inBody = init.inBody ?? false;
    this.partialText = init.partialText;
    this.notSent = init.notSent ?? false;
  }

  get decision(): FailureDecision {
    return DECISIONS[this.kind];
  }
}

export function isProviderError(e: unknown): e is ProviderError {
  return typeof e === 'object' && e !== null && (e as ProviderError).isProviderError === true;
}

/**
 * The wait a response asks for: `retry-after-ms`, then `Retry-After` as seconds or an HTTP date.
 * Undefined when absent or unreadable; never negative.
 */
export function retryAfterFromHeaders(headers: Readonly<Record<string, string | undefined>>, now: number): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.max(0, Math.round(Number(ms)));
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.max(0, Math.round(Number(value) * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The default kind for an HTTP error status, before the provider's body refines it. */
export function kindForStatus(status: number): FailureKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 413) return 'context_too_long';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}
