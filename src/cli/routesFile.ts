import { readFile } from 'node:fs/promises';
import type { RawChainConfig } from '../gateway/chainConfig';
import { CliFailure } from './failure';

/** A routes file: the chain's sections, and those the CLI reads for tasks on a symbol. */
export interface RoutesFile extends RawChainConfig {
  /** These three are checked where used (parseContextSettings, parseTaskPrompts, parseLimits): a user file may hold anything here. */
  readonly context?: unknown;
  readonly tasks?: unknown;
  readonly agent?: unknown;
}

/**
 * Reads a routes file: `{ "routes": [...], "policy": {...}, "budget": {...}, ... }` (the same
 * sections as the extension's settings), or a bare array of routes.
 */
export async function readRoutesFile(path: string): Promise<RoutesFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliFailure(`Cannot read the routes file ${path}: ${why}.`);
  }
  if (Array.isArray(raw)) return { routes: raw };
  if (typeof raw !== 'object' || raw === null) throw new CliFailure(`${path}: expected an object with "routes", or an array of routes.`);
  const known = new Set(['routes', 'policy', 'budget', 'cache', 'queue', 'notifications', 'alerts', 'team', 'context', 'tasks', 'agent', '$schema']);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length) throw new CliFailure(`${path}: unknown section(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${[...known].join(', ')}.`);
  return raw as RoutesFile;
}
