import { readRegularFile } from './regularFile';
import { resolve } from 'node:path';
import { AmbiguousSymbolError } from './ambiguousSymbol';
import { TargetOverBudgetError } from './budget';
import { UnreadableFileError } from './contextError';
import { CountCache } from './countCache';
import { DeniedFileError, DenyList } from './denyList';
import { DiskTexts } from './diskTexts';
import type { ExtractRequest, ExtractResult, PieceReport, RedactionReport, StoppedParseReport, SymbolInfo } from './extraction';
import { piecesInFile } from './filePieces';
import { Grammars } from './grammars';
import { importedName } from './importedName';
import type { ImportBinding } from './imports';
import { exported, importedPieces } from './importedPieces';
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
import { nearestNames, selectTarget, UnknownSymbolError, type Selector } from './select';
import type { TokenCounter } from './tokenCounter';
import { loadTokenCounter } from './tokenCounters';
import type { EncodingName } from './tokens';
import { TopLevelRegions } from './topLevelRegions';
import { searchWorkspace, type SearchLimits } from './workspaceSearch';

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

/** A name to find, starting from a file, as `locate` looks for it. */
export interface LocateRequest {
  readonly root: string;
  /** The file it was looked for in first; its imports are followed. */
  readonly file: string;
  /** `name`, `Class.method`, `ns.member`: as the model wrote it. */
  readonly name: string;
  readonly exclude?: readonly string[];
  readonly search?: SearchLimits;
}

/** Where a name is defined: a file (absolute) and the qualified name to select there. */
export interface Location {
  readonly file: string;
  readonly symbol: string;
  /** `import`: the file imports it from there; `search`: the workspace search found it. */
  readonly via: 'import' | 'search';
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

  /**
   * Where a name not defined in a file is, as a reader of that file's payload would look: the
   * import that binds it, followed to its module; then a bounded search of the workspace.
   * Throws DeniedFileError when the import leads to a denied file, AmbiguousSymbolError with the
   * candidates when the search finds several, UnknownSymbolError saying where it looked.
   */
  async locate(req: LocateRequest, signal?: AbortSignal): Promise<Location> {
    const root = resolve(req.root);
    const file = resolve(root, req.file);
    const name = req.name.trim();
    const { language, deny } = await this.admit(root, file, req.exclude);
    const lease = await this.files.acquire(file, await this.readSource(file), language);
    let nearest: string[];
    let imports: ImportBinding[];
    try {
      nearest = nearestNames(lease.parsed.index, name);
      imports = lease.parsed.imports;
    } finally {
      lease.release();
    }
    const imported = await importedName(file, language, imports, name);
    const skip = new Set([file]);
    if (imported?.file) {
      skip.add(imported.file);
      const verdict = await deny.checkFile(imported.file);
      if (verdict) throw new DeniedFileError(verdict);
      const symbol = await this.definedIn(imported.file, imported.symbol);
      if (symbol) return { file: imported.file, symbol, via: 'import' };
    }
    signal?.throwIfAborted();
    const found = await searchWorkspace({
      root, name, deny, skip, signal,
      ...(req.search ? { limits: req.search } : {}),
      // Straight from the source, not through the text cache: a search must not push out what extractions reuse.
      read: this.options.readFile ?? readRegularFile,
      open: (path, text, lang) => this.files.acquire(path, text, lang).catch(() => undefined),
    });
    const stopped = found.stopped ? `${found.stopped}, so a definition may lie in a file it did not reach: pass "file" to read from there` : '';
    if (found.matches.length === 1) return { file: found.matches[0]!.file, symbol: found.matches[0]!.symbol, via: 'search' };
    if (found.matches.length > 1) {
      throw new AmbiguousSymbolError(name, found.matches.map((m) => ({ ...m, file: displayPath(root, m.file) })), stopped ? `(${stopped}.)` : '');
    }
    const display = displayPath(root, file);
    const files = `${found.filesRead} file${found.filesRead === 1 ? '' : 's'}`;
    const parts = [
      imported && !imported.file ? `it is imported from "${imported.source}", which is not a file of the workspace` : '',
      `searched ${files} of the workspace`,
      found.denied ? `${found.denied} files and folders were not searched: the deny-list excludes them (denied)` : '',
      stopped,
    ].filter(Boolean);
    throw new UnknownSymbolError(display, name, nearest, undefined, `in ${display}, in the modules it imports, or in the workspace (${parts.join('; ')})`);
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

  /** The qualified name a definition has in a file, or undefined when the file does not define it. */
  private async definedIn(file: string, symbol: string): Promise<string | undefined> {
    // A file that cannot be read or parsed defines nothing the lookup can offer; the log says why.
    const lease = await this.open(file, () => false);
    if (!lease) return undefined;
    try {
      const { parsed } = lease;
      const [head, ...rest] = symbol.split('.');
      let qualified = symbol;
      if (head === 'default') {
        // The default export is known by its own name there; an anonymous one cannot be selected by name.
        const entry = exported(parsed, 'default');
        if (!entry) return undefined;
        qualified = [entry.path, ...rest].join('.');
      }
      return selectTarget(parsed.index, parsed.text, { symbol: qualified }, file).path;
    } catch (e) {
      if (e instanceof UnknownSymbolError) return undefined;
      throw e;
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
      throw new UnreadableFileError(file, e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'ENOTREG' ? 'it is not a regular file (a FIFO, socket or device)' : e.message);
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
