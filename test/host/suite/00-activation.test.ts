import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StatusReport } from '../../../src/vscode/statusCommand';

const EXTENSION_ID = 'context-gateway.context-gateway';

describe('activation and Show Status', () => {
  it('is installed and not activated before one of its commands runs', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded in this host`);
    // Activation is on our commands only, never '*' or startup.
    assert.equal(extension.isActive, false);
  });

  it('contributes its commands in the manifest', () => {
    const contributed = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    assert.ok(contributed.includes('contextGateway.showStatus'));
  });

  it('activates on Show Status, which parses a sample of every language with the grammars in dist/', async () => {
    const report = await vscode.commands.executeCommand<StatusReport & { routes: string[] }>('contextGateway.showStatus');
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(extension.isActive, true);
    assert.equal(report.vscodeVersion, vscode.version);
    assert.equal(report.extensionVersion, extension.packageJSON.version);
    assert.deepEqual(report.languages.map((l) => [l.id, l.ready, l.sampleSymbol]), [
      ['typescript', true, 'ping'], ['tsx', true, 'Ping'], ['javascript', true, 'ping'], ['python', true, 'ping'],
    ]);
    assert.ok(report.activationMs > 0 && report.activationMs < 5_000, `activation took ${report.activationMs} ms`);
    const registered = await vscode.commands.getCommands(true);
    const contributed: string[] = extension.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    assert.deepEqual(contributed.filter((id) => !registered.includes(id)), [], 'every contributed command is registered after activation');
    console.log(`[metric] VS Code ${vscode.version}: activate() ran in ${report.activationMs.toFixed(2)} ms`);
  });
});
