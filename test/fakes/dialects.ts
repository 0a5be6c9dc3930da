import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import { anthropicDialect } from './anthropicDialect';
import type { Dialect } from './dialect';
import { geminiDialect } from './geminiDialect';
import { openAiDialect } from './openaiDialect';

/** The fake's wire format and strict checks for a provider kind. */
export function dialectFor(kind: HttpProviderKind): Dialect {
  switch (kind) {
    case 'openai':
    case 'openai-compatible':
      return openAiDialect(kind);
    case 'anthropic':
      return anthropicDialect();
    case 'gemini':
      return geminiDialect();
  }
}
