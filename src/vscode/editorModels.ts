// The editor's own models for `vscode-lm` routes: the core's EditorModels over VS Code's Language
// Model API. Only shapes are converted here; ids, history and errors are the core's to decide.
import * as vscode from 'vscode';
import type { EditorChatRequest, EditorModel, EditorModels } from '../gateway/routing/editor/editorModel';
import { editorFailure } from '../gateway/routing/editor/editorFailure';
import { fromEditorToolCall } from '../gateway/routing/editor/editorMessages';
import { ProviderError } from '../gateway/routing/failures';
import type { AbortSignalLike } from '../gateway/routing/lightAbort';
import type { EditorModelSelector } from '../gateway/routing/routes';
import type { StreamEvent } from '../gateway/routing/stream';

/** Shown by VS Code once, when it asks the user to let this extension use a model. */
const JUSTIFICATION = 'Context Gateway sends the symbol you asked about (deny-listed, redacted, within your token budget) to this model when it is a route of your fallback chain.';

/** A cancellation token that follows a request's abort signal. */
function tokenFor(signal: AbortSignalLike): { token: vscode.CancellationToken; dispose(): void } {
  const source = new vscode.CancellationTokenSource();
  const cancel = () => source.cancel();
  if (signal.aborted) source.cancel();
  else signal.addEventListener('abort', cancel, { once: true });
  return { token: source.token, dispose: () => { signal.removeEventListener('abort', cancel); source.dispose(); } };
}

class VscodeEditorModel implements EditorModel {
  readonly id: string;
  readonly vendor: string;
  readonly family: string;
  readonly version: string;
  readonly name: string;
  readonly maxInputTokens: number;

  constructor(readonly chat: vscode.LanguageModelChat) {
    this.id = chat.id;
    this.vendor = chat.vendor;
    this.family = chat.family;
    this.version = chat.version;
    this.name = chat.name;
    this.maxInputTokens = chat.maxInputTokens;
  }

  async countTokens(text: string, signal: AbortSignalLike): Promise<number> {
    const cancel = tokenFor(signal);
    try {
      return await this.chat.countTokens(text, cancel.token);
    } finally {
      cancel.dispose();
    }
  }
}

function toMessages(request: EditorChatRequest): vscode.LanguageModelChatMessage[] {
  return request.messages.map((message) => {
    const parts = message.parts.map((part) => {
      if (part.type === 'text') return new vscode.LanguageModelTextPart(part.text);
      if (part.type === 'tool_call') return new vscode.LanguageModelToolCallPart(part.callId, part.name, part.input as object);
      return new vscode.LanguageModelToolResultPart(part.callId, [new vscode.LanguageModelTextPart(part.content)]);
    });
    return message.role === 'user'
      ? vscode.LanguageModelChatMessage.User(parts as Array<vscode.LanguageModelTextPart | vscode.LanguageModelToolResultPart>)
      : vscode.LanguageModelChatMessage.Assistant(parts as Array<vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart>);
  });
}

function failureOf(e: unknown, signal: AbortSignalLike, sentAnything: boolean): unknown {
  const info = {
    ...(e instanceof vscode.LanguageModelError ? { code: e.code } : {}),
    ...(e instanceof Error ? { name: e.name } : {}),
    message: e instanceof Error ? e.message : String(e),
    cancelled: signal.aborted,
  };
  // A cancel or time-out is the router's to report: it knows which of the two happened.
  return editorFailure(info, sentAnything) ?? e;
}

/** The editor's models, or a clear error where this VS Code has no Language Model API. */
export function vscodeEditorModels(): EditorModels {
  const lm = (vscode as { lm?: typeof vscode.lm }).lm;
  const missing = () => new ProviderError({ kind: 'not_found', message: 'this VS Code has no Language Model API (vscode.lm); "vscode-lm" routes need VS Code 1.90 or later', notSent: true });
  return {
    async select(selector: EditorModelSelector) {
      if (!lm?.selectChatModels) throw missing();
      const [chat] = await lm.selectChatModels({ ...selector });
      return chat ? new VscodeEditorModel(chat) : undefined;
    },
    async available() {
      if (!lm?.selectChatModels) return [];
      return (await lm.selectChatModels()).map((chat) => new VscodeEditorModel(chat));
    },
    async *send(model, request, signal): AsyncIterable<StreamEvent> {
      const chat = (model as VscodeEditorModel).chat;
      const cancel = tokenFor(signal);
      let text = '';
      let calls = 0;
      try {
        const options: vscode.LanguageModelChatRequestOptions = {
          justification: JUSTIFICATION,
          ...(request.tools?.length ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters })) } : {}),
          modelOptions: {
            ...(request.maxOutputTokens !== undefined ? { maxTokens: request.maxOutputTokens } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          },
        };
        const response = await chat.sendRequest(toMessages(request), options, cancel.token);
        for await (const part of response.stream) {
          if (part instanceof vscode.LanguageModelTextPart) {
            text += part.value;
            yield { type: 'text', text: part.value };
          } else if (part instanceof vscode.LanguageModelToolCallPart) {
            calls++;
            yield { type: 'tool_call', call: fromEditorToolCall(part.callId, part.name, part.input) };
          }
        }
        // The API reports no usage: the answer is counted by the model's own tokenizer.
        const outputTokens = text ? await Promise.resolve(chat.countTokens(text, cancel.token)).catch(() => Math.ceil(text.length / 3)) : 0;
        yield { type: 'usage', usage: { outputTokens } };
        yield { type: 'end', stopReason: calls > 0 ? 'tool_calls' : 'end', model: chat.id };
      } catch (e) {
        throw failureOf(e, signal, text !== '' || calls > 0);
      } finally {
        cancel.dispose();
      }
    },
  };
}
