import type { BreakerState } from '../routing/routePolicy';
import type { TeamEvent } from './teamEvents';

/** What one try on a route proved, for the team's count of consecutive failures. */
export type TeamOutcome = 'success' | 'failure';

/** The limits of the route's policy that the team's breaker applies. */
export interface TeamBreakerPolicy {
  /** Consecutive failures (across the whole team) that open the route's breaker. */
  readonly breakerThreshold: number;
  /** How long it stays open before one client of the team may probe it. */
  readonly halfOpenAfterMs: number;
}

/**
 * Breakers shared by a team: a route one client finds failing is skipped by every other client
 * without a call, and once its wait has passed exactly one client of the team sends the probe.
 * Beside the router's own breakers, never instead of them: when the shared store cannot be
 * reached every route reads `closed` here and each client runs on its own breakers.
 */
export interface TeamBreakers {
  /**
   * The team's state of a route, from a local mirror (no round trip): `open` until its wait has
   * passed, then `half-open` (one client may probe), `closed` when unknown or unreachable.
   */
  view(routeId: string, now?: number): BreakerState;
  /**
   * Asks to send the probe of a half-open route: true for exactly one client of the team (or when
   * the route turned out closed, or the store cannot be reached), false while another client's
   * probe is in flight. The claim lapses after `lockMs` if its holder never reports.
   */
  claimProbe(routeId: string, lockMs: number): Promise<boolean>;
  /** Counts one try's outcome; the probe's outcome closes or reopens the route. Never rejects. */
  record(routeId: string, outcome: TeamOutcome, policy: TeamBreakerPolicy): Promise<void>;
  /** Gives back a claimed probe that proved nothing (cancelled, refused, not sent). Never rejects. */
  releaseProbe(routeId: string): Promise<void>;
  /** A route's team state changed (pushed by another client, or seen on a refresh); returns the unsubscribe. */
  onChange(listener: (routeId: string, state: BreakerState) => void): () => void;
  /** The store's health (degraded, connected again); a listener added while degraded is told at once. */
  onTeamEvent(listener: (event: TeamEvent) => void): () => void;
  /** Stops listening and closes the connections. */
  close(): Promise<void>;
}
