// The failover drill against strict fakes of all three APIs: every check passes on healthy
// routes; each fails for its own reason, with what to change, on a route scripted to fail it
// (bad key, unknown model, tools refused, stream cut, history rejected, no key); the user's
// breakers, queue and pause state are the same after, and the drill's spend is in the ledger.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { drillEstimate, runDrill, type DrillCell, type DrillReport } from '../../src/gateway/drill/drill';
import { drillBudget } from '../../src/gateway/drill/drillBudget';
import { drillMarkdown, drillText } from '../../src/gateway/drill/drillTable';
import { openChain } from '../../src/gateway/openChain';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import type { HttpProviderKind, Route } from '../../src/gateway/routing/routes';
import { drillModel as modelLike, hasToolResult } from '../fakes/drillModel';
import { startFakeProvider, type FakeProvider, type FakeStep, type RecordedRequest } from '../fakes/index';
import { runCli } from './support/cliProcess';
import { tempDir } from './support/tempDir';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const KIND_MODEL: Record<'openai' | 'anthropic' | 'gemini', string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' };

interface Webhook { server: Server; url: string; posts: Array<{ text: string }> }
async function startWebhook(): Promise<Webhook> {
  const posts: Array<{ text: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posts.push(JSON.parse(body) as { text: string });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts };
}

const cellsOf = (report: DrillReport, route: string) => Object.fromEntries(report.cells.filter((c) => c.route === route).map((c) => [c.check, c]));
const statusOf = (report: DrillReport, route: string) => Object.fromEntries(report.cells.filter((c) => c.route === route).map((c) => [c.check, c.status]));

