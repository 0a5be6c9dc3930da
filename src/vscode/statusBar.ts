import * as vscode from 'vscode';
import type { ChainHost } from './chainHost';
import { COMMANDS } from './commandIds';
import { statusView, type StatusView } from './statusModel';

const BACKGROUNDS = {
  warning: new vscode.ThemeColor('statusBarItem.warningBackground'),
  error: new vscode.ThemeColor('statusBarItem.errorBackground'),
};

/** The one status bar item: route in use, breakers, spend. Clicking opens Show Routes. */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;
  private pending = false;
  /** The last view shown, for tests and Show Status. */
  view: StatusView | undefined;

  constructor(private readonly host: ChainHost) {
    this.item = vscode.window.createStatusBarItem('contextGateway.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Context Gateway';
    this.item.command = COMMANDS.showRoutes;
    this.subscription = host.onDidChange(() => this.schedule());
    void this.update();
    this.item.show();
  }

  /** Coalesces bursts of events (a stream emits many) into one update per tick. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      void this.update();
    }, 0);
  }

  async update(): Promise<StatusView> {
    const view = statusView(await this.host.statusInput());
    this.view = view;
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    // Only our own commands may run from the tooltip's links.
    tooltip.isTrusted = { enabledCommands: Object.values(COMMANDS) };
    this.item.tooltip = tooltip;
    this.item.backgroundColor = view.background ? BACKGROUNDS[view.background] : undefined;
    return view;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
