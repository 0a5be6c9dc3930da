import type { Node } from 'web-tree-sitter';
import type { SymbolEntry, SymbolIndex } from './symbolIndex';

/** Where a whole declaration lies: UTF-16 offsets into the file's text, 1-based inclusive lines. */
export interface DeclarationSpan {
  /** From the start of the first line when only indentation precedes the declaration. */
  readonly start: number;
  readonly end: number;
  readonly startLine: number;
  readonly endLine: number;
  /** The outermost node of the last declaration in the span (with export, decorators). */
  readonly outer: Node;
  /** The definitions the span covers: one, or overload signatures and their implementation. */
  readonly members: readonly SymbolEntry[];
}

const SIGNATURE_TYPES = new Set(['function_signature', 'method_signature', 'abstract_method_signature']);

/** The node that holds the whole statement: `export`, `declare`, the declaration list, decorators. */
export function outerNode(entry: SymbolEntry): Node {
  let outer = entry.node;
  const parent = outer.parent;
  if ((outer.type === 'variable_declarator' && (parent?.type === 'lexical_declaration' || parent?.type === 'variable_declaration')) ||
    (outer.type === 'assignment' && parent?.type === 'expression_statement')) {
    outer = parent;
  }
  for (let up = outer.parent; up && (up.type === 'export_statement' || up.type === 'ambient_declaration' || up.type === 'decorated_definition'); up = up.parent) {
    outer = up;
  }
  return outer;
}

function isOverloadSignature(entry: SymbolEntry): boolean {
  if (SIGNATURE_TYPES.has(entry.node.type)) return true;
  // Python: @overload / @typing.overload stubs before the implementation.
  const decorated = entry.node.parent;
  return decorated?.type === 'decorated_definition' && decorated.namedChildren.some((c) => c?.type === 'decorator' && /^@(typing\.)?overload\b/.test(c.text));
}

function isAccessor(entry: SymbolEntry, text: string): boolean {
  if (entry.node.type === 'method_definition') return /^(?:(?:static|public|private|protected|override)\s+)*[gs]et\s/.test(text.slice(entry.node.startIndex, entry.node.startIndex + 40));
  const decorated = entry.node.parent;
  return decorated?.type === 'decorated_definition' && decorated.namedChildren.some((c) => c?.type === 'decorator' && (c.text === '@property' || new RegExp(`^@${entry.name}\\.(setter|deleter)$`).test(c.text)));
}

/** Overload signatures and their implementation, or a getter and its setter: one target. */
export function overloadGroup(entry: SymbolEntry, index: SymbolIndex, text: string): SymbolEntry[] {
  const belongs = (a: SymbolEntry, b: SymbolEntry) =>
    a.name === b.name && (isOverloadSignature(a) || (isAccessor(a, text) && isAccessor(b, text)));
  let first = entry;
  for (let prev = index.previousSibling(first); prev && belongs(prev, first); prev = index.previousSibling(first)) first = prev;
  const group = [first];
  for (let next = index.nextSibling(first); next && belongs(group[group.length - 1]!, next); next = index.nextSibling(next)) group.push(next);
  return group;
}

/** Decorators written as siblings before a class member (TypeScript class bodies), then a doc comment. */
function leadingStart(outer: Node, text: string): Node {
  let first = outer;
  let prev = outer.previousNamedSibling;
  while (prev?.type === 'decorator') {
    first = prev;
    prev = prev.previousNamedSibling;
  }
  if (prev?.type === 'comment' && prev.text.startsWith('/**')) {
    // Directly above: nothing but indentation and at most one line break in between, and the
    // comment starts its own line (not a trailing comment of the previous statement).
    const between = text.slice(prev.endIndex, first.startIndex);
    const before = text.slice(text.lastIndexOf('\n', prev.startIndex - 1) + 1, prev.startIndex);
    if (/^[ \t]*\r?\n?[ \t]*$/.test(between) && /^[ \t]*$/.test(before)) first = prev;
  }
  return first;
}

/** The span of a definition with everything that belongs to it. */
export function declarationSpan(entry: SymbolEntry, index: SymbolIndex, text: string): DeclarationSpan {
  const members = overloadGroup(entry, index, text);
  const firstOuter = outerNode(members[0]!);
  const lastOuter = members.length === 1 ? firstOuter : outerNode(members[members.length - 1]!);
  const head = leadingStart(firstOuter, text);
  const lineStart = text.lastIndexOf('\n', head.startIndex - 1) + 1;
  const start = /^[ \t]*$/.test(text.slice(lineStart, head.startIndex)) ? lineStart : head.startIndex;
  // Class fields and interface members leave their `;` outside the node; it is part of the statement.
  const end = text[lastOuter.endIndex] === ';' ? lastOuter.endIndex + 1 : lastOuter.endIndex;
  return {
    start,
    end,
    startLine: head.startPosition.row + 1,
    // A node that ends with its line break ends on the line before.
    endLine: lastOuter.endPosition.row + (lastOuter.endPosition.column === 0 && lastOuter.endPosition.row > head.startPosition.row ? 0 : 1),
    outer: lastOuter,
    members,
  };
}
