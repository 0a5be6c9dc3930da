// The drill's budget check, on a throwaway chain in a temporary state folder, so the user's own
// ledger, pause state and queue are never touched: the spend is brought to the pause threshold,
// a new request must be queued, the webhook (if set) hears of it marked as a drill, and a resume
// must drain the queue through the user's routes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainConfig } from '../chainConfig';
import { Notifier } from '../guardrails/notifier';
import { openChain, type ChainDeps } from '../openChain';
import type { Route } from '../routing/routes';
import type { DrillCell } from './drill';

/** Charges at $0.01 a token: the threshold is reached in whole tokens, whatever the limit. */
const MARKER: Route = { id: 'drill-threshold', tier: 'warm', provider: 'openai', model: 'drill', baseUrl: '', inputPricePerMTok: 10_000, outputPricePerMTok: 0 };

const QUESTION = {
  system: 'You are being checked by a connectivity drill. Answer in one short line.',
  messages: [{ role: 'user' as const, parts: [{ type: 'text' as const, text: 'Reply with the single word: queued' }] }],
  maxOutputTokens: 16,
};

/**
 * `userGate` is the user's own ledger's gate: while it holds requests back, the step does not
 * run, since its one real call is charged only in the throwaway ledger.
 */
export async function drillBudget(config: ChainConfig, deps: Omit<ChainDeps, 'stateDir' | 'workspaceStateDir' | 'backends'>, userGate?: () => string | undefined): Promise<{ cell: DrillCell; costUsd: number; calls: number }> {
  const gate = userGate?.();
  if (gate) return { cell: { route: 'chain', check: 'budget', status: 'skipped', detail: `your budget holds requests now (${gate}); the check would spend past it` }, costUsd: 0, calls: 0 };
  const dir = await mkdtemp(join(tmpdir(), 'cg-drill-'));
  const limitUsd = config.budget.limitUsd ?? 1;
  const { team: _team, webhookUrl, ...local } = config;
  const cell = (status: DrillCell['status'], detail: string, fix?: string): DrillCell => ({ route: 'chain', check: 'budget', status, detail, ...(fix ? { fix } : {}) });
  const services = await openChain({ ...local, budget: { period: config.budget.period, pauseAtPercent: config.budget.pauseAtPercent, limitUsd }, cacheTtlMs: 0 }, { ...deps, stateDir: dir });
  try {
    const gates: string[] = [];
    services.chain.onEvent((e) => {
      if (e.type === 'budget-gate' && e.gate) gates.push(e.gate);
    });
    const tokens = Math.ceil((limitUsd * config.budget.pauseAtPercent) / 100 / 0.01);
    const hold = services.ledger.reserve(MARKER, tokens, 0, 'drill-threshold');
    const held = hold instanceof Promise ? await hold : hold;
    if (typeof held === 'string') return { cell: cell('fail', `the drill could not reach the threshold: ${held}`), costUsd: 0, calls: 0 };
    held.settle({ inputTokens: tokens, outputTokens: 0 }, true);
    if (services.ledger.gate() !== 'budget-paused') return { cell: cell('fail', `at ${config.budget.pauseAtPercent}% of $${limitUsd.toFixed(2)} the gate is ${services.ledger.gate() ?? 'open'}, not paused`, 'check budget.pauseAtPercent'), costUsd: 0, calls: 0 };
    const asked = await services.chain.ask(QUESTION, { label: 'failover drill' });
    if (asked.status !== 'queued') return { cell: cell('fail', `a request at the threshold was ${asked.status}, not queued`), costUsd: 0, calls: 0 };
    const notified = webhookUrl ? await new Notifier(webhookUrl).notify({ kind: 'drill', what: `the budget reached ${config.budget.pauseAtPercent}% of $${limitUsd.toFixed(2)}; a request was queued as ${asked.queueId}` }) : undefined;
    await services.ledger.resume();
    const before = services.ledger.status().spentUsd;
    const report = await services.chain.drain();
    const costUsd = services.ledger.status().spentUsd - before;
    const answered = report.answered[0];
    if (!answered) return { cell: cell('fail', `after resume the queued request was not answered: ${report.stoppedBecause ?? 'no route answered'}`), costUsd, calls: 1 };
    const webhook = notified === undefined ? 'no webhook set' : notified ? 'the webhook accepted the alert' : 'the webhook did not accept the alert';
    const status = notified === false ? 'fail' : 'pass';
    return {
      cell: cell(status, `paused at ${config.budget.pauseAtPercent}% (${gates.includes('budget-paused') ? 'budget-paused' : 'gate seen'}): request queued; ${webhook}; resumed: drained by ${answered.route}`, notified === false ? 'check notifications.webhookUrl' : undefined),
      costUsd,
      calls: 1,
    };
  } finally {
    await services.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
