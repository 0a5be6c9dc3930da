import { DEFAULT_DRAIN_PER_SECOND } from './guardrails/drainPacer';
import { numberProblem, shownValue, unknownFieldProblem, type NumberBounds } from './settingValue';
import { parseBudget, type BudgetConfig } from './guardrails/budgetConfig';
import { parseTeamConfig, type TeamSection } from './guardrails/redis/teamConfig';
import { parsePolicy, type PolicyConfig } from './routing/policyConfig';
import { baseUrlProblem, describeRouteProblem, parseRoutes, type Route } from './routing/routes';

/** Everything that configures the chain, from VS Code settings or a routes file. */
export interface ChainConfig {
  readonly routes: Route[];
  readonly policy: PolicyConfig;
  readonly budget: BudgetConfig;
  /** How long an answer is reused for the same request; 0 turns the cache off. */
  readonly cacheTtlMs: number;
  /** Queued requests older than this are moved aside and reported, not sent. */
  readonly queueMaxAgeMs: number;
  /** Queued requests a drain of the local queue sends per second at most. */
  readonly queueDrainPerSecond: number;
  readonly webhookUrl?: string;
  /** More failovers than `maxFailovers` within `windowMs` raise an alert. */
  readonly failoverAlert: { readonly maxFailovers: number; readonly windowMs: number };
  /** The team's shared backend; absent, every guardrail is local (the default). */
  readonly team?: TeamSection;
}

export const DEFAULT_CACHE_TTL_MS = 10 * 60_000;
export const DEFAULT_QUEUE_MAX_AGE_MS = 24 * 3_600_000;
export const DEFAULT_FAILOVER_ALERT = { maxFailovers: 5, windowMs: 10 * 60_000 };

/** The sections of a routes file (or of settings gathered into one object). */
export interface RawChainConfig {
  readonly routes?: unknown;
  readonly policy?: unknown;
  readonly budget?: unknown;
  readonly cache?: unknown;
  readonly queue?: unknown;
  readonly notifications?: unknown;
  readonly alerts?: unknown;
  readonly team?: unknown;
}

/**
 * Bounds of the numeric fields of the small sections, by `section.field`; package.json declares
 * the same (a unit test checks).
 */
export const SECTION_BOUNDS: Readonly<Record<string, NumberBounds>> = {
  'cache.ttlSeconds': { min: 0, max: 7 * 86_400, integer: true },
  'queue.maxAgeHours': { min: 0.01, max: 24 * 365, integer: false },
  'queue.drainPerSecond': { min: 0.1, max: 100, integer: false },
  'alerts.maxFailovers': { min: 1, max: 10_000, integer: true },
  'alerts.windowMinutes': { min: 1, max: 24 * 60, integer: true },
};

/** The fields each small section knows; anything else is a typo worth naming. */
const SECTION_FIELDS: Readonly<Record<'cache' | 'queue' | 'alerts' | 'notifications', readonly string[]>> = {
  cache: ['ttlSeconds'],
  queue: ['maxAgeHours', 'drainPerSecond'],
  alerts: ['maxFailovers', 'windowMinutes'],
  notifications: ['webhookUrl'],
};

const LABELS = { cache: ['Cache', 'a cache setting'], queue: ['Queue', 'a queue setting'], alerts: ['Alerts', 'an alerts setting'], notifications: ['Notifications', 'a notifications setting'] } as const;

/** A small section as an object; a section of another type, or an unknown field in it, is reported. */
function sectionOf(raw: RawChainConfig, name: keyof typeof SECTION_FIELDS, problems: string[]): Record<string, unknown> | undefined {
  const section = raw[name];
  if (section === undefined || section === null) return undefined;
  const [label, kind] = LABELS[name];
  if (typeof section !== 'object' || Array.isArray(section)) {
    problems.push(`${label}: must be an object such as {"${SECTION_FIELDS[name][0]}": ...}, not ${shownValue(section)}; using the defaults.`);
    return undefined;
  }
  for (const key of Object.keys(section)) {
    if (!SECTION_FIELDS[name].includes(key)) problems.push(`${unknownFieldProblem(`${label}: "${key}"`, key, kind, SECTION_FIELDS[name])} It is ignored.`);
  }
  return section as Record<string, unknown>;
}

