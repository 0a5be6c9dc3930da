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
  /** The keys of `cache` that have arrived, for a request that need not wait for them. */
  private readonly arrived = new Map<string, string>();

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((e) => {
      if (!e.key.startsWith('contextGateway.secret.')) return;
      const secret = e.key.slice('contextGateway.secret.'.length);
      // Another window may have changed it: read it again next time.
      this.forget(secret);
      this.changed.fire(secret);
    });
  }

  keyFor(route: Route): Promise<string | undefined> {
    return route.secret ? this.get(route.secret) : Promise.resolve(undefined);
  }

  /** The route's key if it has been read and not changed since; undefined means "ask keyFor". */
  knownKey(route: Route): string | undefined {
    return route.secret ? this.arrived.get(route.secret) : undefined;
  }

  get(secret: string): Promise<string | undefined> {
    let value = this.cache.get(secret);
    if (!value) {
      const read: Promise<string | undefined> = Promise.resolve(this.secrets.get(storageKey(secret))).then((v) => {
        const key = v && v.trim() ? v : undefined;
        // Only while this read is still the current one: a change meanwhile forgot it.
        if (key !== undefined && this.cache.get(secret) === read) this.arrived.set(secret, key);
        return key;
      });
      value = read;
      this.cache.set(secret, value);
      value.catch(() => this.forget(secret));
    }
    return value;
  }

  private forget(secret: string): void {
    this.cache.delete(secret);
    this.arrived.delete(secret);
  }

  /** A secret stored under its own storage key (the team's), read fresh each time. */
  async stored(storageKey: string): Promise<string | undefined> {
    const value = await this.secrets.get(storageKey);
    return value && value.trim() ? value : undefined;
  }

  async set(secret: string, key: string): Promise<void> {
    this.forget(secret);
    await this.secrets.store(storageKey(secret), key.trim());
    this.forget(secret);
  }

  async delete(secret: string): Promise<void> {
    this.forget(secret);
    await this.secrets.delete(storageKey(secret));
    this.forget(secret);
  }

  dispose(): void {
    this.cache.clear();
    this.arrived.clear();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
