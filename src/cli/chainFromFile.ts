import { mkdir } from 'node:fs/promises';
import { adapterFor } from '../gateway/routing/adapters/index';
import { parseChainConfig, type ChainConfig } from '../gateway/chainConfig';
import { openChain, type ChainServices } from '../gateway/openChain';
import { openTeamBackends } from '../gateway/guardrails/redis/teamBackends';
import { REDIS_PASSWORD_ENV, TEAM_KEY_ENV } from '../gateway/guardrails/redis/teamKey';
import type { Route } from '../gateway/routing/routes';
import { CliFailure, usageFailure } from './failure';
import { readRoutesFile, type RoutesFile } from './routesFile';

export interface ChainArgs {
  readonly routes?: string;
  readonly 'state-dir'?: string;
  /** Overrides the routes file's `team.redisUrl`. */
  readonly redis?: string;
  /** Overrides the routes file's `team.namespace`. */
  readonly namespace?: string;
}

/** The options every command over a chain takes for the team backend. */
export const TEAM_OPTIONS = { redis: { type: 'string' }, namespace: { type: 'string' } } as const;

/**
 * Reads the routes file and the state folder named by `--routes` and `--state-dir`. An invalid
 * budget section is a failure (nothing may be sent without the limit the user meant), unless the
 * command only shows the budget.
 */
export async function chainConfigFromArgs(values: ChainArgs, warn: (line: string) => void, options: { budgetMustBeValid?: boolean } = {}): Promise<{ config: ChainConfig; stateDir: string; raw: RoutesFile }> {
  if (!values.routes) throw usageFailure('--routes <file.json> is required: the routes, policy and budget to use.');
  if (!values['state-dir']) throw usageFailure('--state-dir <dir> is required: where breakers, the ledger, the cache and the queue are kept.');
  const file = await readRoutesFile(values.routes);
  const team = typeof file.team === 'object' && file.team !== null ? file.team : {};
  const raw: RoutesFile = values.redis !== undefined || values.namespace !== undefined
    ? { ...file, team: { ...team, ...(values.redis !== undefined ? { redisUrl: values.redis } : {}), ...(values.namespace !== undefined ? { namespace: values.namespace } : {}) } }
    : file;
  const { config, problems } = parseChainConfig(raw);
  // A bad budget fails closed: its problem is the one line the command ends with, nothing is sent.
  for (const problem of problems) if (!config.budget.invalid?.includes(problem)) warn(`${values.routes}: ${problem}`);
  if (config.budget.invalid && options.budgetMustBeValid !== false) throw new CliFailure(`${values.routes}: ${config.budget.invalid}`);
  if (config.routes.length === 0) throw new CliFailure(`${values.routes} has no usable route${problems.length ? ' (see the problems above)' : ''}.`);
  await mkdir(values['state-dir'], { recursive: true }).catch((e: Error) => {
    throw new CliFailure(`Cannot create the state folder ${values['state-dir']}: ${e.message}.`);
  });
  return { config, stateDir: values['state-dir'], raw };
}

/** Keys come from the environment variable each route names; never from the file, never printed. */
export function envKeys(route: Route): Promise<string | undefined> {
  return Promise.resolve(envKeyNow(route));
}

/** The same, at once: environment variables do not change during a run. */
export function envKeyNow(route: Route): string | undefined {
  const value = route.secret ? process.env[route.secret] : undefined;
  return value && value.trim() ? value.trim() : undefined;
}

/** The whole chain over a configuration and a state folder, for one CLI run. */
export async function chainFromConfig(config: ChainConfig, stateDir: string, warn: (line: string) => void, countTokens?: (text: string, route: Route) => number): Promise<ChainServices> {
  const password = process.env[REDIS_PASSWORD_ENV];
  const teamKey = process.env[TEAM_KEY_ENV];
  const backends = config.team ? await openTeamBackends(config.team, { ...(password ? { password } : {}), ...(teamKey ? { teamKey } : {}), log: warn }) : undefined;
  return openChain(config, { stateDir, adapterFor, keyFor: envKeys, knownKey: envKeyNow, ...(countTokens ? { countTokens } : {}), log: warn, ...(backends ? { backends } : {}) });
}

/** Both at once, for commands that need no token counts. */
export async function chainFromArgs(values: ChainArgs, warn: (line: string) => void): Promise<ChainServices> {
  const { config, stateDir } = await chainConfigFromArgs(values, warn);
  return chainFromConfig(config, stateDir, warn);
}
