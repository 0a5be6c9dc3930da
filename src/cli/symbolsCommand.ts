import { readRegularFile } from '../context/regularFile';
import { parseArgs } from 'node:util';
import { Grammars } from '../context/grammars';
import { outline } from '../context/outline';
import { loadTokenCounter } from '../context/tokenCounters';
import type { CommandOutput } from './commandOutput';
import { CliFailure, usageFailure } from './failure';

/** `symbols <file> [--json]`: the file's top-level definitions and its token count. */
export async function symbolsCommand(args: string[], assetsDir: string): Promise<CommandOutput> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw usageFailure('symbols takes exactly one file.');
  const text = await readRegularFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new CliFailure(`Cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'ENOTREG' ? 'it is not a regular file (a FIFO, socket or device)' : e.message}.`);
  });
  const symbols = await outline(new Grammars(assetsDir), file, text);
  const tokens = (await loadTokenCounter(assetsDir, 'o200k_base')).count(text);
  if (values.json) return { json: { file, tokens, symbols } };
  const width = Math.max(0, ...symbols.map((s) => s.name.length));
  const lines = symbols.map((s) => `${s.name.padEnd(width)}  ${s.kind.padEnd(9)}  lines ${s.startLine}-${s.endLine}`);
  return { text: [`${file}: ${symbols.length} top-level definitions, ${tokens} tokens (o200k_base)`, ...lines].join('\n') };
}
