import * as vscode from 'vscode';
import { lazyRouteTokenCounter } from '../context/index';
import { adapterFor } from '../gateway/routing/adapters/index';
import { isEditorRoute } from '../gateway/routing/routes';
import { vscodeEditorModels } from './editorModels';
import type { AskOptions, ChainEvent, ChainResult } from '../gateway/chain';
import type { DrainReport } from '../gateway/guardrails/coldQueue';
import { DrainScheduler } from '../gateway/guardrails/drainScheduler';
import type { ChatRequest } from '../gateway/ir';
import { openChain, type ChainServices } from '../gateway/openChain';
import { openTeamBackends } from '../gateway/guardrails/redis/teamBackends';
import { TEAM_SECRETS } from './teamCommands';
import type { Tier } from '../gateway/routing/routes';
import { eventLogLine } from './eventLog';
import type { KeyStore } from './keyStore';
import type { Log } from './log';
import { readWorkspaceSettings, type Settings } from './settings';
import { ignoredWorkspaceKeys } from './untrustedSettings';
import type { StatusInput } from './statusModel';

/**
 * The chain as the extension runs it: built from the settings over the extension's state folder
 * (so breakers, spend and the queue survive a reload), rebuilt when routes or policies change,
 * drained when it can make progress. Everything the status bar shows comes from here.
 */
export class ChainHost implements vscode.Disposable {
  private services: Promise<ChainServices> | undefined;
  private scheduler: DrainScheduler | undefined;
  private current: Settings;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the status may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly eventListeners = new Set<(event: ChainEvent) => void>();
  private readonly disabled = new Set<string>();
  private busy = 0;
  private activeRoute: { id: string; tier: Tier } | undefined;
  private lastQueued = false;
  /** Team backend parts running on local state now (Redis unreachable). */
  private readonly teamDegraded = new Set<string>();
  private queued = 0;
  private readonly disposables: vscode.Disposable[] = [];
  private reported = '';
  /** Reloads run one after another, and chain() waits for the one under way. */
  private reloading: Promise<void> = Promise.resolve();
  /** Restricted keys an untrusted workspace tries to set (VS Code hides their values from us). */
  private ignoredFiles: string[] = [];

