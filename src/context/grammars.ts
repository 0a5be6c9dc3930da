import { join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import { ContextError } from './contextError';
import { LANGUAGES, type LanguageId } from './languages';

/** A grammar that could not be loaded; its language is disabled, the others keep working. */
export class GrammarLoadError extends ContextError {
  readonly isGrammarLoadError = true;
  readonly code = 'grammar-unavailable';
  constructor(readonly language: LanguageId, readonly file: string, cause: unknown) {
    super(
      `The ${LANGUAGES[language].label} grammar could not be loaded from ${file} ` +
        `(${cause instanceof Error ? cause.message : String(cause)}). ` +
        `${LANGUAGES[language].label} files are disabled; other languages still work. ` +
        'Reinstall the extension or rebuild it (npm run build) to restore the file.',
      { cause },
    );
  }
}

export function isGrammarLoadError(e: unknown): e is GrammarLoadError {
  return typeof e === 'object' && e !== null && (e as GrammarLoadError).isGrammarLoadError === true;
}

// web-tree-sitter's runtime is one WASM module per process, so its initialisation is too.
let runtime: Promise<void> | undefined;

function initRuntime(assetsDir: string): Promise<void> {
  runtime ??= Parser.init({ locateFile: (name: string) => join(assetsDir, name) }).catch((e: unknown) => {
    runtime = undefined; // a later call may succeed once the file is back
    throw new Error(`The tree-sitter runtime could not be loaded from ${join(assetsDir, 'web-tree-sitter.wasm')}: ${String(e)}`);
  });
  return runtime;
}

/**
 * Loads grammars lazily from an assets folder, once per language: one cached promise each, so
 * concurrent first uses share a single load and a failed load stays reported as such.
 */
export class Grammars {
  private readonly loaded = new Map<LanguageId, Promise<Language>>();

  constructor(readonly assetsDir: string) {}

  load(id: LanguageId): Promise<Language> {
    let pending = this.loaded.get(id);
    if (!pending) {
      const file = join(this.assetsDir, LANGUAGES[id].wasm);
      pending = initRuntime(this.assetsDir)
        .then(() => Language.load(file))
        .catch((e: unknown) => {
          throw new GrammarLoadError(id, file, e);
        });
      this.loaded.set(id, pending);
    }
    return pending;
  }

  /** Languages whose grammar has failed to load, with the reason, for status and logs. */
  async disabled(): Promise<GrammarLoadError[]> {
    const settled = await Promise.allSettled(this.loaded.values());
    return settled.flatMap((s) => (s.status === 'rejected' && isGrammarLoadError(s.reason) ? [s.reason] : []));
  }
}
