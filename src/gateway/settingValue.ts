// Shared wording for settings checks: how a wrong value is shown, and the known name nearest a
// misspelt one, so every section reports a typo the same way.

/** A value as a problem line shows it: numbers as they are, anything else with its kind. */
export function shownValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return `${JSON.stringify(value) ?? String(value)} (${Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`})`;
}

/** Edits (insert, delete, replace) between two names, ignoring case. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The known name a typo most likely meant (at most a third of its letters off), or undefined. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** `<shown> is not <kind> (did you mean "x"?); known: a, b.`, where `shown` names `key` as the user wrote it. */
export function unknownFieldProblem(shown: string, key: string, kind: string, known: readonly string[]): string {
  const near = nearestName(key, known);
  return `${shown} is not ${kind}${near ? ` (did you mean "${near}"?)` : ''}; known: ${known.join(', ')}.`;
}

/** The bounds of one numeric setting: whole numbers only, or any number. */
export interface NumberBounds {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

/** What is wrong with a numeric setting, as `is <value>; it must be ...; using <fallback>`, or undefined. */
export function numberProblem(value: unknown, bounds: NumberBounds, fallback: number): string | undefined {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= bounds.min && value <= bounds.max && (!bounds.integer || Number.isInteger(value));
  if (ok) return undefined;
  return `is ${shownValue(value)}; it must be ${bounds.integer ? 'a whole number' : 'a number'} from ${bounds.min} to ${bounds.max}; using ${fallback}.`;
}
