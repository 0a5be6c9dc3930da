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

function numberField(section: unknown, name: string, field: string, min: number, max: number, problems: string[]): number | undefined {
  if (section === undefined || section === null) return undefined;
  const value = (section as Record<string, unknown>)[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    problems.push(`${name}: "${field}" must be a number from ${min} to ${max}; using the default.`);
    return undefined;
  }
  return value;
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
  const ttlSeconds = numberField(raw.cache, 'Cache', 'ttlSeconds', 0, 7 * 86_400, problems);
  const maxAgeHours = numberField(raw.queue, 'Queue', 'maxAgeHours', 0.01, 24 * 365, problems);
  const maxFailovers = numberField(raw.alerts, 'Alerts', 'maxFailovers', 1, 10_000, problems);
  const windowMinutes = numberField(raw.alerts, 'Alerts', 'windowMinutes', 1, 24 * 60, problems);
  let webhookUrl = (raw.notifications as { webhookUrl?: unknown } | undefined)?.webhookUrl;
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
