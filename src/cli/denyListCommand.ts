import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ContextEngine } from '../context/engine';
import type { CommandOutput } from './commandOutput';

/** `deny-list [--root dir] [--exclude glob]... [--check file]... [--json]`: the effective list, and verdicts. */
export async function denyListCommand(args: string[], assetsDir: string): Promise<CommandOutput> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { root: { type: 'string' }, exclude: { type: 'string', multiple: true }, check: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  });
  const root = resolve(values.root ?? '.');
  const list = await new ContextEngine({ assetsDir }).denyList(root, values.exclude ?? []);
  const checks = await Promise.all((values.check ?? []).map(async (file) => ({ file, verdict: await list.checkFile(resolve(file)) })));
  if (values.json) return { json: { root, entries: list.entries(), checks } };
  const width = Math.max(...list.entries().map((e) => e.pattern.length + (e.negate ? 1 : 0)));
  const lines = [
    `Deny-list for ${root} (in order; the last match wins, secret files always denied):`,
    ...list.entries().map((e) => `  ${`${e.negate ? '!' : ''}${e.pattern}`.padEnd(width)}  ${e.source}`),
    ...checks.map(({ file, verdict }) => verdict ? `denied   ${file}: "${verdict.pattern}" (${verdict.source})` : `allowed  ${file}`),
  ];
  return { text: lines.join('\n') };
}
