import { unknownFieldProblem } from '../settingValue';

/** How each route's calls are guarded. Every field has a default; settings override them. */
export interface PolicyConfig {
  /** Limit for one attempt, from sending the request to the last byte of the answer. */
  readonly timeoutMs: number;
  /** Limit for the response headers of a streamed call (time to first byte). */
  readonly firstByteTimeoutMs: number;
  /** Limit for silence between two chunks of a streamed answer. */
  readonly idleTimeoutMs: number;
  /** Retries on the same route after the first attempt (0 = fail over at once). */
  readonly retries: number;
  /** First backoff; each retry doubles it, with full jitter, up to maxDelayMs. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this fails over now instead of sleeping. */
  readonly retryAfterThresholdMs: number;
  /** Consecutive failures that open a route's breaker. */
  readonly breakerThreshold: number;
  /** How long an open breaker waits before letting one probe call through (half-open). */
  readonly halfOpenAfterMs: number;
  /** Concurrent calls per route, and how many more may wait for a slot. */
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  /** Below this share (percent) of a reported rate limit, the route's low headroom is logged; 0 never. */
  readonly headroomWarnPercent: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  timeoutMs: 120_000,
  firstByteTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  retries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  retryAfterThresholdMs: 10_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
  maxConcurrent: 8,
  maxQueued: 64,
  headroomWarnPercent: 10,
};

/** Bounds of each field (whole numbers); package.json declares the same (a unit test checks). */
export const POLICY_BOUNDS: Readonly<Record<keyof PolicyConfig, readonly [min: number, max: number]>> = {
  timeoutMs: [1, 3_600_000],
  firstByteTimeoutMs: [1, 3_600_000],
  idleTimeoutMs: [1, 3_600_000],
  retries: [0, 10],
  initialDelayMs: [0, 60_000],
  maxDelayMs: [0, 600_000],
  retryAfterThresholdMs: [0, 3_600_000],
  breakerThreshold: [1, 1_000],
  halfOpenAfterMs: [1, 86_400_000],
  maxConcurrent: [1, 1_000],
  maxQueued: [0, 100_000],
  headroomWarnPercent: [0, 100],
};

export interface ParsedPolicy {
  readonly policy: PolicyConfig;
  /** One line per field that was wrong and fell back to its default. */
  readonly problems: string[];
}

/** Reads policy overrides; an unknown or out-of-range field is reported and keeps its default. */
export function parsePolicy(input: unknown): ParsedPolicy {
  const problems: string[] = [];
  if (input === undefined || input === null) return { policy: DEFAULT_POLICY, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { policy: DEFAULT_POLICY, problems: ['Policy: must be an object of settings such as {"timeoutMs": 60000}.'] };
  }
  const policy: Record<string, number> = { ...DEFAULT_POLICY };
  for (const [key, value] of Object.entries(input)) {
    const limits = POLICY_BOUNDS[key as keyof PolicyConfig];
    if (!limits) {
      problems.push(unknownFieldProblem(`Policy: "${key}"`, key, 'a policy setting', Object.keys(POLICY_BOUNDS)));
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < limits[0] || value > limits[1]) {
      problems.push(`Policy: "${key}" must be a whole number from ${limits[0]} to ${limits[1]}; using ${DEFAULT_POLICY[key as keyof PolicyConfig]}.`);
    } else {
      policy[key] = value;
    }
  }
  return { policy: policy as unknown as PolicyConfig, problems };
}
