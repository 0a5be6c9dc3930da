// Anthropic Messages SSE stream -> StreamEvents: message_start, content_block_* (text, thinking,
// tool_use with input_json_delta pieces), message_delta, message_stop; ping ignored.
import { newToolCallId } from '../../ir';
import type { SseEvent } from '../sse';
import type { StreamEvent } from '../stream';
import { anthropicError } from './anthropicErrors';
import { anthropicInputTokens, anthropicStopReason } from './anthropicResponse';
import { SseStreamDecoder } from './sseDecoder';
import { isObject, malformed, num, parseToolArguments, str, type JsonObject } from './wireJson';

interface BlockDraft {
  readonly type: string;
  readonly id?: string;
  readonly name?: string;
  readonly startInput?: JsonObject;
  json: string;
  thinking: string;
  signature?: string;
}

export class AnthropicStreamDecoder extends SseStreamDecoder {
  private readonly blocks = new Map<number, BlockDraft>();
  private model: string | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private stopReason: string | undefined;
  /** tool_use blocks that closed with incomplete input: cut by max_tokens, or malformed. */
  private readonly unfinishedCalls: string[] = [];

  protected onEvent(event: SseEvent, out: StreamEvent[]): void {
    const data = this.json(event, `The "${event.event}" event`);
    const type = str(data.type) ?? event.event;
    if (type === 'error' || event.event === 'error') {
      throw anthropicError(isObject(data.error) ? data.error : {}, undefined);
    }
    switch (type) {
      case 'message_start':
        if (isObject(data.message)) {
          this.model = str(data.message.model);
          this.readUsage(data.message.usage);
        }
        break;
      case 'content_block_start':
        this.start(data, out);
        break;
      case 'content_block_delta':
        this.delta(data, out);
        break;
      case 'content_block_stop':
        this.stop(data, out);
        break;
      case 'message_delta':
        if (isObject(data.delta)) this.stopReason = str(data.delta.stop_reason) ?? this.stopReason;
        this.readUsage(data.usage);
        break;
      case 'message_stop':
        this.finish(out);
        break;
      default:
        break; // ping, and event types added later, which the API says to ignore
    }
  }

  protected onEnd(): void {
    throw this.truncated('event: message_stop');
  }

  private readUsage(usage: unknown): void {
    if (!isObject(usage)) return;
    this.inputTokens = anthropicInputTokens(usage) ?? this.inputTokens;
    this.outputTokens = num(usage.output_tokens) ?? this.outputTokens;
  }

  private start(data: JsonObject, out: StreamEvent[]): void {
    const block = isObject(data.content_block) ? data.content_block : {};
    const type = str(block.type) ?? 'unknown';
    const draft: BlockDraft = { type, id: str(block.id), name: str(block.name), json: '', thinking: str(block.thinking) ?? '' };
    if (isObject(block.input)) Object.assign(draft, { startInput: block.input });
    this.blocks.set(num(data.index) ?? this.blocks.size, draft);
    if (type === 'text') this.emitText(str(block.text) ?? '', out);
  }

  private delta(data: JsonObject, out: StreamEvent[]): void {
    const delta = isObject(data.delta) ? data.delta : {};
    const draft = this.blocks.get(num(data.index) ?? -1);
    switch (delta.type) {
      case 'text_delta':
        this.emitText(str(delta.text) ?? '', out);
        break;
      case 'thinking_delta':
        if (draft) draft.thinking += str(delta.thinking) ?? '';
        break;
      case 'signature_delta':
        if (draft) draft.signature = str(delta.signature);
        break;
      case 'input_json_delta':
        if (draft) draft.json += str(delta.partial_json) ?? '';
        break;
      default:
        break;
    }
  }

  private stop(data: JsonObject, out: StreamEvent[]): void {
    const index = num(data.index) ?? -1;
    const draft = this.blocks.get(index);
    this.blocks.delete(index);
    if (!draft) return;
    if (draft.type === 'thinking') {
      out.push({ type: 'reasoning', text: draft.thinking, origin: draft.signature ? { provider: 'anthropic', signature: draft.signature } : { provider: 'anthropic' } });
    } else if (draft.type === 'tool_use') {
      // The block is closed, so its input is complete; the first piece may be an empty string.
      const args = draft.json === '' ? (draft.startInput ?? {}) : parseToolArguments(draft.json);
      if (!draft.id || !draft.name) throw malformed(`A tool_use block closed without its id or name.`);
      // The stop reason arrives after the block closes (message_delta): judge at message_stop.
      if (args === undefined) {
        this.unfinishedCalls.push(draft.name);
        return;
      }
      out.push({ type: 'tool_call', call: { type: 'tool_call', id: newToolCallId(), name: draft.name, arguments: args, origin: { provider: 'anthropic', id: draft.id } } });
    }
  }

  private finish(out: StreamEvent[]): void {
    // A call cut by the answer cap is dropped, never run; incomplete input for any other reason is garbage.
    if (this.unfinishedCalls.length && this.stopReason !== 'max_tokens') {
      throw malformed(`The tool_use block ${JSON.stringify(this.unfinishedCalls[0])} closed with input that is not a JSON object.`);
    }
    if (this.inputTokens !== undefined || this.outputTokens !== undefined) {
      out.push({ type: 'usage', usage: { ...(this.inputTokens !== undefined ? { inputTokens: this.inputTokens } : {}), ...(this.outputTokens !== undefined ? { outputTokens: this.outputTokens } : {}) } });
    }
    const stopReason = anthropicStopReason(this.stopReason);
    out.push(this.model ? { type: 'end', stopReason, model: this.model } : { type: 'end', stopReason });
    this.done = true;
  }
}
