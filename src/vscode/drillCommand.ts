import * as vscode from 'vscode';
import { drillEstimate, runDrill, type DrillReport } from '../gateway/drill/drill';
import { drillBudget } from '../gateway/drill/drillBudget';
import { drillMarkdown } from '../gateway/drill/drillTable';
import { adapterFor } from '../gateway/routing/adapters/index';
import { isEditorRoute } from '../gateway/routing/routes';
import type { AnswerDocuments } from './answerView';
import type { ChainHost } from './chainHost';
import { vscodeEditorModels } from './editorModels';
import type { KeyStore } from './keyStore';
import type { ComponentLog } from './log';

export interface DrillArgs {
  /** Run without the confirmation dialog (tests and automation that confirmed already). */
  readonly yes?: boolean;
  /** Leave out the budget simulation. */
  readonly noBudget?: boolean;
}

/**
 * Run Failover Drill: the drill on the configured routes, after the user confirms its calls and
 * their cost at most; the table opens in a Markdown preview. Returns the report (for tests).
 */
export async function runFailoverDrill(deps: { host: ChainHost; keys: KeyStore; answers: AnswerDocuments; log: ComponentLog }, args: DrillArgs = {}): Promise<DrillReport | undefined> {
  const settings = deps.host.settings;
  const routes = settings.chain.routes;
  if (routes.length === 0) {
    void vscode.window.showErrorMessage('Context Gateway: no route is configured to drill. Add routes to contextGateway.routes in your user settings.');
    return undefined;
  }
  const budgetStep = !args.noBudget;
  const estimate = drillEstimate(routes, budgetStep);
  if (!args.yes) {
    const unpriced = estimate.unpriced.length ? ` ${estimate.unpriced.join(', ')} ${estimate.unpriced.length === 1 ? 'has' : 'have'} no price and ${estimate.unpriced.length === 1 ? 'is' : 'are'} not counted.` : '';
    const pick = await vscode.window.showWarningMessage(
      `Run the failover drill on your ${routes.length} route(s)?`,
      { modal: true, detail: `It makes at most ${estimate.calls} small calls, costing at most $${estimate.maxUsd.toFixed(4)}, charged to your budget.${unpriced} Breakers, the queue and the pause state are left as they are; the budget check runs on a throwaway ledger.` },
      'Run Drill',
    );
    if (pick !== 'Run Drill') return undefined;
  }
  const services = await deps.host.chain();
  const editorModels = routes.some(isEditorRoute) ? vscodeEditorModels() : undefined;
  const keyFor = (route: Parameters<KeyStore['keyFor']>[0]) => deps.keys.keyFor(route);
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Context Gateway: failover drill', cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
      return await runDrill({
      routes, policy: settings.chain.policy, adapterFor, keyFor, spend: services.ledger, signal: controller.signal,
      ...(editorModels ? { editorModels } : {}),
      onProgress: (line) => progress.report({ message: line }),
      ...(budgetStep ? { budget: () => drillBudget(settings.chain, { adapterFor, keyFor, ...(editorModels ? { editorModels } : {}), log: (line) => deps.log.warn(line) }, () => services.ledger.gate()) } : {}),
      });
    } finally {
      cancel.dispose();
    }
  });
  const failed = report.cells.filter((c) => c.status === 'fail').length;
  deps.log.info(`failover drill: ${report.cells.length - failed} of ${report.cells.length} checks passed or skipped, ${failed} failed; ${report.calls} calls, $${report.costUsd.toFixed(4)}, ${report.ms} ms`);
  const uri = deps.answers.create('failover-drill');
  deps.answers.set(uri, drillMarkdown(report), true);
  await deps.answers.show(uri);
  return report;
}
