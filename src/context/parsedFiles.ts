import type { Tree } from 'web-tree-sitter';
import type { Grammars } from './grammars';
import { importsOf, type ImportBinding } from './imports';
import type { LanguageId } from './languages';
import { parseTree } from './parser';
import { SymbolIndex } from './symbolIndex';

/** A parsed file and what is derived from its tree, computed once per text. */
export class ParsedFile {
  private symbolIndex?: SymbolIndex;
  private importList?: ImportBinding[];
  /** Whole-file token counts per encoding, for the "payload vs whole file" figure. */
  readonly wholeFileTokens = new Map<string, number>();

  constructor(readonly file: string, readonly language: LanguageId, readonly text: string, readonly tree: Tree) {}

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
  readonly parsed: Promise<ParsedFile>;
  users: number;
  evicted: boolean;
}

export interface ParsedFilesOptions {
  /** Files kept parsed between extractions. */
  readonly maxFiles?: number;
  /** Total characters of source kept parsed; a tree takes several times its text in WASM memory. */
  readonly maxChars?: number;
  readonly timeoutMs?: number;
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
    this.maxChars = options.maxChars ?? 24_000_000;
  }

  /** The parsed file for this text: from the cache when the text is unchanged, else parsed now. */
  async acquire(file: string, text: string, language: LanguageId): Promise<Lease> {
    let slot = this.slots.get(file);
    if (slot && slot.text !== text) {
      this.evict(file, slot);
      slot = undefined;
    }
    if (!slot) {
      const parsed = parseTree(this.grammars, language, text, { file, timeoutMs: this.options.timeoutMs })
        .then((tree) => new ParsedFile(file, language, text, tree));
      slot = { text, parsed, users: 0, evicted: false };
      // A failed parse leaves nothing behind to free, and must not be served from the cache.
      parsed.catch(() => { if (this.slots.get(file) === slot) this.slots.delete(file); });
    } else {
      this.slots.delete(file); // re-inserted below: most recently used last
    }
    this.slots.set(file, slot);
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
    for (const slot of this.slots.values()) chars += slot.text.length;
    for (const [file, slot] of this.slots) {
      if (this.slots.size <= 1 || (this.slots.size <= this.maxFiles && chars <= this.maxChars)) break;
      chars -= slot.text.length;
      this.evict(file, slot);
    }
  }

  private evict(file: string, slot: Slot): void {
    if (this.slots.get(file) === slot) this.slots.delete(file);
    slot.evicted = true;
    if (slot.users === 0) void slot.parsed.then((p) => p.tree.delete(), () => undefined);
  }
}
