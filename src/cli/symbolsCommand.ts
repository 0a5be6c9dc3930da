import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Grammars } from '../context/grammars';
import { outline } from '../context/outline';
import { Encoders } from '../context/tokens';
import { CliFailure, usageFailure } from './failure';
import type { CliContext } from './main';

/** `symbols <file> [--json]`: the file's top-level definitions and its token count. */
export async function symbolsCommand(args: string[], ctx: CliContext): Promise<number> {
  ctx.out.write(`${await symbolsText(args, ctx.assetsDir)}\n`);
  return 0;
}

async function symbolsText(args: string[], assetsDir: string): Promise<string> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw usageFailure('symbols takes exactly one file.');
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CliFailure(`Cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}.`);
  });
  const symbols = await outline(new Grammars(assetsDir), file, text);
  const tokens = new Encoders(assetsDir).count(text, 'o200k_base');
  if (values.json) return JSON.stringify({ file, tokens, symbols }, null, 2);
  const width = Math.max(0, ...symbols.map((s) => s.name.length));
  const lines = symbols.map((s) => `${s.name.padEnd(width)}  ${s.kind.padEnd(9)}  lines ${s.startLine}-${s.endLine}`);
  return [`${file}: ${symbols.length} top-level definitions, ${tokens} tokens (o200k_base)`, ...lines].join('\n');
}