function numberField(section: Record<string, unknown> | undefined, name: keyof typeof SECTION_FIELDS, field: string, fallback: number, problems: string[]): number | undefined {
  const value = section?.[field];
  if (value === undefined || value === null) return undefined;
  const problem = numberProblem(value, SECTION_BOUNDS[`${name}.${field}`]!, fallback);
  if (!problem) return value as number;
  problems.push(`${LABELS[name][0]}: "${field}" ${problem}`);
  return undefined;
}

/** Reads every section; each problem is one line naming the section and field, and keeps the default. */
export function parseChainConfig(raw: RawChainConfig): { config: ChainConfig; problems: string[] } {
  const problems: string[] = [];
  const routes = parseRoutes(raw.routes ?? []);
  problems.push(...routes.problems.map(describeRouteProblem));
  const policy = parsePolicy(raw.policy);
  problems.push(...policy.problems);
  const budget = parseBudget(raw.budget);
  problems.push(...budget.problems);
  const team = parseTeamConfig(raw.team);
  problems.push(...team.problems);
  const cache = sectionOf(raw, 'cache', problems);
  const queue = sectionOf(raw, 'queue', problems);
  const alerts = sectionOf(raw, 'alerts', problems);
  const notifications = sectionOf(raw, 'notifications', problems);
  const ttlSeconds = numberField(cache, 'cache', 'ttlSeconds', DEFAULT_CACHE_TTL_MS / 1000, problems);
  const maxAgeHours = numberField(queue, 'queue', 'maxAgeHours', DEFAULT_QUEUE_MAX_AGE_MS / 3_600_000, problems);
  const drainPerSecond = numberField(queue, 'queue', 'drainPerSecond', DEFAULT_DRAIN_PER_SECOND, problems);
  const maxFailovers = numberField(alerts, 'alerts', 'maxFailovers', DEFAULT_FAILOVER_ALERT.maxFailovers, problems);
  const windowMinutes = numberField(alerts, 'alerts', 'windowMinutes', DEFAULT_FAILOVER_ALERT.windowMs / 60_000, problems);
  let webhookUrl = notifications?.webhookUrl;
  if (webhookUrl !== undefined && webhookUrl !== '') {
    const problem = typeof webhookUrl === 'string' ? baseUrlProblem(webhookUrl) : 'must be a URL string';
    if (problem) {
      problems.push(`Notifications: "webhookUrl" ${problem}`);
      webhookUrl = undefined;
    }
  } else {
    webhookUrl = undefined;
  }
  return {
    config: {
      routes: routes.routes,
      policy: policy.policy,
      budget: budget.budget,
      cacheTtlMs: ttlSeconds !== undefined ? ttlSeconds * 1000 : DEFAULT_CACHE_TTL_MS,
      queueMaxAgeMs: maxAgeHours !== undefined ? maxAgeHours * 3_600_000 : DEFAULT_QUEUE_MAX_AGE_MS,
      queueDrainPerSecond: drainPerSecond ?? DEFAULT_DRAIN_PER_SECOND,
      ...(typeof webhookUrl === 'string' ? { webhookUrl } : {}),
      ...(team.team ? { team: team.team } : {}),
      failoverAlert: {
        maxFailovers: maxFailovers ?? DEFAULT_FAILOVER_ALERT.maxFailovers,
        windowMs: windowMinutes !== undefined ? windowMinutes * 60_000 : DEFAULT_FAILOVER_ALERT.windowMs,
      },
    },
    problems,
  };
}
