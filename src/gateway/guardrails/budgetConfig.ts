import { shownValue, unknownFieldProblem } from '../settingValue';

/** The money budget, from settings or the routes file's "budget" section. */
export interface BudgetConfig {
  /** USD per period; undefined means no limit (spend is still recorded). */
  readonly limitUsd?: number;
  readonly period: 'day' | 'month';
  /** New requests pause (are queued) from this share of the limit until the user resumes. */
  readonly pauseAtPercent: number;
  /**
   * Set when the budget section could not be read: what is wrong and how to fix it. While it is
   * set nothing is sent (requests are queued): a money guard that cannot read its limit must not
   * run without one.
   */
  readonly invalid?: string;
}

export const DEFAULT_BUDGET: BudgetConfig = { period: 'month', pauseAtPercent: 80 };

/** More than this per period is taken for a typo (an extra digit or three), not a budget. */
export const MAX_LIMIT_USD = 100_000;

const KNOWN = ['limitUsd', 'period', 'pauseAtPercent'];
const UNTIL_FIXED = 'Nothing is sent until it is fixed.';

const shown = shownValue;

/**
 * Reads a budget section. Every problem fails closed: a limit of the wrong type, negative or
 * absurdly large, a period or pause share that is not one of the allowed values, or an unknown key
 * (a misspelt `limitUsd` means a limit was wanted) makes the budget `invalid`, so nothing is sent
 * until the setting is fixed. Each problem is one line naming the field and saying how to fix it.
 */
export function parseBudget(input: unknown): { budget: BudgetConfig; problems: string[] } {
  const problems: string[] = [];
  if (input === undefined || input === null) return { budget: DEFAULT_BUDGET, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    const problem = `Budget: must be an object such as {"limitUsd": 20, "period": "month"}, not ${shown(input)}. ${UNTIL_FIXED}`;
    return { budget: { ...DEFAULT_BUDGET, invalid: problem }, problems: [problem] };
  }
  const raw = input as Record<string, unknown>;
  let budget: BudgetConfig = DEFAULT_BUDGET;
  for (const key of Object.keys(raw)) {
    if (!KNOWN.includes(key)) problems.push(`${unknownFieldProblem(`Budget: "${key}"`, key, 'a budget setting', KNOWN)} Correct or remove it. ${UNTIL_FIXED}`);
  }
  if (raw.limitUsd !== undefined && raw.limitUsd !== null) {
    const limit = raw.limitUsd;
    if (typeof limit === 'number' && Number.isFinite(limit) && limit >= 0 && limit <= MAX_LIMIT_USD) budget = { ...budget, limitUsd: limit };
    else problems.push(`Budget: "limitUsd" is ${shown(limit)}; set it to a number of US dollars from 0 to ${MAX_LIMIT_USD}, such as 20 (or remove it for no limit). ${UNTIL_FIXED}`);
  }
  if (raw.period !== undefined) {
    if (raw.period === 'day' || raw.period === 'month') budget = { ...budget, period: raw.period };
    else problems.push(`Budget: "period" is ${shown(raw.period)}; set it to "day" or "month". ${UNTIL_FIXED}`);
  }
  if (raw.pauseAtPercent !== undefined) {
    const percent = raw.pauseAtPercent;
    if (typeof percent === 'number' && Number.isFinite(percent) && percent > 0 && percent <= 100) budget = { ...budget, pauseAtPercent: percent };
    else problems.push(`Budget: "pauseAtPercent" is ${shown(percent)}; set it to a number above 0 and at most 100, such as 80. ${UNTIL_FIXED}`);
  }
  if (problems.length) budget = { ...budget, invalid: problems.join(' ') };
  return { budget, problems };
}
