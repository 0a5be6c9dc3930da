// The tools other agents call (Copilot's agent mode, other chat extensions) to read code the way
// our own agent does: symbol by symbol, through the deny-list, redaction and a token budget,
// never a whole file. Pure: the VS Code layer registers them and says which workspace is open.
import { sep } from 'node:path';
import { isContextError, TokenBudget, type ContextEngine, type EncodingName } from '../context/index';
import type { ToolDefinition } from '../gateway/ir';
import { ToolRunner } from './toolRunner';
import { LIST_SYMBOLS, READ_SYMBOL } from './tools';

/** The payload tool: what Context Gateway itself would send about one symbol. */
export const SYMBOL_PAYLOAD: ToolDefinition = {
  name: 'symbol_payload',
  description: 'The pruned context for one symbol, exactly as Context Gateway would send it to a model: the symbol, the signatures and types it uses, ' +
    'deny-listed files left out, secrets redacted, within the user\'s token budget. Use it instead of reading the whole file.',
  parameters: {
    type: 'object',
    properties: {
      file: { type: 'string', description: 'A path relative to the workspace root ("src/prices.ts"), or an absolute path inside the workspace.' },
      symbol: { type: 'string', description: 'The symbol: "name", "Class.method". Or give "line" instead.' },
      line: { type: 'number', description: '1-based line inside the symbol, when no name is given.' },
    },
    required: ['file'],
  },
};

/** The registered names (a prefix keeps them apart from other extensions' tools). */
export const PUBLIC_TOOLS = {
  read_symbol: { name: 'contextgateway_read_symbol', definition: READ_SYMBOL },
  list_symbols: { name: 'contextgateway_list_symbols', definition: LIST_SYMBOLS },
  symbol_payload: { name: 'contextgateway_symbol_payload', definition: SYMBOL_PAYLOAD },
} as const;

export type PublicToolId = keyof typeof PUBLIC_TOOLS;

export interface PublicToolContext {
  readonly engine: ContextEngine;
  readonly root: string;
  /** Where a call without `file` looks: the active editor's file, when there is one. */
  readonly defaultFile?: string;
  readonly exclude: readonly string[];
  readonly encoding: EncodingName;
  readonly factor: number;
  /** The user's token budget, lowered to the calling agent's own budget for the result when it gives one. */
  readonly maxTokens: number;
}

/** A tool call that cannot be answered: the message says what to change. */
export class PublicToolError extends Error {
  override readonly name = 'PublicToolError';
}

/** A readable reason from a tool refusal (the runner answers context errors as their JSON). */
function reasonOf(content: string): string {
  try {
    const parsed = JSON.parse(content) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Already words.
  }
  return content;
}

/** Paths inside the workspace as the agent sees them elsewhere: relative to its root. */
function withoutRoot(root: string, text: string): string {
  return text.split(`${root}${sep}`).join('').split(root).join('.');
}

/**
 * Runs one public tool call; the text an agent sees, or a PublicToolError naming what was wrong.
 * No message carries the machine's absolute paths (a user name, a home folder).
 */
export async function runPublicTool(id: PublicToolId, input: Record<string, unknown>, context: PublicToolContext, signal?: AbortSignal): Promise<string> {
  try {
    return await runTool(id, input, context, signal);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new PublicToolError(withoutRoot(context.root, e instanceof Error ? e.message : String(e)));
  }
}

async function runTool(id: PublicToolId, input: Record<string, unknown>, context: PublicToolContext, signal?: AbortSignal): Promise<string> {
  if (id === 'symbol_payload') return symbolPayload(input, context, signal);
  if (id !== 'list_symbols' && input.file === undefined && !context.defaultFile) {
    throw new PublicToolError(`${PUBLIC_TOOLS[id].name} needs "file" when no editor is open: a path relative to the workspace root.`);
  }
  const fallback = context.defaultFile ?? context.root;
  if (id === 'list_symbols' && typeof input.file !== 'string') throw new PublicToolError(`${PUBLIC_TOOLS[id].name} needs "file": a path relative to the workspace root.`);
  const runner = new ToolRunner({
    engine: context.engine, root: context.root, defaultFile: fallback, exclude: context.exclude,
    encoding: context.encoding, factor: context.factor, budget: new TokenBudget(context.maxTokens), allowEdits: false,
  });
  const outcome = await runner.run({ type: 'tool_call', id: 'public', name: id, arguments: input }, signal);
  if (outcome.isError) throw new PublicToolError(reasonOf(outcome.content));
  return outcome.content;
}

async function symbolPayload(input: Record<string, unknown>, context: PublicToolContext, signal?: AbortSignal): Promise<string> {
  const file = typeof input.file === 'string' && input.file.trim() ? input.file.trim() : undefined;
  if (!file) throw new PublicToolError(`${SYMBOL_PAYLOAD.name} needs "file": a path relative to the workspace root.`);
  const symbol = typeof input.symbol === 'string' && input.symbol.trim() ? input.symbol.trim() : undefined;
  const line = typeof input.line === 'number' && Number.isInteger(input.line) && input.line > 0 ? input.line : undefined;
  if (!symbol && !line) throw new PublicToolError(`${SYMBOL_PAYLOAD.name} needs "symbol" (a name such as "orderTotal") or "line" (1-based, inside the symbol).`);
  try {
    const result = await context.engine.extract({
      root: context.root, file, selector: symbol ? { symbol } : { line: line! },
      exclude: context.exclude, maxTokens: context.maxTokens, encoding: context.encoding, factor: context.factor,
    }, signal);
    const t = result.target;
    return `Context for ${t.kind} ${t.symbol} (${t.file}:${t.startLine}-${t.endLine}): ${result.tokens.payload} tokens instead of ${result.tokens.wholeFile} for the whole file.\n\n${result.payload}`;
  } catch (e) {
    if (isContextError(e)) throw new PublicToolError(e.message);
    throw e;
  }
}
