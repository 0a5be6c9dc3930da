import { Agent, type Dispatcher } from 'undici';
import type { HttpRequestSpec } from './adapters/adapter';
import { ProviderError } from './failures';
import { asAbortSignal, type AbortSignalLike } from './lightAbort';

/** A response whose body has not been read yet. Header names are lower-case. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** One header (lower-case name) without converting them all; transports may leave it out. */
  header?(name: string): string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  /** Reads the body as text, up to a limit (a larger body is a malformed response). */
  text(limitBytes?: number): Promise<string>;
  /** Releases the connection without reading the rest. */
  discard(): Promise<void>;
}

export interface SendOptions {
  /** Aborts the request and its body; the caller maps why (cancelled or timed out). */
  readonly signal: AbortSignalLike;
  /** Limit for the response headers. */
  readonly headersTimeoutMs: number;
  /** Limit for silence between two body chunks. */
  readonly bodyTimeoutMs: number;
}

/** Sends a built request. The chain talks to providers only through this. */
export interface Transport {
  send(spec: HttpRequestSpec, options: SendOptions): Promise<HttpResponse>;
  close(): Promise<void>;
}

const DEFAULT_TEXT_LIMIT = 32 * 1024 * 1024;

/** Errors raised before a connection existed: the request cannot have reached the provider. */
const BEFORE_CONNECTING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

/** Maps an error thrown by undici (not an abort) into the taxonomy. */
export function transportFailure(e: unknown): ProviderError {
  const code = (e as { code?: string })?.code ?? (e as { cause?: { code?: string } })?.cause?.code ?? '';
  const message = e instanceof Error ? e.message : String(e);
  const notSent = BEFORE_CONNECTING.has(code);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new ProviderError({ kind: 'timeout', message: 'no response headers within the first-byte limit', cause: e });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new ProviderError({ kind: 'timeout', message: 'the answer stalled longer than the idle limit', cause: e });
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new ProviderError({ kind: 'timeout', message: 'connecting took too long', notSent, cause: e });
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new ProviderError({ kind: 'malformed', message: 'the response is larger than allowed', cause: e });
  // Resets, refusals, DNS failures, sockets closed by the other side, HTTP parse errors.
  return new ProviderError({ kind: 'connection', message: code ? `${code}: ${message}` : message, notSent, cause: e });
}

function headerRecord(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/**
 * An undici response. One object with methods rather than closures per response, and the
 * headers converted only when read: an answered call never reads them.
 */
class UndiciResponse implements HttpResponse {
  readonly status: number;
  private converted: Record<string, string | undefined> | undefined;

  constructor(private readonly data: Dispatcher.ResponseData, private readonly signal: AbortSignalLike) {
    this.status = data.statusCode;
  }

  get headers(): Readonly<Record<string, string | undefined>> {
    return (this.converted ??= headerRecord(this.data.headers));
  }

  header(name: string): string | undefined {
    // undici gives header names in lower case.
    const value = this.data.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  get body(): AsyncIterable<Uint8Array> {
    return this.chunks();
  }

  private async *chunks(): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of this.data.body) yield chunk as Uint8Array;
    } catch (e) {
      if (this.signal.aborted) throw e;
      throw transportFailure(e);
    }
  }

  async text(limit = DEFAULT_TEXT_LIMIT): Promise<string> {
    try {
      return await readText(this.data.body, limit);
    } catch (e) {
      if (this.signal.aborted || e instanceof ProviderError) throw e;
      throw transportFailure(e);
    }
  }

  async discard(): Promise<void> {
    this.data.body.destroy();
  }
}

/** Collects a body up to a limit. Plain events: an async iterator costs more than the read itself. */
function readText(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        reject(new ProviderError({ kind: 'malformed', message: `the response body is larger than ${limit} bytes` }));
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    body.once('error', reject);
  });
}

/** A request URL split as undici's dispatcher takes it. */
interface Target {
  readonly origin: string;
  readonly path: string;
}

/** Targets kept at most: a gateway has a few routes, each with one or two URLs. */
const MAX_TARGETS = 64;

/** HTTP over undici with one keep-alive connection pool per gateway. */
export class UndiciTransport implements Transport {
  private readonly dispatcher: Agent;
  /**
   * Each route's URL parsed once: undici's `request(url)` parses the URL and copies its options
   * on every call, which the dispatcher's own `request` does not need.
   */
  private readonly targets = new Map<string, Target>();

  constructor(options: { connectTimeoutMs?: number } = {}) {
    this.dispatcher = new Agent({ keepAliveTimeout: 30_000, connect: { timeout: options.connectTimeoutMs ?? 10_000 } });
  }

  async send(spec: HttpRequestSpec, options: SendOptions): Promise<HttpResponse> {
    let data: Dispatcher.ResponseData;
    try {
      const target = this.target(spec.url);
      data = await this.dispatcher.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: spec.headers,
        body: spec.body,
        signal: asAbortSignal(options.signal),
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      });
    } catch (e) {
      if (options.signal.aborted) throw e; // the caller knows whether it was a cancel or a timeout
      throw transportFailure(e);
    }
    return new UndiciResponse(data, options.signal);
  }

  private target(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      // Invalid URLs throw here as undici's would: a connection failure that never reached anyone.
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`invalid URL protocol: ${url}`);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.targets.size >= MAX_TARGETS) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
