// Run Failover Drill in a real VS Code, on routes of all three kinds served by strict fakes on
// loopback: the table opens in a preview, every check passes, the user's breakers and queue are
// as they were (screenshot of the drill view).
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DrillReport } from '../../../src/gateway/drill/drill';
import { drillModel } from '../../fakes/drillModel';
import { startFakeProvider, type FakeProvider } from '../../fakes/index';
import { api, screenshot, setUserSetting, waitFor } from './support';

const KEY = `sk-drill-${'k3y'.repeat(8)}`;
const MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' } as const;

describe('Run Failover Drill', function () {
  this.timeout(90_000);
  const fakes: Partial<Record<keyof typeof MODELS, FakeProvider>> = {};

  before(async () => {
    for (const kind of Object.keys(MODELS) as Array<keyof typeof MODELS>) fakes[kind] = await startFakeProvider(kind, { key: KEY, respond: drillModel });
    await api();
    for (const secret of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY']) {
      assert.equal(await vscode.commands.executeCommand('contextGateway.setApiKey', { secret, key: KEY }), true);
    }
    await setUserSetting('routes', [
      { id: 'openai-main', tier: 'hot', provider: 'openai', model: MODELS.openai, baseUrl: fakes.openai!.url, secret: 'OPENAI_API_KEY', inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 },
      { id: 'claude-backup', tier: 'warm', provider: 'anthropic', model: MODELS.anthropic, baseUrl: fakes.anthropic!.url, secret: 'ANTHROPIC_API_KEY' },
      { id: 'gemini-backup', tier: 'warm', provider: 'gemini', model: MODELS.gemini, baseUrl: fakes.gemini!.url, secret: 'GEMINI_API_KEY' },
    ]);
    await waitFor('the three routes', async () => (await vscode.commands.executeCommand<{ routes: string[] }>('contextGateway.showStatus', { quiet: true })).routes.length === 3);
  });
  after(async () => {
    await setUserSetting('routes', undefined);
    for (const fake of Object.values(fakes)) await fake!.close();
  });

  it('exercises every route, hand-off and outage on the fakes and shows the table (screenshot)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The routes table of the tooltip: breaker, last outcome and latency of each route.
    const routeRows = async () => (await vscode.commands.executeCommand<{ statusBar: { tooltip: string } }>('contextGateway.showStatus', { quiet: true })).statusBar.tooltip.split('\n').filter((l) => /^\| (openai-main|claude-backup|gemini-backup) \|/.test(l));
    const before = await routeRows();
    assert.equal(before.length, 3);
    const report = await vscode.commands.executeCommand<DrillReport>('contextGateway.runDrill', { yes: true });
    const failed = report.cells.filter((c) => c.status !== 'pass');
    assert.deepEqual(failed, [], JSON.stringify(report.cells, null, 1));
    assert.deepEqual(report.routes, ['openai-main', 'claude-backup', 'gemini-backup']);
    assert.ok(report.cells.some((c) => c.check === 'from openai-main' && c.route === 'gemini-backup' && c.status === 'pass'), 'an OpenAI tool conversation continued on Gemini');
    assert.match(report.cells.find((c) => c.check === 'outage')!.detail, /took over/);
    for (const fake of Object.values(fakes)) assert.ok(fake!.requests.length >= 4 && fake!.requests.every((r) => r.rejected === undefined), `${fake!.kind}: every drill request passed the strict checks`);
    const status = await vscode.commands.executeCommand<{ statusBar: { state: string } }>('contextGateway.showStatus', { quiet: true });
    assert.ok(!['cold', 'paused', 'half-open'].includes(status.statusBar.state), `nothing queued, no pause: ${status.statusBar.state}`);
    assert.deepEqual(await routeRows(), before, 'the user\'s routes show the same breakers, last outcomes and latencies: the drill used routers of its own');
    await waitFor('the drill preview', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label.includes('failover-drill')));
    await screenshot('failover-drill', { text: 'Every check' });
  });
});
