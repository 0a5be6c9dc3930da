import * as vscode from 'vscode';

/** Lines of one component, tagged `[component]` so a long log can be filtered. */
export interface ComponentLog {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Logs and reveals the channel: an error the user should see. */
  error(message: string): void;
}

/** The extension's one log channel (a LogOutputChannel: levels set by the user). */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  for(component: string): ComponentLog {
    const tag = `[${component}] `;
    return {
      trace: (m) => this.channel.trace(tag + m),
      debug: (m) => this.channel.debug(tag + m),
      info: (m) => this.channel.info(tag + m),
      warn: (m) => this.channel.warn(tag + m),
      error: (m) => {
        this.channel.error(tag + m);
        this.channel.show(true);
      },
    };
  }

  dispose(): void {
    this.channel.dispose();
  }
}
