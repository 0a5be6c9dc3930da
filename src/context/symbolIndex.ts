import type { Node, Tree } from 'web-tree-sitter';
import type { SymbolKind } from './declarations';
import type { LanguageId } from './languages';

/** One named definition anywhere in a file: top level, in a namespace, a class, or a function. */
export interface SymbolEntry {
  /** Position in the index (document order). */
  readonly id: number;
  readonly name: string;
  /** Qualified by its enclosing definitions: `Class.method`, `outer.inner`, `ns.Type.member`. */
  readonly path: string;
  readonly kind: SymbolKind;
  /** The definition node itself (function, class, declarator...), without export or decorators. */
  readonly node: Node;
  readonly start: number;
  readonly end: number;
  readonly parent: SymbolEntry | undefined;
}

const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
const CLASS_VALUES = new Set(['class']);

const JS_KINDS: Record<string, SymbolKind> = {
  function_declaration: 'function',
  generator_function_declaration: 'function',
  function_signature: 'function',
  class_declaration: 'class',
  abstract_class_declaration: 'class',
  interface_declaration: 'interface',
  type_alias_declaration: 'type',
  enum_declaration: 'enum',
  internal_module: 'namespace',
  module: 'namespace',
  method_definition: 'method',
  method_signature: 'method',
  abstract_method_signature: 'method',
  public_field_definition: 'property',
  field_definition: 'property',
  property_signature: 'property',
  variable_declarator: 'variable',
};

const PY_KINDS: Record<string, SymbolKind> = {
  function_definition: 'function',
  class_definition: 'class',
  assignment: 'variable',
};

/** Kinds a definition's body belongs to: anything declared inside them is local. */
const LOCAL_SCOPES = new Set<SymbolKind>(['function', 'method']);

function nameNode(node: Node): Node | null {
  return node.childForFieldName('name') ?? node.childForFieldName('property') ?? (node.type === 'assignment' ? node.childForFieldName('left') : null);
}

function cleanName(node: Node): string | undefined {
  if (node.type === 'string') return node.text.slice(1, -1); // declare module "name"
  if (/pattern$|^(subscript|attribute|pattern_list|tuple_pattern|list_pattern)$/.test(node.type)) return undefined; // destructuring
  return node.text;
}

/** The kind a node gets once its value is known: `const f = () => {}` is a function. */
function refineKind(node: Node, kind: SymbolKind, parent: SymbolEntry | undefined): SymbolKind {
  if (node.type === 'variable_declarator' || node.type === 'public_field_definition' || node.type === 'field_definition') {
    const value = node.childForFieldName('value');
    if (value && FUNCTION_VALUES.has(value.type)) return kind === 'property' ? 'method' : 'function';
    if (value && CLASS_VALUES.has(value.type)) return 'class';
  }
  if (node.type === 'function_definition' && parent?.kind === 'class') return 'method';
  return kind;
}

/**
 * Every definition in a tree, found with one query in WASM (descendantsOfType) rather than a
 * walk in JavaScript, with parents worked out from the ranges (the query returns document
 * order). Variables local to a function, and anything inside them, are left out: they are not
 * what a user selects by name.
 */
export class SymbolIndex {
  readonly entries: readonly SymbolEntry[];
  private readonly byName = new Map<string, SymbolEntry[]>();

  constructor(tree: Tree, readonly language: LanguageId) {
    const kinds = language === 'python' ? PY_KINDS : JS_KINDS;
    const nodes = tree.rootNode.descendantsOfType(Object.keys(kinds));
    const entries: SymbolEntry[] = [];
    // Open definitions enclosing the current node; `null` marks a dropped local whose insides are dropped too.
    const open: Array<{ end: number; entry: SymbolEntry | null }> = [];
    for (const node of nodes) {
      const start = node.startIndex;
      const end = node.endIndex;
      while (open.length > 0 && open[open.length - 1]!.end <= start) open.pop();
      const enclosing = open[open.length - 1];
      if (enclosing?.entry === null) continue;
      const parent = enclosing?.entry;
      const name = nameNode(node);
      const clean = name ? cleanName(name) : undefined;
      const kind = refineKind(node, kinds[node.type]!, parent);
      const local = parent !== undefined && LOCAL_SCOPES.has(parent.kind) && (kind === 'variable' || kind === 'property');
      if (!clean || local || (node.type === 'assignment' && name?.type !== 'identifier')) {
        open.push({ end, entry: null });
        continue;
      }
      const entry: SymbolEntry = { id: entries.length, name: clean, path: parent ? `${parent.path}.${clean}` : clean, kind, node, start, end, parent };
      entries.push(entry);
      open.push({ end, entry });
      const same = this.byName.get(clean);
      if (same) same.push(entry);
      else this.byName.set(clean, [entry]);
    }
    this.entries = entries;
  }

  /** Definitions with this simple name, in document order. */
  named(name: string): readonly SymbolEntry[] {
    return this.byName.get(name) ?? [];
  }

  /** Definitions at module level (or in a namespace at module level): what another piece may reference. */
  topLevel(name: string): SymbolEntry[] {
    return this.named(name).filter((e) => e.parent === undefined || e.parent.kind === 'namespace');
  }

  /** The innermost definition whose node contains the offset, of the kinds a cursor selects. */
  innermostAt(offset: number, selectable: (e: SymbolEntry) => boolean = () => true): SymbolEntry | undefined {
    // Last entry starting at or before the offset; its chain of parents holds every container.
    let lo = 0;
    let hi = this.entries.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.start <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let e = this.entries[found]; e; e = e.parent) if (offset < e.end && selectable(e)) return e;
    return undefined;
  }

  /** The next definition with the same parent after `entry`, if any. */
  nextSibling(entry: SymbolEntry): SymbolEntry | undefined {
    // Entries are in document order, so the first one after `entry` ends is a sibling or an outsider.
    const next = this.entries[this.firstStartingAtOrAfter(entry.end)];
    return next?.parent === entry.parent ? next : undefined;
  }

  /** The previous definition with the same parent before `entry`, if any. */
  previousSibling(entry: SymbolEntry): SymbolEntry | undefined {
    // The entry just before may be deep inside the previous sibling: climb to the shared parent.
    for (let e = this.entries[entry.id - 1]; e; e = e.parent) {
      if (e === entry.parent) return undefined;
      if (e.parent === entry.parent) return e;
    }
    return undefined;
  }

  private firstStartingAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
