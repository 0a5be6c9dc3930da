// A plain undici client for tests: what came back on the wire, including the bytes that arrived
// before a connection failed.
import { after, before } from 'node:test';
import { Agent, request } from 'undici';
import { HTTP_PROVIDER_KINDS, type HttpProviderKind } from '../../src/gateway/routing/routes';
import { startFakeProvider, type FakeProvider } from '../fakes/index';

export interface Exchange {
  readonly status?: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Where and how the exchange failed, if it did. */
  readonly error?: { readonly stage: 'headers' | 'body'; readonly code?: string; readonly message: string };
}

export interface SendOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** Gives up after this long (error code TIMEOUT), as a caller's time limit would. */
  readonly timeoutMs?: number;
}

function describe(e: unknown): { code?: string; message: string } {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  return { code: err.code ?? err.cause?.code, message: err.message ?? String(e) };
}

/** POSTs and reads everything the server sends; never throws. */
export async function send(agent: Agent, url: string, options: SendOptions = {}): Promise<Exchange> {
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signal = timeout && options.signal ? AbortSignal.any([timeout, options.signal]) : (timeout ?? options.signal);
  const errorInfo = (e: unknown) => (timeout?.aborted ? { code: 'TIMEOUT', message: 'timed out' } : describe(e));
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: options.headers ?? {},
      body: options.body ?? '',
      signal,
    });
  } catch (e) {
    return { headers: {}, body: '', error: { stage: 'headers', ...errorInfo(e) } };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
  } catch (e) {
    return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8'), error: { stage: 'body', ...errorInfo(e) } };
  }
  return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') };
}

/** A connection pool per test file, closed at the end so the process can exit. */
export function newAgent(): Agent {
  return new Agent({ keepAliveTimeout: 1000 });
}

/**
 * A fake provider of every kind and a client pool for the enclosing suite, started before its
 * tests and closed after them.
 */
export function fakesOfEveryKind(): { readonly agent: Agent; readonly fakes: Map<HttpProviderKind, FakeProvider> } {
  const agent = newAgent();
  const fakes = new Map<HttpProviderKind, FakeProvider>();
  before(async () => {
    for (const kind of HTTP_PROVIDER_KINDS) fakes.set(kind, await startFakeProvider(kind));
  });
  after(async () => {
    await Promise.all([...fakes.values()].map((f) => f.close()));
    await agent.close();
  });
  return { agent, fakes };
}
