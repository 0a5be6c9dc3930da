// The provider adapters, by wire format: what the router needs from this folder.
import type { HttpProviderKind, Route } from '../routes';
import type { ProviderAdapter } from './adapter';
import { anthropicAdapter } from './anthropic';
import { geminiAdapter } from './gemini';
import { openAiAdapter } from './openai';
import { openAiCompatibleAdapter } from './openaiCompatible';

export type { BuildOptions, HttpRequestSpec, ProviderAdapter } from './adapter';

const ADAPTERS: Readonly<Record<HttpProviderKind, ProviderAdapter>> = {
  openai: openAiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  'openai-compatible': openAiCompatibleAdapter,
};

/** The adapter for an HTTP route's provider kind. */
export function adapterFor(kind: HttpProviderKind): ProviderAdapter {
  return ADAPTERS[kind];
}

/** Whether a cut stream on this route can continue from its partial text (else it restarts). */
export function canPrefill(route: Route): boolean {
  if (route.provider === 'vscode-lm') return false;
  const adapter = adapterFor(route.provider);
  return adapter.canPrefill ? adapter.canPrefill(route) : adapter.supportsPrefill;
}
