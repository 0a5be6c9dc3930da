// What the status bar item shows, computed from the chain's state. Pure (no `vscode` import),
// so every state is unit-tested; statusBar.ts only applies it to the item.
import { headroomSummary } from '../gateway/routing/rateLimits';
import type { RouteStatus } from '../gateway/routing/router';
import type { BudgetStatus } from '../gateway/guardrails/ledger';
import type { Tier } from '../gateway/routing/routes';

/** The one state the item is in; it decides the icon and the background. */
export enum ChainState {
  /** No route configured (or none valid). */
  NoRoutes = 'no-routes',
  /** Routes ready; nothing asked yet, or the last answer came from a hot route. */
  Hot = 'hot',
  /** The last answer came from a warm route: the hot tier is failing. */
  Warm = 'warm',
  /** A breaker waits for its probe: a route is recovering. */
  HalfOpen = 'half-open',
  /** Nothing answers: requests are queued. */
  Cold = 'cold',
  /** The money budget (or the user) holds requests back. */
  Paused = 'paused',
}

export interface StatusInput {
  readonly routes: readonly RouteStatus[];
  /** Requests in flight now. */
  readonly busy: number;
  /** The route that answered (or is answering) most recently. */
  readonly activeRoute?: { readonly id: string; readonly tier: Tier };
  /** The last request went to the cold queue. */
  readonly lastQueued: boolean;
  readonly queued: number;
  readonly budget?: BudgetStatus;
  /** Settings problems (invalid routes, ignored untrusted values), shown in the tooltip. */
  readonly problems: number;
  /** The team backend, when one is configured: which parts run on local state now. */
  readonly team?: { readonly namespace: string; readonly degraded: readonly string[] };
  /** The clock rate-limit resets are shown against (tests fix it). */
  readonly now?: number;
}

export interface StatusView {
  readonly state: ChainState;
  readonly text: string;
  /** Markdown with command links; the item's tooltip. */
  readonly tooltip: string;
  readonly background?: 'warning' | 'error';
}

const ICONS: Record<ChainState, string> = {
  [ChainState.NoRoutes]: '$(gear)',
  [ChainState.Hot]: '$(zap)',
  [ChainState.Warm]: '$(arrow-swap)',
  [ChainState.HalfOpen]: '$(sync)',
  [ChainState.Cold]: '$(inbox)',
  [ChainState.Paused]: '$(debug-pause)',
};

/** A command link for a Markdown tooltip. */
export function commandLink(label: string, command: string, args?: unknown[]): string {
  const query = args ? `?${encodeURIComponent(JSON.stringify(args))}` : '';
  return `[${label}](command:${command}${query})`;
}

