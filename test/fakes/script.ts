// What a fake provider is told to do, one step per request, in IR terms: the same script works
// for every provider kind and is rendered in each one's wire format. JSON-friendly, so a script
// can come from a file (serve.ts --script).
import type { StopReason } from '../../src/gateway/ir';

/** A tool call the fake model makes. `id` is used as the provider's id where the format has one. */
export interface FakeToolCall {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
  readonly id?: string;
}

/** An answer: text and/or tool calls, streamed or not according to the request. */
export interface FakeReply {
  readonly text?: string;
  readonly toolCalls?: readonly FakeToolCall[];
  /** Thinking (Anthropic) / thought summary (Gemini) / reasoning_content (OpenAI-compatible). */
  readonly reasoning?: string;
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /** Default: `tool_calls` when there are tool calls, else `end`. */
  readonly stopReason?: StopReason;
  /** The model the answer claims to come from; default: the one asked for. */
  readonly model?: string;
  /** Characters of text per streamed delta; default 8. */
  readonly chunkSize?: number;
}

/** The HTTP error classes a fake answers with the provider's real status and error body. */
export type HttpFailure = 'rate_limited' | 'quota_exhausted' | 'overloaded' | 'server_error' | 'auth' | 'bad_request' | 'context_too_long' | 'not_found';

export const HTTP_FAILURES: readonly HttpFailure[] = ['rate_limited', 'quota_exhausted', 'overloaded', 'server_error', 'auth', 'bad_request', 'context_too_long', 'not_found'];

/** A wait the error response announces. */
export interface RetryHint {
  /** `Retry-After` header: a number of seconds, or an HTTP date string. */
  readonly retryAfter?: number | string;
  /** `retry-after-ms` header (OpenAI, Anthropic). */
  readonly retryAfterMs?: number;
  /** Gemini's google.rpc.RetryInfo `retryDelay` in the body, e.g. "30s". */
  readonly retryDelay?: string;
}

export type FakeFault =
  /** An HTTP error status with the provider's real error body for that class. */
  | ({ readonly type: 'http'; readonly failure: HttpFailure; readonly status?: number; readonly headers?: Record<string, string> } & RetryHint)
  /** Never answer; the request stays open until the client goes away. */
  | { readonly type: 'hang' }
  /** Destroy the socket before any response, or right after sending 200 headers. */
  | { readonly type: 'reset'; readonly when: 'before_headers' | 'after_headers' }
  /**
   * A streamed reply cut short: after `afterEvents` events, or inside the first tool call's
   * arguments. `how`: end the response cleanly (`end`, default) or destroy the socket.
   */
  | { readonly type: 'cut'; readonly afterEvents?: number; readonly insideToolCall?: boolean; readonly how?: 'end' | 'destroy' }
  /** A streamed reply whose end marker never comes ([DONE], message_stop, finishReason). */
  | { readonly type: 'no_terminal' }
  /** A 200 stream that carries an error event after `afterEvents` events. */
  | { readonly type: 'stream_error'; readonly failure: 'overloaded' | 'server_error' | 'rate_limited'; readonly afterEvents?: number }
  /** A 200 JSON body holding an error object (for a streamed request: the error as its only event). */
  | { readonly type: 'body_error'; readonly failure: HttpFailure }
  /** Gemini's promptFeedback.blockReason in a 200 (other kinds: a content-filter refusal). */
  | { readonly type: 'blocked' }
  /** A 200 whose body is not the format (HTML from a proxy; a stream event that is not JSON). */
  | { readonly type: 'malformed'; readonly afterEvents?: number };

/** One request's worth of behaviour. `delayMs` waits before the headers (for timeouts). */
export interface FakeStep {
  readonly reply?: FakeReply;
  readonly fault?: FakeFault;
  readonly delayMs?: number;
  /** Response headers of this step, whatever it answers (e.g. `x-ratelimit-remaining-tokens`). */
  readonly headers?: Record<string, string>;
}

export const DEFAULT_REPLY: FakeReply = { text: 'Hello from the fake provider.' };
