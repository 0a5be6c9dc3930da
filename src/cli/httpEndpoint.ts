import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the CLI's servers read; larger ones are answered 413 unread. */
export const MAX_BODY_BYTES = 16 * 1024;

/** An HTTP answer with a JSON body and a status. */
export class HttpReply extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>, readonly headers: Record<string, string> = {}) {
    super(String(body.error ?? status));
  }
}

/**
 * True when the request carries `Authorization: Bearer <token>`. Both sides are hashed first,
 * so the comparison takes the same time whatever the length or the first wrong byte.
 */
export function bearerMatches(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

/** Reads a JSON object body of at most MAX_BODY_BYTES; an empty body reads as `{}`. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpReply(413, { error: `the body is ${declared} bytes; at most ${MAX_BODY_BYTES} are read` });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpReply(413, { error: `the body is over ${MAX_BODY_BYTES} bytes` });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  const type = String(request.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) throw new HttpReply(415, { error: `the body must be JSON with content-type application/json (got ${JSON.stringify(type || 'none')})` });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpReply(400, { error: `the body is not valid JSON: ${(e as Error).message}` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpReply(400, { error: 'the body must be a JSON object' });
  return value as Record<string, unknown>;
}

/** Writes a JSON reply; never echoes request text beyond the parser's own message. */
export function sendJson(response: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}
