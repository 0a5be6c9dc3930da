// Helpers shared by the host tests (not a test file itself).
import * as vscode from 'vscode';
import type { ContextGatewayApi } from '../../../src/extension';

export const EXTENSION_ID = 'context-gateway.context-gateway';

export async function api(): Promise<ContextGatewayApi> {
  const extension = vscode.extensions.getExtension<ContextGatewayApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded`);
  return extension.activate();
}

/** The workspace folder the suite opened. */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the host tests need a workspace folder');
  return folder.uri;
}

export const fileIn = (relative: string) => vscode.Uri.joinPath(workspaceRoot(), relative);

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sets a `contextGateway.*` user setting and waits until the extension host sees it. */
export async function setUserSetting(key: string, value: unknown, target = vscode.ConfigurationTarget.Global): Promise<void> {
  await vscode.workspace.getConfiguration('contextGateway').update(key, value, target);
  await waitFor(`setting ${key}`, () => JSON.stringify(vscode.workspace.getConfiguration('contextGateway').inspect(key)?.[target === vscode.ConfigurationTarget.Global ? 'globalValue' : 'workspaceValue']) === JSON.stringify(value));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks the launcher for a screenshot of the workbench (see test/host/launch.mjs), after letting
 * previews render and clearing notifications that would cover them.
 */
export async function screenshot(name: string, hover?: string): Promise<void> {
  await sleep(2_500);
  await vscode.commands.executeCommand('notifications.clearAll');
  await sleep(500);
  console.log(`[[screenshot:${name}${hover ? `|hover=${hover}` : ''}]]`);
  await sleep(hover ? 3_000 : 1_500);
}

/** The status bar item of this extension, for a hover screenshot. */
export const STATUS_ITEM = '[id$="contextGateway.status"]';
