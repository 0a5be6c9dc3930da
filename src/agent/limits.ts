import { numberProblem, unknownFieldProblem, type NumberBounds } from '../gateway/settingValue';

/** What bounds one agent run; hitting a bound ends the loop with what was gathered. */
export interface AgentLimits {
  /** Model turns (requests) at most. */
  readonly maxTurns: number;
  /** Tool calls executed at most, over all turns. */
  readonly maxToolCalls: number;
  /** Model tokens (input + output, as reported or counted) over all turns. */
  readonly maxTokens: number;
  /** Context tokens the payload and every read_symbol result share. */
  readonly maxContextTokens: number;
}

export const DEFAULT_LIMITS: AgentLimits = { maxTurns: 6, maxToolCalls: 12, maxTokens: 60_000, maxContextTokens: 16_000 };

/**
 * Bounds of each limit; package.json declares the same (a unit test checks). The upper bounds keep
 * one question from becoming hundreds of paid calls through a typo.
 */
export const AGENT_LIMIT_BOUNDS: Readonly<Record<keyof AgentLimits, NumberBounds>> = {
  maxTurns: { min: 1, max: 50, integer: true },
  maxToolCalls: { min: 1, max: 200, integer: true },
  maxTokens: { min: 1_000, max: 10_000_000, integer: true },
  maxContextTokens: { min: 256, max: 1_000_000, integer: true },
};

/**
 * Reads limits from settings or a routes file's `agent` section; a bad value keeps its default and
 * is one line naming `<prefix>.<limit>`, the value and the allowed range.
 */
export function parseLimits(input: unknown, prefix = 'agent'): { limits: AgentLimits; problems: string[] } {
  const problems: string[] = [];
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  if (input === undefined || input === null) return { limits: DEFAULT_LIMITS, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { limits: DEFAULT_LIMITS, problems: [`"${prefix}" must be an object of limits such as {"maxTurns": 6}; the defaults are used.`] };
  }
  const known = Object.keys(DEFAULT_LIMITS);
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_LIMITS)) {
      problems.push(unknownFieldProblem(`"${prefix}.${key}"`, key, 'an agent limit', known));
    } else if (value === undefined || value === null) {
      continue;
    } else {
      const problem = numberProblem(value, AGENT_LIMIT_BOUNDS[key as keyof AgentLimits], limits[key]!);
      if (problem) problems.push(`"${prefix}.${key}" ${problem}`);
      else limits[key] = value as number;
    }
  }
  return { limits: limits as unknown as AgentLimits, problems };
}
