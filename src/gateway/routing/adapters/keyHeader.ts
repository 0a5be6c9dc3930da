import { ProviderError } from '../failures';
import type { Route } from '../routes';

/** What is wrong with a key as a header value, in words that never quote the key; undefined when it is fine. */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'is empty';
  // Keys are printable ASCII. Anything else is a paste accident (a trailing line break, a
  // non-breaking or zero-width space) that the HTTP layer refuses or a provider never matches.
  const at = key.search(/[^\x21-\x7e]/);
  if (at < 0) return undefined;
  const code = key.charCodeAt(at);
  const what = code === 10 || code === 13 ? 'a line break'
    : code === 32 || code === 9 ? 'a space or tab'
      : code < 32 || code === 127 ? 'a control character'
        : `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `contains ${what} (at character ${at + 1} of ${key.length})`;
}

/**
 * The key as a header value, or a ProviderError of kind `auth` (not sent, so not billed, not
 * retried and not held against the route's health) that names the route's secret and the fix.
 */
export function keyHeaderValue(route: Route, key: string): string {
  const problem = keyProblem(key);
  if (!problem) return key;
  const name = route.secret ? `"${route.secret}"` : 'of this route';
  throw new ProviderError({
    kind: 'auth',
    notSent: true,
    message: `the key in secret ${name} ${problem}, which cannot be sent in an HTTP header; ` +
      `store the key again without it (in VS Code: Context Gateway: Set API Key; for the CLI: export ${route.secret ?? 'the variable'}=<key>)`,
  });
}
