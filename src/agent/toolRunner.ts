import type { ContextEngine, ExtractRequest, ExtractResult, SearchLimits, TokenBudget } from '../context/index';
import { isContextError, isUnknownSymbolError } from '../context/index';
import type { EncodingName } from '../context/tokens';
import type { ToolCallPart } from '../gateway/ir';
import { fileArgument } from './fileArgument';

/** An edit the model proposed; the VS Code layer shows it as a diff, nothing writes it here. */
export interface Proposal {
  readonly symbol: string;
  /** Relative to the workspace root. */
  readonly file: string;
  readonly newText: string;
  /** The declaration it replaces, as it was when proposed (1-based inclusive lines). */
  readonly original: { readonly startLine: number; readonly endLine: number; readonly text: string };
}

/** What a tool call came to: the text the model sees, and whether it is an error. */
export interface ToolOutcome {
  readonly content: string;
  readonly isError: boolean;
}

export interface ToolRunnerOptions {
  readonly engine: ContextEngine;
  readonly root: string;
  /** The target's file (absolute): the default when a call names no file. */
  readonly defaultFile: string;
  readonly exclude: readonly string[];
  readonly encoding: EncodingName;
  readonly factor: number;
  /** Shared with the payload: every read draws from it. */
  readonly budget: TokenBudget;
  /** propose_edit is offered (the refactor task). */
  readonly allowEdits: boolean;
  /** Bounds of the workspace search for a name found neither in the file nor in its imports. */
  readonly search?: SearchLimits;
}

/** Reads below this many tokens of budget are refused up front: no symbol fits. */
const MIN_READ_TOKENS = 64;

const refused = (content: string): ToolOutcome => ({ content, isError: true });

/**
 * Runs the tools the model calls, through the context engine: the same deny-list, extraction,
 * redaction and token budget as the payload. Failures are tool results, never exceptions.
 */
export class ToolRunner {
  readonly proposals: Proposal[] = [];

  constructor(private readonly options: ToolRunnerOptions) {}

  async run(call: ToolCallPart, signal?: AbortSignal): Promise<ToolOutcome> {
    const args = call.arguments as Record<string, unknown>;
    try {
      switch (call.name) {
        case 'read_symbol': return await this.readSymbol(args, signal);
        case 'list_symbols': return await this.listSymbols(args);
        case 'propose_edit':
          if (this.options.allowEdits) return await this.proposeEdit(args, signal);
          return refused('propose_edit is offered by the refactor task only; describe the change in your answer instead.');
        default: return refused(`There is no tool "${call.name}". Available: read_symbol, list_symbols${this.options.allowEdits ? ', propose_edit' : ''}.`);
      }
    } catch (e) {
      if (isContextError(e)) return refused(JSON.stringify(e.toJSON()));
      throw e;
    }
  }

  private async file(args: Record<string, unknown>): Promise<string | ToolOutcome> {
    const named = await fileArgument(this.options.root, this.options.defaultFile, args.file);
    return 'file' in named ? named.file : refused(named.problem);
  }

  /**
   * Extracts a name as a reader of the payload would find it: in the file; if not there, where
   * the file's imports lead, or where a bounded search of the workspace finds it (engine.locate).
   */
  private async extractNamed(file: string, name: string, request: Omit<ExtractRequest, 'root' | 'file' | 'selector'>, signal?: AbortSignal): Promise<ExtractResult> {
    const { engine, root, exclude } = this.options;
    try {
      return await engine.extract({ ...request, root, file, selector: { symbol: name } }, signal);
    } catch (e) {
      if (!isUnknownSymbolError(e)) throw e;
    }
    const found = await engine.locate({ root, file, name, exclude, ...(this.options.search ? { search: this.options.search } : {}) }, signal);
    return engine.extract({ ...request, root, file: found.file, selector: { symbol: found.symbol } }, signal);
  }

  private async readSymbol(args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolOutcome> {
    if (typeof args.name !== 'string' || !args.name.trim()) return refused('read_symbol needs "name": a symbol such as "parseRoutes" or "Router.send".');
    const file = await this.file(args);
    if (typeof file !== 'string') return file;
    const { budget } = this.options;
    if (budget.remaining < MIN_READ_TOKENS) {
      return refused(`The context budget is spent (${budget.used} of ${budget.limit} tokens used). Answer with what you have read.`);
    }
    const result = await this.extractNamed(file, args.name.trim(), {
      exclude: this.options.exclude, budget, encoding: this.options.encoding, factor: this.options.factor,
    }, signal);
    return { content: result.payload, isError: false };
  }

  private async listSymbols(args: Record<string, unknown>): Promise<ToolOutcome> {
    const file = await this.file(args);
    if (typeof file !== 'string') return file;
    const symbols = await this.options.engine.listSymbols(this.options.root, file, { exclude: this.options.exclude });
    if (symbols.length === 0) return { content: 'No definitions found.', isError: false };
    return { content: symbols.map((s) => `${s.symbol} (${s.kind}, lines ${s.startLine}-${s.endLine})`).join('\n'), isError: false };
  }

  private async proposeEdit(args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolOutcome> {
    if (typeof args.symbol !== 'string' || !args.symbol.trim()) return refused('propose_edit needs "symbol": the symbol to replace.');
    if (typeof args.new_text !== 'string' || !args.new_text.trim()) return refused('propose_edit needs "new_text": the complete new declaration.');
    const file = await this.file(args);
    if (typeof file !== 'string') return file;
    // The original span, for the diff. Read for ourselves: it is not sent, so it costs no budget.
    const original = await this.extractNamed(file, args.symbol.trim(), { exclude: this.options.exclude, maxTokens: Number.MAX_SAFE_INTEGER }, signal);
    this.proposals.push({
      symbol: original.target.symbol,
      file: original.target.file,
      newText: args.new_text,
      original: { startLine: original.target.startLine, endLine: original.target.endLine, text: original.target.text },
    });
    return { content: `Proposal ${this.proposals.length} recorded for ${original.target.symbol} in ${original.target.file}; the user will review it as a diff.`, isError: false };
  }
}
