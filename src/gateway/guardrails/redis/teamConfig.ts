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

const TEAM_FIELDS = ['redisUrl', 'namespace', 'timeoutMs', 'drainPerSecond'] as const;
export const DEFAULT_DRAIN_PER_SECOND = 2;

/** Bounds of the team section's numbers; package.json declares the same (a unit test checks). */
export const TEAM_BOUNDS = {
  timeoutMs: { min: 50, max: 10_000, integer: true },
  drainPerSecond: { min: 0.1, max: 100, integer: false },
} as const;

/** The team section with its pacing: how many queued requests per second a drain may send. */
export interface TeamSection extends TeamConfig {
  readonly drainPerSecond: number;
}

/**
 * Reads a `team` section (`{ "redisUrl": "rediss://…", "namespace": "…", "timeoutMs": 500,
 * "drainPerSecond": 2 }`). Without a URL there is no team: everything stays local. A section
 * that cannot be used is reported and left out (the chain then runs on local state), never
 * half-applied: a URL that breaks the TLS rule is never connected to.
 */
export function parseTeamConfig(raw: unknown): { team?: TeamSection; problems: string[] } {
  if (raw === undefined || raw === null) return { problems: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { problems: ['Team: must be an object like { "redisUrl": "rediss://host:6380" }; running on local state.'] };
  const section = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of Object.keys(section)) {
    if (!(TEAM_FIELDS as readonly string[]).includes(field)) problems.push(`Team: unknown field "${field}" (known: ${TEAM_FIELDS.join(', ')}); ignored.`);
  }
  const url = section.redisUrl;
  if (url === undefined || url === '') return { problems };
  if (typeof url !== 'string') return { problems: [...problems, 'Team: "redisUrl" must be a URL string; running on local state.'] };
  const urlProblem = redisUrlProblem(url);
  if (urlProblem) return { problems: [...problems, `Team: "redisUrl" ${urlProblem} Running on local state until it is fixed.`] };
  let namespace = DEFAULT_TEAM_NAMESPACE;
  if (section.namespace !== undefined) {
    const problem = typeof section.namespace === 'string' ? namespaceProblem(section.namespace) : 'namespace must be text.';
    if (problem) return { problems: [...problems, `Team: ${problem} Running on local state until it is fixed.`] };
    namespace = section.namespace as string;
  }
  const timeoutMs = boundedNumber(section, 'timeoutMs', DEFAULT_TEAM_TIMEOUT_MS, problems);
  const drainPerSecond = boundedNumber(section, 'drainPerSecond', DEFAULT_DRAIN_PER_SECOND, problems);
  return { team: { redisUrl: url, namespace, timeoutMs, drainPerSecond }, problems };
}

function boundedNumber(section: Record<string, unknown>, field: keyof typeof TEAM_BOUNDS, fallback: number, problems: string[]): number {
  const { min, max, integer } = TEAM_BOUNDS[field];
  const value = section[field];
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value))) return value;
  problems.push(`Team: "${field}" must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (it is ${JSON.stringify(value)}); using ${fallback}.`);
  return fallback;
}