/** Markdown table cells may not hold `|` or line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function chainState(input: StatusInput): ChainState {
  if (input.routes.length === 0) return ChainState.NoRoutes;
  if (input.budget?.gate) return ChainState.Paused;
  const usable = input.routes.filter((r) => !r.disabled);
  if (input.lastQueued || usable.length === 0 || usable.every((r) => r.breaker === 'open')) return ChainState.Cold;
  if (input.routes.some((r) => r.breaker === 'half-open')) return ChainState.HalfOpen;
  if (input.activeRoute?.tier === 'warm') return ChainState.Warm;
  return ChainState.Hot;
}

function money(budget: BudgetStatus | undefined): string {
  if (!budget) return '';
  const spent = `$${budget.spentUsd.toFixed(2)}`;
  return budget.limitUsd !== undefined ? `${spent}/$${budget.limitUsd.toFixed(2)}` : spent;
}

export function statusView(input: StatusInput): StatusView {
  const state = chainState(input);
  const active = input.activeRoute?.id ?? input.routes.find((r) => !r.disabled && r.breaker !== 'open')?.route.id;
  const parts: string[] = [];
  if (state === ChainState.NoRoutes) parts.push('Context Gateway: no routes');
  else if (state === ChainState.Paused) parts.push(input.budget?.gate === 'budget-invalid' ? 'budget setting invalid' : input.budget?.gate === 'manual-pause' ? 'paused' : input.budget?.gate === 'budget-exhausted' ? 'budget spent' : 'budget paused');
  else if (state === ChainState.Cold) parts.push('cold');
  else parts.push(active ?? 'ready');
  if (input.queued > 0) parts.push(`${input.queued} queued`);
  const spend = money(input.budget);
  if (spend && state !== ChainState.NoRoutes) parts.push(spend);
  // The team's view is not this window's while Redis is unreachable: say so where it is seen.
  if (input.team?.degraded.length) parts.push('$(cloud-offline) local');
  const spinner = input.busy > 0 ? '$(loading~spin) ' : '';
  const text = `${spinner}${ICONS[state]} ${parts.join(' · ')}`;

  const lines: string[] = [];
  lines.push(`**Context Gateway**: ${describeState(state, input)}`, '');
  if (input.routes.length) {
    const headroom = input.routes.some((r) => r.headroom);
    lines.push(`| Route | Tier | Model | Breaker | Last | Latency |${headroom ? ' Rate limit left |' : ''} |`, `|---|---|---|---|---|---|${headroom ? '---|' : ''}---|`);
    for (const r of input.routes) {
      const breaker = r.disabled ? 'disabled' : r.breaker;
      const last = r.lastOutcome ? cell(r.lastOutcome) : '';
      const latency = r.lastLatencyMs !== undefined ? `${r.lastLatencyMs} ms` : '';
      const action = r.breaker !== 'closed' ? commandLink('Reset', 'contextGateway.resetBreaker', [r.route.id]) : '';
      const left = headroom ? ` ${r.headroom ? cell(headroomSummary(r.headroom, input.now ?? Date.now())) : ''} |` : '';
      lines.push(`| ${cell(r.route.id)} | ${r.route.tier} | ${cell(`${r.route.provider} ${r.route.model}`)} | ${breaker} | ${last} | ${latency} |${left} ${action} |`);
    }
    lines.push('');
  }
  if (input.budget) {
    const b = input.budget;
    const limit = b.limitUsd !== undefined ? ` of $${b.limitUsd.toFixed(2)} (${(b.percent ?? 0).toFixed(0)}%, pause at ${b.pauseAtPercent}%)` : ' (no limit)';
    lines.push(`Spend this ${b.period}: $${b.spentUsd.toFixed(4)}${limit}`, '');
    // Why the budget holds requests when it is not the spend itself: an unreadable journal line or state file.
    for (const problem of b.problems) lines.push(`$(warning) ${cell(problem)}`, '');
  }
  if (input.queued > 0) lines.push(`${input.queued} request(s) queued. ${commandLink('Drain Queue', 'contextGateway.drainQueue')}`, '');
  if (input.team) {
    lines.push(input.team.degraded.length
      ? `$(warning) Team Redis (${cell(input.team.namespace)}) unreachable for the ${input.team.degraded.join(', ')}: running on this machine's state; spend and queued requests are reconciled when it is back.`
      : `Team: budget, breakers and queue shared through Redis (${cell(input.team.namespace)}).`, '');
  }
  if (input.problems > 0) lines.push(`$(warning) ${input.problems} settings problem(s): ${commandLink('Open Log', 'contextGateway.openLog')}`, '');
  const actions = [commandLink('Show Routes', 'contextGateway.showRoutes')];
  actions.push(input.budget?.gate ? commandLink('Resume', 'contextGateway.resume') : commandLink('Pause', 'contextGateway.pause'));
  actions.push(commandLink('Open Log', 'contextGateway.openLog'));
  lines.push(actions.join(' · '));

  const background = state === ChainState.Cold || state === ChainState.Paused ? 'error'
    : state === ChainState.Warm || state === ChainState.HalfOpen || state === ChainState.NoRoutes || input.team?.degraded.length ? 'warning' : undefined;
  return { state, text, tooltip: lines.join('\n'), ...(background ? { background } : {}) };
}

function describeState(state: ChainState, input: StatusInput): string {
  switch (state) {
    case ChainState.NoRoutes: return 'no route is configured. Add one under `contextGateway.routes` in your user settings.';
    case ChainState.Paused: return input.budget?.gate === 'budget-invalid' ? 'the money budget setting is invalid, so nothing is sent; new requests are queued until it is fixed (see the log).' : input.budget?.gate === 'manual-pause' ? 'AI requests are paused; new ones are queued.' : input.budget?.gate === 'budget-exhausted' ? 'the money budget is spent; new requests are queued.' : 'the money budget reached its pause threshold; new requests are queued until you resume.';
    case ChainState.Cold: return 'no route answers; requests are queued and sent when a route recovers.';
    case ChainState.HalfOpen: return 'a route is recovering (its breaker lets one probe through).';
    case ChainState.Warm: return `the hot routes are failing; answering from warm route ${input.activeRoute?.id ?? ''}.`;
    case ChainState.Hot: return input.activeRoute ? `answering from hot route ${input.activeRoute.id}.` : 'ready.';
  }
}
