// Log lines for the chain's events. Pure (no `vscode` import). Events never carry payload text
// or keys, so neither do these lines.
import type { ChainEvent } from '../gateway/chain';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** The component tag, level and text of an event's log line; undefined for events not logged. */
export function eventLogLine(event: ChainEvent): { component: string; level: LogLevel; text: string } | undefined {
  switch (event.type) {
    case 'route-started':
      return { component: 'router', level: 'debug', text: `${event.route}: sending (${event.tier})` };
    case 'attempt': {
      const a = event.attempt;
      const status = a.httpStatus ? ` HTTP ${a.httpStatus}` : '';
      const timing = a.skipped ? ' (not sent)' : ` in ${Math.round(a.ms)} ms${a.waitMs ? ` after waiting ${a.waitMs} ms` : ''}`;
      return {
        component: 'router',
        level: a.outcome === 'answered' ? 'info' : 'warn',
        text: `${a.route} (${a.tier}, ${a.provider} ${a.model}): ${a.outcome}${status}${timing}${a.message ? `: ${a.message}` : ''}`,
      };
    }
    case 'retry':
      return { component: 'policy', level: 'info', text: `${event.route}: retrying in ${event.delayMs} ms after ${event.reason}` };
    case 'breaker':
      return { component: 'breaker', level: event.state === 'closed' ? 'info' : 'warn', text: `${event.route}: breaker ${event.state}` };
    case 'failover': {
      const delta = event.costDeltaUsd === undefined ? 'cost delta unknown (no price for one of the routes)'
        : `cost delta ${event.costDeltaUsd >= 0 ? '+' : '-'}$${Math.abs(event.costDeltaUsd).toFixed(4)} at worst`;
      return { component: 'failover', level: 'warn', text: `${event.from} -> ${event.to} after ${event.reason} (+${event.addedMs} ms; ${delta})` };
    }
    case 'headroom-low': {
      const reset = event.resetAt !== undefined ? `; it resets at ${new Date(event.resetAt).toISOString().slice(11, 19)} UTC` : '';
      return { component: 'headroom', level: 'warn', text: `${event.route}: ${event.percentLeft}% of its ${event.what} rate limit left${reset}` };
    }
    case 'budget-threshold':
      return { component: 'budget', level: event.percent >= 80 ? 'warn' : 'info', text: `${event.percent}% of the $${event.limitUsd.toFixed(2)} budget spent ($${event.spentUsd.toFixed(4)})` };
    case 'budget-gate':
      return { component: 'budget', level: event.gate ? 'warn' : 'info', text: event.gate ? `new requests are held (${event.gate}); they are queued until ${event.gate === 'budget-invalid' ? 'the budget setting is fixed' : 'you resume'}` : 'requests may go again' };
    case 'queued':
      return { component: 'queue', level: 'warn', text: `queued ${event.id} (${event.reason}): ${event.label}` };
    case 'queue-answered':
      return { component: 'queue', level: 'info', text: `answered ${event.id}: ${event.label}` };
    case 'queue-expired':
      return { component: 'queue', level: 'warn', text: `expired ${event.id} (kept aside, not sent): ${event.label}` };
    case 'queue-failed':
      return { component: 'queue', level: 'error', text: `set aside ${event.id} (kept in failed/, not sent again): ${event.label}: ${event.reason}` };
    case 'failover-alert':
      return { component: 'failover', level: 'error', text: `${event.failovers} failovers within ${Math.round(event.windowMs / 60_000)} min: a provider may be degraded` };
    case 'cache-hit':
      return { component: 'cache', level: 'info', text: `answered from the cache (${Math.round(event.ageMs / 1000)} s old)` };
    case 'team-backend':
      return event.state === 'degraded'
        ? { component: 'team', level: 'warn', text: `team Redis unreachable for the ${event.part}${event.detail ? ` (${event.detail})` : ''}: running on this machine's state; it is reconciled when Redis is back` }
        : { component: 'team', level: 'info', text: `team Redis connected for the ${event.part}` };
  }
}
