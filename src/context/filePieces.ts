import { declarationSpan, outerNode, type DeclarationSpan } from './declarationSpan';
import type { ImportBinding } from './imports';
import type { ParsedFile } from './parsedFiles';
import type { Piece } from './piece';
import { referencesIn, type References } from './references';
import { selectTarget, type Selector } from './select';
import { classOutline, signatureOf } from './signatures';
import type { SymbolEntry } from './symbolIndex';

/** Same-file signatures beyond this many are not offered (a target calling 200 helpers is rare). */
const MAX_SIGNATURES = 40;

/** The target and the context found in its own file. */
export interface FilePieces {
  readonly entry: SymbolEntry;
  readonly span: DeclarationSpan;
  readonly target: Piece;
  /** Imports, class outline and same-file signatures, by priority. */
  readonly context: Piece[];
  readonly refs: References;
  /** Import bindings the target uses (for the cross-file hop). */
  readonly usedImports: ImportBinding[];
}

function mergeReferences(all: References[]): References {
  const names = new Set<string>();
  const locals = new Set<string>();
  const members = new Map<string, Set<string>>();
  for (const r of all) {
    for (const n of r.names) names.add(n);
    for (const n of r.locals) locals.add(n);
    for (const [object, set] of r.members) members.set(object, new Set([...(members.get(object) ?? []), ...set]));
  }
  return { names, locals, members };
}

function contains(outer: SymbolEntry, inner: SymbolEntry): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** Selects the target in a parsed file and gathers the context its own file gives; `label` names the file in errors. */
export function piecesInFile(parsed: ParsedFile, selector: Selector, label = parsed.file): FilePieces {
  const { index, text, language, file } = parsed;
  const entry = selectTarget(index, text, selector, label);
  const span = declarationSpan(entry, index, text);
  const target: Piece = {
    role: 'target', file, symbol: entry.path, kind: entry.kind, startLine: span.startLine, endLine: span.endLine,
    chunks: [{ text: text.slice(span.start, span.end), line: span.startLine }], priority: 0,
  };
  const refs = mergeReferences(span.members.map((m) => referencesIn(outerNode(m), language)));
  const context: Piece[] = [];

  const usedImports = parsed.imports.filter((b) => refs.names.has(b.local));
  const statements = [...new Map(usedImports.map((b) => [b.statement.startIndex, b.statement])).values()];
  if (statements.length > 0) {
    context.push({
      role: 'imports', file, symbol: 'imports',
      startLine: statements[0]!.startPosition.row + 1, endLine: statements[statements.length - 1]!.endPosition.row + 1,
      chunks: statements.map((s) => ({ text: s.text, line: s.startPosition.row + 1 })), priority: 1,
    });
  }

  const container = entry.parent && (entry.parent.kind === 'class' || entry.parent.kind === 'interface') ? entry.parent : undefined;
  if (container) {
    const outline = declarationSpan(container, index, text);
    const chunks = classOutline(container, index, text, language);
    context.push({
      role: 'class-outline', file, symbol: container.path, kind: container.kind, startLine: chunks[0]?.line ?? outline.startLine, endLine: outline.endLine,
      chunks, priority: 2,
    });
  }

  const imported = new Set(parsed.imports.map((b) => b.local));
  const seen = new Set<number>(span.members.map((m) => m.id));
  for (const name of refs.names) {
    if (context.length >= MAX_SIGNATURES || imported.has(name) || refs.locals.has(name)) continue;
    // Not the target itself, not what contains it (the outline covers a class), not inside it.
    const found = index.topLevel(name).find((e) => !seen.has(e.id) && !contains(e, entry) && !span.members.some((m) => contains(m, e)));
    if (!found) continue;
    const group = declarationSpan(found, index, text);
    if (group.members.some((m) => seen.has(m.id))) continue;
    for (const m of group.members) seen.add(m.id);
    const chunks = signatureOf(group.members, index, text, language);
    context.push({
      // A signature leaves the doc comment out: its lines start where its text does.
      role: 'signature', file, symbol: found.path, kind: found.kind, startLine: chunks[0]?.line ?? group.startLine, endLine: group.endLine,
      chunks, priority: 3 + context.length,
    });
  }
  return { entry, span, target, context, refs, usedImports };
}
