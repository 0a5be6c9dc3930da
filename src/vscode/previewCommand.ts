import * as vscode from 'vscode';
import { encodingForModel, isContextError, type ContextEngine } from '../context/index';
import type { ChainHost } from './chainHost';
import type { PayloadDocuments } from './payloadView';
import { symbolTarget, type TargetArgs } from './symbolTarget';

/** What Preview Context returns (for tests and automation). */
export interface PreviewOutcome {
  readonly uri: string;
  readonly languageId: string;
  readonly text: string;
  readonly tokens: number;
  readonly wholeFileTokens: number;
}

/**
 * Preview Context: the exact payload a request about this symbol would carry, with its token
 * counts and what was left out, excluded or redacted. Nothing is sent.
 */
export async function previewContext(deps: { host: ChainHost; engine: () => ContextEngine; payloads: PayloadDocuments }, args?: TargetArgs): Promise<PreviewOutcome | undefined> {
  const target = await symbolTarget(args);
  if (!target) return undefined;
  const { settings } = deps.host;
  const first = settings.chain.routes[0];
  // Counted as the first route's model would count it; o200k when no route is set yet.
  const rule = first ? encodingForModel(first.provider, first.model, settings.context.safetyFactor) : { encoding: 'o200k_base' as const, factor: 1 };
  try {
    const result = await deps.engine().extract({
      root: target.root, file: target.file, text: target.text, selector: target.selector,
      exclude: settings.context.exclude, maxTokens: settings.context.maxTokens ?? 8_000, encoding: rule.encoding, factor: rule.factor,
    });
    const document = await deps.payloads.show(result);
    return { uri: document.uri.toString(), languageId: document.languageId, text: document.getText(), tokens: result.tokens.payload, wholeFileTokens: result.tokens.wholeFile };
  } catch (e) {
    if (!isContextError(e)) throw e;
    void vscode.window.showErrorMessage(`Context Gateway: ${e.message}`);
    return undefined;
  }
}