describe('failover drill', () => {
  const fakes = {} as Record<'openai' | 'anthropic' | 'gemini', FakeProvider>;
  const behaviour: Record<string, (r: RecordedRequest) => FakeStep | undefined> = {};
  let webhook: Webhook;

  before(async () => {
    for (const kind of ['openai', 'anthropic', 'gemini'] as const) {
      fakes[kind] = await startFakeProvider(kind, { key: 'good-key', models: [KIND_MODEL[kind]], respond: (r) => (behaviour[kind] ?? modelLike)(r) });
    }
    webhook = await startWebhook();
  });
  after(async () => {
    for (const fake of Object.values(fakes)) await fake.close();
    await new Promise((resolve) => webhook.server.close(resolve));
  });
  beforeEach(() => {
    for (const fake of Object.values(fakes)) fake.reset();
    for (const key of Object.keys(behaviour)) delete behaviour[key];
    webhook.posts.length = 0;
  });

  const routeOf = (kind: 'openai' | 'anthropic' | 'gemini', tier: 'hot' | 'warm', over: Partial<Route> = {}) =>
    ({ id: `${kind}-${tier}`, tier, provider: kind as HttpProviderKind, model: KIND_MODEL[kind], baseUrl: fakes[kind].url, secret: `${kind.toUpperCase()}_KEY`, inputPricePerMTok: 1, outputPricePerMTok: 4, ...over });
  const threeRoutes = () => [routeOf('openai', 'hot'), routeOf('anthropic', 'warm'), routeOf('gemini', 'warm')];

  async function drill(routes: Array<Record<string, unknown>>, keys: Record<string, string | undefined> = {}) {
    const { config, problems } = parseChainConfig({ routes, policy: { timeoutMs: 5_000 }, budget: { limitUsd: 10 }, notifications: { webhookUrl: webhook.url } });
    assert.deepEqual(problems, []);
    const keyFor = async (route: Route) => (route.secret && route.secret in keys ? keys[route.secret] : 'good-key');
    const stateDir = await tempDir();
    const services = await openChain(config, { stateDir, adapterFor, keyFor });
    const before = { breakers: JSON.stringify(services.router.breakerStates()), queue: (await services.queue.list()).length, gate: services.ledger.gate(), spent: services.ledger.status().spentUsd };
    let budgetCost = 0;
    const report = await runDrill({
      routes: config.routes, policy: config.policy, adapterFor, keyFor, spend: services.ledger,
      budget: async () => {
        const step = await drillBudget(config, { adapterFor, keyFor });
        budgetCost = step.costUsd;
        return step;
      },
    });
    const afterState = { breakers: JSON.stringify(services.router.breakerStates()), queue: (await services.queue.list()).length, gate: services.ledger.gate(), spent: services.ledger.status().spentUsd };
    await services.dispose();
    return { report, before, after: afterState, budgetCost, estimate: drillEstimate(config.routes, true) };
  }

  it('passes every check on three healthy routes of three kinds, within its estimate, leaving the user\'s state as it was (prints the table)', async () => {
    const { report, before, after, budgetCost, estimate } = await drill(threeRoutes());
    const failed = report.cells.filter((c: DrillCell) => c.status !== 'pass');
    assert.deepEqual(failed, [], drillText(report));
    assert.deepEqual(report.checks, ['key', 'answer', 'stream', 'usage', 'tools', 'from openai-hot', 'from anthropic-warm', 'from gemini-warm', 'outage', 'budget']);
    for (const route of report.routes) {
      for (const check of ['key', 'answer', 'stream', 'usage', 'tools']) assert.equal(statusOf(report, route)[check], 'pass', `${route} ${check}`);
      const others = report.routes.filter((r) => r !== route);
      for (const from of others) assert.equal(statusOf(report, route)[`from ${from}`], 'pass', `${route} continues ${from}`);
    }
    assert.match(cellsOf(report, 'openai-hot').outage!.detail, /^(anthropic|gemini)-warm \(warm\) took over$/);
    assert.match(cellsOf(report, 'chain').budget!.detail, /paused at 80% \(budget-paused\): request queued; the webhook accepted the alert; resumed: drained by openai-hot/);
    assert.equal(webhook.posts.length, 1);
    assert.match(webhook.posts[0]!.text, /^Context Gateway failover drill \(a test; nothing real is paused\): the budget reached 80% of \$10\.00/);

    // A tool conversation started on each route reached every other one in its own format.
    assert.ok(fakes.gemini.requests.some((r) => r.rawBody.includes('functionResponse') && r.rawBody.includes('functionCall')), 'gemini got a translated tool history');
    assert.ok(fakes.anthropic.requests.every((r) => r.rejected === undefined), 'no request was refused by the strict checks');

    assert.equal(report.calls, estimate.calls, 'the estimate counts every call');
    assert.ok(report.costUsd > 0 && report.costUsd <= estimate.maxUsd, `cost ${report.costUsd} within the estimate ${estimate.maxUsd}`);
    assert.equal(after.breakers, before.breakers, 'the user\'s breakers are untouched');
    assert.equal(after.queue, before.queue, 'nothing left in the user\'s queue');
    assert.equal(after.gate, before.gate, 'no pause left behind');
    assert.ok(Math.abs(after.spent - before.spent - (report.costUsd - budgetCost)) < 1e-9, 'the drill\'s calls are charged in the user\'s ledger');
    console.log(`[drill table]\n${drillText(report)}`);
    assert.match(drillMarkdown(report), /^# Failover drill\n\n\| route \| key \| answer/);
  });

  it('fails each check for its own reason, says what to change, and skips what cannot run', async () => {
    behaviour.anthropic = (r) => (r.rawBody.includes('drill_echo') && !hasToolResult(r) ? { reply: { text: 'I would rather not use tools.' } } : modelLike(r));
    // Gemini: its own checks pass, then any history started elsewhere is refused.
    behaviour.gemini = (r) => (r.index >= 4 && hasToolResult(r) ? { fault: { type: 'http', failure: 'bad_request' } } : modelLike(r));
    fakes.openai.script({ reply: { text: 'ready' } }, { fault: { type: 'cut', afterEvents: 1, how: 'destroy' } });
    const routes = [
      routeOf('openai', 'hot'),
      routeOf('anthropic', 'warm'),
      routeOf('gemini', 'warm'),
      routeOf('openai', 'warm', { id: 'bad-key', secret: 'BAD_KEY' }),
      routeOf('anthropic', 'warm', { id: 'typo-model', model: 'claude-sonet-4-5' }),
      routeOf('gemini', 'warm', { id: 'keyless', secret: 'UNSET_KEY' }),
    ];
    const { report } = await drill(routes, { BAD_KEY: 'wrong-key', UNSET_KEY: undefined });
    const text = drillText(report);

    assert.equal(statusOf(report, 'openai-hot').stream, 'fail', text);
    assert.match(cellsOf(report, 'openai-hot').stream!.detail, /truncated_stream|connection/);

    assert.equal(statusOf(report, 'anthropic-warm').tools, 'fail', text);
    assert.match(cellsOf(report, 'anthropic-warm').tools!.detail, /no tool call; it answered "I would rather not use tools\."/);
    assert.match(cellsOf(report, 'anthropic-warm').tools!.fix!, /model with tool calling/);

    assert.equal(statusOf(report, 'gemini-warm')['from openai-hot'], 'fail', text);
    assert.match(cellsOf(report, 'gemini-warm')['from openai-hot']!.detail, /^history rejected: bad_request \(HTTP 400\)/);

    assert.equal(statusOf(report, 'bad-key').answer, 'fail', text);
    assert.match(cellsOf(report, 'bad-key').answer!.detail, /^auth \(HTTP 401\)/);
    assert.match(cellsOf(report, 'bad-key').answer!.fix!, /check that "BAD_KEY" holds a valid openai key/);
    assert.equal(statusOf(report, 'bad-key').tools, 'skipped');

    assert.equal(statusOf(report, 'typo-model').answer, 'fail', text);
    assert.match(cellsOf(report, 'typo-model').answer!.detail, /^not_found \(HTTP 404\)/);
    assert.match(cellsOf(report, 'typo-model').answer!.fix!, /model "claude-sonet-4-5" .* check the model name/);

    assert.equal(statusOf(report, 'keyless').key, 'fail', text);
    assert.match(cellsOf(report, 'keyless').key!.fix!, /UNSET_KEY/);
    assert.equal(statusOf(report, 'openai-hot')['from anthropic-warm'], undefined, 'no conversation came from a route whose tool call failed');
    assert.equal(statusOf(report, 'keyless')['from openai-hot'], 'skipped');
    assert.match(text, /failed/);
    assert.match(text, /Fix: /);
  });

  it('stops when cancelled: nothing more is sent, and the table says it was cut short', async () => {
    const { config } = parseChainConfig({ routes: threeRoutes(), policy: { timeoutMs: 5_000 } });
    const controller = new AbortController();
    const report = await runDrill({
      routes: config.routes, policy: config.policy, adapterFor, keyFor: async () => 'good-key', signal: controller.signal,
      onProgress: (line) => line.startsWith('anthropic-warm') && controller.abort(),
    });
    assert.equal(report.cancelled, true);
    assert.deepEqual([...new Set(report.cells.map((c) => c.route))], ['openai-hot'], 'only the first route was drilled');
    assert.equal(fakes.anthropic.requests.length + fakes.gemini.requests.length, 0, 'nothing was sent after the cancel');
    assert.match(drillText(report), /Cancelled: the checks not reached are not shown\./);
  });

  it('a cancel during the outage step is not reported as an outage', async () => {
    const { config } = parseChainConfig({ routes: threeRoutes(), policy: { timeoutMs: 5_000 } });
    const controller = new AbortController();
    behaviour.anthropic = (r) => (r.rawBody.includes('single word') && r.index >= 6 ? { reply: { text: 'slow' }, delayMs: 300 } : modelLike(r));
    behaviour.gemini = behaviour.anthropic;
    const report = await runDrill({
      routes: config.routes, policy: config.policy, adapterFor, keyFor: async () => 'good-key', signal: controller.signal,
      onProgress: (line) => line.startsWith('outage') && setTimeout(() => controller.abort(), 50),
    });
    assert.equal(report.cancelled, true);
    assert.equal(report.cells.find((c) => c.check === 'outage'), undefined, JSON.stringify(report.cells.filter((c) => c.check === 'outage')));
    assert.equal(report.cells.filter((c) => c.status === 'fail').length, 0, drillText(report));
  });

  it('reports a budget step that cannot run as a failed check, keeping the rest of the table', async () => {
    const { config } = parseChainConfig({ routes: [routeOf('openai', 'hot')], policy: { timeoutMs: 5_000 } });
    const report = await runDrill({
      routes: config.routes, policy: config.policy, adapterFor, keyFor: async () => 'good-key',
      budget: async () => {
        throw new Error('EACCES: permission denied, mkdtemp');
      },
    });
    assert.equal(cellsOf(report, 'openai-hot').answer!.status, 'pass');
    assert.deepEqual(cellsOf(report, 'chain').budget, { route: 'chain', check: 'budget', status: 'fail', detail: 'the check could not run: EACCES: permission denied, mkdtemp' });
  });

  it('runs from the command line: shows its estimate, asks (or --yes), keeps within --max-cost, exits 3 on a failed check', async () => {
    const dir = await tempDir();
    const routesFile = join(dir, 'routes.json');
    await writeFile(routesFile, JSON.stringify({ routes: threeRoutes(), policy: { timeoutMs: 5_000 }, budget: { limitUsd: 10 } }));
    const env = { ...process.env, OPENAI_KEY: 'good-key', ANTHROPIC_KEY: 'good-key', GEMINI_KEY: 'good-key' };
    const args = ['drill', '--routes', routesFile, '--state-dir', join(dir, 'state')];

    const unconfirmed = await runCli(args, env);
    assert.equal(unconfirmed.status, 1);
    assert.match(unconfirmed.stderr, /^The drill makes at most 20 small calls on 3 route\(s\), costing at most \$0\.\d{4}; they are charged in the ledger of /m);
    assert.match(unconfirmed.stderr, /Add --yes to run the drill without a prompt; nothing was sent\./);
    const declined = await runCli([...args, '--max-cost', '1'], env);
    assert.equal(declined.status, 1, 'not confirmed: it did not run');
    const unpricedFile = join(dir, 'unpriced.json');
    await writeFile(unpricedFile, JSON.stringify({ routes: [{ ...threeRoutes()[0], inputPricePerMTok: undefined, outputPricePerMTok: undefined, model: 'some-new-model' }] }));
    const unbounded = await runCli(['drill', '--routes', unpricedFile, '--state-dir', join(dir, 'state'), '--yes', '--max-cost', '1'], env);
    assert.equal(unbounded.status, 1);
    assert.match(unbounded.stderr, /--max-cost cannot be kept: openai-hot has no price/);
    const tooDear = await runCli([...args, '--yes', '--max-cost', '0.0001'], env);
    assert.equal(tooDear.status, 1);
    assert.match(tooDear.stderr, /over --max-cost \$0\.0001; nothing was sent/);
    assert.equal(Object.values(fakes).reduce((n, f) => n + f.requests.length, 0), 0, 'nothing reached a provider');

    const run = await runCli([...args, '--yes', '--json'], env);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as DrillReport;
    assert.deepEqual(report.cells.filter((c) => c.status !== 'pass'), []);
    assert.equal(report.calls, 20);

    const broken = await runCli([...args, '--yes'], { ...env, GEMINI_KEY: 'wrong-key' });
    assert.equal(broken.status, 3, broken.stderr);
    assert.match(broken.stdout, /^gemini-warm +pass +FAIL +skip/m);
    assert.match(broken.stdout, /gemini-warm \/ answer: failed: auth \(HTTP (400|401|403)\).*Fix: the provider refused the key: check that "GEMINI_KEY" holds a valid gemini key/);
  });
});
