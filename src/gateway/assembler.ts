import type { AssistantMessage, ChatResponse, ReasoningPart, StopReason, TextPart, ToolCallPart, Usage } from './ir';
import type { StreamEvent } from './stream';

/** Collects a stream's events into the answer they add up to. */
export class StreamAssembler {
  private readonly parts: Array<TextPart | ToolCallPart | ReasoningPart> = [];
  private usage: { inputTokens?: number; outputTokens?: number } = {};
  private stopReason: StopReason | undefined;
  private model: string | undefined;
  private textLength = 0;

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
        this.usage = { ...this.usage, ...event.usage };
        break;
      case 'end':
        this.stopReason = event.stopReason;
        this.model = event.model ?? this.model;
        break;
    }
  }

  private addText(text: string): void {
    if (!text) return;
    this.textLength += text.length;
    const last = this.parts.at(-1);
    if (last?.type === 'text') this.parts[this.parts.length - 1] = { type: 'text', text: last.text + text };
    else this.parts.push({ type: 'text', text });
  }

  /** Text received so far. */
  get text(): string {
    return this.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  }

  get hasText(): boolean {
    return this.textLength > 0;
  }

  get hasToolCalls(): boolean {
    return this.parts.some((p) => p.type === 'tool_call');
  }

  get ended(): boolean {
    return this.stopReason !== undefined;
  }

  response(): ChatResponse {
    const message: AssistantMessage = { role: 'assistant', parts: [...this.parts] };
    const usage: Usage | undefined =
      this.usage.inputTokens !== undefined || this.usage.outputTokens !== undefined
        ? { inputTokens: this.usage.inputTokens ?? 0, outputTokens: this.usage.outputTokens ?? 0 }
        : undefined;
    return { message, stopReason: this.stopReason ?? 'other', ...(usage ? { usage } : {}), ...(this.model ? { model: this.model } : {}) };
  }
}
