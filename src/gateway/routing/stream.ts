import type { PartOrigin, StopReason, ToolCallPart, Usage } from '../ir';

/**
 * What a provider's stream yields, after its wire format is decoded. A tool call is emitted only
 * once its arguments are complete, so a stream cut inside a call never yields a call to execute.
 */
export type StreamEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'reasoning'; readonly text: string; readonly origin: PartOrigin }
  | { readonly type: 'tool_call'; readonly call: ToolCallPart }
  | { readonly type: 'usage'; readonly usage: Partial<Usage> }
  /** The provider said the answer is complete; nothing after it belongs to the answer. */
  | { readonly type: 'end'; readonly stopReason: StopReason; readonly model?: string };

/**
 * Turns the bytes of one streamed response into events. Chunks may split anywhere, even inside a
 * UTF-8 character or an SSE line. `push` and `end` throw a ProviderError for an error event in
 * the stream, a malformed event, or (from `end`) a stream that stopped before its end marker.
 */
export interface StreamDecoder {
  push(chunk: Uint8Array): StreamEvent[];
  end(): StreamEvent[];
}
