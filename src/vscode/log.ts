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

const KEEP_LINES = 500;

/**
 * The extension's one log channel (a LogOutputChannel: levels set by the user). The last lines
 * are also kept in memory for the diagnostics API (`recentLog`). Lines never hold keys or
 * payload text: callers log events and outcomes, not content.
 */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private readonly recent: string[] = [];

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  private keep(level: string, line: string): void {
    this.recent.push(`${level} ${line}`);
    if (this.recent.length > KEEP_LINES) this.recent.splice(0, this.recent.length - KEEP_LINES);
  }

  /** The most recent lines, oldest first. */
  recentLines(): readonly string[] {
    return this.recent;
  }

  for(component: string): ComponentLog {
    const tag = `[${component}] `;
    const kept = (level: 'debug' | 'info' | 'warn' | 'error') => (m: string) => {
      this.keep(level, tag + m);
      this.channel[level](tag + m);
    };
    const error = kept('error');
    return {
      trace: (m) => this.channel.trace(tag + m),
      debug: kept('debug'),
      info: kept('info'),
      warn: kept('warn'),
      error: (m) => {
        error(m);
        this.channel.show(true);
      },
    };
  }

  dispose(): void {
    this.channel.dispose();
  }
}
