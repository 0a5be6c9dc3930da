import type { ProviderAdapter } from './routing/adapters/adapter';
import { AnswerCache } from './guardrails/local/answerCache';
import { LocalBreakerStore } from './guardrails/local/breakerStore';
import { Chain, type ChainEvent } from './chain';
import type { ChainConfig } from './chainConfig';
import type { ColdQueue } from './guardrails/coldQueue';
import { LocalColdQueue } from './guardrails/local/coldQueue';
import type { BudgetEvent, Ledger } from './guardrails/ledger';
import type { TeamBreakers } from './guardrails/teamBreakers';
import type { TeamEvent } from './guardrails/teamEvents';
import { LocalLedger } from './guardrails/local/ledger';
import { Notifier } from './guardrails/notifier';
import { Router } from './routing/router';
import { ensureStateDir } from './guardrails/local/stateFiles';
import type { HttpProviderKind, Route } from './routing/routes';
import type { EditorModels } from './routing/editor/editorModel';
import type { Transport } from './routing/transport';

/** The parts of a running chain, for the commands that look inside it. */
export interface ChainServices {
  readonly chain: Chain;
  readonly router: Router;
  readonly ledger: Ledger;
  readonly queue: ColdQueue;
  readonly cache: AnswerCache;
  /** Waits for state files to be written, then closes connections. */
  dispose(): Promise<void>;
  /**
   * Replaced by a new chain (settings changed): saves the breakers now and stops saving them, so
   * calls still running on this chain finish here without overwriting the new chain's state;
   * connections close after `graceMs`.
   */
  retire(graceMs: number): Promise<void>;
}

export interface ChainDeps {
  /** The state folder: breakers and the ledger (the user's money, across workspaces) live here. */
  readonly stateDir: string;
  /**
   * Where the queue, its answers and the cache live, when not in the state folder: they hold
   * this workspace's code, so another workspace's window must not send or show them.
   */
  readonly workspaceStateDir?: string;
  readonly adapterFor: (kind: HttpProviderKind) => ProviderAdapter;
  readonly keyFor: (route: Route) => Promise<string | undefined>;
  /** A key known now, without waiting (see RouterOptions.knownKey). */
  readonly knownKey?: (route: Route) => string | undefined;
  readonly countTokens?: (text: string, route: Route) => number;
  /** The editor's own models, for `vscode-lm` routes (the VS Code layer gives them; the CLI has none). */
  readonly editorModels?: EditorModels;
  readonly transport?: Transport;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
  /** Guardrails shared beyond this machine (a team's Redis); what is not given stays local. */
  readonly backends?: GuardrailBackends;
}

/**
 * Shared backends for the guardrails. Each is handed the local one it stands in front of: when
 * the shared store cannot be reached it falls back to it (and says so), and reconciles later.
 */
export interface GuardrailBackends {
  ledger?(local: Ledger, onEvent: (event: BudgetEvent | TeamEvent) => void): Promise<Ledger>;
  queue?(local: ColdQueue, onEvent: (event: TeamEvent) => void): Promise<ColdQueue>;
  /** Breakers shared with the team, beside each route's own (which decide alone when it is unreachable). */
  teamBreakers?: TeamBreakers;
  /** Closes the backends' connections, after the chain has finished with them. */
  close?(): Promise<void>;
}

/**
 * Builds the whole chain over a state folder: breaker states restored and saved on every change,
 * the ledger, the cache, the queue and the notifier wired to the chain's events.
 */
export async function openChain(config: ChainConfig, deps: ChainDeps): Promise<ChainServices> {
  const log = deps.log ?? (() => {});
  // The user's only: the ledger's files inside are then out of other users' reach too.
  await ensureStateDir(deps.stateDir);
  const breakers = new LocalBreakerStore(deps.stateDir, deps.now);
  const initialBreakerStates = await breakers.load(log).catch((e: unknown) => {
    log(`breaker states not restored: ${e instanceof Error ? e.message : String(e)}`);
    return {};
  });
  let chain: Chain | undefined;
  let retired = false;
  const pending: Array<Parameters<Chain['handle']>[0]> = [];
  const forward = (event: Parameters<Chain['handle']>[0]) => (chain ? chain.handle(event) : pending.push(event));
  const localLedger = await LocalLedger.open(deps.stateDir, config.budget, { ...(deps.now ? { now: deps.now } : {}), onEvent: forward });
  const ledger = deps.backends?.ledger ? await deps.backends.ledger(localLedger, forward) : localLedger;
  const router: Router = new Router({
    routes: config.routes,
    policy: config.policy,
    adapterFor: deps.adapterFor,
    keyFor: deps.keyFor,
    ...(deps.knownKey ? { knownKey: deps.knownKey } : {}),
    ...(deps.countTokens ? { countTokens: deps.countTokens } : {}),
    ...(deps.editorModels ? { editorModels: deps.editorModels } : {}),
    ...(deps.transport ? { transport: deps.transport } : {}),
    initialBreakerStates,
    spend: ledger,
    ...(deps.backends?.teamBreakers ? { teamBreakers: deps.backends.teamBreakers } : {}),
    onEvent: (event) => {
      // Saved on every change, so an open breaker survives a reload or the next CLI run.
      if (event.type === 'breaker' && !retired) void breakers.save(router.breakerStates()).catch((e: unknown) => log(`breaker states not saved: ${String(e)}`));
      forward(event);
    },
  });
  const stopTeamEvents = deps.backends?.teamBreakers?.onTeamEvent(forward);
  const localQueue = await LocalColdQueue.open(deps.workspaceStateDir ?? deps.stateDir, { maxAgeMs: config.queueMaxAgeMs, log, ...(deps.now ? { now: deps.now } : {}) });
  const queue = deps.backends?.queue ? await deps.backends.queue(localQueue, forward) : localQueue;
  const cache = await AnswerCache.open(deps.workspaceStateDir ?? deps.stateDir, { ttlMs: config.cacheTtlMs, log, ...(deps.now ? { now: deps.now } : {}) });
  chain = new Chain({
    router, queue, ledger, cache, drainPerSecond: config.queueDrainPerSecond,
    ...(config.webhookUrl ? { notifier: new Notifier(config.webhookUrl, log) } : {}),
    failoverAlert: config.failoverAlert,
    ...(deps.now ? { now: deps.now } : {}),
  });
  for (const event of pending.splice(0)) chain.handle(event);
  return {
    chain, router, ledger, queue, cache,
    dispose: async () => {
      await breakers.save(router.breakerStates()).catch(() => undefined);
      await Promise.all([ledger.flushed(), cache.flushed()]);
      stopTeamEvents?.();
      await router.dispose();
      ledger.close();
      await deps.backends?.close?.().catch(() => undefined);
    },
    retire: async (graceMs) => {
      await breakers.save(router.breakerStates()).catch(() => undefined);
      retired = true;
      stopTeamEvents?.();
      const timer = setTimeout(() => void cache.flushed().then(() => router.dispose()).then(() => ledger.close()).then(() => deps.backends?.close?.()).catch(() => undefined), graceMs);
      timer.unref?.();
    },
  };
}

export type { ChainEvent };
