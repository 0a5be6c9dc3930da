// The payload preview's text. Pure (no `vscode` import), so it is unit-tested.
import type { ExtractResult } from '../context/index';

/** The preview's text: a summary (lines starting with `#>`), then the payload exactly as sent. */
export function payloadPreviewText(r: ExtractResult): string {
  const share = r.tokens.wholeFile ? `, ${((100 * r.tokens.payload) / r.tokens.wholeFile).toFixed(1)}% of the whole file (${r.tokens.wholeFile} tokens)` : '';
  const lines = [
    `#> Context Gateway payload preview: ${r.target.kind} ${r.target.symbol} (${r.target.file}:${r.target.startLine}-${r.target.endLine})`,
    `#> tokens: ${r.tokens.payload} of a budget of ${r.tokens.budget} (${r.tokens.encoding}${r.tokens.factor === 1 ? '' : ` x ${r.tokens.factor}`})${share}`,
    `#> pieces: ${r.pieces.length} kept, ${r.omitted.length} omitted, ${r.excluded.length} excluded, ${r.redacted.length} redacted`,
    ...r.pieces.map((p) => `#>   kept      ${p.role.padEnd(18)} ${`${p.kind ?? ''} ${p.symbol}`.trim()}  ${p.file}:${p.startLine}-${p.endLine}  ${p.tokens} tokens`),
    ...r.omitted.map((o) => `#>   omitted   ${o.role.padEnd(18)} ${o.symbol}  ${o.file}:${o.startLine}-${o.endLine}  ${o.tokens} tokens: ${o.reason}`),
    ...r.excluded.map((x) => `#>   excluded  ${x.file}  by "${x.pattern}" (${x.source})`),
    ...r.redacted.map((x) => `#>   redacted  ${x.kind}  ${x.file}:${x.line}`),
    ...r.stopped.map((x) => `#>   stopped   ${x.file}: ${x.missing} left out (${x.message})`),
    '#> Everything below is sent exactly as shown, after the task\'s instruction.',
    r.payload.trimEnd(),
    '',
  ];
  return lines.join('\n');
}
