import { isLoopbackHost } from '../../routing/routes';

/** The team backend: where the shared budget, breakers and cold queue live. */
export interface TeamConfig {
  /** `rediss://host:port/db` (TLS), or `redis://` to loopback only; never a password in it. */
  readonly redisUrl: string;
  /** Prefix of every key, so several teams (or tests) share one Redis without meeting. */
  readonly namespace: string;
  /** Bound on every Redis call; past it the chain falls back to local state. */
  readonly timeoutMs: number;
}

export const DEFAULT_TEAM_NAMESPACE = 'context-gateway';
export const DEFAULT_TEAM_TIMEOUT_MS = 500;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;

/**
 * Checks a team Redis URL by the same rule as base URLs: TLS (`rediss://`) anywhere, plain
 * `redis://` only to loopback, and no password in the URL (it lives in secret storage or
 * `REDIS_PASSWORD`). Returns what is wrong, or undefined.
 */
export function redisUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL; write it like "rediss://redis.example.com:6380" (or "redis://127.0.0.1:6379" on this machine).`;
  }
  if (url.password) return 'must not contain a password; store it with "Set Team Redis Password" (or REDIS_PASSWORD for the CLI) instead.';
  if (url.protocol === 'rediss:') return undefined;
  if (url.protocol === 'redis:') {
    return isLoopbackHost(url.hostname)
      ? undefined
      : `uses plain redis:// to ${url.hostname}; only loopback (localhost, 127.0.0.1, ::1) may use redis://, use rediss:// (TLS) for anything else.`;
  }
  return `uses ${url.protocol}//; only rediss:// (and redis:// to loopback) is allowed.`;
}

/** Checks a key namespace: letters, digits and `:._-`, at most 64 characters. */
export function namespaceProblem(value: string): string | undefined {
  return NAMESPACE.test(value) ? undefined : `namespace ${JSON.stringify(value)} must be 1-64 letters, digits or ":._-", starting with a letter or digit.`;
}
