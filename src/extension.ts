import * as vscode from 'vscode';
import { ContextEngine } from './context/index';
import { Grammars } from './context/grammars';
import { textOf } from './gateway/ir';
import { AnswerDocuments } from './vscode/answerView';
import { askAboutSymbol, type AskArgs } from './vscode/askCommand';
import { ChainHost } from './vscode/chainHost';
import { chatHandler, registerChatParticipant } from './vscode/chatParticipant';
import { COMMANDS } from './vscode/commandIds';
import { removeApiKey, setApiKey, type KeyArgs } from './vscode/keyCommands';
import { setTeamKey, setTeamRedisPassword, type TeamSecretArgs } from './vscode/teamCommands';
import { KeyStore } from './vscode/keyStore';
import { runFailoverDrill, type DrillArgs } from './vscode/drillCommand';
import { registerPublicTools } from './vscode/lmTools';
import { Log } from './vscode/log';
import { PayloadDocuments } from './vscode/payloadView';
import { previewContext } from './vscode/previewCommand';
import { Proposals } from './vscode/proposals';
import { showRoutes } from './vscode/routesCommand';
import { StatusBar } from './vscode/statusBar';
import { showStatus } from './vscode/statusCommand';
import type { TargetArgs } from './vscode/symbolTarget';
import { resumeOutcome } from './gateway/guardrails/resumeOutcome';

/** What deactivate waits for: state written to disk before the host goes. */
let shutdown: (() => Promise<void>) | undefined;

/** How long after activation the token counter is built in the background. */
const WARM_UP_DELAY_MS = 3_000;

/**
 * Builds the services and registers the commands. Nothing here parses, counts or sends: the
 * grammars load on first use and the token counter is built in the background a little later,
 * off the path of the first command.
 */
/** What the extension exports to other extensions and to its tests: diagnostics only, never keys. */
export interface ContextGatewayApi {
  readonly version: string;
  /** The log's most recent lines (what the Output channel shows). */
  recentLog(): readonly string[];
  /** The chat participant's handler, for tests and for other extensions that want to forward a request. */
  chatHandler(): vscode.ChatRequestHandler;
}

