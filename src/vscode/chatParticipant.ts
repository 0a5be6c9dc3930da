import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentLoop';
import { askRedactionLine } from '../agent/askRedaction';
import { isTaskId, type TaskId } from '../agent/tasks';
import { isContextError, type ExtractResult } from '../context/index';
import { isAllRoutesFailedError, isCancelledError } from '../gateway/routing/chainErrors';
import { runAgentOn } from './agentRun';
import type { AskDeps } from './askCommand';
import { chatTarget } from './chatTarget';
import { failoverLine, outcomeLine, payloadHeader, restartLine, toolLine } from './chatText';
import { COMMANDS } from './commandIds';
import type { SymbolTarget } from './symbolTarget';

export const CHAT_PARTICIPANT_ID = 'context-gateway.chat';

export type ChatDeps = AskDeps & {
  /** The Preview Context command, offered under each answer. */
  readonly previewCommand: string;
};

/** What a chat turn ended as, for follow-ups, tests and other extensions. */
export interface ChatOutcome {
  readonly status: AgentResult['status'] | 'failed' | 'cancelled' | 'no-route' | 'no-target';
  readonly routeId?: string;
  readonly queueId?: string;
  readonly symbol?: string;
  readonly proposalIds?: readonly string[];
}

const result = (metadata: ChatOutcome, error?: string): vscode.ChatResult => ({ metadata, ...(error ? { errorDetails: { message: error } } : {}) });

/** The lines a piece was sent from, as a location the chat can link to. */
function locationOf(root: string, piece: { file: string; startLine: number; endLine: number }): vscode.Location {
  return new vscode.Location(vscode.Uri.file(join(root, piece.file)), new vscode.Range(piece.startLine - 1, 0, piece.endLine - 1, Number.MAX_SAFE_INTEGER));
}

/** References to the exact spans sent: the target first, then each context piece once. */
function referenceSpans(stream: vscode.ChatResponseStream, root: string, extract: ExtractResult): void {
  const seen = new Set<string>();
  for (const piece of [extract.target, ...extract.pieces]) {
    const key = `${piece.file}:${piece.startLine}-${piece.endLine}`;
    if (seen.has(key)) continue;
    seen.add(key);
    stream.reference(locationOf(root, piece));
  }
}

function taskOf(request: vscode.ChatRequest, instruction: string): TaskId {
  if (request.command && isTaskId(request.command) && request.command !== 'custom') return request.command;
  // Nothing asked but a symbol: explaining it is what a bare mention most likely wants.
  return instruction ? 'custom' : 'explain';
}

/**
 * The `@contextgateway` participant's handler: the same engine and chain as Ask About Symbol,
 * with the payload's summary, the spans sent, each route tried and the answer streamed into the
 * chat. It never pops a notification: every problem is told in the chat and in `errorDetails`.
 * The chat's own model picker is not used: the request goes through the configured routes.
 */
export function chatHandler(deps: ChatDeps): vscode.ChatRequestHandler {
  return (request, _context, stream, token) => answerInChat(deps, request, stream, token);
}

