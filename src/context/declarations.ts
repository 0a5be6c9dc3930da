import type { Node } from 'web-tree-sitter';
import type { LanguageId } from './languages';

/** What kind of definition a symbol is, in the words a user would use. */
export type SymbolKind = 'function' | 'class' | 'method' | 'property' | 'interface' | 'type' | 'enum' | 'variable' | 'namespace';

/** One named definition found in a syntax tree. */
export interface Declaration {
  readonly name: string;
  readonly kind: SymbolKind;
  /** The whole declaration: with `export`, `export default`, decorators. */
  readonly node: Node;
  /** The node that holds the definition itself (the function, class...), inside `node`. */
  readonly inner: Node;
}

const TS_KINDS: Record<string, SymbolKind> = {
  function_declaration: 'function',
  generator_function_declaration: 'function',
  function_signature: 'function',
  class_declaration: 'class',
  abstract_class_declaration: 'class',
  class: 'class',
  interface_declaration: 'interface',
  type_alias_declaration: 'type',
  enum_declaration: 'enum',
  internal_module: 'namespace',
  module: 'namespace',
};

const PY_KINDS: Record<string, SymbolKind> = {
  function_definition: 'function',
  class_definition: 'class',
};

function nameOf(node: Node): string | undefined {
  return node.childForFieldName('name')?.text;
}

/** Declarations that `node` itself introduces (one statement may declare several variables). */
function declarationsOfTsStatement(statement: Node): Declaration[] {
  let inner = statement;
  // `export ...`, `export default ...`, `declare ...`: the definition is wrapped.
  while (inner.type === 'export_statement' || inner.type === 'ambient_declaration' || inner.type === 'expression_statement') {
    const wrapped: Node | null = inner.childForFieldName('declaration') ?? inner.namedChildren.find((c) => c !== null && c.type !== 'decorator' && c.type !== 'comment') ?? null;
    if (!wrapped) return [];
    inner = wrapped;
  }
  const kind = TS_KINDS[inner.type];
  if (kind) {
    const name = nameOf(inner) ?? (statement.type === 'export_statement' ? 'default' : undefined);
    return name ? [{ name, kind, node: statement, inner }] : [];
  }
  if (inner.type === 'lexical_declaration' || inner.type === 'variable_declaration') {
    return inner.namedChildren.flatMap((d): Declaration[] => {
      if (d?.type !== 'variable_declarator') return [];
      const name = d.childForFieldName('name');
      if (name?.type !== 'identifier') return [];
      const value = d.childForFieldName('value');
      const isFunction = value !== null && /^(arrow_function|function_expression|function|generator_function)$/.test(value.type);
      const isClass = value !== null && value.type === 'class';
      return [{ name: name.text, kind: isFunction ? 'function' : isClass ? 'class' : 'variable', node: statement, inner: d }];
    });
  }
  return [];
}

function declarationOfPyStatement(statement: Node): Declaration[] {
  const inner = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
  const kind = inner ? PY_KINDS[inner.type] : undefined;
  const name = inner ? nameOf(inner) : undefined;
  if (inner && kind && name) return [{ name, kind, node: statement, inner }];
  if (statement.type === 'expression_statement') {
    const assignment = statement.firstNamedChild;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : null;
    if (left?.type === 'identifier') return [{ name: left.text, kind: 'variable', node: statement, inner: assignment! }];
  }
  return [];
}

/** The definitions directly inside a container node (a module, a class body, a block). */
export function declarationsIn(container: Node, language: LanguageId): Declaration[] {
  const statementDeclarations = language === 'python' ? declarationOfPyStatement : declarationsOfTsStatement;
  return container.namedChildren.flatMap((child) => (child ? statementDeclarations(child) : []));
}
