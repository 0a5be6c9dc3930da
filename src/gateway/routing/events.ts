import type { FailureKind } from './failures';
import type { ProviderKind, Tier } from './routes';
import type { BreakerState } from './routePolicy';

/** What became of one try on one route; a skip was never sent. */
export type AttemptOutcome = 'answered' | FailureKind | 'breaker-open' | 'no-key' | 'context-window' | 'bulkhead-full' | 'disabled' | 'over-budget'
  /** A `vscode-lm` route whose model the editor does not offer now. */
  | 'no-model'
  /** A `vscode-lm` route outside VS Code (the CLI): it can never be sent there. */
  | 'editor-only'
  /** The route's reported rate limit cannot hold this request before its reset: skipped, not refused. */
  | 'no-headroom';

/** One try on one route: what the status bar, the log and `--json` show. No payload text. */
export interface Attempt {
  readonly route: string;
  readonly provider: ProviderKind;
  readonly model: string;
  readonly tier: Tier;
  readonly outcome: AttemptOutcome;
  /** True when nothing was sent (breaker open, no key, window too small, disabled, over budget). */
  readonly skipped: boolean;
  readonly httpStatus?: number;
  /** Time this try took, from sending to the last byte or the failure. */
  readonly ms: number;
  /** Time waited before this try (backoff or Retry-After). */
  readonly waitMs?: number;
  /** Why it failed or was skipped, in the provider's words or ours. */
  readonly message?: string;
}

/** Events of the chain, for the status bar, the log and telemetry. */
export type GatewayEvent =
  | { readonly type: 'route-started'; readonly route: string; readonly tier: Tier }
  | { readonly type: 'attempt'; readonly attempt: Attempt }
  | { readonly type: 'retry'; readonly route: string; readonly delayMs: number; readonly reason: FailureKind }
  | { readonly type: 'breaker'; readonly route: string; readonly state: BreakerState }
  /**
   * The chain moved on from a failed route. `costDeltaUsd`: what this request costs more (or
   * less) on the new route at worst (its input and answer cap at each route's prices), when
   * both prices are known.
   */
  | { readonly type: 'failover'; readonly from: string; readonly to: string; readonly reason: AttemptOutcome; readonly addedMs: number; readonly costDeltaUsd?: number }
  /** A route's reported rate limit fell under `policy.headroomWarnPercent` (once until it recovers). */
  | { readonly type: 'headroom-low'; readonly route: string; readonly what: string; readonly percentLeft: number; readonly resetAt?: number };

/** What the caller of a streamed request sees as the answer arrives. */
export type AnswerEvent =
  | { readonly type: 'text'; readonly text: string; readonly route: string }
  /** The text received so far is void: the answer starts again on `route`. */
  | { readonly type: 'restart'; readonly route: string; readonly reason: string }
  /** The stream was cut; `route` continues from the text received so far (it stays valid). */
  | { readonly type: 'continue'; readonly route: string; readonly reason: string };
