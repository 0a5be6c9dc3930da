// OpenAI Chat Completions SSE stream -> StreamEvents. Tool calls arrive as deltas by `index`
// (only the first carries id and name) and are emitted whole, once the choice has finished.
import { ProviderError } from '../failures';
import { newToolCallId, type Usage } from '../../ir';
import type { SseEvent } from '../sse';
import type { StreamEvent } from '../stream';
import type { OpenAiFlavor } from './openaiRequest';
import { openAiError } from './openaiErrors';
import { openAiStopReason, openAiUsage } from './openaiResponse';
import { SseStreamDecoder } from './sseDecoder';
import { isObject, malformed, parseToolArguments, str } from './wireJson';

interface CallDraft {
  id?: string;
  name?: string;
  args: string;
}

export class OpenAiStreamDecoder extends SseStreamDecoder {
  private readonly calls = new Map<number, CallDraft>();
  private reasoning = '';
  private finish: string | undefined;
  private callsEmitted = 0;
  private usage: Usage | undefined;
  private model: string | undefined;

  constructor(private readonly flavor: OpenAiFlavor) {
    super();
  }

  protected onEvent(event: SseEvent, out: StreamEvent[]): void {
    if (event.data === '[DONE]') {
      this.complete(out);
      return;
    }
    const chunk = this.json(event, 'A stream chunk');
    if (isObject(chunk.error)) throw openAiError(chunk.error, undefined);
    this.model = str(chunk.model) ?? this.model;
    const usage = openAiUsage(chunk.usage);
    if (usage) this.usage = usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    // n > 1 is never asked for; other choices would be other answers, not part of this one.
    const choice = choices.find((c) => isObject(c) && (c.index ?? 0) === 0);
    if (!isObject(choice)) return;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = str(delta.reasoning_content) ?? str(delta.reasoning);
    if (reasoning) this.reasoning += reasoning;
    const content = str(delta.content);
    if (content || Array.isArray(delta.tool_calls)) this.flushReasoning(out);
    if (content) this.emitText(content, out);
    if (Array.isArray(delta.tool_calls)) this.addCallDeltas(delta.tool_calls);
    const finish = str(choice.finish_reason);
    if (finish === 'error') {
      // OpenRouter ends a stream this way when the upstream provider failed mid-answer.
      throw new ProviderError({ kind: 'server_error', inBody: true, message: 'The provider ended the stream with finish_reason "error".' });
    }
    if (finish && this.finish === undefined) {
      this.finish = finish;
      this.flushReasoning(out);
      this.emitCalls(out);
    }
  }

  protected onEnd(out: StreamEvent[]): void {
    // Some gateways never send [DONE]; a finish_reason already said the answer is whole.
    if (this.finish === undefined) throw this.truncated('data: [DONE]');
    this.complete(out);
  }

  private addCallDeltas(deltas: unknown[]): void {
    for (const delta of deltas) {
      if (!isObject(delta)) continue;
      const index = typeof delta.index === 'number' ? delta.index : this.calls.size;
      let draft = this.calls.get(index);
      if (!draft) {
        draft = { args: '' };
        this.calls.set(index, draft);
      }
      const fn = isObject(delta.function) ? delta.function : {};
      draft.id = str(delta.id) ?? draft.id;
      draft.name = draft.name ?? str(fn.name);
      draft.args += str(fn.arguments) ?? '';
    }
  }

  private flushReasoning(out: StreamEvent[]): void {
    if (this.reasoning === '') return;
    out.push({ type: 'reasoning', text: this.reasoning, origin: { provider: this.flavor } });
    this.reasoning = '';
  }

  private emitCalls(out: StreamEvent[]): void {
    const drafts = [...this.calls.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    for (const draft of drafts) {
      const args = parseToolArguments(draft.args);
      // Cut by max_tokens inside its arguments: incomplete, so never handed out to execute.
      if (args === undefined && this.finish === 'length') continue;
      if (!draft.name || args === undefined) throw malformed(`Tool call ${JSON.stringify(draft.name ?? '?')} ended with arguments that are not a JSON object.`);
      const origin = draft.id ? { provider: this.flavor, id: draft.id } : { provider: this.flavor };
      out.push({ type: 'tool_call', call: { type: 'tool_call', id: newToolCallId(), name: draft.name, arguments: args, origin } });
      this.callsEmitted++;
    }
  }

  private complete(out: StreamEvent[]): void {
    this.flushReasoning(out);
    if (this.finish === undefined) this.emitCalls(out);
    if (this.usage) out.push({ type: 'usage', usage: this.usage });
    const stopReason = openAiStopReason(this.finish, this.callsEmitted > 0);
    out.push(this.model ? { type: 'end', stopReason, model: this.model } : { type: 'end', stopReason });
    this.done = true;
  }
}
