// The @contextgateway participant through VS Code's real Chat view: the request is typed into
// the view by its own command, VS Code routes it to our participant, and the answer renders in
// the view (a screenshot records it). Needs the chat features of VS Code 1.104 and later, which
// this suite enables; on an older VS Code the participant is still registered and that is checked.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startFakeProvider, type FakeProvider } from '../../fakes/index';
import { api, EXTENSION_ID, fileIn, screenshot, setUserSetting, waitFor } from './support';

const KEY = `sk-chat-view-${'k3y'.repeat(8)}`;
const providerApi = typeof (vscode.lm as { registerLanguageModelChatProvider?: unknown }).registerLanguageModelChatProvider === 'function';

describe('@contextgateway in the real Chat view', function () {
  this.timeout(90_000);
  let openai: FakeProvider;

  before(async () => {
    openai = await startFakeProvider('openai', { key: KEY });
    await api();
    assert.equal(await vscode.commands.executeCommand('contextGateway.setApiKey', { secret: 'OPENAI_API_KEY', key: KEY }), true);
    await setUserSetting('routes', [{ id: 'openai-main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'OPENAI_API_KEY', maxOutputTokens: 512 }]);
    // Requests queued by earlier suites are answered now, so none is drained into this test.
    await vscode.commands.executeCommand('contextGateway.drainQueue');
  });
  after(async () => {
    await setUserSetting('routes', []);
    await openai.close();
  });

  it('is contributed with its slash commands', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { chatParticipants: Array<{ id: string; name: string; commands: Array<{ name: string }> }> } };
    const [participant] = manifest.contributes.chatParticipants;
    assert.equal(participant?.name, 'contextgateway');
    assert.deepEqual(participant?.commands.map((c) => c.name), ['explain', 'bugs', 'tests', 'refactor']);
  });

  if (!providerApi) return;

  it('answers "/explain" typed into the Chat view on the symbol at the cursor (screenshot)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    const editor = await vscode.window.showTextDocument(fileIn('src/prices.ts'), { viewColumn: vscode.ViewColumn.One });
    editor.selection = new vscode.Selection(6, 10, 6, 10); // inside orderTotal's body
    openai.reset();
    openai.script({ reply: { text: '`orderTotal` sums `price * qty` over the items, applies the tax rate and rounds to cents with `roundCents`.' } });
    await vscode.commands.executeCommand('workbench.action.chat.open', { query: '@contextgateway /explain', isPartialQuery: false });
    const request = await waitFor('the Chat view\'s request to reach the provider', () => openai.requests[0], 40_000);
    assert.equal(openai.requests.length, 1);
    assert.match(request.rawBody, /export function orderTotal/, 'the cursor\'s symbol was sent');
    assert.doesNotMatch(request.rawBody, /INTERNAL-AUDIT-MARKER|DENIED-ENV-MARKER/);
    await screenshot('chat-participant', { text: 'applies the tax rate and rounds to cents' });
  });
});
