import { ContextError } from './contextError';
import type { Grammars } from './grammars';
import { declarationsIn, type SymbolKind } from './declarations';
import { languageForPath, supportedExtensions } from './languages';
import { withTree } from './parser';

/** One top-level definition of a file, 1-based inclusive lines. */
export interface OutlineEntry {
  readonly name: string;
  readonly kind: SymbolKind;
  readonly startLine: number;
  readonly endLine: number;
}

/** A file in a language the engine does not parse. */
export class UnsupportedLanguageError extends ContextError {
  readonly isUnsupportedLanguageError = true;
  readonly code = 'unsupported-language';
  constructor(readonly file: string) {
    super(`${file}: this file type is not supported. Supported: ${supportedExtensions().join(', ')}.`);
  }
}

/** The top-level definitions of a file, in source order. */
export async function outline(grammars: Grammars, file: string, text: string): Promise<OutlineEntry[]> {
  const language = languageForPath(file);
  if (!language) throw new UnsupportedLanguageError(file);
  return withTree(grammars, language, text, { file }, (tree) =>
    declarationsIn(tree.rootNode, language).map((d) => ({
      name: d.name,
      kind: d.kind,
      startLine: d.node.startPosition.row + 1,
      endLine: d.node.endPosition.row + 1,
    })),
  );
}
