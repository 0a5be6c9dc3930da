/**
 * The health of a shared backend, for the status bar and the log: `degraded` means the team's
 * store cannot be reached and this process is running on its local state (nothing is lost; spend
 * and queued requests are reconciled when it is back).
 */
export interface TeamEvent {
  readonly type: 'team-backend';
  readonly part: 'ledger' | 'breakers' | 'queue';
  readonly state: 'connected' | 'degraded';
  /** Why, in a few words (the Redis error); never a key or a password. */
  readonly detail?: string;
}
