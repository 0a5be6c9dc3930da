// Gemini streamGenerateContent?alt=sse -> StreamEvents. Each event is a whole
// GenerateContentResponse; function calls arrive whole; a candidate's finishReason ends it.
import type { Usage } from '../../ir';
import type { SseEvent } from '../sse';
import type { StreamEvent } from '../stream';
import { geminiStopReason, geminiToolCall, geminiUsage, throwIfGeminiFailure } from './geminiResponse';
import { SseStreamDecoder } from './sseDecoder';
import { isObject, str } from './wireJson';

export class GeminiStreamDecoder extends SseStreamDecoder {
  private usage: Usage | undefined;
  private model: string | undefined;
  private calls = 0;

  protected onEvent(event: SseEvent, out: StreamEvent[]): void {
    const chunk = this.json(event, 'A stream chunk');
    throwIfGeminiFailure(chunk);
    this.usage = geminiUsage(chunk.usageMetadata) ?? this.usage;
    this.model = str(chunk.modelVersion) ?? this.model;
    const candidate = Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined;
    if (!isObject(candidate)) return;
    const content = isObject(candidate.content) ? candidate.content : {};
    for (const part of Array.isArray(content.parts) ? content.parts.filter(isObject) : []) {
      const call = geminiToolCall(part);
      if (call) {
        this.calls++;
        out.push({ type: 'tool_call', call });
      } else if (part.thought === true) {
        const signature = str(part.thoughtSignature);
        out.push({ type: 'reasoning', text: str(part.text) ?? '', origin: signature ? { provider: 'gemini', signature } : { provider: 'gemini' } });
      } else {
        this.emitText(str(part.text) ?? '', out);
      }
    }
    const finish = str(candidate.finishReason);
    if (finish === undefined) return;
    if (this.usage) out.push({ type: 'usage', usage: this.usage });
    const stopReason = geminiStopReason(finish, this.calls > 0);
    out.push(this.model ? { type: 'end', stopReason, model: this.model } : { type: 'end', stopReason });
    this.done = true;
  }

  protected onEnd(): void {
    throw this.truncated('a candidate with a finishReason');
  }
}
