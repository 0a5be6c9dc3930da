import type { ProviderKind } from '../gateway/routing/routes';
import type { EncodingName } from './tokens';

/** How a route's payload is counted: a local encoding, times a factor for tokenizers we lack. */
export interface CountingRule {
  readonly encoding: EncodingName;
  /** 1 when the encoding is the model's own; above 1 when it only approximates it. */
  readonly factor: number;
}

/**
 * Anthropic and Google publish no local tokenizer, and theirs split code into more tokens than
 * o200k in public comparisons; counting with o200k and multiplying keeps a budget on the safe
 * side. Configurable (contextGateway.context.safetyFactor) because the gap varies by language.
 */
export const DEFAULT_SAFETY_FACTOR = 1.25;

// OpenAI's current families (gpt-4o, 4.1, 4.5, 5, the o-series, open-weight gpt-oss) use o200k.
const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|gpt-oss|codex|o\d)/;
// Older OpenAI models and embeddings use cl100k.
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/;

/**
 * The counting rule for a route. OpenAI models get their own encoding exactly; Anthropic,
 * Gemini and models of unknown make (an OpenAI-compatible endpoint serving Llama, DeepSeek...)
 * get o200k times the safety factor.
 */
export function encodingForModel(provider: ProviderKind, model: string, safetyFactor = DEFAULT_SAFETY_FACTOR): CountingRule {
  // OpenRouter and gateways prefix the maker: "openai/gpt-4o", "anthropic/claude-sonnet-4".
  const name = model.toLowerCase().replace(/^.*\//, '');
  const openAiModel = provider === 'openai' || provider === 'openai-compatible';
  if (openAiModel && O200K.test(name)) return { encoding: 'o200k_base', factor: 1 };
  if (openAiModel && CL100K.test(name)) return { encoding: 'cl100k_base', factor: 1 };
  return { encoding: 'o200k_base', factor: Math.max(1, safetyFactor) };
}

/** A raw count as the budget sees it: multiplied by the factor, rounded up. */
export function budgetTokens(raw: number, factor: number): number {
  return factor === 1 ? raw : Math.ceil(raw * factor);
}
