// Our extraction as Language Model tools for any agent in the editor (Copilot's agent mode,
// other chat extensions): they get one symbol with the context it needs, deny-listed, redacted
// and within the user's token budget, instead of whole files.
import * as vscode from 'vscode';
import { PUBLIC_TOOLS, PublicToolError, runPublicTool, type PublicToolId } from '../agent/publicTools';
import { encodingForModel, type ContextEngine } from '../context/index';
import type { ChainHost } from './chainHost';
import type { ComponentLog } from './log';

type ToolInput = Record<string, unknown>;

/** An AbortSignal that follows a cancellation token, until disposed (agents share one token across calls). */
function signalOf(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const listener = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener.dispose() };
}

/** The workspace folder a call reads from, and the file a call without `file` means. */
function whereToRead(input: ToolInput): { root: string; defaultFile?: string } {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const file = typeof input.file === 'string' ? input.file.trim() : '';
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeFolder = active?.scheme === 'file' ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  let folder = activeFolder ?? folders[0];
  if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) {
    folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
    if (!folder) throw new PublicToolError(`${file} is outside the open workspace folders; only workspace files can be read.`);
  }
  if (!folder) throw new PublicToolError('No workspace folder is open; open the project folder first.');
  return { root: folder.uri.fsPath, ...(activeFolder === folder && active ? { defaultFile: active.fsPath } : {}) };
}

/** What the chat shows while a tool runs, in the user's words. */
function invocationMessage(id: PublicToolId, input: ToolInput): string {
  const file = typeof input.file === 'string' && input.file ? ` in ${input.file}` : '';
  if (id === 'list_symbols') return `Listing the definitions${file} (Context Gateway)`;
  const name = typeof input.name === 'string' ? input.name : typeof input.symbol === 'string' ? input.symbol : `line ${String(input.line ?? '?')}`;
  return `Reading \`${name}\`${file}, deny-listed and within your token budget (Context Gateway)`;
}

export interface PublicToolDeps {
  readonly host: ChainHost;
  readonly engine: () => ContextEngine;
  readonly log: ComponentLog;
}

/** Registers the tools; a VS Code without `vscode.lm.registerTool` gets none, and the log says so. */
export function registerPublicTools(deps: PublicToolDeps): vscode.Disposable {
  const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
  if (typeof lm?.registerTool !== 'function') {
    deps.log.info(`VS Code ${vscode.version} has no Language Model tools API; the read_symbol, list_symbols and symbol_payload tools are not offered to other agents.`);
    return new vscode.Disposable(() => undefined);
  }
  const registrations = (Object.keys(PUBLIC_TOOLS) as PublicToolId[]).map((id) => lm.registerTool!<ToolInput>(PUBLIC_TOOLS[id].name, {
    prepareInvocation: ({ input }) => ({
      invocationMessage: invocationMessage(id, input),
      // An untrusted folder's code may carry instructions aimed at the agent: the user decides.
      ...(vscode.workspace.isTrusted ? {} : {
        confirmationMessages: {
          title: 'Read code from an untrusted workspace?',
          message: new vscode.MarkdownString(`${invocationMessage(id, input)}.\n\nThis workspace is not trusted: its code goes to the agent's model as context.`),
        },
      }),
    }),
    async invoke({ input, tokenizationOptions }, token) {
      const { settings } = deps.host;
      const first = settings.chain.routes[0];
      const rule = first ? encodingForModel(first.provider, first.model, settings.context.safetyFactor) : { encoding: 'o200k_base' as const, factor: settings.context.safetyFactor };
      // The user's budget, or the calling agent's when it has less room for the result.
      const maxTokens = Math.max(1, Math.min(settings.context.maxTokens ?? 8_000, tokenizationOptions?.tokenBudget ?? Number.POSITIVE_INFINITY));
      const cancel = signalOf(token);
      try {
        const text = await runPublicTool(id, input ?? {}, {
          engine: deps.engine(), ...whereToRead(input ?? {}), exclude: settings.context.exclude,
          encoding: rule.encoding, factor: rule.factor, maxTokens,
        }, cancel.signal);
        deps.log.info(`${PUBLIC_TOOLS[id].name}: answered another agent's call (${text.length} characters)`);
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
      } catch (e) {
        // Refusals are the agent's to read and act on; they are not failures of the extension.
        if (e instanceof PublicToolError) deps.log.info(`${PUBLIC_TOOLS[id].name}: refused: ${e.message}`);
        throw e;
      } finally {
        cancel.dispose();
      }
    },
  }));
  return vscode.Disposable.from(...registrations);
}
