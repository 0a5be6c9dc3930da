/** The money budget, from settings or the routes file's "budget" section. */
export interface BudgetConfig {
  /** USD per period; undefined means no limit (spend is still recorded). */
  readonly limitUsd?: number;
  readonly period: 'day' | 'month';
  /** New requests pause (are queued) from this share of the limit until the user resumes. */
  readonly pauseAtPercent: number;
}

export const DEFAULT_BUDGET: BudgetConfig = { period: 'month', pauseAtPercent: 80 };

/** Reads a budget section; a bad field is reported and keeps its default. */
export function parseBudget(input: unknown): { budget: BudgetConfig; problems: string[] } {
  const problems: string[] = [];
  if (input === undefined || input === null) return { budget: DEFAULT_BUDGET, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { budget: DEFAULT_BUDGET, problems: ['Budget: must be an object such as {"limitUsd": 20, "period": "month"}.'] };
  }
  const raw = input as Record<string, unknown>;
  let budget: BudgetConfig = DEFAULT_BUDGET;
  for (const key of Object.keys(raw)) {
    if (!['limitUsd', 'period', 'pauseAtPercent'].includes(key)) problems.push(`Budget: "${key}" is not a budget setting; known: limitUsd, period, pauseAtPercent.`);
  }
  if (raw.limitUsd !== undefined) {
    if (typeof raw.limitUsd === 'number' && Number.isFinite(raw.limitUsd) && raw.limitUsd >= 0) budget = { ...budget, limitUsd: raw.limitUsd };
    else problems.push('Budget: "limitUsd" must be a number of US dollars, 0 or more; no limit is applied.');
  }
  if (raw.period !== undefined) {
    if (raw.period === 'day' || raw.period === 'month') budget = { ...budget, period: raw.period };
    else problems.push(`Budget: "period" is ${JSON.stringify(raw.period)}; allowed: "day", "month".`);
  }
  if (raw.pauseAtPercent !== undefined) {
    if (typeof raw.pauseAtPercent === 'number' && raw.pauseAtPercent > 0 && raw.pauseAtPercent <= 100) budget = { ...budget, pauseAtPercent: raw.pauseAtPercent };
    else problems.push('Budget: "pauseAtPercent" must be a number above 0 and at most 100; using 80.');
  }
  return { budget, problems };
}
