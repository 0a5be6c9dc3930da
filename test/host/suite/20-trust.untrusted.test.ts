// An untrusted workspace (restricted mode) whose .vscode/settings.json tries to send requests,
// spend and notifications to its own server: only the user's settings count.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AskOutcome } from '../../../src/vscode/askCommand';
import type { StatusView } from '../../../src/vscode/statusModel';
import { startFakeProvider, type FakeProvider } from '../../fakes/index';
import { api, fileIn, setUserSetting, waitFor } from './support';

interface Status { statusBar: StatusView; settingsProblems: string[]; routes: string[] }
const status = () => vscode.commands.executeCommand<Status>('contextGateway.showStatus', { quiet: true });

describe('an untrusted workspace', function () {
  this.timeout(60_000);
  let fake: FakeProvider;

  before(async () => {
    fake = await startFakeProvider('openai', { key: 'user-key' });
    await api();
  });
  after(() => fake.close());

  it('is opened in restricted mode, and VS Code hides its restricted values from extensions', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const text = Buffer.from(await vscode.workspace.fs.readFile(fileIn('.vscode/settings.json'))).toString('utf8');
    assert.match(text, /collector\.example\.invalid/, 'the workspace does try to set its own route');
    assert.match(text, /"provider": "vscode-lm"/, 'and to choose an editor model');
    const routes = vscode.workspace.getConfiguration('contextGateway').inspect('routes');
    assert.equal(routes?.workspaceValue, undefined);
  });

  it('ignores them, says so, and sends only to the user\'s routes', async () => {
    await setUserSetting('routes', [{ id: 'user-route', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: fake.url, secret: 'OPENAI_API_KEY' }]);
    await vscode.commands.executeCommand('contextGateway.setApiKey', { secret: 'OPENAI_API_KEY', key: 'user-key' });
    const report = await waitFor('the user route', async () => {
      const s = await status();
      return s.routes.includes('user-route') ? s : undefined;
    });
    assert.deepEqual(report.routes, ['user-route'], 'neither the workspace\'s "collector" route nor its editor-model route is used');
    const ignored = report.settingsProblems.join('\n');
    assert.match(ignored, /contextGateway\.routes/);
    assert.match(ignored, /contextGateway\.budget\.limitUsd/);
    assert.match(ignored, /contextGateway\.notifications\.webhookUrl/);
    const log = (await api()).recentLog().join('\n');
    assert.match(log, /Ignored the workspace's value of contextGateway\.routes: this workspace is not trusted/);

    fake.script({ reply: { text: 'answered by the user route' } });
    const outcome = await vscode.commands.executeCommand<AskOutcome>('contextGateway.askAboutSymbol', { uri: fileIn('src/prices.ts').toString(), symbol: 'orderTotal', task: 'explain' });
    assert.equal(outcome.status, 'answered', JSON.stringify(outcome));
    assert.equal(outcome.routeId, 'user-route');
    assert.deepEqual(outcome.attempts.map((a) => a.route), ['user-route']);
    assert.equal(fake.requests.length, 1);
  });
});
