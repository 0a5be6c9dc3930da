import { mkdir } from 'node:fs/promises';
import { adapterFor } from '../gateway/adapters/index';
import { parseChainConfig, type ChainConfig } from '../gateway/chainConfig';
import { openChain, type ChainServices } from '../gateway/openChain';
import type { Route } from '../gateway/routes';
import { CliFailure, usageFailure } from './failure';
import { readRoutesFile, type RoutesFile } from './routesFile';

export interface ChainArgs {
  readonly routes?: string;
  readonly 'state-dir'?: string;
}

/** Reads the routes file and the state folder named by `--routes` and `--state-dir`. */
export async function chainConfigFromArgs(values: ChainArgs, warn: (line: string) => void): Promise<{ config: ChainConfig; stateDir: string; raw: RoutesFile }> {
  if (!values.routes) throw usageFailure('--routes <file.json> is required: the routes, policy and budget to use.');
  if (!values['state-dir']) throw usageFailure('--state-dir <dir> is required: where breakers, the ledger, the cache and the queue are kept.');
  const raw = await readRoutesFile(values.routes);
  const { config, problems } = parseChainConfig(raw);
  for (const problem of problems) warn(`${values.routes}: ${problem}`);
  if (config.routes.length === 0) throw new CliFailure(`${values.routes} has no usable route${problems.length ? ' (see the problems above)' : ''}.`);
  await mkdir(values['state-dir'], { recursive: true }).catch((e: Error) => {
    throw new CliFailure(`Cannot create the state folder ${values['state-dir']}: ${e.message}.`);
  });
  return { config, stateDir: values['state-dir'], raw };
}

/** Keys come from the environment variable each route names; never from the file, never printed. */
export function envKeys(route: Route): Promise<string | undefined> {
  const value = route.secret ? process.env[route.secret] : undefined;
  return Promise.resolve(value && value.trim() ? value.trim() : undefined);
}

/** The whole chain over a configuration and a state folder, for one CLI run. */
export function chainFromConfig(config: ChainConfig, stateDir: string, warn: (line: string) => void, countTokens?: (text: string, route: Route) => number): Promise<ChainServices> {
  return openChain(config, { stateDir, adapterFor, keyFor: envKeys, ...(countTokens ? { countTokens } : {}), log: warn });
}

/** Both at once, for commands that need no token counts. */
export async function chainFromArgs(values: ChainArgs, warn: (line: string) => void): Promise<ChainServices> {
  const { config, stateDir } = await chainConfigFromArgs(values, warn);
  return chainFromConfig(config, stateDir, warn);
}
