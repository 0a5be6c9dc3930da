/** A stretch of a file holding whole top-level statements, found by a line scan (no parse). */
export interface Region {
  /** From the start of the doc comments and decorators above the statement. */
  readonly start: number;
  /** Where the next region starts (or the end of the file). */
  readonly end: number;
  /** Offset of the statement's own first line. */
  readonly statement: number;
  readonly keyword: string;
  readonly name?: string;
}

// A statement starting in column 0: how formatted code and bundles (esbuild, tsc) lay out
// top-level definitions, also inside a bundle's wrapper function.
const JS_STATEMENT = /^(?:export[ \t]+(?:default[ \t]+)?)?(?:declare[ \t]+)?(?:abstract[ \t]+)?(?:async[ \t]+)?(function\*?|class|interface|type|enum|namespace|module|const|let|var|import)\b[ \t]*\*?[ \t]*([A-Za-z_$][\w$]*)?/gm;
const LEADING_LINE = /^[ \t]*(?:\/\/|\/\*|\*|@)/;
const MAX_LEADING_LINES = 200;
const VALUE_KEYWORDS = new Set(['const', 'let', 'var']);

/**
 * The top-level statements of a large JavaScript or TypeScript file, located by scanning lines:
 * enough to parse only the few statements an extraction needs instead of megabytes. A scan can
 * be fooled (a column-0 line inside a template string), so whatever is parsed from a region is
 * checked, and the caller parses the whole file when the check fails.
 */
export class TopLevelRegions {
  readonly regions: readonly Region[];
  private readonly lineStarts: number[] = [0];
  private readonly byName = new Map<string, Region[]>();

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    const found: Array<Omit<Region, 'end'>> = [];
    for (const m of text.matchAll(JS_STATEMENT)) {
      const floor = found.length ? found[found.length - 1]!.statement + 1 : 0;
      found.push({ start: this.leadingStart(m.index, floor), statement: m.index, keyword: m[1]!, name: m[2] });
    }
    this.regions = found.map((r, i) => ({ ...r, end: found[i + 1]?.start ?? text.length }));
    for (const r of this.regions) {
      if (!r.name || r.keyword === 'import') continue;
      const list = this.byName.get(r.name);
      if (list) list.push(r);
      else this.byName.set(r.name, [r]);
    }
  }

  /**
   * The regions of a name, consecutive ones merged (overload signatures are one statement
   * each); definitions before plain values, then in file order.
   */
  named(name: string): Region[] {
    const groups: Region[] = [];
    for (const r of this.byName.get(name) ?? []) {
      const last = groups[groups.length - 1];
      if (last && last.end === r.start) groups[groups.length - 1] = { ...last, end: r.end };
      else groups.push(r);
    }
    return groups.sort((a, b) => Number(VALUE_KEYWORDS.has(a.keyword)) - Number(VALUE_KEYWORDS.has(b.keyword)) || a.start - b.start);
  }

  /**
   * Regions that define the name somewhere inside (an indented function in a bundle's
   * namespace, a method in a class), found by the line that would declare it; at most `max`.
   */
  containing(name: string, max = 3): Region[] {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const declaring = new RegExp(`^[ \\t]+(?:export[ \\t]+)?(?:(?:async|static|public|private|protected|readonly|override|abstract|declare|get|set)[ \\t]+)*` +
      `(?:function\\*?[ \\t]*|class[ \\t]+|const[ \\t]+|let[ \\t]+|var[ \\t]+)?${escaped}[ \\t]*[(<=:]`, 'gm');
    const out: Region[] = [];
    for (const m of this.text.matchAll(declaring)) {
      const region = this.at(m.index);
      if (region && !out.includes(region)) out.push(region);
      if (out.length >= max) break;
    }
    return out;
  }

  /**
   * The region with the ones after it merged in, up to `count` of them: when a region did not
   * parse whole, the scan most likely cut a statement (a column-0 line inside a string).
   */
  grown(region: Region, count: number): Region | undefined {
    const i = this.regions.findIndex((r) => r.end > region.start);
    const last = this.regions.findIndex((r) => r.end >= region.end);
    const to = this.regions[last + count];
    return i < 0 || last < 0 || !to ? undefined : { ...region, end: to.end };
  }

  /** The region holding an offset. */
  at(offset: number): Region | undefined {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid]!;
      if (offset < r.start) hi = mid - 1;
      else if (offset >= r.end) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** The imports at the top: consecutive import and `require` statements from the first region. */
  head(): Region[] {
    const out: Region[] = [];
    for (const r of this.regions) {
      // `const {\n  a,\n  b\n} = require('./x')`: the require may be a few lines down.
      const statement = this.text.slice(r.statement, Math.min(r.end, r.statement + 4096));
      if (r.keyword !== 'import' && !(VALUE_KEYWORDS.has(r.keyword) && /^[^;]*?=\s*require\s*\(/.test(statement))) break;
      out.push(r);
    }
    return out;
  }

  /** 0-based row and UTF-16 column of an offset. */
  position(offset: number): { row: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: offset - this.lineStarts[lo]! };
  }

  /** Offset of the start of a 1-based line. */
  lineStart(line: number): number | undefined {
    return this.lineStarts[line - 1];
  }

  /** Doc comments and decorators directly above a statement belong to its region. */
  private leadingStart(statement: number, floor: number): number {
    let start = statement;
    for (let n = 0; n < MAX_LEADING_LINES && start > floor; n++) {
      const previous = this.text.lastIndexOf('\n', start - 2) + 1;
      if (previous < floor || !LEADING_LINE.test(this.text.slice(previous, start - 1))) break;
      start = previous;
    }
    return start;
  }
}
