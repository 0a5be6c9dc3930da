import type { Range } from 'web-tree-sitter';
import { declarationSpan, outerNode } from './declarationSpan';
import type { LanguageId } from './languages';
import type { Lease, ParsedFile, ParsedFiles } from './parsedFiles';
import { referencesIn } from './references';
import { isUnknownSymbolError, selectTarget, type Selector } from './select';
import type { SymbolEntry } from './symbolIndex';
import type { Region, TopLevelRegions } from './topLevelRegions';

/** Files at least this large parse only the statements an extraction needs. */
export const LARGE_FILE_CHARS = 1_000_000;
/** A referenced statement larger than this is not parsed for its signature. */
const MAX_REFERENCED_REGION = 256 * 1024;
/** All stretches of one parse stay under this; beyond it a whole parse is no slower. */
const MAX_PARSED = 2 * 1024 * 1024;
/** How many following regions a region that did not parse whole may take in. */
const MAX_GROWTH = 3;

/** What one extraction in a large file parses. */
interface Plan {
  readonly file: string;
  readonly text: string;
  readonly language: LanguageId;
  readonly selector: Selector;
  readonly regions: TopLevelRegions;
  readonly label: string;
  readonly files: ParsedFiles;
}

function toRanges(stretches: readonly Region[], regions: TopLevelRegions): Range[] {
  const sorted = [...stretches].sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number }> = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ start: s.start, end: s.end });
  }
  return merged.map((s) => ({ startIndex: s.start, endIndex: s.end, startPosition: regions.position(s.start), endPosition: regions.position(s.end) }));
}

/**
 * Whether the statements parsed from a region came out whole: at the top level of the tree
 * (not swallowed by an unbalanced region before them), no error inside, none running past its end.
 */
function wellFormed(parsed: ParsedFile, region: Region): boolean {
  const own = parsed.tree.rootNode.namedChildren.filter((n) => n !== null && n.startIndex >= region.start && n.startIndex < region.end);
  return own.length > 0 && own.every((n) => !n!.hasError && n!.endIndex <= region.end);
}

function targetIn(parsed: ParsedFile, plan: Plan, region: Region): SymbolEntry | undefined {
  try {
    const entry = selectTarget(parsed.index, parsed.text, plan.selector, plan.label);
    return entry.start >= region.start && entry.end <= region.end ? entry : undefined;
  } catch (e) {
    if (isUnknownSymbolError(e)) return undefined;
    throw e;
  }
}

const size = (rs: readonly Region[]) => rs.reduce((n, r) => n + r.end - r.start, 0);

/**
 * Parses the target's region with the imports at the top; if the region did not parse whole,
 * with the next regions merged in. Undefined when the target is not found cleanly.
 */
async function parseTarget(plan: Plan, region: Region, head: Region[]): Promise<{ lease: Lease; target: Region; entry: SymbolEntry } | undefined> {
  for (let growth = 0; growth <= MAX_GROWTH; growth++) {
    const target = growth === 0 ? region : plan.regions.grown(region, growth);
    if (!target || size([target]) > MAX_PARSED) return undefined;
    const lease = await plan.files.acquire(plan.file, plan.text, plan.language, toRanges([...head, target], plan.regions));
    const entry = wellFormed(lease.parsed, target) ? targetIn(lease.parsed, plan, target) : undefined;
    if (entry) return { lease, target, entry };
    lease.release();
    if (wellFormed(lease.parsed, target)) return undefined; // parsed whole, but the target is not in it
  }
  return undefined;
}

/** The top-level statements the target names, to show their signatures. */
function referencedRegions(plan: Plan, parsed: ParsedFile, entry: SymbolEntry, target: Region, head: Region[]): Region[] {
  const out: Region[] = [];
  let total = size([target, ...head]);
  for (const member of declarationSpan(entry, parsed.index, plan.text).members) {
    const refs = referencesIn(outerNode(member), plan.language);
    for (const name of refs.names) {
      if (refs.locals.has(name)) continue;
      const region = plan.regions.named(name).find((r) => r.end <= target.start || r.start >= target.end);
      if (!region || size([region]) > MAX_REFERENCED_REGION || total + size([region]) > MAX_PARSED) continue;
      if (out.some((r) => r.start === region.start) || head.some((h) => h.start === region.start)) continue;
      out.push(region);
      total += size([region]);
    }
  }
  return out;
}

/**
 * Parses only what an extraction in a large file needs: the imports at the top, the statement
 * that holds the target, and the statements the target references, located by a line scan
 * (TopLevelRegions). Positions stay those of the whole file, so everything downstream works
 * unchanged. A region that does not parse whole takes in the regions after it (the scan cut a
 * statement); undefined when the target still cannot be found cleanly: the caller then parses
 * the whole file. A stopped parse of the referenced statements leaves their signatures out and
 * is handed to `stopped` (which returns false for any other error, then thrown).
 */
export async function parseAroundTarget(
  files: ParsedFiles, file: string, text: string, language: LanguageId, selector: Selector, regions: TopLevelRegions, label: string,
  stopped: (e: unknown) => boolean = () => false,
): Promise<Lease | undefined> {
  const plan: Plan = { file, text, language, selector, regions, label, files };
  let candidates: Region[];
  if ('symbol' in selector) {
    const first = selector.symbol.split('.')[0]!;
    const top = regions.named(first)[0];
    candidates = top ? [top] : regions.containing(first);
  } else {
    const start = regions.lineStart(selector.line);
    const region = start === undefined ? undefined : regions.at(start);
    candidates = region ? [region] : [];
  }
  for (const candidate of candidates) {
    const head = regions.head().filter((r) => r.end <= candidate.start);
    const found = await parseTarget(plan, candidate, head);
    if (!found) continue;
    let referenced = referencedRegions(plan, found.lease.parsed, found.entry, found.target, head);
    for (let attempt = 0; referenced.length > 0 && attempt <= MAX_GROWTH; attempt++) {
      let next: Lease;
      try {
        next = await files.acquire(file, text, language, toRanges([...head, found.target, ...referenced], regions));
      } catch (e) {
        if (stopped(e)) return found.lease;
        found.lease.release();
        throw e;
      }
      const bad = referenced.filter((r) => !wellFormed(next.parsed, r));
      if (bad.length === 0 && wellFormed(next.parsed, found.target) && targetIn(next.parsed, plan, found.target)) {
        found.lease.release();
        return next;
      }
      next.release();
      // A referenced region cut by the scan takes in the next one; one that cannot is left out.
      referenced = referenced.flatMap((r) => !bad.includes(r) ? [r] : (regions.grown(r, 1) ?? [])).filter((r) => size([r]) <= MAX_REFERENCED_REGION);
      if (bad.length === 0) break;
    }
    return found.lease;
  }
  return undefined;
}