export function activate(context: vscode.ExtensionContext): ContextGatewayApi {
  const started = performance.now();
  const log = new Log('Context Gateway');
  context.subscriptions.push(log);
  try {
    const assetsDir = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
    const extensionVersion = String(context.extension.packageJSON.version);
    const keys = new KeyStore(context.secrets);
    // Spend and breakers are the user's, across windows; the queue and cache are this workspace's.
    const host = new ChainHost(context.globalStorageUri.fsPath, (context.storageUri ?? context.globalStorageUri).fsPath, assetsDir, keys, log);
    const answers = new AnswerDocuments();
    const payloads = new PayloadDocuments();
    const proposals = new Proposals();
    const statusBar = new StatusBar(host);
    context.subscriptions.push(keys, host, answers, payloads, proposals, statusBar);
    shutdown = () => host.close();

    // One engine for the session: it caches parsed files and counts, and frees its trees on dispose.
    let engine: ContextEngine | undefined;
    const engineOf = () => {
      engine ??= new ContextEngine({
        assetsDir,
        // What the user sees is what is extracted: unsaved editor text wins over the disk.
        readFile: async (path) => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === path)?.getText()
          ?? Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(path))).toString('utf8'),
        log: (line) => log.for('context').debug(line),
      });
      return engine;
    };
    context.subscriptions.push({ dispose: () => engine?.dispose() });
    const warmUp = setTimeout(() => void engineOf().warm().catch((e: unknown) => log.for('context').warn(`token counter warm-up failed: ${String(e)}`)), WARM_UP_DELAY_MS);
    warmUp.unref?.();
    context.subscriptions.push({ dispose: () => clearTimeout(warmUp) });

    // A queued request answered later is announced, with its answer one click away.
    context.subscriptions.push(host.onEvent((event) => {
      if (event.type !== 'queue-answered') return;
      void vscode.window.showInformationMessage(`Context Gateway: the queued request "${event.label}" is answered.`, 'Open Answer').then(async (pick) => {
        if (pick !== 'Open Answer') return;
        const stored = await (await host.chain()).queue.answer(event.id);
        if (!stored) return;
        const uri = answers.create(stored.label);
        answers.set(uri, `# ${stored.label}\n\n${textOf(stored.response.message)}\n\n---\n<sub>Answered by \`${stored.route}\` (${stored.provider} ${stored.model}) at ${stored.answeredAt}, after waiting in the queue.</sub>\n`, true);
        await answers.show(uri);
      });
    }));

    const grammars = new Grammars(assetsDir);
    let activationMs = 0;
    const register = (id: string, run: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
    const askDeps = { host, engine: engineOf, answers, proposals, log: log.for('ask') };
    register(COMMANDS.askAboutSymbol, (args?: AskArgs) => askAboutSymbol(askDeps, args));
    context.subscriptions.push(registerChatParticipant({ ...askDeps, previewCommand: COMMANDS.previewContext }));
    context.subscriptions.push(registerPublicTools({ host, engine: engineOf, log: log.for('tools') }));
    register(COMMANDS.previewContext, (args?: TargetArgs) => previewContext({ host, engine: engineOf, payloads }, args));
    register(COMMANDS.setApiKey, (args?: KeyArgs) => setApiKey(host, keys, args));
    register(COMMANDS.removeApiKey, (args?: KeyArgs) => removeApiKey(host, keys, args));
    register(COMMANDS.setTeamRedisPassword, async (args?: TeamSecretArgs) => {
      const stored = await setTeamRedisPassword(context.secrets, args);
      if (stored) await host.reconnect();
      return stored;
    });
    register(COMMANDS.setTeamKey, async (args?: TeamSecretArgs) => {
      const stored = await setTeamKey(context.secrets, args);
      // The team queue opens (or stops running locally) with the new key.
      if (stored) await host.reconnect();
      return stored;
    });
    register(COMMANDS.showRoutes, () => showRoutes(host));
    register(COMMANDS.runDrill, (args?: DrillArgs) => runFailoverDrill({ host, keys, answers, log: log.for('drill') }, args));
    register(COMMANDS.pause, async () => {
      await host.pause();
      void vscode.window.showInformationMessage('Context Gateway: AI requests are paused; new ones are queued until you resume.');
    });
    register(COMMANDS.resume, async () => {
      await host.resume();
      const budget = (await host.chain()).ledger.status();
      const invalid = host.settings.chain.budget.invalid;
      void (budget.gate === 'budget-exhausted'
        ? vscode.window.showWarningMessage('Context Gateway: the money budget is spent; resuming lifts the pause, not the hard stop. Raise contextGateway.budget.limitUsd or wait for the next period.')
        : invalid || budget.gate === 'budget-invalid'
          ? vscode.window.showWarningMessage(`Context Gateway: ${resumeOutcome(budget, invalid)}`)
          : vscode.window.showInformationMessage('Context Gateway: AI requests resumed; queued requests will be sent.'));
    });
    register(COMMANDS.drainQueue, async () => {
      const report = await host.drain();
      void vscode.window.showInformationMessage(`Context Gateway: ${report.answered.length} queued request(s) answered, ${report.remaining} still waiting${report.stoppedBecause ? ` (${report.stoppedBecause})` : ''}.`);
      return report;
    });
    register(COMMANDS.openLog, () => log.channel.show());
    register(COMMANDS.resetBreaker, (routeId?: string) => (routeId ? host.resetBreaker(routeId) : showRoutes(host)));
    register(COMMANDS.applyProposal, (id?: string) => (id ? proposals.apply(id) : false));
    register(COMMANDS.discardProposal, (id?: string) => (id ? proposals.discard(id) : false));
    register(COMMANDS.showStatus, async (args?: { quiet?: boolean }) => ({
      ...(await showStatus({ quiet: args?.quiet === true, extensionVersion, activationMs: () => activationMs, grammars, log: log.for('status') })),
      statusBar: await statusBar.update(),
      settingsProblems: [...host.settings.problems, ...host.ignoredUntrusted.map((key) => `ignored (untrusted workspace): ${key}`)],
      routes: host.settings.chain.routes.map((r) => r.id),
    }));
    activationMs = performance.now() - started;
    log.for('activate').info(`activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted'} workspace)`);
    return { version: extensionVersion, recentLog: () => log.recentLines(), chatHandler: () => chatHandler({ ...askDeps, previewCommand: COMMANDS.previewContext }) };
  } catch (e) {
    // VS Code does not tell the user when activation fails; say it ourselves.
    const message = `Context Gateway failed to start: ${e instanceof Error ? e.message : String(e)}`;
    log.for('activate').error(message);
    void vscode.window.showErrorMessage(message);
    throw e;
  }
}

/** Waits for the chain's state to be written; everything else goes with context.subscriptions. */
export function deactivate(): Promise<void> | undefined {
  return shutdown?.();
}
