import { ContextError } from './contextError';
import { declarationSpan } from './declarationSpan';
import type { SymbolKind } from './declarations';
import type { SymbolEntry, SymbolIndex } from './symbolIndex';

/** What to extract: a name (`name`, `Class.method`, `Outer.Inner.method`) or a 1-based position. */
export type Selector = { readonly symbol: string } | { readonly line: number; readonly column?: number };

/**
 * No definition matches the selector; `nearest` holds names that do exist, closest first.
 * `where` says where it was looked for, when that was more than the file.
 */
export class UnknownSymbolError extends ContextError {
  readonly isUnknownSymbolError = true;
  readonly code = 'unknown-symbol';
  constructor(readonly file: string, readonly symbol: string, readonly nearest: string[], what = `No definition named "${symbol}"`, where = `in ${file}`) {
    super(`${what} ${where}.${nearest.length ? ` Nearest names: ${nearest.join(', ')}.` : ' The file has no definitions the engine can select.'}`);
  }
}

export function isUnknownSymbolError(e: unknown): e is UnknownSymbolError {
  return typeof e === 'object' && e !== null && (e as UnknownSymbolError).isUnknownSymbolError === true;
}


function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to `max` qualified names close to what was asked: shared substrings first, then edit distance. */
export function nearestNames(index: SymbolIndex, wanted: string, max = 5): string[] {
  const target = wanted.toLowerCase();
  const last = target.split('.').pop()!;
  const scored = new Map<string, number>();
  for (const e of index.entries) {
    if (scored.has(e.path)) continue;
    const path = e.path.toLowerCase();
    const name = e.name.toLowerCase();
    const contains = name.includes(last) || last.includes(name) ? -100 + Math.abs(name.length - last.length) : 0;
    scored.set(e.path, contains || Math.min(editDistance(last, name), editDistance(target, path)));
  }
  return [...scored].sort((a, b) => a[1] - b[1] || a[0].length - b[0].length).slice(0, max).map(([path]) => path);
}

/** Definitions before plain values when both have the same name (Python's `kill = terminate` beside `def kill`). */
const VALUE_KINDS = new Set<SymbolKind>(['variable', 'property']);

function byName(index: SymbolIndex, symbol: string): SymbolEntry | undefined {
  // The simple name is what follows some dot: names may hold dots themselves (`[Symbol.iterator]`).
  const names = new Set([symbol, ...[...symbol.matchAll(/\./g)].map((m) => symbol.slice(m.index + 1))]);
  const candidates = [...names].flatMap((name) => index.named(name)).filter((e) => e.path === symbol || e.path.endsWith(`.${symbol}`));
  // An exact qualified name wins; then the least nested, a definition over a value, the first in the file.
  const depth = (e: SymbolEntry) => e.path.length - e.path.replaceAll('.', '').length;
  return candidates.sort((a, b) => Number(b.path === symbol) - Number(a.path === symbol) || depth(a) - depth(b) ||
    Number(VALUE_KINDS.has(a.kind)) - Number(VALUE_KINDS.has(b.kind)) || a.start - b.start)[0];
}

/** UTF-16 offset of a 1-based line and column; column 0/undefined means the line's first non-blank. */
function offsetOf(text: string, line: number, column: number | undefined): number | undefined {
  let at = 0;
  for (let l = 1; l < line; l++) {
    at = text.indexOf('\n', at) + 1;
    if (at === 0) return undefined;
  }
  const lineEnd = text.indexOf('\n', at);
  const lineText = text.slice(at, lineEnd < 0 ? text.length : lineEnd);
  const col = column && column > 0 ? Math.min(column - 1, lineText.length) : lineText.length - lineText.trimStart().length;
  return at + col;
}

function byPosition(index: SymbolIndex, text: string, line: number, column: number | undefined): SymbolEntry | undefined {
  const offset = offsetOf(text, line, column);
  if (offset === undefined) return undefined;
  // A cursor on a field or an interface property selects its class or interface: a field alone says little.
  const inner = index.innermostAt(offset, (e) => e.kind !== 'property') ?? index.innermostAt(offset);
  // On a decorator or doc comment line, the definition below is meant.
  const next = index.entries.find((e) => e.start > offset && (!inner || e.start < inner.end));
  if (next && declarationSpan(next, index, text).startLine <= line) return next;
  return inner;
}

/** The definition a selector names; throws UnknownSymbolError with the nearest names. */
export function selectTarget(index: SymbolIndex, text: string, selector: Selector, file: string): SymbolEntry {
  if ('symbol' in selector) {
    const found = byName(index, selector.symbol.trim());
    if (found) return found;
    throw new UnknownSymbolError(file, selector.symbol, nearestNames(index, selector.symbol));
  }
  const found = byPosition(index, text, selector.line, selector.column);
  if (found) return found;
  const near = index.entries
    .filter((e) => !e.parent)
    .map((e) => ({ e, d: Math.abs(e.node.startPosition.row + 1 - selector.line) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, 5)
    .map(({ e }) => `${e.path} (line ${e.node.startPosition.row + 1})`);
  throw new UnknownSymbolError(file, `line ${selector.line}`, near, `No function, method or class contains line ${selector.line}${selector.column ? `, column ${selector.column}` : ''}`);
}
