// What each fake provider kind supplies: strict request checks, replies and faults rendered in
// its own wire format. The server (fakeProvider.ts) is the same for all kinds.
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import type { FakeReply, HttpFailure, RetryHint } from './script';

/** An HTTP request as the fake sees it: lower-case header names, the body as text. */
export interface FakeHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
}

/** A request the real API would refuse: the status and body it would answer with. */
export class Rejection extends Error {
  readonly isRejection = true;
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}

export function isRejection(e: unknown): e is Rejection {
  return typeof e === 'object' && e !== null && (e as Rejection).isRejection === true;
}

/** A request that passed every check. */
export interface Accepted {
  readonly model: string;
  readonly stream: boolean;
  /** Gemini streamGenerateContent without alt=sse answers a JSON array instead of SSE. */
  readonly jsonArray?: boolean;
  /** OpenAI format: whether stream_options.include_usage asked for a usage chunk. */
  readonly includeUsage?: boolean;
}

export interface CheckOptions {
  /** The key the fake expects; null accepts requests without one (a local Ollama). */
  readonly key: string | null;
  /** When set, other models are answered with the provider's 404. */
  readonly models?: readonly string[];
}

/** One SSE event, already framed. Tags tell the fault writer where tool calls and end markers are. */
export interface WireEvent {
  readonly text: string;
  readonly tag?: 'tool_partial' | 'tool_whole' | 'terminal';
}

export interface RenderContext {
  readonly model: string;
  readonly inputTokens: number;
  readonly includeUsage: boolean;
  /** Fresh ids in the provider's format. */
  readonly newId: (prefix: string, length: number) => string;
}

export interface HttpErrorResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Dialect {
  readonly kind: HttpProviderKind;
  /** Path prefix of the base URL a route uses: `http://127.0.0.1:PORT${basePath}`. */
  readonly basePath: string;
  readonly jsonContentType: string;
  readonly streamContentType: string;
  /** Checks a request as strictly as the real API; throws Rejection. */
  accept(request: FakeHttpRequest, options: CheckOptions): Accepted;
  wholeBody(reply: FakeReply, ctx: RenderContext): unknown;
  streamEvents(reply: FakeReply, ctx: RenderContext): WireEvent[];
  httpError(failure: HttpFailure, hint: RetryHint, model: string): HttpErrorResponse;
  /** An error event inside a 200 stream. */
  streamError(failure: 'overloaded' | 'server_error' | 'rate_limited'): WireEvent[];
  /** A 200 JSON body holding an error object. */
  bodyError(failure: HttpFailure, model: string): unknown;
  /** A 200 saying the prompt was blocked. */
  blockedBody(ctx: RenderContext): unknown;
  /** A stream event whose data is not JSON. */
  malformedEvent(): string;
  /** One JSON object framed as this provider's stream frames an error or chunk. */
  frameEvent(body: unknown): string;
}

/** SSE framing: `event:` line when named, one `data:` line, a blank line; Gemini ends lines in CRLF. */
export function sse(data: string, event?: string, eol = '\n'): string {
  return `${event ? `event: ${event}${eol}` : ''}data: ${data}${eol}${eol}`;
}

/** `text` cut in pieces of `size` characters (at least one piece, possibly empty). */
export function pieces(text: string, size: number): string[] {
  if (text === '') return [];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Tool arguments as JSON cut in three, so a stream can be cut inside them. */
export function argumentPieces(args: Record<string, unknown>): string[] {
  const json = JSON.stringify(args);
  const third = Math.max(1, Math.ceil(json.length / 3));
  return pieces(json, third);
}

export function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A rough token count for usage figures: about four characters a token. */
export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
