import type { BudgetStatus } from './ledger';

/**
 * What a resume came to, in one line for the user: resumed, or why requests are still held.
 * Resuming lifts a pause; it cannot lift the hard stop at 100% nor a budget setting that cannot be
 * read (`invalid`), and saying "resumed" then would send the user waiting for nothing.
 */
export function resumeOutcome(status: Pick<BudgetStatus, 'gate'>, invalid: string | undefined): string {
  if (invalid || status.gate === 'budget-invalid') {
    return `Requests stay held until the budget setting is fixed: ${invalid ?? 'it cannot be read (see the log)'} They are queued meanwhile and sent once it is.`;
  }
  if (status.gate === 'budget-exhausted') {
    return 'The budget is spent: resuming lifts the pause, not the hard stop. Raise the limit or wait for the next period.';
  }
  return 'AI requests resumed; queued requests will be sent.';
}
