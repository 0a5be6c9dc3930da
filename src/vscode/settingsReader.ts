// Reads the extension's settings into the core's configuration, honouring workspace trust.
// Pure (no `vscode` import): it takes what `WorkspaceConfiguration.inspect` returns.
import { parseLimits, type AgentLimits } from '../agent/limits';
import { parseTaskPrompts, TASK_IDS, type TaskId } from '../agent/tasks';
import { parseContextSettings, type ContextSettings } from '../context/contextSettings';
import type { RawChainConfig } from '../gateway/chainConfig';

/** What `WorkspaceConfiguration.inspect(key)` gives, reduced to what is read here. */
export interface InspectedSetting {
  readonly defaultValue?: unknown;
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

export type Inspect = (key: string) => InspectedSetting | undefined;

/**
 * Settings that redirect traffic or spend money. An untrusted workspace's own values for them
 * are ignored (a cloned repository must not send your key or your code to its server, nor make
 * one question cost a hundred calls: prompts, turn and retry counts are here for that); the same
 * keys are declared in package.json's `restrictedConfigurations`.
 */
export const RESTRICTED_SETTINGS = [
  'routes',
  'budget.limitUsd',
  'budget.period',
  'budget.pauseAtPercent',
  'notifications.webhookUrl',
  'tasks.explain',
  'tasks.bugs',
  'tasks.tests',
  'tasks.refactor',
  'tasks.custom',
  'agent.maxTurns',
  'agent.maxToolCalls',
  'policy.retries',
  'policy.maxConcurrent',
  'team.redisUrl',
  'team.namespace',
  'team.timeoutMs',
  'team.drainPerSecond',
  'queue.drainPerSecond',
] as const;

/**
 * Settings read from the user's own settings only, trusted workspace or not: where the team's
 * budget, queue and code go is the user's choice, never a repository's.
 */
const USER_ONLY_SETTINGS: ReadonlySet<string> = new Set(['team.redisUrl', 'team.namespace', 'team.timeoutMs', 'team.drainPerSecond', 'queue.drainPerSecond']);

const POLICY_KEYS = ['timeoutMs', 'firstByteTimeoutMs', 'idleTimeoutMs', 'retries', 'initialDelayMs', 'maxDelayMs', 'retryAfterThresholdMs', 'breakerThreshold', 'halfOpenAfterMs', 'maxConcurrent', 'maxQueued', 'headroomWarnPercent'];

/** The settings as the core reads them, and which workspace values were ignored. */
export interface SettingsRead {
  readonly chain: RawChainConfig;
  readonly context: ContextSettings;
  readonly tasks: Partial<Record<TaskId, string>>;
  /** Settings of the wrong type or out of bounds, one line each naming the setting and the fix. */
  readonly problems: string[];
  readonly agent: AgentLimits;
  /** Keys (without the `contextGateway.` prefix) whose workspace value was not used. */
  readonly ignoredUntrusted: string[];
}

/**
 * The value of one setting: the effective one, except that an untrusted workspace cannot set a
 * restricted key: then the user's value (or the default) is used and the key is reported.
 */
function valueOf(inspect: Inspect, key: string, trusted: boolean, ignored: string[]): unknown {
  const found = inspect(key);
  if (!found) return undefined;
  const fromWorkspace = found.workspaceFolderValue ?? found.workspaceValue;
  if (USER_ONLY_SETTINGS.has(key)) {
    if (fromWorkspace !== undefined) ignored.push(key);
    return found.globalValue ?? found.defaultValue;
  }
  if (!trusted && (RESTRICTED_SETTINGS as readonly string[]).includes(key)) {
    if (fromWorkspace !== undefined) ignored.push(key);
    return found.globalValue ?? found.defaultValue;
  }
  return fromWorkspace ?? found.globalValue ?? found.defaultValue;
}

/** Reads every `contextGateway.*` setting the core needs. */
export function readSettings(inspect: Inspect, trusted: boolean): SettingsRead {
  const ignored: string[] = [];
  const get = (key: string) => valueOf(inspect, key, trusted, ignored);
  const section = (prefix: string, keys: readonly string[]) => {
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const value = get(`${prefix}.${key}`);
      if (value !== undefined && value !== null) out[key] = value;
    }
    return out;
  };
  const chain: RawChainConfig = {
    routes: get('routes') ?? [],
    policy: section('policy', POLICY_KEYS),
    // Passed on as found: a bad value makes the budget invalid (nothing is sent, requests are
    // queued) rather than falling back to no limit or to an earlier limit the user has replaced.
    budget: section('budget', ['limitUsd', 'period', 'pauseAtPercent']),
    cache: section('cache', ['ttlSeconds']),
    queue: section('queue', ['maxAgeHours', 'drainPerSecond']),
    notifications: section('notifications', ['webhookUrl']),
    alerts: section('alerts', ['maxFailovers', 'windowMinutes']),
    team: section('team', ['redisUrl', 'namespace', 'timeoutMs', 'drainPerSecond']),
  };
  // Excludes add up: the workspace's globs extend the user's, never replace them. Each layer is
  // checked on its own, so a wrong value in one is named and the others still apply.
  const excludeSetting = inspect('context.exclude');
  const excludeLayers = [excludeSetting?.globalValue, excludeSetting?.workspaceValue, excludeSetting?.workspaceFolderValue];
  const problems: string[] = [];
  const exclude = excludeLayers.flatMap((layer) => {
    const read = parseContextSettings({ exclude: layer }, 'contextGateway.context');
    problems.push(...read.problems);
    return read.context.exclude;
  });
  const tasks = parseTaskPrompts(section('tasks', TASK_IDS), 'contextGateway.tasks');
  const context = parseContextSettings(section('context', ['maxTokens', 'safetyFactor']), 'contextGateway.context');
  const agent = parseLimits(section('agent', ['maxTurns', 'maxToolCalls', 'maxTokens', 'maxContextTokens']), 'contextGateway.agent');
  return {
    chain,
    context: { ...context.context, exclude },
    tasks: tasks.prompts,
    problems: [...problems, ...context.problems, ...tasks.problems, ...agent.problems],
    agent: agent.limits,
    ignoredUntrusted: ignored,
  };
}

/**
 * The restricted keys a workspace settings file (JSON with comments) tries to set. In restricted
 * mode VS Code itself hides such values from the extension, so the file is read to tell the user
 * what was ignored.
 */
export function restrictedKeysIn(settingsText: string): string[] {
  const found = new Set<string>();
  for (const match of settingsText.matchAll(/"contextGateway\.([\w.]+)"\s*:/g)) {
    const key = match[1]!;
    if ((RESTRICTED_SETTINGS as readonly string[]).includes(key)) found.add(key);
  }
  return [...found];
}
