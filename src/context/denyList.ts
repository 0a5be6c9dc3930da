import { realpath } from 'node:fs/promises';
import { readRegularFile } from './regularFile';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ContextError } from './contextError';
import { DEFAULT_NOISE_PATTERNS, DEFAULT_SECRET_PATTERNS } from './denyDefaults';
import { describeSource, parseDenyRule, SECRET_SOURCE, type DenyRule } from './denyRule';

/** Why a file may not enter a payload: the first pattern that excluded it, and where that came from. */
export interface DenyVerdict {
  /** The file as the user knows it: relative to the workspace root when inside it. */
  readonly file: string;
  readonly pattern: string;
  /** `default`, `default, secret file`, `setting ...[i]`, `.contextignore line N`. */
  readonly source: string;
}

/** One entry of the effective list, in the order it applies. */
export interface DenyListEntry {
  readonly pattern: string;
  readonly negate: boolean;
  readonly source: string;
  /** Secret-file defaults: no later pattern can re-include what they match. */
  readonly locked: boolean;
}

const OUTSIDE_ROOT = '(outside the workspace root)';

/** A file the deny-list keeps out of every payload. */
export class DeniedFileError extends ContextError {
  readonly isDeniedFileError = true;
  readonly code = 'denied-file';
  readonly file: string;
  readonly pattern: string;
  readonly source: string;
  constructor(verdict: DenyVerdict) {
    const final = verdict.source === SECRET_SOURCE || verdict.pattern.startsWith(OUTSIDE_ROOT);
    super(`${verdict.file} is excluded from context by the pattern "${verdict.pattern}" (${verdict.source}). ` + (final
      ? 'Secret files and files outside the workspace are never sent; select a symbol in another file.'
      : `To allow it, remove that pattern or add "!${verdict.pattern}" to .contextignore at the workspace root.`));
    this.file = verdict.file;
    this.pattern = verdict.pattern;
    this.source = verdict.source;
  }
}

export function isDeniedFileError(e: unknown): e is DeniedFileError {
  return typeof e === 'object' && e !== null && (e as DeniedFileError).isDeniedFileError === true;
}

const CONTEXTIGNORE = '.contextignore';

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

function isOutside(relativePath: string): boolean {
  return relativePath === '..' || relativePath.startsWith(`..${sep}`) || isAbsolute(relativePath);
}

