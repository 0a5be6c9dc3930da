import { mkdir } from 'node:fs/promises';
import { adapterFor } from '../gateway/adapters/index';
import { parseChainConfig, type ChainConfig } from '../gateway/chainConfig';
import { openChain, type ChainServices } from '../gateway/openChain';
import type { Route } from '../gateway/routes';
import { CliFailure, usageFailure } from './failure';
import { readRoutesFile } from './routesFile';

export interface ChainArgs {
  readonly routes?: string;
  readonly 'state-dir'?: string;
}

/** Reads the routes file and the state folder named by `--routes` and `--state-dir`. */
export async function chainConfigFromArgs(values: ChainArgs, warn: (line: string) => void): Promise<{ config: ChainConfig; stateDir: string }> {
  if (!values.routes) throw usageFailure('--routes <file.json> is required: the routes, policy and budget to use.');
  if (!values['state-dir']) throw usageFailure('--state-dir <dir> is required: where breakers, the ledger, the cache and the queue are kept.');
  const { config, problems } = parseChainConfig(await readRoutesFile(values.routes));
  for (const problem of problems) warn(`${values.routes}: ${problem}`);
  if (config.routes.length === 0) throw new CliFailure(`${values.routes} has no usable route${problems.length ? ' (see the problems above)' : ''}.`);
  await mkdir(values['state-dir'], { recursive: true }).catch((e: Error) => {
    throw new CliFailure(`Cannot create the state folder ${values['state-dir']}: ${e.message}.`);
  });
  return { config, stateDir: values['state-dir'] };
}

/** Keys come from the environment variable each route names; never from the file, never printed. */
export function envKeys(route: Route): Promise<string | undefined> {
  const value = route.secret ? process.env[route.secret] : undefined;
  return Promise.resolve(value && value.trim() ? value.trim() : undefined);
}

/** The whole chain over a routes file and a state folder, for one CLI run. */
export async function chainFromArgs(values: ChainArgs, warn: (line: string) => void, countTokens?: (text: string, route: Route) => number): Promise<ChainServices & { config: ChainConfig }> {
  const { config, stateDir } = await chainConfigFromArgs(values, warn);
  const services = await openChain(config, { stateDir, adapterFor, keyFor: envKeys, ...(countTokens ? { countTokens } : {}), log: warn });
  return { ...services, config };
}
