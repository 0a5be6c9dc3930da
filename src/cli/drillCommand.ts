import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { drillBudget } from '../gateway/drill/drillBudget';
import { drillEstimate, runDrill } from '../gateway/drill/drill';
import { drillText } from '../gateway/drill/drillTable';
import { adapterFor } from '../gateway/routing/adapters/index';
import { chainConfigFromArgs, chainFromConfig, envKeys, TEAM_OPTIONS } from './chainFromFile';
import { CliFailure } from './failure';
import type { CliContext } from './main';
import { printedOutput } from './commandOutput';

const OPTIONS = {
  routes: { type: 'string' }, 'state-dir': { type: 'string' }, json: { type: 'boolean' },
  yes: { type: 'boolean' }, 'max-cost': { type: 'string' }, 'no-budget': { type: 'boolean' }, ...TEAM_OPTIONS,
} as const;

/** Exit code when the drill ran and a check failed (1 is kept for a drill that could not run). */
export const EXIT_DRILL_FAILED = 3;

async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/**
 * `drill`: the failover drill on the routes file's real routes. The number of calls and their
 * cost at most are shown first; it runs only when confirmed (a prompt, or --yes) and within
 * --max-cost. Exit 0 when every check passed, 3 when one failed, 1 when it did not run.
 */
export async function drillCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  const warn = (line: string) => ctx.err.write(`${line}\n`);
  const { config, stateDir } = await chainConfigFromArgs(values, warn);
  const budgetStep = !values['no-budget'];
  const estimate = drillEstimate(config.routes, budgetStep);
  const unpriced = estimate.unpriced.length ? ` (not counting ${estimate.unpriced.join(', ')}, which have no price)` : '';
  warn(`The drill makes at most ${estimate.calls} small calls on ${config.routes.length} route(s), costing at most $${estimate.maxUsd.toFixed(4)}${unpriced}; they are charged in the ledger of ${stateDir}.`);
  if (values['max-cost'] !== undefined) {
    const max = Number(values['max-cost']);
    if (!Number.isFinite(max) || max < 0) throw new CliFailure(`--max-cost must be a number of dollars, not "${values['max-cost']}".`);
    const unbounded = config.routes.filter((r) => r.provider !== 'vscode-lm' && estimate.unpriced.includes(r.id));
    if (unbounded.length) throw new CliFailure(`--max-cost cannot be kept: ${unbounded.map((r) => r.id).join(', ')} ${unbounded.length === 1 ? 'has' : 'have'} no price. Give ${unbounded.length === 1 ? 'it' : 'them'} inputPricePerMTok and outputPricePerMTok, or leave out --max-cost; nothing was sent.`);
    if (estimate.maxUsd > max) throw new CliFailure(`The drill could cost up to $${estimate.maxUsd.toFixed(4)}, over --max-cost $${max.toFixed(4)}; nothing was sent.`);
  }
  if (!values.yes) {
    if (!process.stdin.isTTY) throw new CliFailure('Add --yes to run the drill without a prompt; nothing was sent.');
    if (!(await confirmed('Run it? [y/N] '))) {
      warn('Nothing was sent.');
      return 1;
    }
  }
  const services = await chainFromConfig(config, stateDir, warn);
  let report;
  try {
    report = await runDrill({
      routes: config.routes, policy: config.policy, adapterFor, keyFor: envKeys, spend: services.ledger,
      onProgress: (line) => warn(`drill: ${line}`),
      ...(budgetStep ? { budget: () => drillBudget(config, { adapterFor, keyFor: envKeys, log: warn }, () => services.ledger.gate()) } : {}),
    });
  } finally {
    await services.dispose();
  }
  // Details quote providers' error text.
  ctx.out.write(`${printedOutput(values.json ? { json: report } : { text: drillText(report) })}\n`);
  return report.cells.some((c) => c.status === 'fail') ? EXIT_DRILL_FAILED : 0;
}
