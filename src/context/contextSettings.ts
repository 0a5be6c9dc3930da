import { DEFAULT_SAFETY_FACTOR } from './modelEncoding';
import { numberProblem, shownValue, unknownFieldProblem, type NumberBounds } from '../gateway/settingValue';

/** The `context` settings: extra deny-list globs, the payload's token limit, the counting factor. */
export interface ContextSettings {
  readonly exclude: string[];
  readonly maxTokens: number;
  readonly safetyFactor: number;
}

export const DEFAULT_CONTEXT: ContextSettings = { exclude: [], maxTokens: 8_000, safetyFactor: DEFAULT_SAFETY_FACTOR };

/** Bounds of the numeric context settings; package.json declares the same (a unit test checks). */
export const CONTEXT_BOUNDS: Readonly<Record<'maxTokens' | 'safetyFactor', NumberBounds>> = {
  // Below 256 not even a small target fits; past a million no model takes the payload.
  maxTokens: { min: 256, max: 1_000_000, integer: true },
  safetyFactor: { min: 1, max: 4, integer: false },
};

const KNOWN = ['exclude', 'maxTokens', 'safetyFactor'];

/**
 * Reads a `context` section (from a routes file, or settings gathered into one object). Each wrong
 * value is one line naming `<prefix>.<field>`, the value and the allowed range; its default is used.
 */
export function parseContextSettings(raw: unknown, prefix = 'context'): { context: ContextSettings; problems: string[] } {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { context: DEFAULT_CONTEXT, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { context: DEFAULT_CONTEXT, problems: [`"${prefix}" must be an object such as {"maxTokens": 8000}, not ${shownValue(raw)}; the defaults are used.`] };
  }
  const input = raw as Record<string, unknown>;
  const context = { ...DEFAULT_CONTEXT, exclude: [] as string[] };
  for (const key of Object.keys(input)) {
    if (!KNOWN.includes(key)) problems.push(`${unknownFieldProblem(`"${prefix}.${key}"`, key, 'a context setting', KNOWN)} It is ignored.`);
  }
  for (const key of ['maxTokens', 'safetyFactor'] as const) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    const problem = numberProblem(value, CONTEXT_BOUNDS[key], DEFAULT_CONTEXT[key]);
    if (problem) problems.push(`"${prefix}.${key}" ${problem}`);
    else context[key] = value as number;
  }
  const exclude = input.exclude;
  if (exclude !== undefined && exclude !== null) {
    if (!Array.isArray(exclude)) {
      problems.push(`"${prefix}.exclude" must be a list of globs such as ["secrets/"], not ${shownValue(exclude)}; it is ignored (the built-in deny-list still applies).`);
    } else {
      for (const [i, glob] of exclude.entries()) {
        if (typeof glob === 'string') context.exclude.push(glob);
        else problems.push(`"${prefix}.exclude[${i}]" is ${shownValue(glob)}; each entry must be a glob string; it is ignored.`);
      }
    }
  }
  return { context, problems };
}
