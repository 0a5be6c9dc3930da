import * as vscode from 'vscode';
import { Grammars } from './context/grammars';
import { COMMANDS } from './vscode/commandIds';
import { Log } from './vscode/log';
import { showStatus } from './vscode/statusCommand';

/**
 * Builds the services and registers the commands; nothing here loads a grammar or a tokenizer:
 * they load on first use.
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = new Log('Context Gateway');
  context.subscriptions.push(log);
  const assetsDir = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
  const grammars = new Grammars(assetsDir);
  const extensionVersion = String(context.extension.packageJSON.version);
  let activationMs = 0;

  try {
    context.subscriptions.push(
      vscode.commands.registerCommand(COMMANDS.showStatus, () =>
        showStatus({ extensionVersion, activationMs: () => activationMs, grammars, log: log.for('status') }),
      ),
    );
  } catch (e) {
    // VS Code does not tell the user when activation fails; say it ourselves.
    const message = `Context Gateway failed to start: ${e instanceof Error ? e.message : String(e)}`;
    log.for('activate').error(message);
    void vscode.window.showErrorMessage(message);
    throw e;
  }
  activationMs = performance.now() - started;
  log.for('activate').info(`activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version})`);
}

export function deactivate(): void {
  // Everything is released through context.subscriptions.
}
