import { declarationSpan, outerNode } from './declarationSpan';
import type { DenyList, DenyVerdict } from './denyList';
import { isRelativeSource, type ImportBinding } from './imports';
import type { LanguageId } from './languages';
import { resolveModule } from './moduleFiles';
import type { Lease, ParsedFile } from './parsedFiles';
import type { Piece } from './piece';
import type { References } from './references';
import { signatureOf } from './signatures';
import type { SymbolEntry } from './symbolIndex';

/** At most this many files are opened for one extraction: one hop, and a bounded one. */
const MAX_FILES = 12;

export interface ImportedPiecesRequest {
  readonly file: string;
  readonly language: LanguageId;
  readonly bindings: readonly ImportBinding[];
  readonly refs: References;
  readonly deny: DenyList;
  /** Reads and parses a file (cached); undefined when it cannot be read or parsed. */
  readonly open: (file: string) => Promise<Lease | undefined>;
  readonly priority: number;
}

export interface ImportedPieces {
  readonly pieces: Piece[];
  /** Files the deny-list kept out, never read. */
  readonly excluded: DenyVerdict[];
}

/** The definition an import names in the module it comes from. */
export function exported(parsed: ParsedFile, name: string): SymbolEntry | undefined {
  if (name === 'default') {
    return parsed.index.entries.find((e) => !e.parent && /^export\s+default\b/.test(outerNode(e).text));
  }
  return parsed.index.topLevel(name)[0];
}

/** Which module file and which of its names a binding uses, or undefined if none are used. */
async function wanted(req: ImportedPiecesRequest, b: ImportBinding): Promise<{ file: string; names: string[] } | undefined> {
  const members = [...(req.refs.members.get(b.local) ?? [])];
  if (req.language === 'python' && b.imported !== '*') {
    // `from . import mod` binds a module when mod.py exists; then its used members are wanted.
    const submodule = await resolveModule(req.file, `${b.source}${b.source.endsWith('.') ? '' : '.'}${b.imported}`, req.language);
    if (submodule) return members.length ? { file: submodule, names: members } : undefined;
  }
  const file = await resolveModule(req.file, b.source, req.language);
  if (!file) return undefined;
  if (b.imported === '*') return members.length ? { file, names: members } : undefined;
  return { file, names: [b.imported] };
}

/**
 * One hop across files: for each relative import the target uses, the signature of the
 * imported definition from the other file. The deny-list is asked before a file is read.
 */
export async function importedPieces(req: ImportedPiecesRequest): Promise<ImportedPieces> {
  const pieces: Piece[] = [];
  const excluded = new Map<string, DenyVerdict>();
  const opened = new Set<string>();
  const seen = new Set<string>();
  for (const binding of req.bindings) {
    if (!isRelativeSource(binding.source, req.language)) continue;
    const want = await wanted(req, binding);
    if (!want || want.file === req.file) continue;
    const verdict = await req.deny.checkFile(want.file);
    if (verdict) {
      excluded.set(want.file, verdict);
      continue;
    }
    if (!opened.has(want.file) && opened.size >= MAX_FILES) continue;
    opened.add(want.file);
    const lease = await req.open(want.file);
    if (!lease) continue;
    try {
      const { parsed } = lease;
      for (const name of want.names) {
        const entry = exported(parsed, name);
        if (!entry || seen.has(`${want.file}\0${entry.id}`)) continue;
        seen.add(`${want.file}\0${entry.id}`);
        const span = declarationSpan(entry, parsed.index, parsed.text);
        const chunks = signatureOf(span.members, parsed.index, parsed.text, parsed.language);
        pieces.push({
          role: 'imported-signature',
          file: want.file,
          symbol: entry.path,
          kind: entry.kind,
          startLine: chunks[0]?.line ?? span.startLine,
          endLine: span.endLine,
          chunks,
          priority: req.priority + pieces.length,
        });
      }
    } finally {
      lease.release();
    }
  }
  return { pieces, excluded: [...excluded.values()] };
}
