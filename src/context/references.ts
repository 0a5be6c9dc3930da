import type { Node } from 'web-tree-sitter';
import type { LanguageId } from './languages';

/** The names a piece of code uses, and `object.member` uses of them (for namespace imports). */
export interface References {
  readonly names: ReadonlySet<string>;
  /** For `ns.f()`, `ns` -> {`f`}: the members used of a name. */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
}

function addMember(members: Map<string, Set<string>>, object: string, member: string): void {
  const set = members.get(object);
  if (set) set.add(member);
  else members.set(object, new Set([member]));
}

/**
 * Identifiers used inside a node, with one WASM query per kind rather than a walk. Local
 * names are not told apart from outer ones: a shadowing local can only add a signature the
 * budget may then leave out, never drop one that is needed.
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
    return { names: new Set([...uses].filter(([, n]) => n > 0).map(([name]) => name)), members };
  }
  const names = new Set(node.descendantsOfType(['identifier', 'type_identifier', 'shorthand_property_identifier']).map((n) => n.text));
  for (const access of node.descendantsOfType(['member_expression', 'nested_type_identifier'])) {
    const object = access.childForFieldName(access.type === 'member_expression' ? 'object' : 'module');
    const member = access.childForFieldName(access.type === 'member_expression' ? 'property' : 'name');
    if (object?.type === 'identifier' && member) addMember(members, object.text, member.text);
  }
  return { names, members };
}