async function answerInChat(deps: ChatDeps, request: vscode.ChatRequest, stream: vscode.ChatResponseStream, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
  const settings = deps.host.settings;
  const first = settings.chain.routes[0];
  if (!first) {
    stream.markdown('No route is configured yet. Add one to `contextGateway.routes` in your **user** settings (provider, model, and the name of the secret holding its key), then store the key with **Context Gateway: Set API Key…**.');
    stream.button({ command: 'workbench.action.openSettings', title: 'Open Route Settings', arguments: ['contextGateway.routes'] });
    return result({ status: 'no-route' }, 'No route is configured.');
  }
  if (request.command && !isTaskId(request.command)) {
    stream.markdown(`\`/${request.command}\` is not a task of Context Gateway; use /explain, /bugs, /tests or /refactor, or just say what to do.`);
    return result({ status: 'no-target' }, `Unknown command /${request.command}.`);
  }
  const found = await chatTarget(request, async (target) => (await deps.engine().listSymbols(target.root, target.file, { text: target.text, exclude: settings.context.exclude })).map((s) => s.symbol));
  if ('problem' in found) {
    stream.markdown(found.problem);
    return result({ status: 'no-target' }, found.problem);
  }
  const { target, instruction } = found;
  const task = taskOf(request, instruction);

  const controller = new AbortController();
  const cancelled = token.onCancellationRequested(() => controller.abort());
  if (token.isCancellationRequested) controller.abort();
  let symbol: string | undefined;
  const routeEvents = deps.host.onEvent((event) => {
    if (event.type === 'route-started') stream.progress(`Asking ${event.route} (${event.tier})…`);
    else if (event.type === 'failover') stream.progress(failoverLine(event.from, event.to, event.reason));
  });
  try {
    const run = await runAgentOn(deps, settings, first, { target, task, ...(instruction ? { instruction } : {}) }, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'payload') {
          const redacted = askRedactionLine(event.redacted);
          if (redacted) deps.log.info(redacted);
          symbol = event.extract.target.symbol;
          stream.markdown(`${payloadHeader(event.extract)}\n\n`);
          referenceSpans(stream, target.root, event.extract);
        } else if (event.type === 'answer') {
          if (event.event.type === 'text') stream.markdown(event.event.text);
          else if (event.event.type === 'restart') stream.markdown(restartLine(event.event.route, event.event.reason));
          else stream.progress(`The stream was cut (${event.event.reason}); ${event.event.route} continues from the text so far`);
        } else if (event.type === 'tool') {
          stream.progress(toolLine(event.name, event.arguments, event.isError));
        }
      },
    });
    const proposalIds = await offerProposals(deps, stream, target, run);
    stream.markdown(`\n\n---\n\n${outcomeLine(run)}`);
    stream.button({ command: deps.previewCommand, title: 'Open payload preview', arguments: [{ uri: target.uri.toString(), symbol: symbol ?? run.extract.target.symbol }] });
    return result({
      status: run.status, symbol: run.extract.target.symbol, proposalIds,
      ...(run.routeId ? { routeId: run.routeId } : {}), ...(run.queueId ? { queueId: run.queueId } : {}),
    });
  } catch (e) {
    const meta = symbol ? { symbol } : {};
    if (isCancelledError(e) || controller.signal.aborted) {
      stream.markdown('\n\nCancelled; nothing more was sent.');
      return result({ status: 'cancelled', ...meta });
    }
    const message = e instanceof Error ? e.message : String(e);
    if (isContextError(e)) {
      stream.markdown(`Nothing was sent: ${message}`);
    } else if (isAllRoutesFailedError(e)) {
      deps.log.error(message);
      stream.markdown(`\n\nNo route can answer this request, and waiting would not help, so it was not queued.\n\n${message.replace(/^All routes failed:\n/, '')}`);
    } else {
      deps.log.error(`chat request failed: ${e instanceof Error ? e.stack ?? message : message}`);
      stream.markdown(`\n\nThe request failed: ${message}`);
    }
    return result({ status: 'failed', ...meta }, message);
  } finally {
    routeEvents.dispose();
    cancelled.dispose();
  }
}

/** Each proposed edit opens as a diff, as from the command, with Apply and Discard in the chat. */
async function offerProposals(deps: ChatDeps, stream: vscode.ChatResponseStream, target: SymbolTarget, run: AgentResult): Promise<string[]> {
  const ids: string[] = [];
  for (const proposal of run.proposals) {
    try {
      const id = await deps.proposals.offer(proposal, target.root, true);
      ids.push(id);
      stream.markdown(`\n\nProposed an edit to \`${proposal.symbol}\` (${proposal.file}), open as a diff; nothing is written until you apply it.\n\n`);
      stream.button({ command: COMMANDS.applyProposal, title: `Apply edit to ${proposal.symbol}`, arguments: [id] });
      stream.button({ command: COMMANDS.discardProposal, title: 'Discard', arguments: [id] });
    } catch (e) {
      stream.markdown(`\n\nThe proposed edit to \`${proposal.symbol}\` was not offered: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return ids;
}

/** Follow-ups on an answered symbol: the other tasks, one click away. */
const followups: vscode.ChatFollowupProvider = {
  provideFollowups(chatResult) {
    const meta = chatResult.metadata as ChatOutcome | undefined;
    if (!meta?.symbol || meta.status !== 'answered') return [];
    return [
      { prompt: meta.symbol, command: 'bugs', label: `Find bugs in ${meta.symbol}` },
      { prompt: meta.symbol, command: 'tests', label: `Write tests for ${meta.symbol}` },
    ];
  },
};

/** Registers `@contextgateway`; on a VS Code without the chat API, a no-op (said once in the log). */
export function registerChatParticipant(deps: ChatDeps): vscode.Disposable {
  const chat = (vscode as Partial<typeof vscode>).chat;
  if (typeof chat?.createChatParticipant !== 'function') {
    deps.log.info(`the chat participant @contextgateway is not available: VS Code ${vscode.version} has no chat participant API.`);
    return new vscode.Disposable(() => undefined);
  }
  const participant = chat.createChatParticipant(CHAT_PARTICIPANT_ID, chatHandler(deps));
  participant.iconPath = new vscode.ThemeIcon('filter');
  participant.followupProvider = followups;
  return participant;
}
