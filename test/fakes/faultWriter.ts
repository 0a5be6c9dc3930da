// Puts each scripted fault on the wire the way real failures look to a client.
import type { ServerResponse } from 'node:http';
import type { Accepted, Dialect, RenderContext, WireEvent } from './dialect';
import type { FakeFault, FakeReply } from './script';

export interface FaultContext {
  readonly dialect: Dialect;
  readonly accepted: Accepted;
  readonly reply: FakeReply;
  readonly ctx: RenderContext;
  readonly res: ServerResponse;
  /** Says the fake itself ended the exchange early, so it is not counted as a client abort. */
  readonly markServerEnded: () => void;
}

/** Resolves once everything written so far has reached the kernel. */
function flushed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.write('', () => resolve()));
}

/** A TCP reset (RST), which the client sees as ECONNRESET. */
function resetSocket(f: FaultContext): void {
  f.markServerEnded();
  const socket = f.res.socket;
  if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket?.destroy();
}

function startStream(f: FaultContext): void {
  f.res.writeHead(200, { 'content-type': f.dialect.streamContentType, 'cache-control': 'no-cache' });
}

async function writeEvents(f: FaultContext, events: readonly WireEvent[], ending: 'end' | 'destroy'): Promise<void> {
  for (const e of events) f.res.write(e.text);
  if (ending === 'end') {
    f.res.end();
    return;
  }
  await flushed(f.res);
  f.markServerEnded();
  // A plain close after the data: the chunked body never gets its last chunk.
  f.res.socket?.destroy();
}

/** The events before a cut, and the half event to end on when the cut falls inside a whole tool call. */
function cutEvents(events: WireEvent[], fault: Extract<FakeFault, { type: 'cut' }>): WireEvent[] {
  if (fault.insideToolCall) {
    const partial = events.findIndex((e) => e.tag === 'tool_partial');
    if (partial >= 0) return events.slice(0, partial + 1);
    const whole = events.findIndex((e) => e.tag === 'tool_whole');
    if (whole >= 0) {
      // A call that arrives whole is cut inside its event, a few characters into its arguments.
      const text = (events[whole] as WireEvent).text;
      const args = text.indexOf('"args"');
      return [...events.slice(0, whole), { text: text.slice(0, args >= 0 ? args + 12 : Math.floor(text.length / 2)) }];
    }
  }
  return events.slice(0, fault.afterEvents ?? Math.max(1, events.filter((e) => e.tag !== 'terminal').length - 1));
}

/** Writes one fault as the answer to an accepted request. */
export async function writeFault(fault: FakeFault, f: FaultContext): Promise<void> {
  const { dialect, accepted, reply, ctx, res } = f;
  const events = () => dialect.streamEvents(reply, ctx);
  switch (fault.type) {
    case 'http': {
      const e = dialect.httpError(fault.failure, fault, accepted.model);
      const headers: Record<string, string> = { 'content-type': dialect.jsonContentType };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      res.writeHead(fault.status ?? e.status, { ...headers, ...fault.headers });
      res.end(JSON.stringify(e.body));
      return;
    }
    case 'hang':
      return; // the response stays open until the client gives up
    case 'reset':
      if (fault.when === 'after_headers') {
        res.writeHead(200, { 'content-type': accepted.stream ? dialect.streamContentType : dialect.jsonContentType });
        res.flushHeaders();
        await flushed(res);
      }
      resetSocket(f);
      return;
    case 'cut':
      startStream(f);
      await writeEvents(f, cutEvents(events(), fault), fault.how ?? 'end');
      return;
    case 'no_terminal':
      startStream(f);
      await writeEvents(f, events().filter((e) => e.tag !== 'terminal'), 'end');
      return;
    case 'stream_error': {
      const all = events();
      const before = all.slice(0, fault.afterEvents ?? all.filter((e) => e.tag !== 'terminal').length);
      startStream(f);
      await writeEvents(f, [...before, ...dialect.streamError(fault.failure)], 'end');
      return;
    }
    case 'body_error':
      if (accepted.stream) {
        startStream(f);
        await writeEvents(f, [{ text: dialect.frameEvent(dialect.bodyError(fault.failure, accepted.model)) }], 'end');
      } else {
        res.writeHead(200, { 'content-type': dialect.jsonContentType });
        res.end(JSON.stringify(dialect.bodyError(fault.failure, accepted.model)));
      }
      return;
    case 'blocked':
      if (!accepted.stream) {
        res.writeHead(200, { 'content-type': dialect.jsonContentType });
        res.end(JSON.stringify(dialect.blockedBody(ctx)));
      } else {
        startStream(f);
        const blocked = dialect.kind === 'gemini' ? [{ text: dialect.frameEvent(dialect.blockedBody(ctx)) }] : dialect.streamEvents({ text: '', stopReason: 'content_filter' }, ctx);
        await writeEvents(f, blocked, 'end');
      }
      return;
    case 'malformed':
      if (!accepted.stream) {
        // What a proxy in front of the provider answers when its upstream is gone.
        res.writeHead(200, { 'content-type': dialect.jsonContentType });
        res.end('<html><body><h1>502 Bad Gateway</h1>upstream connect error or disconnect/reset before headers</body></html>');
      } else {
        startStream(f);
        await writeEvents(f, [...events().slice(0, fault.afterEvents ?? 0), { text: dialect.malformedEvent() }], 'end');
      }
      return;
  }
}
