import type { Route } from '../gateway/routing/routes';
import { budgetTokens, encodingForModel } from './modelEncoding';
import { loadTokenCounter } from './tokenCounters';
import type { TokenCounter } from './tokenCounter';
import type { EncodingName } from './tokens';

/**
 * A synchronous count of a text as each route's model would see it (its encoding, times the
 * safety factor where we lack its tokenizer), for the chain's context-window checks. Loads the
 * counters the routes need, once.
 */
export async function routeTokenCounter(assetsDir: string, routes: readonly Route[], safetyFactor?: number): Promise<(text: string, route: Route) => number> {
  const rules = new Map(routes.map((r) => [r.id, encodingForModel(r.provider, r.model, safetyFactor)]));
  const counters = new Map<EncodingName, TokenCounter>();
  for (const rule of rules.values()) {
    if (!counters.has(rule.encoding)) counters.set(rule.encoding, await loadTokenCounter(assetsDir, rule.encoding));
  }
  return (text, route) => {
    const rule = rules.get(route.id) ?? encodingForModel(route.provider, route.model, safetyFactor);
    const counter = counters.get(rule.encoding) ?? counters.values().next().value;
    return counter ? budgetTokens(counter.count(text), rule.factor) : Math.ceil(text.length / 3);
  };
}

/**
 * The same count without waiting: until the counters are built (in the background, started on
 * first use), texts are estimated at 3 characters a token, which errs on the high side.
 */
export function lazyRouteTokenCounter(assetsDir: string, routes: readonly Route[], safetyFactor?: number): (text: string, route: Route) => number {
  let ready: ((text: string, route: Route) => number) | undefined;
  let loading: Promise<void> | undefined;
  return (text, route) => {
    if (ready) return ready(text, route);
    loading ??= routeTokenCounter(assetsDir, routes, safetyFactor).then((count) => {
      ready = count;
    }, () => undefined);
    return Math.ceil(text.length / 3);
  };
}
