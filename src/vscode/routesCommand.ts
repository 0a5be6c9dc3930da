import * as vscode from 'vscode';
import { headroomSummary } from '../gateway/routing/rateLimits';
import type { ChainHost } from './chainHost';
import { COMMANDS } from './commandIds';

type Action = vscode.QuickPickItem & { readonly run: () => Thenable<unknown> | Promise<unknown> };

const BREAKER_ICONS = { closed: '$(pass-filled)', 'half-open': '$(sync)', open: '$(error)' };

/**
 * Show Routes: every route with its tier, breaker, last outcome, latency and spend; picking one
 * offers its actions (reset the breaker, disable it for the session, set its key).
 */
export async function showRoutes(host: ChainHost): Promise<void> {
  const services = await host.chain();
  const spent = services.ledger.spentByRoute();
  const budget = services.ledger.status();
  const queued = (await services.queue.list()).length;
  type RouteItem = vscode.QuickPickItem & { routeId?: string; run?: () => unknown };
  const items: RouteItem[] = services.router.routeStatus().map((s) => ({
    label: `${s.disabled ? '$(circle-slash)' : BREAKER_ICONS[s.breaker]} ${s.route.id}`,
    description: `${s.route.tier} · ${s.route.provider} ${s.route.model}`,
    detail: [
      s.disabled ? 'disabled for this session' : `breaker ${s.breaker}`,
      s.lastOutcome ? `last: ${s.lastOutcome}${s.lastMessage && s.lastOutcome !== 'answered' ? ` (${s.lastMessage.slice(0, 80)})` : ''}` : 'not used yet',
      s.lastLatencyMs !== undefined ? `${s.lastLatencyMs} ms` : '',
      s.headroom ? `rate limit: ${headroomSummary(s.headroom, Date.now())}` : '',
      `$${(spent[s.route.id] ?? 0).toFixed(4)} this ${budget.period}`,
    ].filter(Boolean).join(' · '),
    routeId: s.route.id,
  }));
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  if (budget.gate) items.push({ label: '$(debug-continue) Resume AI Requests', description: budget.gate, run: () => vscode.commands.executeCommand(COMMANDS.resume) });
  else items.push({ label: '$(debug-pause) Pause AI Requests', run: () => vscode.commands.executeCommand(COMMANDS.pause) });
  if (queued > 0) items.push({ label: `$(inbox) Drain Queue`, description: `${queued} waiting`, run: () => vscode.commands.executeCommand(COMMANDS.drainQueue) });
  items.push({ label: '$(gear) Open Route Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'contextGateway.routes') });
  items.push({ label: '$(output) Open Log', run: () => vscode.commands.executeCommand(COMMANDS.openLog) });

  const picked = await vscode.window.showQuickPick(items, { title: `Context Gateway routes · $${budget.spentUsd.toFixed(2)}${budget.limitUsd !== undefined ? ` of $${budget.limitUsd.toFixed(2)}` : ''} this ${budget.period}`, matchOnDetail: true });
  if (!picked) return;
  if (picked.run) {
    await picked.run();
    return;
  }
  const status = services.router.routeStatus().find((s) => s.route.id === picked.routeId);
  if (!status) return;
  const actions: Action[] = [];
  if (status.breaker !== 'closed') actions.push({ label: '$(debug-restart) Reset Breaker', detail: 'Close it now: the next request tries this route again.', run: () => host.resetBreaker(status.route.id) });
  actions.push(status.disabled
    ? { label: '$(pass) Enable Route', run: () => host.setDisabled(status.route.id, false) }
    : { label: '$(circle-slash) Disable for This Session', detail: 'Skipped until you enable it or reload the window.', run: () => host.setDisabled(status.route.id, true) });
  if (status.route.secret) actions.push({ label: '$(key) Set API Key…', description: status.route.secret, run: () => vscode.commands.executeCommand(COMMANDS.setApiKey, { secret: status.route.secret }) });
  const action = await vscode.window.showQuickPick(actions, { title: `Route ${status.route.id}` });
  await action?.run();
}
