import * as vscode from 'vscode';
import type { Route } from '../gateway/routes';

/** Where a secret's key is kept in SecretStorage. */
const storageKey = (secret: string) => `contextGateway.secret.${secret}`;

/**
 * API keys, in VS Code's SecretStorage only, one per secret name (routes that name the same
 * secret share it). Secrets are shared across windows; `onDidChange` says when one changed.
 */
export class KeyStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key.startsWith('contextGateway.secret.')) this.changed.fire(e.key.slice('contextGateway.secret.'.length));
    });
  }

  keyFor(route: Route): Promise<string | undefined> {
    return route.secret ? this.get(route.secret) : Promise.resolve(undefined);
  }

  async get(secret: string): Promise<string | undefined> {
    const value = await this.secrets.get(storageKey(secret));
    return value && value.trim() ? value : undefined;
  }

  async set(secret: string, key: string): Promise<void> {
    await this.secrets.store(storageKey(secret), key.trim());
  }

  async delete(secret: string): Promise<void> {
    await this.secrets.delete(storageKey(secret));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
