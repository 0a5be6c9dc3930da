// An incremental Server-Sent Events parser following the WHATWG "event stream interpretation"
// rules, fed raw bytes in whatever chunks the socket delivers.
import { ProviderError } from './failures';

/** One dispatched event. `id` is the last event id seen so far, as the spec defines it. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string;
  /** Present when this event's block carried a valid `retry:` field (milliseconds). */
  readonly retry?: number;
}

export interface SseParserOptions {
  /**
   * Largest event (or unterminated line) kept in memory, in UTF-16 code units. A provider never
   * sends anything near it; a stream that does is broken, and is failed instead of buffered.
   */
  readonly maxEventSize?: number;
}

/** 8 Mi code units: far above any real event, far below trouble. */
export const DEFAULT_MAX_EVENT_SIZE = 8 * 1024 * 1024;

const LINE_BREAK = /\r\n|\r|\n/g;

/** Turns bytes into SSE events; chunks may split anywhere, even inside a UTF-8 character. */
export class SseParser {
  // The default TextDecoder strips one leading BOM, also when it is split across chunks.
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxEventSize: number;
  private pending = '';
  /** A chunk ended in CR: a LF at the start of the next one belongs to the same line break. */
  private skipLeadingLf = false;
  private eventType = '';
  private dataLines: string[] = [];
  private dataSize = 0;
  private lastEventId = '';
  private retry: number | undefined;

  constructor(options: SseParserOptions = {}) {
    this.maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
  }

  push(chunk: Uint8Array): SseEvent[] {
    return this.pushText(this.decoder.decode(chunk, { stream: true }));
  }

  /** Feeds already-decoded text (tests, and bodies that arrived whole). */
  pushText(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (text.length === 0) return out;
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    const buffer = this.pending === '' ? text : this.pending + text;
    LINE_BREAK.lastIndex = 0;
    let start = 0;
    for (let m = LINE_BREAK.exec(buffer); m !== null; m = LINE_BREAK.exec(buffer)) {
      // A CR that ends the buffer may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && m.index === buffer.length - 1) this.skipLeadingLf = true;
      this.line(buffer.slice(start, m.index), out);
      start = m.index + m[0].length;
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
    if (this.pending.length + this.dataSize > this.maxEventSize) this.tooLarge();
    return out;
  }

  /** The stream ended: an event without its closing blank line is dropped, as the spec says. */
  end(): SseEvent[] {
    this.decoder.decode();
    this.pending = '';
    this.resetEvent();
    return [];
  }

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return; // a comment, e.g. OpenRouter's keep-alives
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        this.dataSize += value.length + 1;
        if (this.dataSize > this.maxEventSize) this.tooLarge();
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      const data = this.dataLines.length === 1 ? (this.dataLines[0] as string) : this.dataLines.join('\n');
      const event = this.eventType === '' ? 'message' : this.eventType;
      out.push(this.retry === undefined ? { event, data, id: this.lastEventId } : { event, data, id: this.lastEventId, retry: this.retry });
    }
    this.resetEvent();
  }

  private resetEvent(): void {
    this.eventType = '';
    this.dataLines = [];
    this.dataSize = 0;
    this.retry = undefined;
  }

  private tooLarge(): never {
    throw new ProviderError({
      kind: 'malformed',
      inBody: true,
      message: `A server-sent event grew past ${this.maxEventSize} characters without ending; the stream is not in the provider's format.`,
    });
  }
}
