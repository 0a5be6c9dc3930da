import * as vscode from 'vscode';
import type { Route } from '../gateway/routing/routes';

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
  /** Keys read so far: each get is a round trip to the main process, and the chain asks per try. */
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (!e.key.startsWith('contextGateway.secret.')) return;
      const secret = e.key.slice('contextGateway.secret.'.length);
      // Another window may have changed it: read it again next time.
      this.cache.delete(secret);
      this.changed.fire(secret);
    });
  }

  keyFor(route: Route): Promise<string | undefined> {
    return route.secret ? this.get(route.secret) : Promise.resolve(undefined);
  }

  get(secret: string): Promise<string | undefined> {
    let value = this.cache.get(secret);
    if (!value) {
      value = Promise.resolve(this.secrets.get(storageKey(secret))).then((v) => (v && v.trim() ? v : undefined));
      this.cache.set(secret, value);
      value.catch(() => this.cache.delete(secret));
    }
    return value;
  }

  /** A secret stored under its own storage key (the team's), read fresh each time. */
  async stored(storageKey: string): Promise<string | undefined> {
    const value = await this.secrets.get(storageKey);
    return value && value.trim() ? value : undefined;
  }

  async set(secret: string, key: string): Promise<void> {
    this.cache.delete(secret);
    await this.secrets.store(storageKey(secret), key.trim());
    this.cache.delete(secret);
  }

  async delete(secret: string): Promise<void> {
    this.cache.delete(secret);
    await this.secrets.delete(storageKey(secret));
    this.cache.delete(secret);
  }

  dispose(): void {
    this.cache.clear();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
