import type { Selector } from '../context/select';
import { usageFailure } from './failure';

/** A whole number of 1 or more from an option, or undefined when the option is absent. */
export function positiveInteger(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw usageFailure(`${option} must be a whole number of 1 or more, not "${value}".`);
  return Number(value);
}

/** `--symbol <name>` or `--line <n> [--column <c>]` as a selector (1-based). */
export function selectorFrom(values: { symbol?: string; line?: string; column?: string }): Selector {
  if (values.symbol !== undefined && values.line !== undefined) throw usageFailure('Give --symbol or --line, not both.');
  if (values.symbol !== undefined) {
    if (values.symbol.trim() === '') throw usageFailure('--symbol needs a name, like parseRoutes or Class.method.');
    return { symbol: values.symbol };
  }
  const line = positiveInteger(values.line, '--line');
  if (line === undefined) throw usageFailure('Name the symbol with --symbol <name> or --line <n> [--column <c>].');
  return { line, column: positiveInteger(values.column, '--column') };
}
