import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DenyList } from './denyList';
import { languageForPath, type LanguageId } from './languages';
import type { Lease } from './parsedFiles';
import type { SymbolEntry } from './symbolIndex';

/**
 * How far one search of the workspace may go; the first bound reached ends it. The bounds are
 * work (files, bytes, parses), the same on an idle machine and a busy one, so the answer does not
 * depend on what else the machine is doing; the wall clock is only a last resort.
 */
export interface SearchLimits {
  /** Source files read (each one allowed by the deny-list, of a language the engine parses). */
  readonly maxFiles?: number;
  /** Bytes of source read, all files together. */
  readonly maxBytes?: number;
  /** Files parsed: only those whose text holds the name are. */
  readonly maxParsed?: number;
  /** Wall-clock time of the whole search: reached only on a very slow disk or a very busy machine. */
  readonly maxMs?: number;
}

export const DEFAULT_SEARCH_LIMITS: Required<SearchLimits> = { maxFiles: 2_000, maxBytes: 64 * 1024 * 1024, maxParsed: 64, maxMs: 30_000 };

/** Folder entries looked at, whatever they are: bounds a tree of folders with no source in it. */
const MAX_ENTRIES = 50_000;
/** Matches kept: past this, more would not change the answer (ambiguous). */
const MAX_MATCHES = 20;

export interface SearchMatch {
  /** Absolute. */
  readonly file: string;
  readonly symbol: string;
  readonly kind: SymbolEntry['kind'];
  readonly startLine: number;
  readonly endLine: number;
}

export interface SearchReport {
  /** Definitions whose qualified name is the name; if none, those whose name ends with it. */
  readonly matches: SearchMatch[];
  readonly filesRead: number;
  /** Files and folders the deny-list kept out: never read, never named. */
  readonly denied: number;
  /** Which bound ended the search early, in words; undefined when it went through the workspace. */
  readonly stopped?: string;
}

export interface SearchRequest {
  readonly root: string;
  /** `name` or `Class.method`: matched against qualified names. */
  readonly name: string;
  readonly deny: DenyList;
  /** Files already looked in. */
  readonly skip: ReadonlySet<string>;
  readonly limits?: SearchLimits;
  readonly read: (path: string) => Promise<string>;
  /** Parses a file (cached); undefined when it cannot be parsed. */
  readonly open: (path: string, text: string, language: LanguageId) => Promise<Lease | undefined>;
  readonly signal?: AbortSignal;
}

const toPosix = (path: string) => (sep === '/' ? path : path.split(sep).join('/'));

/**
 * A bounded search of the workspace's definitions for a name, folder by folder from the root
 * (nearer files first, names in order, so the same tree gives the same answer). The deny-list
 * is asked before a folder is entered and before a file is read; a file is parsed only when
 * its text holds the name, and its symbol index decides.
 */
export async function searchWorkspace(req: SearchRequest): Promise<SearchReport> {
  const limits = { ...DEFAULT_SEARCH_LIMITS, ...req.limits };
  const started = performance.now();
  const simple = req.name.split('.').pop()!;
  const exact: SearchMatch[] = [];
  const nested: SearchMatch[] = [];
  let filesRead = 0;
  let bytesRead = 0;
  let parsed = 0;
  let denied = 0;
  let entries = 0;
  const report = (stopped?: string): SearchReport => ({ matches: exact.length ? exact : nested, filesRead, denied, ...(stopped ? { stopped } : {}) });
  const overTime = () => performance.now() - started >= limits.maxMs;
  const timeLimit = `the search stopped at its time limit of ${limits.maxMs} ms of wall time (the disk or the machine is very slow now; the same search may reach further later)`;

  const folders = [req.root];
  for (let f = 0; f < folders.length; f++) {
    req.signal?.throwIfAborted();
    if (overTime()) return report(timeLimit);
    const folder = folders[f]!;
    const listing = await readdir(folder, { withFileTypes: true }).catch(() => []);
    listing.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const dirent of listing) {
      if (++entries > MAX_ENTRIES) return report(`the search stopped at its limit of ${MAX_ENTRIES} folder entries`);
      // Links are left out: a folder link can loop, and a file link is reached by its own path or not at all.
      const path = join(folder, dirent.name);
      const rel = toPosix(relative(req.root, path));
      if (dirent.isDirectory()) {
        // A trailing slash asks about the folder itself, as the deny-list's folder patterns mean.
        if (req.deny.check(`${rel}/`)) denied++;
        else folders.push(path);
        continue;
      }
      if (!dirent.isFile()) continue;
      const language = languageForPath(path);
      if (!language || req.skip.has(path)) continue;
      if (await req.deny.checkFile(path)) {
        denied++;
        continue;
      }
      if (filesRead >= limits.maxFiles) return report(`the search stopped at its limit of ${limits.maxFiles} files`);
      if (bytesRead >= limits.maxBytes) return report(`the search stopped at its limit of ${limits.maxBytes} bytes read`);
      if (overTime()) return report(timeLimit);
      const text = await req.read(path).catch(() => undefined);
      filesRead++;
      bytesRead += text?.length ?? 0;
      if (text === undefined || !text.includes(simple)) continue;
      if (parsed >= limits.maxParsed) return report(`the search stopped at its limit of ${limits.maxParsed} parsed files`);
      parsed++;
      const lease = await req.open(path, text, language);
      if (!lease) continue;
      try {
        for (const e of lease.parsed.index.named(simple)) {
          const into = e.path === req.name ? exact : e.path.endsWith(`.${req.name}`) ? nested : undefined;
          into?.push({ file: path, symbol: e.path, kind: e.kind, startLine: e.node.startPosition.row + 1, endLine: e.node.endPosition.row + 1 });
        }
      } finally {
        lease.release();
      }
      if (exact.length > MAX_MATCHES) return report();
    }
  }
  return report();
}
