import * as vscode from 'vscode';
import type { AgentResult } from '../agent/agentLoop';
import { askRedactionLine } from '../agent/askRedaction';
import { DEFAULT_TASKS, isTaskId, TASK_IDS, type TaskId } from '../agent/tasks';
import { isContextError, type ContextEngine } from '../context/index';
import { isAllRoutesFailedError, isCancelledError } from '../gateway/routing/chainErrors';
import { runAgentOn } from './agentRun';
import type { AnswerDocuments } from './answerView';
import { AnswerText } from './answerText';
import type { ChainHost } from './chainHost';
import type { ComponentLog } from './log';
import type { Proposals } from './proposals';
import { symbolTarget, type TargetArgs } from './symbolTarget';

export interface AskArgs extends TargetArgs {
  readonly task?: TaskId;
  readonly instruction?: string;
  /** Offer proposals with a question (default); tests apply them by command instead. */
  readonly askToApply?: boolean;
}

/** What the command returns (for tests and automation). */
export interface AskOutcome {
  readonly status: AgentResult['status'] | 'failed' | 'cancelled';
  readonly text: string;
  readonly routeId?: string;
  readonly queueId?: string;
  readonly stopReason?: string;
  readonly answerUri?: string;
  readonly toolCalls: number;
  readonly proposalIds: string[];
  readonly attempts: AgentResult['attempts'];
}

export interface AskDeps {
  readonly host: ChainHost;
  readonly engine: () => ContextEngine;
  readonly answers: AnswerDocuments;
  readonly proposals: Proposals;
  readonly log: ComponentLog;
}

async function pickTask(): Promise<TaskId | undefined> {
  const picked = await vscode.window.showQuickPick(
    TASK_IDS.map((id) => ({ label: DEFAULT_TASKS[id].label, id, description: id === 'refactor' ? 'proposes an edit you review as a diff' : undefined })),
    { title: 'Context Gateway: what should the model do with this symbol?', placeHolder: 'Explain, find bugs, write tests, refactor, or your own instruction' },
  );
  return picked?.id;
}

/**
 * Ask About Symbol: pick a task, extract the symbol's payload, and run the task through the
 * chain with the answer streaming into a Markdown preview; Cancel aborts the call in flight.
 */
export async function askAboutSymbol(deps: AskDeps, args?: AskArgs): Promise<AskOutcome | undefined> {
  const target = await symbolTarget(args);
  if (!target) return undefined;
  const settings = deps.host.settings;
  const first = settings.chain.routes[0];
  if (!first) {
    const pick = await vscode.window.showErrorMessage('Context Gateway: no route is configured. Add one to contextGateway.routes in your user settings.', 'Open Walkthrough', 'Open Settings');
    if (pick === 'Open Walkthrough') void vscode.commands.executeCommand('workbench.action.openWalkthrough', 'context-gateway.context-gateway#contextGateway.start');
    if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'contextGateway.routes');
    return undefined;
  }
  const task = args?.task ?? (await pickTask());
  if (!task || !isTaskId(task)) return undefined;
  let instruction = args?.instruction;
  if (task === 'custom' && !instruction) {
    instruction = await vscode.window.showInputBox({ title: 'Context Gateway: your instruction', prompt: 'What should the model do with this symbol?', ignoreFocusOut: true });
    if (!instruction) return undefined;
  }
  const symbolName = 'symbol' in target.selector ? target.selector.symbol : `the symbol at line ${target.selector.line}`;

  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Context Gateway: ${DEFAULT_TASKS[task].label} ${symbolName}`, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    let answer: AnswerText | undefined;
    let uri: vscode.Uri | undefined;
    let shown: Promise<void> | undefined;
    const refresh = (now = false) => uri && answer && deps.answers.set(uri, answer.render(), now);
    const routeEvents = deps.host.onEvent((event) => {
      if (event.type !== 'route-started') return;
      progress.report({ message: `on ${event.route} (${event.tier})` });
      answer?.sending(event.route, event.tier);
      refresh();
    });
    try {
      const result = await runAgentOn(deps, settings, first, { target, task, ...(instruction ? { instruction } : {}) }, {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'payload') {
            const redacted = askRedactionLine(event.redacted);
            if (redacted) deps.log.info(redacted);
            const t = event.extract.target;
            answer = new AnswerText(task, t.symbol, `${t.file}:${t.startLine}-${t.endLine}`);
            uri = deps.answers.create(`${task}-${t.symbol}`);
            refresh(true);
            shown = deps.answers.show(uri).catch((e: unknown) => deps.log.warn(`the answer preview could not open: ${String(e)}`));
            progress.report({ message: `${event.extract.tokens.payload} tokens of ${event.extract.tokens.wholeFile}; sending…` });
          } else if (event.type === 'answer' && answer) {
            if (event.event.type === 'text') answer.append(event.turn, event.event.text);
            else if (event.event.type === 'restart') answer.restart(event.turn, event.event.route);
            refresh();
          } else if (event.type === 'tool' && answer) {
            answer.tool(event.turn, event.name, event.arguments, event.isError);
            refresh();
          }
        },
      });
      answer?.finish(result);
      await shown;
      refresh(true);
      if (result.status === 'queued') {
        void vscode.window.showInformationMessage(`Context Gateway: queued as ${result.queueId}. ${result.queueMessage ?? ''} You will be told when it is answered.`);
      }
      const proposalIds: string[] = [];
      for (const proposal of result.proposals) {
        try {
          proposalIds.push(await deps.proposals.offer(proposal, target.root, args?.askToApply ?? true));
        } catch (e) {
          void vscode.window.showErrorMessage(`Context Gateway: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      return {
        status: result.status, text: result.text,
        ...(result.routeId ? { routeId: result.routeId } : {}), ...(result.queueId ? { queueId: result.queueId } : {}),
        ...(result.stopReason ? { stopReason: result.stopReason } : {}), ...(uri ? { answerUri: uri.toString() } : {}),
        toolCalls: result.toolCalls.length, proposalIds, attempts: result.attempts,
      };
    } catch (e) {
      if (isCancelledError(e) || controller.signal.aborted) {
        answer?.fail('cancelled; nothing more was sent.');
        refresh(true);
        return { status: 'cancelled', text: '', toolCalls: 0, proposalIds: [], attempts: [], ...(uri ? { answerUri: uri.toString() } : {}) };
      }
      const message = e instanceof Error ? e.message : String(e);
      if (isContextError(e)) {
        void vscode.window.showErrorMessage(`Context Gateway: ${message}`);
      } else if (isAllRoutesFailedError(e)) {
        deps.log.error(message);
        void vscode.window.showErrorMessage('Context Gateway: no route can answer this request (waiting would not help, so it was not queued). See the log for each attempt.');
      } else {
        deps.log.error(`ask failed: ${e instanceof Error ? e.stack ?? message : message}`);
        void vscode.window.showErrorMessage(`Context Gateway: ${message}`);
      }
      answer?.fail(message);
      refresh(true);
      return { status: 'failed', text: message, toolCalls: 0, proposalIds: [], attempts: [], ...(uri ? { answerUri: uri.toString() } : {}) };
    } finally {
      routeEvents.dispose();
    }
  });
}
