import * as vscode from 'vscode';
import type { AgentLimits } from '../agent/limits';
import type { TaskId } from '../agent/tasks';
import { parseChainConfig, type ChainConfig } from '../gateway/chainConfig';
import { readSettings, type SettingsRead } from './settingsReader';

export const SECTION = 'contextGateway';

/** The settings, read and checked: what the chain and the tasks run with, and every problem found. */
export interface Settings {
  readonly chain: ChainConfig;
  readonly context: SettingsRead['context'];
  readonly prompts: Partial<Record<TaskId, string>>;
  readonly limits: AgentLimits;
  /** One line per problem, naming the setting (and route and field), ready for the user. */
  readonly problems: string[];
  /** Workspace values ignored because the workspace is not trusted. */
  readonly ignoredUntrusted: string[];
}

/** Reads `contextGateway.*`; an untrusted workspace cannot set the restricted keys. */
export function readWorkspaceSettings(): Settings {
  const configuration = vscode.workspace.getConfiguration(SECTION);
  const read = readSettings((key) => configuration.inspect(key), vscode.workspace.isTrusted);
  const { config, problems } = parseChainConfig(read.chain);
  return {
    chain: config,
    context: read.context,
    prompts: read.tasks,
    limits: read.agent,
    problems: [...read.problems, ...problems.map((p) => `contextGateway: ${p}`)],
    ignoredUntrusted: read.ignoredUntrusted.map((key) => `${SECTION}.${key}`),
  };
}
