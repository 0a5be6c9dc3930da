import { resolve } from 'node:path';
import { TargetOverBudgetError } from './budget';
import { UnreadableFileError } from './contextError';
import { CountCache } from './countCache';
import { DeniedFileError, DenyList } from './denyList';
import { DiskTexts } from './diskTexts';
import type { ExtractRequest, ExtractResult, PieceReport, RedactionReport, StoppedParseReport, SymbolInfo } from './extraction';
import { piecesInFile } from './filePieces';
import { Grammars } from './grammars';
import { importedPieces } from './importedPieces';
import { languageForPath, type LanguageId } from './languages';
import { budgetTokens } from './modelEncoding';
import { UnsupportedLanguageError } from './outline';
import { packPieces } from './pack';
import { ParsedFiles, type Lease } from './parsedFiles';
import { isParseStoppedError, type ParseLimits } from './parser';
import { displayPath, PayloadLayout } from './payload';
import type { Piece, ReadyPiece } from './piece';
import { LARGE_FILE_CHARS, parseAroundTarget } from './regionParse';
import { redactSecrets } from './secrets';
import type { Selector } from './select';
import type { TokenCounter } from './tokenCounter';
import { loadTokenCounter } from './tokenCounters';
import type { EncodingName } from './tokens';
import { TopLevelRegions } from './topLevelRegions';

export interface ContextEngineOptions {
  /** Folder with the .wasm grammars and rank tables (dist/). */
  readonly assetsDir: string;
  /** Reads a file; the VS Code layer returns unsaved editor text for open documents. */
  readonly readFile?: (path: string) => Promise<string>;
  /** One line per extraction (never payload text). */
  readonly log?: (line: string) => void;
  /** What one parse may take; the defaults (DEFAULT_PARSE_LIMITS) suit any ordinary file on a busy machine. */
  readonly parseLimits?: ParseLimits;
  readonly maxCachedFiles?: number;
  /** From this size on, JavaScript and TypeScript files parse only the statements an extraction needs. */
  readonly largeFileChars?: number;
}

const DEFAULT_MAX_TOKENS = 8_000;
const MAX_CACHED_BLOCK = 64 * 1024;
/** Large files whose statement scan and whole-file counts are kept. */
const MAX_LARGE_FILES = 4;

/** What is kept per file text that is expensive to redo: a large file's statement scan, whole-file counts. */
interface FileFacts {
  readonly text: string;
  regions?: TopLevelRegions;
  readonly counts: Map<EncodingName, number>;
}

/**
 * From a selected symbol to the exact, minimal, budget-checked text that would be sent:
 * deny-list, tree-sitter extraction, one hop across relative imports, secret redaction, and
 * packing under a token budget. Parsed files and counts are cached between calls; call
 * dispose() to free the trees (WASM memory is not garbage collected).
 */
export class ContextEngine {
  private readonly grammars: Grammars;
  private readonly files: ParsedFiles;
  private readonly read: (path: string) => Promise<string>;
  private readonly blockCounts = new CountCache<string, number>(2_048);
  private readonly denyLists = new Map<string, { contextignore: string; list: DenyList }>();
  private readonly disk = new DiskTexts();
  private readonly facts = new Map<string, FileFacts>();

  constructor(private readonly options: ContextEngineOptions) {
    this.grammars = new Grammars(options.assetsDir);
    this.files = new ParsedFiles(this.grammars, { maxFiles: options.maxCachedFiles, limits: options.parseLimits });
    this.read = options.readFile ?? ((path) => this.disk.read(path));
  }

  /** Builds the token counters and loads grammars ahead of the first extraction, without blocking. */
  async warm(encodings: readonly EncodingName[] = ['o200k_base'], languages: readonly LanguageId[] = []): Promise<void> {
    await Promise.all([
      ...encodings.map((e) => loadTokenCounter(this.options.assetsDir, e)),
      ...languages.map((l) => this.grammars.load(l)),
    ]);
  }

  /** The effective deny-list of a workspace: defaults, .contextignore (re-read when it changes), then the user's globs. */
  async denyList(root: string, userGlobs: readonly string[] = []): Promise<DenyList> {
    const absoluteRoot = resolve(root);
    const contextignore = await this.read(resolve(absoluteRoot, '.contextignore')).catch(() => '');
    const key = `${absoluteRoot}\0${userGlobs.join('\0')}`;
    const cached = this.denyLists.get(key);
    if (cached && cached.contextignore === contextignore) return cached.list;
    const list = new DenyList(absoluteRoot, userGlobs, contextignore);
    this.denyLists.set(key, { contextignore, list });
    return list;
  }

