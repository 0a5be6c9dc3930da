import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BudgetStatus } from '../../src/gateway/guardrails/ledger';
import type { RouteStatus } from '../../src/gateway/routing/router';
import type { Route } from '../../src/gateway/routing/routes';
import { ChainState, chainState, commandLink, statusView, type StatusInput } from '../../src/vscode/statusModel';

const hot: Route = { id: 'openai-main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: 'https://api.openai.com/v1' };
const warm: Route = { id: 'claude', tier: 'warm', provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: 'https://api.anthropic.com' };
const route = (r: Route, breaker: RouteStatus['breaker'] = 'closed', extra: Partial<RouteStatus> = {}): RouteStatus => ({ route: r, breaker, disabled: false, ...extra });
const budget = (over: Partial<BudgetStatus> = {}): BudgetStatus => ({ period: 'month', periodKey: '2026-11', spentUsd: 1.5, reservedUsd: 0, limitUsd: 20, percent: 7.5, pauseAtPercent: 80, resumed: false, unreadableCharges: 0, problems: [], ...over });
const input = (over: Partial<StatusInput> = {}): StatusInput => ({ routes: [route(hot), route(warm)], busy: 0, lastQueued: false, queued: 0, problems: 0, budget: budget(), ...over });

describe('status bar model', () => {
  it('derives one state from routes, breakers, the budget and the queue', () => {
    assert.equal(chainState(input({ routes: [] })), ChainState.NoRoutes);
    assert.equal(chainState(input()), ChainState.Hot);
    assert.equal(chainState(input({ activeRoute: { id: 'claude', tier: 'warm' } })), ChainState.Warm);
    assert.equal(chainState(input({ routes: [route(hot, 'half-open'), route(warm)] })), ChainState.HalfOpen);
    assert.equal(chainState(input({ routes: [route(hot, 'open'), route(warm, 'open')] })), ChainState.Cold);
    assert.equal(chainState(input({ lastQueued: true })), ChainState.Cold);
    assert.equal(chainState(input({ budget: budget({ gate: 'budget-paused' }) })), ChainState.Paused);
    // The budget's hold wins over everything but "no routes".
    assert.equal(chainState(input({ lastQueued: true, budget: budget({ gate: 'manual-pause' }) })), ChainState.Paused);
  });

  it('shows the route in use and spend, a spinner while busy, and backgrounds by severity', () => {
    const idle = statusView(input({ activeRoute: { id: 'openai-main', tier: 'hot' } }));
    assert.equal(idle.text, '$(zap) openai-main · $1.50/$20.00');
    assert.equal(idle.background, undefined);
    const busyWarm = statusView(input({ busy: 1, activeRoute: { id: 'claude', tier: 'warm' }, queued: 2 }));
    assert.equal(busyWarm.text, '$(loading~spin) $(arrow-swap) claude · 2 queued · $1.50/$20.00');
    assert.equal(busyWarm.background, 'warning');
    const cold = statusView(input({ lastQueued: true, queued: 1 }));
    assert.equal(cold.text, '$(inbox) cold · 1 queued · $1.50/$20.00');
    assert.equal(cold.background, 'error');
    const paused = statusView(input({ budget: budget({ gate: 'budget-paused', spentUsd: 16.2 }) }));
    assert.equal(paused.text, '$(debug-pause) budget paused · $16.20/$20.00');
    assert.equal(paused.background, 'error');
    assert.equal(statusView(input({ routes: [] })).background, 'warning');
  });

  it('says why the budget holds requests: an invalid setting, an unreadable journal line', () => {
    const view = statusView(input({ budget: budget({ gate: 'budget-invalid', problems: ['Budget: "limitUsd" is "5" (a string); set it to a number.'] }) }));
    assert.match(view.text, /budget setting invalid/);
    assert.match(view.tooltip, /the money budget setting is invalid, so nothing is sent/);
    assert.match(view.tooltip, /\$\(warning\) Budget: "limitUsd" is "5"/);
  });

  it('says when the team Redis is unreachable and this window runs on its own state', () => {
    const shared = statusView(input({ team: { namespace: 'acme', degraded: [] } }));
    assert.equal(shared.text, '$(zap) openai-main · $1.50/$20.00');
    assert.match(shared.tooltip, /Team: budget, breakers and queue shared through Redis \(acme\)/);
    const local = statusView(input({ team: { namespace: 'acme', degraded: ['ledger', 'queue'] } }));
    assert.equal(local.text, '$(zap) openai-main · $1.50/$20.00 · $(cloud-offline) local');
    assert.equal(local.background, 'warning');
    assert.match(local.tooltip, /Team Redis \(acme\) unreachable for the ledger, queue: running on this machine's state/);
  });

  it('puts a table of routes and breakers in the tooltip, with command links', () => {
    const view = statusView(input({ routes: [route(hot, 'open', { lastOutcome: 'rate_limited', lastLatencyMs: 120 }), route({ ...warm, id: 'a|b' })] }));
    assert.match(view.tooltip, /\| openai-main \| hot \| openai gpt-4o-mini \| open \| rate_limited \| 120 ms \| \[Reset\]\(command:contextGateway\.resetBreaker\?%5B%22openai-main%22%5D\) \|/);
    assert.match(view.tooltip, /\| a\\\|b \| warm \|/, 'a | in a route id cannot break the table');
    assert.match(view.tooltip, /Spend this month: \$1\.5000 of \$20\.00 \(8%, pause at 80%\)/);
    assert.match(view.tooltip, /\[Show Routes\]\(command:contextGateway\.showRoutes\)/);
    assert.match(statusView(input({ budget: budget({ gate: 'manual-pause' }) })).tooltip, /\[Resume\]\(command:contextGateway\.resume\)/);
    assert.equal(commandLink('Go', 'x.y', ['a b']), '[Go](command:x.y?%5B%22a%20b%22%5D)');
  });

  it('adds a rate-limit column when a route reported its limits, with what is left and when it resets', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const headroom = { at: now, tokens: { limit: 150_000, remaining: 1_200, resetAt: now + 20_000 }, requests: { limit: 60, remaining: 3, resetAt: now + 1_000 } };
    const view = statusView(input({ now, routes: [route(hot, 'closed', { headroom }), route(warm)] }));
    assert.match(view.tooltip, /\| Route \| Tier \| Model \| Breaker \| Last \| Latency \| Rate limit left \| \|/);
    assert.match(view.tooltip, /\| openai-main \|.*\| 3 of 60 requests, 1,200 of 150,000 tokens left; resets in 20 s \|/);
    assert.match(view.tooltip, /\| claude \| warm \|[^\n]*\|  \|/, 'a route that reported nothing has an empty cell');
    assert.doesNotMatch(statusView(input()).tooltip, /Rate limit left/, 'no column while no route reported limits');
  });
});
