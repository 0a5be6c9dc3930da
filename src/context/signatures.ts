import type { Node } from 'web-tree-sitter';
import { outerNode } from './declarationSpan';
import type { LanguageId } from './languages';
import type { Chunk } from './piece';
import type { SymbolEntry, SymbolIndex } from './symbolIndex';

const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
/** Longest initializer an outline keeps whole; longer ones keep their first line. */
const MAX_VALUE_LINES = 3;

/** The body a signature elides: a function's block, or an arrow function's value. */
function bodyOf(node: Node): Node | null {
  const value = node.childForFieldName('value');
  if (value && FUNCTION_VALUES.has(value.type)) return value.childForFieldName('body');
  if (value?.type === 'class') return value.childForFieldName('body');
  return node.childForFieldName('body');
}

/** Text from the start of the node's line when only indentation precedes it (keeps layout). */
function fromLineStart(text: string, start: number): number {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return /^[ \t]*$/.test(text.slice(lineStart, start)) ? lineStart : start;
}

function firstLines(text: string, lines: number): string {
  const all = text.split('\n');
  return all.length <= lines ? text : `${all[0]!.trimEnd()} …`;
}

/** A definition with its body replaced by an ellipsis: what a caller needs to know to use it. */
function elided(entry: SymbolEntry, text: string, language: LanguageId): Chunk {
  const outer = outerNode(entry);
  return { text: elidedText(entry, outer, text, language), line: outer.startPosition.row + 1 };
}

function elidedText(entry: SymbolEntry, outer: Node, text: string, language: LanguageId): string {
  const start = fromLineStart(text, outer.startIndex);
  const end = text[outer.endIndex] === ';' ? outer.endIndex + 1 : outer.endIndex;
  const body = bodyOf(entry.node);
  if (!body || entry.kind === 'interface' || entry.kind === 'type' || entry.kind === 'enum') {
    return entry.kind === 'variable' || entry.kind === 'property' ? firstLines(text.slice(start, end), MAX_VALUE_LINES) : text.slice(start, end);
  }
  const head = text.slice(start, body.startIndex).trimEnd();
  if (language === 'python') return `${head} ...`;
  return body.type === 'statement_block' || body.type === 'class_body' ? `${head} { … }` : `${head} …`;
}

/** The direct members of a class-like entry (class, interface, object), in source order. */
function membersOf(container: SymbolEntry, index: SymbolIndex): SymbolEntry[] {
  const out: SymbolEntry[] = [];
  for (let i = container.id + 1; i < index.entries.length; i++) {
    const e = index.entries[i]!;
    if (e.start >= container.end) break;
    if (e.parent === container) out.push(e);
  }
  return out;
}

/**
 * A class as an outline: its header, fields, and member signatures with bodies elided, nested
 * classes as one line. Enough to see what `this.x` is and what a method may call.
 */
export function classOutline(entry: SymbolEntry, index: SymbolIndex, text: string, language: LanguageId): Chunk[] {
  const outer = outerNode(entry);
  const body = bodyOf(entry.node);
  if (!body) return [elided(entry, text, language)];
  const start = fromLineStart(text, outer.startIndex);
  const header = text.slice(start, body.startIndex).trimEnd();
  const chunks: Chunk[] = [{ text: language === 'python' ? header : `${header} {`, line: outer.startPosition.row + 1 }];
  for (const member of membersOf(entry, index)) chunks.push(elided(member, text, language));
  if (language !== 'python') chunks.push({ text: `${text.slice(start, outer.startIndex)}}`, line: outer.endPosition.row + 1 });
  return chunks;
}

/** What another piece shows of a definition it references: a signature, or an outline for a class. */
export function signatureOf(members: readonly SymbolEntry[], index: SymbolIndex, text: string, language: LanguageId): Chunk[] {
  return members.flatMap((m) => (m.kind === 'class' ? classOutline(m, index, text, language) : [elided(m, text, language)]));
}
