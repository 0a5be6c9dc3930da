import type { Node } from 'web-tree-sitter';
import type { LanguageId } from './languages';

/** The names a piece of code uses, and `object.member` uses of them (for namespace imports). */
export interface References {
  readonly names: ReadonlySet<string>;
  /** Names the code binds itself (parameters, local variables): uses of them are not outer definitions. */
  readonly locals: ReadonlySet<string>;
  /** For `ns.f()`, `ns` -> {`f`}: the members used of a name. */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
}

function addMember(members: Map<string, Set<string>>, object: string, member: string): void {
  const set = members.get(object);
  if (set) set.add(member);
  else members.set(object, new Set([member]));
}

/** Identifiers a binding position introduces: `a`, `{ a, b: c }`, `[a, ...b]`, `a = default` (not the default). */
function bound(node: Node | null, into: Set<string>): void {
  if (!node) return;
  if (node.type === 'identifier' || node.type === 'shorthand_property_identifier_pattern') into.add(node.text);
  else if (node.type === 'assignment_pattern' || node.type === 'required_parameter' || node.type === 'optional_parameter') {
    bound(node.childForFieldName('left') ?? node.childForFieldName('pattern'), into);
  } else if (node.type === 'pair_pattern') bound(node.childForFieldName('value'), into);
  else if (/pattern$|^(pattern_list|tuple|list|rest_pattern)$/.test(node.type)) for (const c of node.namedChildren) bound(c, into);
}

function jsLocals(node: Node): Set<string> {
  const locals = new Set<string>();
  for (const n of node.descendantsOfType(['variable_declarator', 'formal_parameters', 'catch_clause', 'for_in_statement'])) {
    if (n.type === 'variable_declarator') bound(n.childForFieldName('name'), locals);
    else if (n.type === 'formal_parameters') for (const p of n.namedChildren) bound(p, locals);
    else if (n.type === 'catch_clause') bound(n.childForFieldName('parameter'), locals);
    else bound(n.childForFieldName('left'), locals);
  }
  return locals;
}

function pyLocals(node: Node): Set<string> {
  const locals = new Set<string>();
  for (const n of node.descendantsOfType(['parameters', 'lambda_parameters', 'assignment', 'for_statement', 'for_in_clause', 'as_pattern'])) {
    if (n.type === 'parameters' || n.type === 'lambda_parameters') {
      for (const p of n.namedChildren) {
        if (!p) continue;
        const name = p.type === 'identifier' ? p : p.childForFieldName('name') ?? p.namedChildren.find((c) => c?.type === 'identifier') ?? null;
        if (name?.type === 'identifier') locals.add(name.text);
      }
    } else if (n.type === 'as_pattern') bound(n.childForFieldName('alias')?.namedChildren[0] ?? null, locals);
    else bound(n.childForFieldName('left'), locals);
  }
  return locals;
}

/**
 * Identifiers used inside a node, with one WASM query per kind rather than a walk, and the
 * names it binds itself, so that a local `result` does not pull in a module-level `result`.
 */
export function referencesIn(node: Node, language: LanguageId): References {
  const members = new Map<string, Set<string>>();
  if (language === 'python') {
    const uses = new Map<string, number>();
    for (const id of node.descendantsOfType('identifier')) uses.set(id.text, (uses.get(id.text) ?? 0) + 1);
    // In `a.b`, `b` is an attribute, not a use of a name `b`: discount those occurrences.
    for (const attribute of node.descendantsOfType('attribute')) {
      const object = attribute.childForFieldName('object');
      const name = attribute.childForFieldName('attribute')?.text;
      if (!name) continue;
      uses.set(name, (uses.get(name) ?? 0) - 1);
      if (object?.type === 'identifier') addMember(members, object.text, name);
    }
    return { names: new Set([...uses].filter(([, n]) => n > 0).map(([name]) => name)), locals: pyLocals(node), members };
  }
  const names = new Set(node.descendantsOfType(['identifier', 'type_identifier', 'shorthand_property_identifier']).map((n) => n.text));
  for (const access of node.descendantsOfType(['member_expression', 'nested_type_identifier'])) {
    const object = access.childForFieldName(access.type === 'member_expression' ? 'object' : 'module');
    const member = access.childForFieldName(access.type === 'member_expression' ? 'property' : 'name');
    if (object?.type === 'identifier' && member) addMember(members, object.text, member.text);
  }
  return { names, locals: jsLocals(node), members };
}
