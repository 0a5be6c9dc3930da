import type { ProviderError } from '../failures';
import type { ChatRequest, ChatResponse } from '../../ir';
import type { ProviderKind, Route } from '../routes';
import type { StreamDecoder } from '../stream';

/** An HTTP request to send, fully built: the transport adds nothing but the connection. */
export interface HttpRequestSpec {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface BuildOptions {
  readonly stream: boolean;
  /** The route's key; undefined for keyless endpoints (a local Ollama). */
  readonly apiKey: string | undefined;
  /** Sent as a header by providers that accept one, so a retried call is not billed twice. */
  readonly idempotencyKey?: string;
  /**
   * Text the model already produced before a stream was cut: the request asks the model to
   * continue from it (an assistant prefill) where the provider supports that. Anthropic refuses
   * a prefill ending in whitespace, so it is sent as `continueFrom.trimEnd()`: the answer is that
   * trimmed text followed by the continuation.
   */
  readonly continueFrom?: string;
}

/**
 * One provider's wire format, both ways. Pure: no I/O, no clock but the `now` it is given, so it
 * is tested on recorded bytes and used unchanged by the HTTP layer and the fake servers' tests.
 */
export interface ProviderAdapter {
  readonly kind: ProviderKind;
  /** Whether `continueFrom` is honoured (else a cut stream restarts from scratch). */
  readonly supportsPrefill: boolean;
  /** Per-route refinement of supportsPrefill (Claude 4.6+ refuse a prefill); absent means supportsPrefill. */
  canPrefill?(route: Route): boolean;
  buildRequest(route: Route, request: ChatRequest, options: BuildOptions): HttpRequestSpec;
  /** Parses a whole 2xx body. Throws ProviderError for an error inside a 200 or a malformed body. */
  parseResponse(body: string): ChatResponse;
  createStreamDecoder(): StreamDecoder;
  /** Classifies a non-2xx response (status, lower-cased headers, body) into the taxonomy. */
  classifyError(status: number, headers: Readonly<Record<string, string | undefined>>, body: string, now: number): ProviderError;
}