  /** The definitions of a file (not those local to functions), for list_symbols. */
  async listSymbols(root: string, file: string, options: { text?: string; exclude?: readonly string[] } = {}): Promise<SymbolInfo[]> {
    const absolute = resolve(root, file);
    const { language } = await this.admit(resolve(root), absolute, options.exclude);
    const text = options.text ?? (await this.readSource(absolute));
    const lease = await this.files.acquire(absolute, text, language);
    try {
      return lease.parsed.index.entries
        .filter((e) => !e.parent || (e.parent.kind !== 'function' && e.parent.kind !== 'method'))
        .map((e) => ({ symbol: e.path, kind: e.kind, startLine: e.node.startPosition.row + 1, endLine: e.node.endPosition.row + 1 }));
    } finally {
      lease.release();
    }
  }

  async extract(req: ExtractRequest, signal?: AbortSignal): Promise<ExtractResult> {
    const started = performance.now();
    const root = resolve(req.root);
    const file = resolve(root, req.file);
    const { language, deny } = await this.admit(root, file, req.exclude);
    const encoding = req.encoding ?? 'o200k_base';
    const factor = req.factor ?? 1;
    const limit = req.budget ? req.budget.remaining : req.maxTokens ?? DEFAULT_MAX_TOKENS;
    const text = req.text ?? (await this.readSource(file));
    signal?.throwIfAborted();
    const stopped: StoppedParseReport[] = [];
    const onStopped = (path: string, missing: string) => (e: unknown): boolean => {
      if (!isParseStoppedError(e)) return false;
      stopped.push({ file: displayPath(root, path), reason: e.reason, missing, message: e.message });
      this.options.log?.(`${displayPath(root, path)}: ${missing} left out: ${e.message}`);
      return true;
    };
    // The counter (built once per process) and the parse proceed together; a failed counter must not strand the lease.
    const parsing = this.parse(file, text, language, req.selector, displayPath(root, file), onStopped(file, 'referenced signatures'));
    const counter = await loadTokenCounter(this.options.assetsDir, encoding).catch(async (e: unknown) => {
      (await parsing.catch(() => undefined))?.release();
      throw e;
    });
    const lease = await parsing;
    const count = (t: string) => budgetTokens(this.countBlock(counter, t), factor);
    try {
      signal?.throwIfAborted();
      const found = piecesInFile(lease.parsed, req.selector, displayPath(root, file));
      const cross = await importedPieces({
        file, language, bindings: found.usedImports, refs: found.refs, deny, priority: 100,
        open: (path) => this.open(path, onStopped(path, 'imported signatures')),
      });
      signal?.throwIfAborted();
      const redacted: RedactionReport[] = [];
      const ready = [found.target, ...found.context, ...cross.pieces].map((p) => this.redact(p, root, redacted));
      const layout = new PayloadLayout(root, language);
      const target = ready[0]!;
      const targetTokens = count(layout.block(target));
      if (targetTokens > limit) throw new TargetOverBudgetError(target.symbol, displayPath(root, file), targetTokens, limit);
      const packed = packPieces(ready, limit, layout, cross.excluded, count);
      if (packed.tokens > limit) throw new TargetOverBudgetError(target.symbol, displayPath(root, file), packed.tokens, limit);
      req.budget?.charge(packed.tokens);
      const pieces: PieceReport[] = packed.kept.map((p) => ({
        role: p.role, file: displayPath(root, p.file), symbol: p.symbol, kind: p.kind, startLine: p.startLine, endLine: p.endLine,
        tokens: count(layout.block(p)),
      }));
      const result: ExtractResult = {
        target: { symbol: target.symbol, kind: found.entry.kind, file: displayPath(root, file), startLine: target.startLine, endLine: target.endLine, text: target.text },
        language,
        pieces,
        payload: packed.payload,
        tokens: { payload: packed.tokens, wholeFile: budgetTokens(this.wholeFile(file, text, counter), factor), budget: limit, encoding, factor },
        omitted: packed.omitted.map((o) => ({ ...o, file: displayPath(root, o.file) })),
        excluded: cross.excluded,
        redacted,
        stopped,
      };
      this.options.log?.(`extract ${result.target.file} ${result.target.symbol}: ${pieces.length} pieces, ${packed.tokens}/${limit} tokens, ` +
        `${result.omitted.length} omitted, ${result.excluded.length} excluded, ${redacted.length} redacted, ${(performance.now() - started).toFixed(1)} ms`);
      return result;
    } finally {
      lease.release();
    }
  }

