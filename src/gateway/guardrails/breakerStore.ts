/**
 * Where breaker states are kept between runs, so an open breaker stays open across a reload or
 * the next CLI run. The local store is a file in the state folder; a team's breakers are shared
 * live through Redis as well (see `TeamBreakers`).
 */
export interface BreakerStore {
  /** The saved states by route id; what cannot be restored is left out with a warning. */
  load(warn?: (line: string) => void): Promise<Record<string, unknown>>;
  /** Saves in order: a later save never lands before an earlier one. */
  save(states: Record<string, unknown>): Promise<void>;
}
