import { ContextError } from './contextError';

/**
 * Tokens left to spend. One extraction draws from it; the agent's read_symbol calls share one
 * across a conversation so that many small reads cannot add up past the limit.
 */
export class TokenBudget {
  private spent = 0;

  constructor(readonly limit: number) {
    if (!Number.isFinite(limit) || limit <= 0) throw new RangeError(`A token budget must be a positive number of tokens, not ${limit}.`);
  }

  get used(): number {
    return this.spent;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.spent);
  }

  fits(tokens: number): boolean {
    return tokens <= this.remaining;
  }

  /** Takes tokens from the budget; over the remainder is a caller bug, so it throws. */
  charge(tokens: number): void {
    if (!this.fits(tokens)) throw new RangeError(`Charging ${tokens} tokens to a budget with ${this.remaining} left.`);
    this.spent += tokens;
  }
}

/** The selected symbol alone is larger than the budget: never truncated, always refused. */
export class TargetOverBudgetError extends ContextError {
  readonly isTargetOverBudgetError = true;
  readonly code = 'target-over-budget';
  constructor(readonly symbol: string, readonly file: string, readonly tokens: number, readonly budget: number) {
    super(`${symbol} (${file}) is ${tokens} tokens, over the budget of ${budget}. ` +
      'Nothing was sent. Select a smaller symbol (a method rather than its class), or raise contextGateway.context.maxTokens.');
  }
}

export function isTargetOverBudgetError(e: unknown): e is TargetOverBudgetError {
  return typeof e === 'object' && e !== null && (e as TargetOverBudgetError).isTargetOverBudgetError === true;
}
