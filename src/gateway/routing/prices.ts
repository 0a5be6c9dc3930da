import type { Route } from './routes';

/** USD per million tokens. */
export interface Price {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/**
 * List prices of well-known models (USD per million tokens, standard tier, as published by each
 * provider in 2025-2026). A route's own prices override these; a model not listed here and
 * without route prices cannot be budgeted, so the budget refuses it rather than guess.
 * Keys match a model name or its dated variants (`gpt-4o-2024-08-06` uses `gpt-4o`).
 */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'o3': { inputPerMTok: 2, outputPerMTok: 8 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'gemini-2.5-flash-lite': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.0-flash': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
};

/** The listed model a name refers to: exact, else the longest listed name it starts with followed by `-`. */
function listedModel(model: string): string | undefined {
  const name = model.toLowerCase().replace(/^models\//, '');
  if (DEFAULT_PRICES[name]) return name;
  let best: string | undefined;
  for (const key of Object.keys(DEFAULT_PRICES)) {
    if (name.startsWith(`${key}-`) && (!best || key.length > best.length)) best = key;
  }
  return best;
}

/** A route's prices: its own, else the table's for its model; undefined when neither is known. */
export function priceOf(route: Route): Price | undefined {
  if (route.inputPricePerMTok !== undefined && route.outputPricePerMTok !== undefined) {
    return { inputPerMTok: route.inputPricePerMTok, outputPerMTok: route.outputPricePerMTok };
  }
  const listed = listedModel(route.model);
  const table = listed ? DEFAULT_PRICES[listed] : undefined;
  if (!table) return undefined;
  return { inputPerMTok: route.inputPricePerMTok ?? table.inputPerMTok, outputPerMTok: route.outputPricePerMTok ?? table.outputPerMTok };
}

/** USD for a number of input and output tokens at a price. */
export function costUsd(price: Price, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1e6;
}
