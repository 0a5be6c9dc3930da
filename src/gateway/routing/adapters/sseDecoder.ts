// What every provider's stream decoder shares: SSE framing, the text received so far (for the
// router's continue-or-restart decision), a stop after the end marker, and truncation at end().
import { isProviderError, ProviderError } from '../failures';
import { SseParser, type SseEvent } from '../sse';
import type { StreamDecoder, StreamEvent } from '../stream';
import { parseJsonObject, type JsonObject } from './wireJson';

/** Copies an error, adding the text that had arrived before it. */
export function withPartialText(error: ProviderError, partialText: string): ProviderError {
  if (partialText === '' || error.partialText !== undefined) return error;
  return new ProviderError({
    kind: error.kind,
    message: error.message,
    httpStatus: error.httpStatus,
    retryAfterMs: error.retryAfterMs,
    providerCode: error.providerCode,
    inBody: error.inBody,
    partialText,
    cause: error,
  });
}

export abstract class SseStreamDecoder implements StreamDecoder {
  private readonly sse = new SseParser();
  /** All answer text emitted so far. */
  protected text = '';
  /** The provider's end marker arrived; anything after it is not part of the answer. */
  protected done = false;
  /**
   * An error met after other events of the same chunk: those are returned first and the error is
   * thrown by the next call, so the caller sees the same events however the bytes were chunked.
   */
  private pendingError: unknown;

  push(chunk: Uint8Array): StreamEvent[] {
    this.throwPending();
    const out: StreamEvent[] = [];
    try {
      for (const event of this.sse.push(chunk)) {
        if (this.done) break;
        this.onEvent(event, out);
      }
    } catch (e) {
      const error = isProviderError(e) ? withPartialText(e, this.text) : e;
      if (out.length === 0) throw error;
      this.pendingError = error;
    }
    return out;
  }

  end(): StreamEvent[] {
    this.throwPending();
    this.sse.end();
    const out: StreamEvent[] = [];
    if (!this.done) this.onEnd(out);
    return out;
  }

  private throwPending(): void {
    if (this.pendingError === undefined) return;
    const error = this.pendingError;
    this.pendingError = undefined;
    this.done = true;
    throw error;
  }

  protected abstract onEvent(event: SseEvent, out: StreamEvent[]): void;

  /** Called at end() when no end marker came: emit what the format allows, or throw truncated. */
  protected abstract onEnd(out: StreamEvent[]): void;

  protected emitText(text: string, out: StreamEvent[]): void {
    if (text === '') return;
    this.text += text;
    out.push({ type: 'text', text });
  }

  protected json(event: SseEvent, what: string): JsonObject {
    return parseJsonObject(event.data, what);
  }

  protected truncated(marker: string): ProviderError {
    const received = this.text.length;
    return new ProviderError({
      kind: 'truncated_stream',
      inBody: true,
      message: `The stream ended before ${marker}${received > 0 ? ` after ${received} characters of text` : ''}; the answer is incomplete.`,
      partialText: this.text,
    });
  }
}
