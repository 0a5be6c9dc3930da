// A provider reduced to its essentials for router tests: an adapter whose wire format is plain
// JSON, and a transport that answers from a script per route, so retries, breakers and waits can
// be tested on a fake clock. The real wire formats are tested against the fake servers.
import type { HttpRequestSpec, ProviderAdapter } from '../../../src/gateway/routing/adapters/adapter';
import { kindForStatus, ProviderError, retryAfterFromHeaders } from '../../../src/gateway/routing/failures';
import type { ChatResponse } from '../../../src/gateway/ir';
import type { StreamEvent } from '../../../src/gateway/routing/stream';
import type { HttpResponse, SendOptions, Transport } from '../../../src/gateway/routing/transport';
import type { AbortSignalLike } from '../../../src/gateway/routing/lightAbort';

export type StubStep =
  | { readonly reply: string; readonly usage?: { inputTokens: number; outputTokens: number }; readonly delayMs?: number }
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly throws: ProviderError }
  /** Never answers until the request is aborted. */
  | { readonly hang: true }
  /** Streams these text pieces, then cuts the stream (no end marker). */
  | { readonly cutAfter: readonly string[] };

export interface SentRequest {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();

export function stubAdapter(supportsPrefill = false): ProviderAdapter {
  return {
    kind: 'openai',
    supportsPrefill,
    buildRequest: (route, request, options): HttpRequestSpec => ({
      url: `${route.baseUrl}/stub`,
      headers: { ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}), ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}) },
      body: JSON.stringify({ model: route.model, stream: options.stream, continueFrom: options.continueFrom ?? null, maxOutputTokens: request.maxOutputTokens, messages: request.messages }),
    }),
    parseResponse: (body): ChatResponse => {
      const parsed = JSON.parse(body) as { text: string; usage?: { inputTokens: number; outputTokens: number } };
      return { message: { role: 'assistant', parts: [{ type: 'text', text: parsed.text }] }, stopReason: 'end', ...(parsed.usage ? { usage: parsed.usage } : {}) };
    },
    createStreamDecoder: () => {
      let buffer = '';
      let ended = false;
      const decoder = new TextDecoder();
      const take = (): StreamEvent[] => {
        const events: StreamEvent[] = [];
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line === 'END') {
            ended = true;
            events.push({ type: 'end', stopReason: 'end' });
          } else if (line) events.push({ type: 'text', text: line });
        }
        return events;
      };
      return {
        push: (chunk) => {
          buffer += decoder.decode(chunk, { stream: true });
          return take();
        },
        end: () => {
          const events = take();
          if (!ended) throw new ProviderError({ kind: 'truncated_stream', message: 'stream ended without END', inBody: true });
          return events;
        },
      };
    },
    classifyError: (status, headers, body, now) => new ProviderError({
      kind: kindForStatus(status), message: body || `HTTP ${status}`, httpStatus: status,
      ...(retryAfterFromHeaders(headers, now) !== undefined ? { retryAfterMs: retryAfterFromHeaders(headers, now) } : {}),
    }),
  };
}

function response(status: number, headers: Record<string, string>, chunks: readonly string[]): HttpResponse {
  return {
    status,
    headers,
    body: (async function* () {
      for (const chunk of chunks) yield encoder.encode(chunk);
    })(),
    text: async () => chunks.join(''),
    discard: async () => {},
  };
}

/** Answers each route (by base URL host) from its own script; records what was sent. */
export class StubTransport implements Transport {
  readonly sent: SentRequest[] = [];
  /** Called as each request is sent, before it is answered (to observe state mid-flight). */
  onSend?: (spec: HttpRequestSpec) => void;
  /** The answer when a route's script is empty. */
  fallback: StubStep = { reply: 'default answer' };
  readonly aborted: string[] = [];
  /** The abort signal each request was sent with, in order. */
  readonly signals: AbortSignalLike[] = [];
  private readonly scripts = new Map<string, StubStep[]>();

  script(baseUrl: string, ...steps: StubStep[]): void {
    this.scripts.set(baseUrl, [...(this.scripts.get(baseUrl) ?? []), ...steps]);
  }

  sentTo(baseUrl: string): SentRequest[] {
    return this.sent.filter((s) => s.url.startsWith(baseUrl));
  }

  async send(spec: HttpRequestSpec, options: SendOptions): Promise<HttpResponse> {
    const body = JSON.parse(spec.body) as Record<string, unknown>;
    this.sent.push({ url: spec.url, body, headers: spec.headers });
    this.signals.push(options.signal);
    this.onSend?.(spec);
    const base = spec.url.replace(/\/stub$/, '');
    const step = this.scripts.get(base)?.shift() ?? this.fallback;
    if ('reply' in step && step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    if ('throws' in step) throw step.throws;
    if ('hang' in step) {
      return new Promise((_, reject) => {
        const onAbort = () => {
          this.aborted.push(base);
          reject(new Error('aborted'));
        };
        if (options.signal.aborted) onAbort();
        else options.signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    if ('status' in step) return response(step.status, step.headers ?? {}, [step.body ?? '']);
    if ('cutAfter' in step) return response(200, {}, step.cutAfter.map((t) => `${t}\n`));
    if (body.stream) return response(200, {}, [...step.reply.split(' ').map((w, i) => `${i ? ' ' : ''}${w}\n`), 'END\n']);
    return response(200, {}, [JSON.stringify({ text: step.reply, usage: step.usage })]);
  }

  async close(): Promise<void> {}
}
