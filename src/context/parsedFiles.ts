import type { Range, Tree } from 'web-tree-sitter';
import type { Grammars } from './grammars';
import { importsOf, type ImportBinding } from './imports';
import type { LanguageId } from './languages';
import { parseTree, type ParseLimits } from './parser';
import { SymbolIndex } from './symbolIndex';

/** A parsed file and what is derived from its tree, computed once per text. */
export class ParsedFile {
  private symbolIndex?: SymbolIndex;
  private importList?: ImportBinding[];
  /** `partial`: only some stretches of the text were parsed (see regionParse.ts). */
  constructor(readonly file: string, readonly language: LanguageId, readonly text: string, readonly tree: Tree, readonly partial = false) {}

  get index(): SymbolIndex {
    return (this.symbolIndex ??= new SymbolIndex(this.tree, this.language));
  }

  get imports(): ImportBinding[] {
    return (this.importList ??= importsOf(this.tree, this.language));
  }
}

/** A parsed file held for the length of one extraction; release it when done. */
export interface Lease {
  readonly parsed: ParsedFile;
  release(): void;
}

interface Slot {
  readonly text: string;
  /** Characters parsed: what the tree's memory grows with. */
  readonly size: number;
  readonly parsed: Promise<ParsedFile>;
  users: number;
  evicted: boolean;
}

export interface ParsedFilesOptions {
  /** Files kept parsed between extractions. */
  readonly maxFiles?: number;
  /** Total characters of source kept parsed; a tree takes several times its text in WASM memory. */
  readonly maxChars?: number;
  /** What one parse may take (parser.ts). */
  readonly limits?: ParseLimits;
}

/**
 * Parsed files by path, most recently used kept, so a second extraction in the same file does
 * not parse again. Trees live in WASM memory that is never collected: an evicted or replaced
 * tree is deleted as soon as no extraction holds it.
 */
export class ParsedFiles {
  private readonly slots = new Map<string, Slot>();
  private readonly maxFiles: number;
  private readonly maxChars: number;

  constructor(private readonly grammars: Grammars, private readonly options: ParsedFilesOptions = {}) {
    this.maxFiles = options.maxFiles ?? 16;
    this.maxChars = options.maxChars ?? 16_000_000;
  }

  /**
   * The parsed file for this text: from the cache when the text is unchanged, else parsed now.
   * With `ranges`, only those stretches are parsed, cached apart from the whole file.
   */
  async acquire(file: string, text: string, language: LanguageId, ranges?: Range[]): Promise<Lease> {
    const key = ranges ? `${file}#${ranges.map((r) => `${r.startIndex}-${r.endIndex}`).join(',')}` : file;
    let slot = this.slots.get(key);
    if (slot && slot.text !== text) {
      this.evict(key, slot);
      slot = undefined;
    }
    if (!slot) {
      const parsed = parseTree(this.grammars, language, text, { ...this.options.limits, file, includedRanges: ranges })
        .then((tree) => new ParsedFile(file, language, text, tree, ranges !== undefined));
      const size = ranges ? ranges.reduce((n, r) => n + r.endIndex - r.startIndex, 0) : text.length;
      slot = { text, size, parsed, users: 0, evicted: false };
      // A failed parse leaves nothing behind to free, and must not be served from the cache.
      parsed.catch(() => { if (this.slots.get(key) === slot) this.slots.delete(key); });
    } else {
      this.slots.delete(key); // re-inserted below: most recently used last
    }
    this.slots.set(key, slot);
    slot.users++;
    const held = slot;
    try {
      const parsed = await held.parsed;
      this.trim();
      let released = false;
      return {
        parsed,
        release: () => {
          if (released) return;
          released = true;
          held.users--;
          if (held.evicted && held.users === 0) parsed.tree.delete();
        },
      };
    } catch (e) {
      held.users--;
      throw e;
    }
  }

  /** Frees every tree not in use now; those in use are freed when released. */
  clear(): void {
    for (const [file, slot] of this.slots) this.evict(file, slot);
  }

  get size(): number {
    return this.slots.size;
  }

  private trim(): void {
    let chars = 0;
    for (const slot of this.slots.values()) chars += slot.size;
    for (const [file, slot] of this.slots) {
      if (this.slots.size <= 1 || (this.slots.size <= this.maxFiles && chars <= this.maxChars)) break;
      chars -= slot.size;
      this.evict(file, slot);
    }
  }

  private evict(file: string, slot: Slot): void {
    if (this.slots.get(file) === slot) this.slots.delete(file);
    slot.evicted = true;
    if (slot.users === 0) void slot.parsed.then((p) => p.tree.delete(), () => undefined);
  }
}
