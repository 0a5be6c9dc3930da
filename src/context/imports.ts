import type { Node, Tree } from 'web-tree-sitter';
import type { LanguageId } from './languages';

/** One name an import statement binds in the file. */
export interface ImportBinding {
  /** The name as used in this file. */
  readonly local: string;
  /** The name in the other module: an exported name, `default`, or `*` for the module itself. */
  readonly imported: string;
  /** The module as written: `./routes`, `node:fs`, `.models`, `..pkg.mod`. */
  readonly source: string;
  readonly statement: Node;
}

function stringValue(node: Node | null): string | undefined {
  return node?.type === 'string' ? node.text.slice(1, -1) : undefined;
}

function jsImportBindings(statement: Node): ImportBinding[] {
  const source = stringValue(statement.childForFieldName('source')) ?? stringValue(statement.descendantsOfType('string')[0] ?? null);
  if (source === undefined) return [];
  const out: ImportBinding[] = [];
  const bind = (local: string | undefined, imported: string) => {
    if (local) out.push({ local, imported, source, statement });
  };
  for (const clause of statement.namedChildren) {
    if (clause?.type === 'import_require_clause') bind(clause.namedChildren.find((c) => c?.type === 'identifier')?.text, '*');
    if (clause?.type !== 'import_clause') continue;
    for (const part of clause.namedChildren) {
      if (part?.type === 'identifier') bind(part.text, 'default');
      else if (part?.type === 'namespace_import') bind(part.namedChildren.find((c) => c?.type === 'identifier')?.text, '*');
      else if (part?.type === 'named_imports') {
        for (const spec of part.namedChildren) {
          if (spec?.type !== 'import_specifier') continue;
          const name = spec.childForFieldName('name')?.text;
          if (name) bind(spec.childForFieldName('alias')?.text ?? name, name);
        }
      }
    }
  }
  return out;
}

/** `const x = require('./y')` and `const { a, b: c } = require('./y')` at the top of a CommonJS file. */
function requireBindings(statement: Node): ImportBinding[] {
  const out: ImportBinding[] = [];
  for (const declarator of statement.namedChildren) {
    if (declarator?.type !== 'variable_declarator') continue;
    const value = declarator.childForFieldName('value');
    if (value?.type !== 'call_expression' || value.childForFieldName('function')?.text !== 'require') continue;
    const source = stringValue(value.childForFieldName('arguments')?.namedChildren[0] ?? null);
    const name = declarator.childForFieldName('name');
    if (source === undefined || !name) continue;
    if (name.type === 'identifier') out.push({ local: name.text, imported: '*', source, statement });
    if (name.type !== 'object_pattern') continue;
    for (const p of name.namedChildren) {
      if (p?.type === 'shorthand_property_identifier_pattern') out.push({ local: p.text, imported: p.text, source, statement });
      if (p?.type === 'pair_pattern') {
        const key = p.childForFieldName('key')?.text;
        const local = p.childForFieldName('value');
        if (key && local?.type === 'identifier') out.push({ local: local.text, imported: key, source, statement });
      }
    }
  }
  return out;
}

function pyImportBindings(statement: Node): ImportBinding[] {
  const out: ImportBinding[] = [];
  const from = statement.type === 'import_from_statement' ? statement.childForFieldName('module_name')?.text : undefined;
  for (const name of statement.childrenForFieldName('name')) {
    const aliased = name.type === 'aliased_import';
    const dotted = aliased ? name.childForFieldName('name')?.text : name.text;
    if (!dotted) continue;
    const alias = aliased ? name.childForFieldName('alias')?.text : undefined;
    if (from !== undefined) out.push({ local: alias ?? dotted, imported: dotted, source: from, statement });
    // `import a.b.c` binds `a`; `import a.b as c` binds `c` to a.b.
    else out.push({ local: alias ?? dotted.split('.')[0]!, imported: '*', source: alias ? dotted : dotted.split('.')[0]!, statement });
  }
  return out;
}

const PY_SCOPES = new Set(['function_definition', 'class_definition']);

/** The module-level imports of a file (Python: also those inside top-level `if`/`try` blocks). */
export function importsOf(tree: Tree, language: LanguageId): ImportBinding[] {
  const root = tree.rootNode;
  if (language === 'python') {
    return root.descendantsOfType(['import_statement', 'import_from_statement']).flatMap((statement) => {
      for (let up = statement.parent; up; up = up.parent) if (PY_SCOPES.has(up.type)) return [];
      return pyImportBindings(statement);
    });
  }
  return root.namedChildren.flatMap((statement) => {
    if (statement?.type === 'import_statement') return jsImportBindings(statement);
    if (statement?.type === 'lexical_declaration' || statement?.type === 'variable_declaration') return requireBindings(statement);
    return [];
  });
}

/** Whether a module specifier points into the workspace (`./x`, `../x`, Python `.x`). */
export function isRelativeSource(source: string, language: LanguageId): boolean {
  return language === 'python' ? source.startsWith('.') : source.startsWith('./') || source.startsWith('../');
}