  constructor(
    private readonly stateDir: string,
    /** This workspace's own folder: its queue and cache hold its code. */
    private readonly workspaceStateDir: string,
    private readonly assetsDir: string,
    private readonly keys: KeyStore,
    private readonly log: Log,
  ) {
    this.current = readWorkspaceSettings();
    this.report();
    void this.checkWorkspaceFiles();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('contextGateway')) void this.reload();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reload()),
      // A key set later may let queued requests go.
      keys.onDidChange(() => void this.scheduler?.now()),
    );
  }

  get settings(): Settings {
    return this.current;
  }

  /** Subscribes to the chain's events (the log gets them all already). */
  onEvent(listener: (event: ChainEvent) => void): vscode.Disposable {
    this.eventListeners.add(listener);
    return new vscode.Disposable(() => this.eventListeners.delete(listener));
  }

  /** The running chain, built on first use; after a settings change, the new one. */
  chain(): Promise<ChainServices> {
    return this.reloading.then(() => {
      this.services ??= this.build();
      return this.services;
    });
  }

  private async build(): Promise<ChainServices> {
    const settings = this.current;
    const team = settings.chain.team;
    const password = team ? await this.keys.stored(TEAM_SECRETS.redisPassword) : undefined;
    const teamKey = team ? await this.keys.stored(TEAM_SECRETS.queueKey) : undefined;
    const backends = team ? await openTeamBackends(team, { ...(password ? { password } : {}), ...(teamKey ? { teamKey } : {}), log: (line) => this.log.for('team').warn(line) }) : undefined;
    const services = await openChain(settings.chain, {
      ...(backends ? { backends } : {}),
      stateDir: this.stateDir,
      workspaceStateDir: this.workspaceStateDir,
      adapterFor,
      keyFor: (route) => this.keys.keyFor(route),
      knownKey: (route) => this.keys.knownKey(route),
      ...(settings.chain.routes.some(isEditorRoute) ? { editorModels: vscodeEditorModels() } : {}),
      countTokens: lazyRouteTokenCounter(this.assetsDir, settings.chain.routes, settings.context.safetyFactor),
      log: (line) => this.log.for('chain').warn(line),
    });
    for (const id of this.disabled) services.router.setDisabled(id, true);
    services.chain.onEvent((event) => this.onChainEvent(event));
    this.scheduler = new DrainScheduler(() => services.chain.drain(), async () => (await services.queue.list()).length, {
      log: (line) => this.log.for('queue').info(line),
    });
    this.queued = (await services.queue.list()).length;
    if (this.queued > 0) this.scheduler.kick();
    this.changed.fire();
    return services;
  }

  /**
   * Settings changed: report problems once, and replace the chain. The new chain is built before
   * anyone can ask again; calls still running on the old one finish there (its connections close
   * after a grace period) instead of failing on closed connections.
   */
  private reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      this.current = readWorkspaceSettings();
      this.report();
      void this.checkWorkspaceFiles();
      const old = this.services;
      this.services = undefined;
      this.scheduler?.dispose();
      this.scheduler = undefined;
      if (old) {
        const retiring = await old.catch(() => undefined);
        await retiring?.retire(this.current.chain.policy.timeoutMs + 10_000);
        this.services = this.build();
        await this.services.catch(() => undefined);
      }
      this.changed.fire();
    });
    return this.reloading;
  }

  /** A team secret changed: build the chain again so its Redis connections use it. */
  reconnect(): Promise<void> {
    return this.reload();
  }

  private async checkWorkspaceFiles(): Promise<void> {
    this.ignoredFiles = await ignoredWorkspaceKeys().catch(() => []);
    this.report();
    this.changed.fire();
  }

  /** Keys whose workspace value is ignored because the workspace is not trusted. */
  get ignoredUntrusted(): string[] {
    return [...new Set([...this.current.ignoredUntrusted, ...this.ignoredFiles])];
  }

  /** Tells the user what is wrong with the settings (each problem once per change), in the log and one message. */
  private report(): void {
    const lines = [
      ...this.current.problems,
      ...this.ignoredUntrusted.map((key) => key.includes('team.')
        ? `Ignored the workspace's value of ${key}: where the team's budget, queue and code go is set in your user settings only.`
        : `Ignored the workspace's value of ${key}: this workspace is not trusted, so only your user settings count for it.`),
    ];
    const signature = lines.join('\n');
    if (signature === this.reported) return;
    this.reported = signature;
    const settingsLog = this.log.for('settings');
    for (const line of lines) settingsLog.warn(line);
    if (lines.length) {
      const first = lines[0]!;
      const more = lines.length > 1 ? ` (and ${lines.length - 1} more; see the log)` : '';
      void vscode.window.showWarningMessage(`Context Gateway: ${first}${more}`, 'Open Log', 'Open Settings').then((pick) => {
        if (pick === 'Open Log') this.log.channel.show();
        if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'contextGateway');
      });
    }
  }

  private onChainEvent(event: ChainEvent): void {
    const line = eventLogLine(event);
    if (line) this.log.for(line.component)[line.level](line.text);
    if (event.type === 'route-started') this.activeRoute = { id: event.route, tier: event.tier };
    if (event.type === 'breaker' && event.state === 'closed') void this.scheduler?.now();
    if (event.type === 'queued') this.scheduler?.kick();
    // Counted from the queue itself, not from events: a request queued twice is one entry.
    if (event.type === 'queued' || event.type === 'queue-answered' || event.type === 'queue-expired' || event.type === 'queue-failed') void this.countQueued();
    if (event.type === 'budget-gate' && !event.gate) void this.scheduler?.now();
    if (event.type === 'team-backend') {
      if (event.state === 'degraded') this.teamDegraded.add(event.part);
      else this.teamDegraded.delete(event.part);
    }
    for (const listener of this.eventListeners) listener(event);
    this.changed.fire();
  }

  private async countQueued(): Promise<void> {
    const services = await this.services?.catch(() => undefined);
    if (!services) return;
    this.queued = (await services.queue.list().catch(() => [])).length;
    this.changed.fire();
  }

  /** One request through the chain, counted as busy for the status bar. */
  async ask(request: ChatRequest, options: AskOptions): Promise<ChainResult> {
    const services = await this.chain();
    return this.track(services.chain.ask(request, options));
  }

  /** Marks work as in flight for the status bar's spinner while `work` runs. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.busy++;
    this.changed.fire();
    try {
      const result = await work;
      const status = (result as { status?: string })?.status;
      if (status === 'queued') this.lastQueued = true;
      if (status === 'answered' || status === 'stopped') this.lastQueued = false;
      return result;
    } finally {
      this.busy--;
      this.changed.fire();
    }
  }

  async drain(): Promise<DrainReport> {
    const services = await this.chain();
    const report = await this.track(services.chain.drain());
    await this.countQueued();
    if (report.remaining === 0) this.lastQueued = false;
    this.changed.fire();
    return report;
  }

  async pause(): Promise<void> {
    await (await this.chain()).ledger.pause();
    this.changed.fire();
  }

  async resume(): Promise<void> {
    await (await this.chain()).ledger.resume();
    this.changed.fire();
    void this.scheduler?.now();
  }

  async resetBreaker(routeId: string): Promise<void> {
    (await this.chain()).router.resetBreaker(routeId);
    this.changed.fire();
  }

  /** Takes a route out of the chain for this session (or puts it back). */
  async setDisabled(routeId: string, disabled: boolean): Promise<void> {
    if (disabled) this.disabled.add(routeId);
    else this.disabled.delete(routeId);
    (await this.chain()).router.setDisabled(routeId, disabled);
    this.changed.fire();
  }

  /** What the status bar shows; routes come from the settings until the chain is built. */
  async statusInput(): Promise<StatusInput> {
    const services = this.services ? await this.services.catch(() => undefined) : undefined;
    const routes = services ? services.router.routeStatus() : this.current.chain.routes.map((route) => ({ route, breaker: 'closed' as const, disabled: this.disabled.has(route.id) }));
    return {
      routes,
      busy: this.busy,
      ...(this.activeRoute ? { activeRoute: this.activeRoute } : {}),
      lastQueued: this.lastQueued,
      queued: this.queued,
      ...(services ? { budget: services.ledger.status() } : {}),
      problems: this.current.problems.length + this.ignoredUntrusted.length,
      ...(this.current.chain.team ? { team: { namespace: this.current.chain.team.namespace, degraded: [...this.teamDegraded] } } : {}),
    };
  }

  /** Stops the chain and waits for its state (breakers, cache) to be written. */
  async close(): Promise<void> {
    this.scheduler?.dispose();
    await this.reloading.catch(() => undefined);
    await this.services?.then((s) => s.dispose()).catch(() => undefined);
    this.services = undefined;
  }

  dispose(): void {
    void this.close();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
