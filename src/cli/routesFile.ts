import { readFile } from 'node:fs/promises';
import { parsePolicy, type PolicyConfig } from '../gateway/policyConfig';
import { describeRouteProblem, parseRoutes, type Route } from '../gateway/routes';
import { CliFailure } from './failure';

/** What a routes file configures: the same shape as the extension's settings. */
export interface RoutesFile {
  readonly routes: Route[];
  readonly policy: PolicyConfig;
  /** Other top-level sections, read by the commands that use them (budget, cache...). */
  readonly sections: Readonly<Record<string, unknown>>;
}

/**
 * Reads `{ "routes": [...], "policy": {...}, ... }` (or a bare array of routes). A route with a
 * problem is reported on stderr and left out; a file with no usable route is an error.
 */
export async function readRoutesFile(path: string, warn: (line: string) => void): Promise<RoutesFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliFailure(`Cannot read the routes file ${path}: ${why}.`);
  }
  const object = Array.isArray(raw) ? { routes: raw } : (raw as Record<string, unknown>);
  if (typeof object !== 'object' || object === null) throw new CliFailure(`${path}: expected an object with "routes", or an array of routes.`);
  const { routes: routesInput, policy: policyInput, ...sections } = object;
  const { routes, problems } = parseRoutes(routesInput);
  for (const problem of problems) warn(`${path}: ${describeRouteProblem(problem)}`);
  const policy = parsePolicy(policyInput);
  for (const problem of policy.problems) warn(`${path}: ${problem}`);
  if (routes.length === 0) throw new CliFailure(`${path} has no usable route${problems.length ? ' (see the problems above)' : ''}.`);
  return { routes, policy: policy.policy, sections };
}
