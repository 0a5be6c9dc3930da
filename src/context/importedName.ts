import { isRelativeSource, type ImportBinding } from './imports';
import type { LanguageId } from './languages';
import { resolveModule } from './moduleFiles';

/** Where a name a file imports is defined: the module's file and the name there. */
export interface ImportedName {
  /** The module as written in the import. */
  readonly source: string;
  /** The module's file; undefined for a package or a module not on disk. */
  readonly file: string | undefined;
  /** The qualified name in that module; `default.rest` stands for the default export. */
  readonly symbol: string;
}

/**
 * The import that binds a name as the payload shows it (`helper`, an alias `h`, `ns.member`,
 * `Class.method`), followed to its module as the extractor follows it for signatures.
 * Undefined when no import binds the name's first part, or it names a whole module.
 */
export async function importedName(file: string, language: LanguageId, imports: readonly ImportBinding[], name: string): Promise<ImportedName | undefined> {
  const [head, ...tail] = name.split('.');
  const rest = tail.join('.');
  // The local name first; then the name in the other module, which is what an imported signature shows.
  const binding = imports.find((b) => b.local === head) ?? imports.find((b) => b.imported === head && b.imported !== '*' && b.imported !== 'default');
  if (!binding) return undefined;
  const qualified = (first: string) => (rest ? `${first}.${rest}` : first);
  if (!isRelativeSource(binding.source, language)) {
    return { source: binding.source, file: undefined, symbol: binding.imported === '*' ? rest : qualified(binding.imported) };
  }
  if (language === 'python' && binding.imported !== '*') {
    // `from . import mod` binds a module when mod.py exists: `mod.func` is `func` there.
    const submodule = await resolveModule(file, `${binding.source}${binding.source.endsWith('.') ? '' : '.'}${binding.imported}`, language);
    if (submodule) return rest ? { source: binding.source, file: submodule, symbol: rest } : undefined;
  }
  if (binding.imported === '*' && !rest) return undefined;
  const module = await resolveModule(file, binding.source, language);
  return { source: binding.source, file: module, symbol: binding.imported === '*' ? rest : qualified(binding.imported) };
}
