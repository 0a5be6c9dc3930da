import { Minimatch } from 'minimatch';

/** Where a deny pattern came from, so the user knows which line to change. */
export type DenySource =
  | { readonly kind: 'default'; readonly secret: boolean }
  | { readonly kind: 'settings'; readonly index: number }
  | { readonly kind: 'contextignore'; readonly line: number };

/** One line of a deny list, compiled with gitignore semantics. */
export interface DenyRule {
  /** The pattern as written (without `!`), shown to the user. */
  readonly pattern: string;
  /** `!pattern`: re-includes what an earlier pattern excluded. */
  readonly negate: boolean;
  /** `pattern/`: matches directories only (and so everything under them). */
  readonly dirOnly: boolean;
  readonly source: DenySource;
  /** Tests a root-relative path with `/` separators. */
  matches(relativePath: string): boolean;
}

/** How the secret-file defaults are named: no later pattern can re-include what they match. */
export const SECRET_SOURCE = 'default, secret file';

/** `default`, `default, secret file`, `setting contextGateway.context.exclude[2]`, `.contextignore line 4`. */
export function describeSource(source: DenySource): string {
  switch (source.kind) {
    case 'default': return source.secret ? SECRET_SOURCE : 'default';
    case 'settings': return `setting contextGateway.context.exclude[${source.index}]`;
    case 'contextignore': return `.contextignore line ${source.line}`;
  }
}

/** Removes trailing spaces unless the last one is escaped with a backslash, as git does. */
function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ' && line[end - 2] !== '\\') end--;
  return line.slice(0, end).replace(/\\ $/, ' ');
}

/**
 * Compiles one gitignore-style line; undefined for blank lines and comments. A pattern without
 * a `/` (other than a trailing one) matches at any depth; a leading `/` anchors it to the root.
 */
export function parseDenyRule(line: string, source: DenySource): DenyRule | undefined {
  let body = trimTrailingSpaces(line.replace(/\r$/, ''));
  if (body === '' || body.startsWith('#')) return undefined;
  const negate = body.startsWith('!');
  if (negate) body = body.slice(1);
  else if (body.startsWith('\\!') || body.startsWith('\\#')) body = body.slice(1);
  const dirOnly = body.endsWith('/') && !body.endsWith('\\/');
  if (dirOnly) body = body.replace(/\/+$/, '');
  if (body === '') return undefined;
  const anchored = body.includes('/');
  const glob = anchored ? body.replace(/^\/+/, '') : `**/${body}`;
  // dot: patterns like `*.pem` must match `.hidden.pem`; nonegate/nocomment: handled above.
  // Secret files are matched without case: `server.PEM` and `ID_RSA` are the same secrets.
  const nocase = source.kind === 'default' && source.secret;
  const matcher = new Minimatch(glob, { dot: true, nonegate: true, nocomment: true, optimizationLevel: 2, nocase });
  return {
    pattern: line.trim().replace(/^!/, ''),
    negate,
    dirOnly,
    source,
    matches: (relativePath) => matcher.match(relativePath),
  };
}
