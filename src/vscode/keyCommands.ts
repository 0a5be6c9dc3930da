import * as vscode from 'vscode';
import type { ChainHost } from './chainHost';
import type { KeyStore } from './keyStore';
import { keyProblem } from '../gateway/routing/adapters/keyHeader';

/** Arguments for scripted use (tests, other tools); without them the user is asked. */
export interface KeyArgs {
  readonly secret?: string;
  readonly key?: string;
}

/** The secrets the routes name, with whether each has a key, for the pickers. */
async function secretItems(host: ChainHost, keys: KeyStore) {
  const bySecret = new Map<string, string[]>();
  for (const route of host.settings.chain.routes) {
    if (route.secret) bySecret.set(route.secret, [...(bySecret.get(route.secret) ?? []), route.id]);
  }
  return Promise.all([...bySecret].map(async ([secret, routes]) => ({
    label: secret,
    description: (await keys.get(secret)) ? '$(check) set' : 'not set',
    detail: `used by ${routes.join(', ')}`,
    secret,
  })));
}

async function pickSecret(host: ChainHost, keys: KeyStore, title: string): Promise<string | undefined> {
  const items = await secretItems(host, keys);
  if (items.length === 0) {
    void vscode.window.showWarningMessage('Context Gateway: no route names a secret. Give a route a "secret" (e.g. "OPENAI_API_KEY") in contextGateway.routes first.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title }))?.secret;
}

/** Set API Key…: stores a route's key in SecretStorage, never in settings. */
export async function setApiKey(host: ChainHost, keys: KeyStore, args?: KeyArgs): Promise<boolean> {
  const secret = args?.secret ?? (await pickSecret(host, keys, 'Context Gateway: set the key of which secret?'));
  if (!secret) return false;
  const key = args?.key ?? (await vscode.window.showInputBox({
    title: `Context Gateway: key for ${secret}`,
    prompt: 'Stored in VS Code\'s secret storage; never written to settings or logs.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => {
      const problem = keyProblem(value);
      return problem ? `The key ${problem}: paste it again without it.` : undefined;
    },
  }));
  if (!key?.trim()) return false;
  await keys.set(secret, key);
  if (!args?.key) void vscode.window.showInformationMessage(`Context Gateway: the key for ${secret} is stored in VS Code's secret storage.`);
  return true;
}

/** Remove API Key…: deletes a stored key. */
export async function removeApiKey(host: ChainHost, keys: KeyStore, args?: KeyArgs): Promise<boolean> {
  const secret = args?.secret ?? (await pickSecret(host, keys, 'Context Gateway: remove the key of which secret?'));
  if (!secret) return false;
  await keys.delete(secret);
  if (!args?.secret) void vscode.window.showInformationMessage(`Context Gateway: the key for ${secret} was removed.`);
  return true;
}
