import { runAgent, type AgentEvent, type AgentResult } from '../agent/agentLoop';
import type { TaskId } from '../agent/tasks';
import { encodingForModel, type ContextEngine } from '../context/index';
import type { Route } from '../gateway/routing/routes';
import type { ChainHost } from './chainHost';
import type { Settings } from './settings';
import type { SymbolTarget } from './symbolTarget';

/** What a surface asks for: a task on a target, with the user's own words if any. */
export interface AgentAsk {
  readonly target: SymbolTarget;
  readonly task: TaskId;
  readonly instruction?: string;
}

/**
 * Runs a task on a target through the host's chain, counted as `first` (the first route) counts,
 * under the settings' limits. The one way every surface (command, chat) starts the agent, so none
 * has its own copy of the payload, budget or deny-list settings.
 */
export function runAgentOn(
  deps: { readonly host: ChainHost; readonly engine: () => ContextEngine },
  settings: Settings,
  first: Route,
  ask: AgentAsk,
  options: { readonly signal: AbortSignal; readonly onEvent: (event: AgentEvent) => void },
): Promise<AgentResult> {
  const { target, task, instruction } = ask;
  const rule = encodingForModel(first.provider, first.model, settings.context.safetyFactor);
  const run = runAgent({
    task, ...(instruction ? { instruction } : {}),
    root: target.root, file: target.file, text: target.text, selector: target.selector,
    exclude: settings.context.exclude, encoding: rule.encoding, factor: rule.factor,
    payloadMaxTokens: settings.context.maxTokens ?? 8_000, prompts: settings.prompts, limits: settings.limits,
  }, {
    chain: { ask: async (request, options) => (await deps.host.chain()).chain.ask(request, options) },
    engine: deps.engine(),
  }, {
    signal: options.signal,
    stream: true,
    onEvent: options.onEvent,
  });
  return deps.host.track(run);
}
