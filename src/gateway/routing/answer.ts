// Stream events assembled into the same ChatResponse a non-streamed call returns.
import type { AssistantMessage, ChatResponse, StopReason, Usage } from '../ir';
import type { StreamEvent } from './stream';

type AnswerPart = AssistantMessage['parts'][number];

/** Collects a stream's events; `response()` is only available once the end event has arrived. */
export class AnswerBuilder {
  private readonly parts: AnswerPart[] = [];
  private readonly usage: { inputTokens?: number; outputTokens?: number } = {};
  private stopReason: StopReason | undefined;
  private model: string | undefined;
  private textSoFar = '';

  /** Starts from text another route already produced (a continuation after a cut stream). */
  constructor(prefix = '') {
    if (prefix) this.addText(prefix);
  }

  add(event: StreamEvent): void {
    switch (event.type) {
      case 'text':
        this.addText(event.text);
        break;
      case 'reasoning':
        this.parts.push({ type: 'reasoning', text: event.text, origin: event.origin });
        break;
      case 'tool_call':
        this.parts.push(event.call);
        break;
      case 'usage':
        Object.assign(this.usage, event.usage);
        break;
      case 'end':
        this.stopReason = event.stopReason;
        this.model = event.model;
        break;
    }
  }

  private addText(text: string): void {
    if (!text) return;
    this.textSoFar += text;
    const last = this.parts[this.parts.length - 1];
    if (last?.type === 'text') this.parts[this.parts.length - 1] = { type: 'text', text: last.text + text };
    else this.parts.push({ type: 'text', text });
  }

  /** All answer text so far (what a cut stream had delivered). */
  get text(): string {
    return this.textSoFar;
  }

  get complete(): boolean {
    return this.stopReason !== undefined;
  }

  response(): ChatResponse {
    if (this.stopReason === undefined) throw new Error('The stream has not ended: an incomplete answer cannot be returned as a response.');
    const { inputTokens, outputTokens } = this.usage;
    const usage: Usage | undefined = inputTokens !== undefined && outputTokens !== undefined ? { inputTokens, outputTokens } : undefined;
    return {
      message: { role: 'assistant', parts: [...this.parts] },
      stopReason: this.stopReason,
      ...(usage ? { usage } : {}),
      ...(this.model ? { model: this.model } : {}),
    };
  }
}

/** The response a complete list of stream events makes. */
export function responseFromEvents(events: Iterable<StreamEvent>): ChatResponse {
  const builder = new AnswerBuilder();
  for (const event of events) builder.add(event);
  return builder.response();
}