/** Real path of an existing file, or the path itself for one not on disk yet (an unsaved editor). */
async function realOrSelf(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/**
 * The paths whose text may never enter a payload: defaults, then the user's settings, then
 * .contextignore, with gitignore semantics (last match wins, `!` re-includes, nothing under an
 * excluded directory comes back). Paths outside the root are denied; symlinks are judged by
 * both their own path and their real path, so a link cannot smuggle a denied file in.
 */
export class DenyList {
  private readonly rules: DenyRule[];
  private readonly secretRules: DenyRule[];

  constructor(readonly root: string, userGlobs: readonly string[] = [], contextignore = '') {
    this.root = resolve(root);
    const defaults = (patterns: readonly string[], secret: boolean) =>
      patterns.flatMap((p) => parseDenyRule(p, { kind: 'default', secret }) ?? []);
    this.secretRules = defaults(DEFAULT_SECRET_PATTERNS, true);
    const fromSettings = userGlobs.flatMap((g, index) => parseDenyRule(g, { kind: 'settings', index }) ?? []);
    const fromFile = contextignore.split('\n').flatMap((line, i) => parseDenyRule(line, { kind: 'contextignore', line: i + 1 }) ?? []);
    // The user's settings come last: a repository's .contextignore cannot re-include what the
    // user excluded (last match wins).
    this.rules = [...defaults(DEFAULT_NOISE_PATTERNS, false), ...fromFile, ...fromSettings];
  }

  /** Reads `<root>/.contextignore` (absent is fine) and builds the list. */
  static async load(root: string, userGlobs: readonly string[] = [], read: (path: string) => Promise<string> = (p) => readRegularFile(p)): Promise<DenyList> {
    const text = await read(join(root, CONTEXTIGNORE)).catch(() => '');
    return new DenyList(root, userGlobs, text);
  }

  /** The effective list in the order it applies; secret defaults last because they always win. */
  entries(): DenyListEntry[] {
    const entry = (r: DenyRule, locked: boolean): DenyListEntry => ({ pattern: r.pattern, negate: r.negate, source: describeSource(r.source), locked });
    return [...this.rules.map((r) => entry(r, false)), ...this.secretRules.map((r) => entry(r, true))];
  }

  /** The secret rule a path falls under (a secret folder anywhere in it), if any. */
  private secretRule(parts: readonly string[], folders: readonly DenyRule[] = this.secretRules): DenyRule | undefined {
    return folders.find((r) => parts.some((_, i) => r.matches(parts.slice(0, i + 1).join('/')) && (!r.dirOnly || i < parts.length - 1)));
  }

  /** Judges a root-relative path (`/` separators); undefined when it may be sent. */
  check(relativePath: string): DenyVerdict | undefined {
    const path = relativePath.replace(/^\.\/+/, '');
    const verdict = (rule: DenyRule): DenyVerdict => ({ file: path, pattern: rule.pattern, source: describeSource(rule.source) });
    const parts = path.split('/');
    const secret = this.secretRule(parts);
    if (secret) return verdict(secret);
    // A file under an excluded directory cannot be re-included, as in git.
    for (let i = 1; i < parts.length; i++) {
      const excluded = this.lastMatch(parts.slice(0, i).join('/'), true);
      if (excluded && !excluded.negate) return verdict(excluded);
    }
    const last = this.lastMatch(path, false);
    return last && !last.negate ? verdict(last) : undefined;
  }

  /** Judges a file by absolute path, after resolving symlinks; outside the root is denied. */
  async checkFile(file: string): Promise<DenyVerdict | undefined> {
    const absolute = resolve(this.root, file);
    const lexical = relative(this.root, absolute);
    // Verdicts travel into payloads and tool results: paths in them are relative to the root,
    // never the machine's absolute ones.
    if (isOutside(lexical)) return { file: toPosix(lexical), pattern: OUTSIDE_ROOT, source: 'default' };
    const byPath = this.check(toPosix(lexical));
    if (byPath) return byPath;
    const [realRoot, real] = await Promise.all([realOrSelf(this.root), realOrSelf(absolute)]);
    const physical = relative(realRoot, real);
    if (isOutside(physical)) return { file: toPosix(lexical), pattern: `${OUTSIDE_ROOT}: a link to …/${basename(real)}`, source: 'default' };
    const byRealPath = physical === lexical ? undefined : this.check(toPosix(physical));
    if (byRealPath) return { ...byRealPath, file: `${toPosix(lexical)} -> ${toPosix(physical)}` };
    // Secret folders (~/.ssh, ~/.aws, ...) count on the whole real path too: a root that fell
    // back to the file's own folder (no project marker above it) must not open them.
    const inSecretFolder = this.secretRule(toPosix(real).split('/').filter(Boolean), this.secretRules.filter((r) => r.dirOnly));
    return inSecretFolder ? { file: toPosix(lexical), pattern: inSecretFolder.pattern, source: describeSource(inSecretFolder.source) } : undefined;
  }

  /** Like checkFile, but throws DeniedFileError. */
  async assertAllowed(file: string): Promise<void> {
    const verdict = await this.checkFile(file);
    if (verdict) throw new DeniedFileError(verdict);
  }

  private lastMatch(path: string, isDirectory: boolean): DenyRule | undefined {
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const rule = this.rules[i]!;
      if ((isDirectory || !rule.dirOnly) && rule.matches(path)) return rule;
    }
    return undefined;
  }
}

