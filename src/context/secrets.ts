import { SECRET_PATTERNS, type SecretKind } from './secretPatterns';

/** One secret taken out of a text: its kind and 1-based line, never its value. */
export interface Redaction {
  readonly kind: SecretKind;
  readonly line: number;
}

export interface RedactedText {
  readonly text: string;
  readonly redactions: Redaction[];
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly kind: SecretKind;
}

/** Where each match's secret lies, earlier patterns winning over later overlapping ones. */
function secretSpans(text: string): Span[] {
  const spans: Span[] = [];
  const overlaps = (s: number, e: number) => spans.some((x) => s < x.end && e > x.start);
  for (const { kind, regex, group, accept } of SECRET_PATTERNS) {
    regex.lastIndex = 0;
    for (const match of text.matchAll(regex)) {
      const value = match[group];
      const at = match.indices?.[group];
      if (!value || !at || (accept && !accept(value))) continue;
      const [start, end] = at;
      if (!overlaps(start, end)) spans.push({ start, end, kind });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * Replaces every secret the scan recognises with `[REDACTED:kind]` and reports kind and line.
 * Runs on payload text, so a secret pasted into source never leaves even from an allowed file.
 */
export function redactSecrets(text: string): RedactedText {
  const spans = secretSpans(text);
  if (spans.length === 0) return { text, redactions: [] };
  let out = '';
  let at = 0;
  let line = 1;
  let counted = 0;
  const redactions: Redaction[] = [];
  for (const span of spans) {
    for (let i = counted; i < span.start; i++) if (text.charCodeAt(i) === 10) line++;
    counted = span.start;
    redactions.push({ kind: span.kind, line });
    out += `${text.slice(at, span.start)}[REDACTED:${span.kind}]`;
    at = span.end;
  }
  return { text: out + text.slice(at), redactions };
}
