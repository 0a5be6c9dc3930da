import * as vscode from 'vscode';
import { restrictedKeysIn } from './settingsReader';

/** The workspace's own settings files: each folder's .vscode/settings.json, and a .code-workspace file. */
function settingsFiles(): vscode.Uri[] {
  const files = (vscode.workspace.workspaceFolders ?? []).map((f) => vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json'));
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile && workspaceFile.scheme === 'file') files.push(workspaceFile);
  return files;
}

/**
 * The restricted `contextGateway.*` keys an untrusted workspace's settings files try to set
 * (`contextGateway.routes`...). None when the workspace is trusted: then its values apply.
 */
export async function ignoredWorkspaceKeys(): Promise<string[]> {
  if (vscode.workspace.isTrusted) return [];
  const keys = new Set<string>();
  for (const file of settingsFiles()) {
    try {
      const text = Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8');
      for (const key of restrictedKeysIn(text)) keys.add(`contextGateway.${key}`);
    } catch {
      // No settings file: nothing tried to redirect anything.
    }
  }
  return [...keys];
}
