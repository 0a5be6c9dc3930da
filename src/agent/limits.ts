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

/** Reads limits from settings; a bad value keeps its default and is reported. */
export function parseLimits(input: Readonly<Record<string, unknown>>): { limits: AgentLimits; problems: string[] } {
  const problems: string[] = [];
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_LIMITS)) {
      problems.push(`Agent: "${key}" is not an agent limit; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}.`);
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.push(`Agent: "${key}" must be a whole number of 1 or more; using ${limits[key]}.`);
    } else {
      limits[key] = value;
    }
  }
  return { limits: limits as unknown as AgentLimits, problems };
}
