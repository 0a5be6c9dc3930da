// A fake provider on 127.0.0.1 speaking one real wire format: it checks requests as strictly as
// the real API, records them, and answers each with the next scripted step (a reply or a fault).
// No test-framework imports: unit tests, extension-host tests and serve.ts all use it.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import { isRejection, roughTokens, type Accepted, type Dialect, type FakeHttpRequest, type RenderContext } from './dialect';
import { dialectFor } from './dialects';
import { DEFAULT_REPLY, type FakeReply, type FakeStep } from './script';
import { writeFault } from './faultWriter';

export interface FakeProviderOptions {
  /** The key requests must carry; null accepts requests without one. Default "test-key". */
  readonly key?: string | null;
  /** Default 0: any free port. */
  readonly port?: number;
  /** When set, other models get the provider's 404. */
  readonly models?: readonly string[];
  /** The answer when the script is empty. */
  readonly defaultReply?: FakeReply;
  /** Decides the step when the script is empty, from the request (a model that reads what it is asked). */
  readonly respond?: (request: RecordedRequest) => FakeStep | undefined;
  /** Clock for recorded times (a fake clock in tests). */
  readonly now?: () => number;
}

/** One request as the fake received it, and what became of it. */
export interface RecordedRequest {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  /** The parsed JSON body, or undefined when it was not JSON. */
  readonly body: unknown;
  readonly time: number;
  /** Set when the strict checks refused the request (no script step was used). */
  rejected?: { readonly status: number; readonly message: string };
  /** The script step applied. */
  step?: FakeStep;
  model?: string;
  stream?: boolean;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** The exchange is over (finished, aborted, or reset by the fake). */
  closed: boolean;
}

export interface FakeProvider {
  readonly kind: HttpProviderKind;
  /** The base URL to put in a route. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Appends steps; each request consumes one, in order. */
  script(...steps: FakeStep[]): void;
  /** Steps not used yet. */
  pendingSteps(): number;
  /** Forgets the script and the recorded requests. */
  reset(): void;
  /** Resolves when request `index` has arrived and its exchange is over. */
  whenClosed(index: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

function newId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let id = prefix;
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, contentType: string, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Starts a fake provider of one kind on 127.0.0.1. */
export async function startFakeProvider(kind: HttpProviderKind, options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const dialect: Dialect = dialectFor(kind);
  const key = options.key === undefined ? 'test-key' : options.key;
  const now = options.now ?? Date.now;
  const steps: FakeStep[] = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Map<number, Array<(r: RecordedRequest) => void>>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const settle = (rec: RecordedRequest) => {
    rec.closed = true;
    for (const resolve of waiters.get(rec.index) ?? []) resolve(rec);
    waiters.delete(rec.index);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const request: FakeHttpRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, rawBody };
    const rec: RecordedRequest = { index: requests.length, ...request, body: parseJson(rawBody), time: now(), aborted: false, closed: false };
    requests.push(rec);
    let serverEnded = false;
    res.on('close', () => {
      if (!res.writableFinished && !serverEnded) rec.aborted = true;
      settle(rec);
    });
    let accepted: Accepted;
    try {
      accepted = dialect.accept(request, { key, models: options.models });
    } catch (e) {
      if (!isRejection(e)) throw e;
      rec.rejected = { status: e.status, message: e.message };
      sendJson(res, e.status, dialect.jsonContentType, e.body);
      return;
    }
    rec.model = accepted.model;
    rec.stream = accepted.stream;
    const step = steps.shift() ?? options.respond?.(rec) ?? { reply: options.defaultReply ?? DEFAULT_REPLY };
    rec.step = step;
    // Headers every response of this step carries (rate-limit headers, as providers send them).
    for (const [name, value] of Object.entries(step.headers ?? {})) res.setHeader(name, value);
    if (step.delayMs) await sleep(step.delayMs);
    if (res.destroyed) return;
    const ctx: RenderContext = { model: accepted.model, inputTokens: roughTokens(rawBody), includeUsage: accepted.includeUsage ?? true, newId };
    const reply = step.reply ?? options.defaultReply ?? DEFAULT_REPLY;
    if (step.fault) {
      await writeFault(step.fault, { dialect, accepted, reply, ctx, res, markServerEnded: () => (serverEnded = true) });
      return;
    }
    if (!accepted.stream) {
      sendJson(res, 200, dialect.jsonContentType, dialect.wholeBody(reply, ctx));
    } else if (accepted.jsonArray) {
      const objects = dialect.streamEvents(reply, ctx).map((e) => e.text.replace(/^data: /, '').trim());
      sendJson(res, 200, 'application/json; charset=UTF-8', `[${objects.join(',\r\n')}]`);
    } else {
      res.writeHead(200, { 'content-type': dialect.streamContentType, 'cache-control': 'no-cache' });
      for (const event of dialect.streamEvents(reply, ctx)) res.write(event.text);
      res.end();
    }
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, 'text/plain', `fake provider failed: ${e instanceof Error ? e.message : String(e)}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    kind,
    url: `http://127.0.0.1:${port}${dialect.basePath}`,
    port,
    requests,
    script: (...more) => void steps.push(...more),
    pendingSteps: () => steps.length,
    reset: () => {
      steps.length = 0;
      requests.length = 0;
    },
    whenClosed: (index) => {
      const rec = requests[index];
      if (rec?.closed) return Promise.resolve(rec);
      return new Promise((resolve) => waiters.set(index, [...(waiters.get(index) ?? []), resolve]));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
