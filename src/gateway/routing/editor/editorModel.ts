// What the core needs from the editor's own models (VS Code's Language Model API), as plain
// types: the VS Code layer implements EditorModels over `vscode.lm`, so the router treats an
// editor model like any route while the core never imports `vscode`.
import type { ToolDefinition } from '../../ir';
import type { AbortSignalLike } from '../lightAbort';
import type { EditorModelSelector } from '../routes';
import type { StreamEvent } from '../stream';

/** One model the editor offers, as `selectChatModels` describes it. */
export interface EditorModel {
  readonly id: string;
  readonly vendor: string;
  readonly family: string;
  readonly version: string;
  readonly name: string;
  /** The model's own input limit: the route's context window. */
  readonly maxInputTokens: number;
  /** Tokens of a text by the model's own tokenizer. */
  countTokens(text: string, signal: AbortSignalLike): Promise<number>;
}

export interface EditorTextPart {
  readonly type: 'text';
  readonly text: string;
}

/** A call the model made, with the id the editor's model gave it (or ours, for calls made elsewhere). */
export interface EditorToolCallPart {
  readonly type: 'tool_call';
  readonly callId: string;
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export interface EditorToolResultPart {
  readonly type: 'tool_result';
  readonly callId: string;
  readonly content: string;
}

/** A message in the Language Model API's shape: user or assistant, no system role. */
export interface EditorMessage {
  readonly role: 'user' | 'assistant';
  readonly parts: ReadonlyArray<EditorTextPart | EditorToolCallPart | EditorToolResultPart>;
}

export interface EditorChatRequest {
  readonly messages: readonly EditorMessage[];
  readonly tools?: readonly ToolDefinition[];
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
}

/** The editor's models. Failures are thrown as ProviderErrors (see editorFailure). */
export interface EditorModels {
  /** The first model matching a selector, or undefined when the editor offers none. */
  select(selector: EditorModelSelector): Promise<EditorModel | undefined>;
  /** What the editor offers, for messages that name the models a route could select. */
  available(): Promise<readonly EditorModel[]>;
  /**
   * Sends a request and yields the answer as it arrives: text, complete tool calls, then usage
   * and the end event. Honours the signal (the caller's cancel and the try's time-out).
   */
  send(model: EditorModel, request: EditorChatRequest, signal: AbortSignalLike): AsyncIterable<StreamEvent>;
}
