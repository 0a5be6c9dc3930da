// Helpers shared by the host tests (not a test file itself).
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * Settings for tests that script failures: no retries, no cache, and a breaker that opens after
 * `breakerThreshold` failures (a high one keeps failures on purpose from affecting later tests).
 */
export async function testPolicy(breakerThreshold: number): Promise<void> {
  await setUserSetting('policy.retries', 0);
  await setUserSetting('policy.breakerThreshold', breakerThreshold);
  await setUserSetting('cache.ttlSeconds', 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks the launcher for a screenshot of the workbench (see test/host/launch.mjs), after letting
 * previews render and clearing notifications that would cover them, and waits for it: `text`
 * must have rendered first (in a webview too), so a picture never shows an empty preview.
 * Outside that launcher (a desktop run through @vscode/test-cli) no screenshot is taken.
 */
export async function screenshot(name: string, options: { hover?: string; text?: string } = {}): Promise<void> {
  if (!process.env.CG_SCREENSHOTS) return;
  await sleep(1_000);
  await vscode.commands.executeCommand('notifications.clearAll');
  await sleep(500);
  const done = join(tmpdir(), `cg-screenshot-${name}-${process.pid}-${Date.now()}.json`);
  console.log(`[[screenshot:${JSON.stringify({ name, ...options, done })}]]`);
  const outcome = await waitFor(`the screenshot "${name}"`, async () => {
    try {
      return JSON.parse(await readFile(done, 'utf8')) as { ok: boolean; error?: string };
    } catch {
      return undefined;
    }
  }, 70_000);
  await rm(done, { force: true });
  assert.ok(outcome.ok, `screenshot "${name}": ${outcome.error}`);
}

/** The status bar item of this extension, for a hover screenshot. */
export const STATUS_ITEM = '[id$="contextGateway.status"]';
