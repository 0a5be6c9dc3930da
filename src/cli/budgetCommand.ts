import { parseArgs } from 'node:util';
import type { BudgetStatus } from '../gateway/guardrails/ledger';
import { LocalLedger } from '../gateway/guardrails/local/ledger';
import { openTeamBackends } from '../gateway/guardrails/redis/teamBackends';
import { REDIS_PASSWORD_ENV } from '../gateway/guardrails/redis/teamKey';
import { resumeOutcome } from '../gateway/guardrails/resumeOutcome';
import { chainConfigFromArgs, TEAM_OPTIONS } from './chainFromFile';
import { usageFailure } from './failure';
import type { CliContext } from './main';
import { plainText, terminalJson } from './terminalText';

const OPTIONS = { routes: { type: 'string' }, 'state-dir': { type: 'string' }, json: { type: 'boolean' }, ...TEAM_OPTIONS } as const;

function describe(s: BudgetStatus): string {
  const limit = s.limitUsd !== undefined ? ` of $${s.limitUsd.toFixed(2)} (${(s.percent ?? 0).toFixed(1)}%)` : s.gate === 'budget-invalid' ? ' (the budget setting is invalid, see below)' : ' (no limit set)';
  const gate = s.gate ? `; new requests are held: ${s.gate}` : '; requests may go';
  return `${s.period} ${s.periodKey}: $${s.spentUsd.toFixed(4)} spent${limit}; pause at ${s.pauseAtPercent}%${s.resumed ? ' (resumed this period)' : ''}${gate}`;
}

/** `budget status | resume | pause` over a state folder, with the budget from the routes file; problems on stderr. */
export async function budgetCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  const [action] = positionals;
  if (!['status', 'resume', 'pause'].includes(action ?? '')) throw usageFailure(`budget needs an action: status, resume or pause${action ? ` (not "${action}")` : ''}.`);
  const { config, stateDir } = await chainConfigFromArgs(values, (line) => ctx.err.write(`${line}\n`), { budgetMustBeValid: false });
  const local = await LocalLedger.open(stateDir, config.budget);
  // With a team section the team's budget is the one shown, paused and resumed.
  const password = process.env[REDIS_PASSWORD_ENV];
  const backends = config.team ? await openTeamBackends(config.team, { ...(password ? { password } : {}), log: (line) => ctx.err.write(`${line}\n`) }) : undefined;
  const ledger = backends?.ledger ? await backends.ledger(local, () => {}) : local;
  try {
    if (action === 'resume') await ledger.resume();
    if (action === 'pause') await ledger.pause();
    await ledger.flushed();
    const status = ledger.status();
    const shown = ledger.backend === 'redis' ? { ...status, backend: ledger.backend } : status;
    ctx.out.write(values.json ? `${terminalJson(shown)}\n` : `${plainText(`${describe(status)}${ledger.backend === 'redis' ? ' (team ledger: redis)' : ''}`)}\n`);
    for (const problem of status.problems) ctx.err.write(`${problem}\n`);
    if (action === 'resume' && (status.gate === 'budget-exhausted' || config.budget.invalid)) ctx.err.write(`${resumeOutcome(status, config.budget.invalid)}\n`);
    // An invalid budget is shown (spend and the problem line) but is an error: nothing can be sent.
    return config.budget.invalid ? 1 : 0;
  } finally {
    await backends?.close?.();
  }
}