  /** Frees every parsed tree (those in use are freed when their extraction ends). */
  dispose(): void {
    this.files.clear();
    this.blockCounts.clear();
    this.disk.clear();
    this.facts.clear();
  }

  /** The language of a file and the deny-list's word on it: both must allow it before it is read. */
  private async admit(root: string, file: string, exclude: readonly string[] | undefined): Promise<{ language: LanguageId; deny: DenyList }> {
    const deny = await this.denyList(root, exclude);
    const verdict = await deny.checkFile(file);
    if (verdict) throw new DeniedFileError(verdict);
    const language = languageForPath(file);
    if (!language) throw new UnsupportedLanguageError(displayPath(root, file));
    return { language, deny };
  }

  private async readSource(file: string): Promise<string> {
    return this.read(file).catch((e: NodeJS.ErrnoException) => {
      throw new UnreadableFileError(file, e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.message);
    });
  }

  /** A file of the cross-file hop: read and parsed, or undefined if that fails (it is only context). */
  private async open(path: string, stopped: (e: unknown) => boolean): Promise<Lease | undefined> {
    const language = languageForPath(path);
    if (!language) return undefined;
    try {
      return await this.files.acquire(path, await this.read(path), language);
    } catch (e) {
      // A parse a limit stopped is reported in the result; an unreadable file is only logged.
      if (!stopped(e)) this.options.log?.(`skipped ${path} for context: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  private redact(piece: Piece, root: string, into: RedactionReport[]): ReadyPiece {
    const texts = piece.chunks.map((chunk) => {
      const { text, redactions } = redactSecrets(chunk.text);
      for (const r of redactions) into.push({ kind: r.kind, file: displayPath(root, piece.file), line: chunk.line + r.line - 1 });
      return text;
    });
    const { chunks: _, ...rest } = piece;
    return { ...rest, text: texts.join('\n') };
  }

  private countBlock(counter: TokenCounter, text: string): number {
    // Big texts (a whole payload, a huge class) are rarely counted twice: not worth their memory.
    if (text.length > MAX_CACHED_BLOCK) return counter.count(text);
    const key = `${counter.encoding}\0${text}`;
    let n = this.blockCounts.get(key);
    if (n === undefined) {
      n = counter.count(text);
      this.blockCounts.set(key, n);
    }
    return n;
  }

  /** The tree an extraction works on: the whole file, or for a large file only the statements it needs. */
  private async parse(file: string, text: string, language: LanguageId, selector: Selector, label: string, stopped: (e: unknown) => boolean): Promise<Lease> {
    if (language !== 'python' && text.length >= (this.options.largeFileChars ?? LARGE_FILE_CHARS)) {
      const facts = this.factsOf(file, text);
      facts.regions ??= new TopLevelRegions(text);
      const lease = await parseAroundTarget(this.files, file, text, language, selector, facts.regions, label, stopped);
      if (lease) return lease;
      this.options.log?.(`${label}: parsing the whole file (the statement scan did not find the target cleanly)`);
    }
    return this.files.acquire(file, text, language);
  }

  private factsOf(file: string, text: string): FileFacts {
    let facts = this.facts.get(file);
    if (facts?.text !== text) {
      facts = { text, counts: new Map() };
      this.facts.delete(file);
      this.facts.set(file, facts);
      if (this.facts.size > MAX_LARGE_FILES) this.facts.delete(this.facts.keys().next().value!);
    }
    return facts;
  }

  private wholeFile(file: string, text: string, counter: TokenCounter): number {
    const counts = this.factsOf(file, text).counts;
    let n = counts.get(counter.encoding);
    if (n === undefined) {
      n = counter.count(text);
      counts.set(counter.encoding, n);
    }
    return n;
  }
}
