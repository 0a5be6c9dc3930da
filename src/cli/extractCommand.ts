import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ContextEngine } from '../context/engine';
import type { ExtractResult } from '../context/extraction';
import { ENCODINGS, isEncodingName } from '../context/tokens';
import type { CommandOutput } from './commandOutput';
import { usageFailure } from './failure';
import { positiveInteger, selectorFrom } from './selectorArgs';
import { findWorkspaceRoot } from '../context/workspaceRoot';

/** The readable report: what is sent, what it costs, what was left out; then the payload itself. */
function summary(r: ExtractResult): string {
  const share = r.tokens.wholeFile ? ` (${((100 * r.tokens.payload) / r.tokens.wholeFile).toFixed(1)}% of the whole file's ${r.tokens.wholeFile})` : '';
  const lines = [
    `target    ${r.target.kind} ${r.target.symbol}  ${r.target.file}:${r.target.startLine}-${r.target.endLine}`,
    `tokens    ${r.tokens.payload} of a budget of ${r.tokens.budget} (${r.tokens.encoding}${r.tokens.factor === 1 ? '' : ` x ${r.tokens.factor}`})${share}`,
    ...r.pieces.map((p) => `piece     ${p.role.padEnd(18)} ${`${p.kind ?? ''} ${p.symbol}`.trim()}  ${p.file}:${p.startLine}-${p.endLine}  ${p.tokens} tokens`),
    ...r.omitted.map((o) => `omitted   ${o.role.padEnd(18)} ${o.symbol}  ${o.file}:${o.startLine}-${o.endLine}  ${o.tokens} tokens: ${o.reason}`),
    ...r.excluded.map((x) => `excluded  ${x.file}  by "${x.pattern}" (${x.source})`),
    ...r.redacted.map((x) => `redacted  ${x.kind}  ${x.file}:${x.line}`),
    ...r.stopped.map((x) => `stopped   ${x.file}: ${x.missing} left out (${x.message})`),
    '',
    '---- payload ----',
    r.payload.trimEnd(),
  ];
  return lines.join('\n');
}

/** `extract <file> (--symbol <name> | --line <n> [--column <c>]) [--budget n] [--encoding e] [--root dir] [--exclude glob]... [--json]` */
export async function extractCommand(args: string[], assetsDir: string): Promise<CommandOutput> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      symbol: { type: 'string' }, line: { type: 'string' }, column: { type: 'string' },
      budget: { type: 'string' }, encoding: { type: 'string' }, factor: { type: 'string' },
      root: { type: 'string' }, exclude: { type: 'string', multiple: true }, json: { type: 'boolean' },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw usageFailure('extract takes exactly one file.');
  const selector = selectorFrom(values);
  const maxTokens = positiveInteger(values.budget, '--budget');
  const encoding = values.encoding ?? 'o200k_base';
  if (!isEncodingName(encoding)) throw usageFailure(`--encoding must be one of ${ENCODINGS.join(', ')}, not "${encoding}".`);
  const factor = values.factor === undefined ? 1 : Number(values.factor);
  if (!(factor >= 1 && factor <= 4)) throw usageFailure(`--factor must be a number from 1 to 4, not "${values.factor}".`);
  const root = values.root !== undefined ? resolve(values.root) : await findWorkspaceRoot(file);
  const engine = new ContextEngine({ assetsDir });
  // Context errors (unknown symbol, denied file, over budget...) reach runCli: exit 1, message on stderr.
  try {
    const result = await engine.extract({ root, file: resolve(file), selector, exclude: values.exclude ?? [], maxTokens, encoding, factor });
    return values.json ? { json: result } : { text: summary(result) };
  } finally {
    engine.dispose();
  }
}
