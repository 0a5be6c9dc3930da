// The budget webhook (`serve`) as a billing pipeline and the clients sharing the budget see it:
// real processes, the fake provider counting what reaches it, and a notification hook.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { CLI, runCli } from './support/cliProcess';
import { tempDir } from './support/tempDir';

const TOKEN = 'a-long-enough-bearer-token-0123456789';
let openai: FakeProvider;
const hook = { received: [] as string[], url: '', close: async () => {} };

before(async () => {
  openai = await startFakeProvider('openai');
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hook.received.push(body);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hook.close = () => new Promise((resolve) => server.close(() => resolve()));
});
after(async () => {
  await openai.close();
  await hook.close();
});

async function setup() {
  const dir = await tempDir();
  const routes = join(dir, 'routes.json');
  await writeFile(routes, JSON.stringify({
    routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'FAKE_KEY', maxOutputTokens: 200, inputPricePerMTok: 0.15, outputPricePerMTok: 0.6 }],
    policy: { retries: 0, timeoutMs: 5_000 },
    budget: { limitUsd: 10, period: 'month', pauseAtPercent: 80 },
    notifications: { webhookUrl: hook.url },
  }));
  return { routes, stateDir: join(dir, 'state') };
}

/** Starts `serve` on a free port and resolves with its base URL once it listens. */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      output += d;
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, child, output: () => output });
    });
    child.stderr!.on('data', (d) => (output += d));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

async function post(url: string, body: string | undefined, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) });
  return { status: response.status, json: await response.json() as Record<string, unknown> };
}

const auth = { authorization: `Bearer ${TOKEN}` };
const until = async (check: () => Promise<boolean> | boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('serve: the budget webhook', () => {
  it('refuses to start without a bearer token, and says where to put one', async () => {
    const { routes, stateDir } = await setup();
    const run = await runCli(['serve', '--routes', routes, '--state-dir', stateDir, '--port', '0'], { ...process.env, CONTEXT_GATEWAY_WEBHOOK_TOKEN: '' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /serve needs a bearer token of at least 16 characters in CONTEXT_GATEWAY_WEBHOOK_TOKEN/);
  });

  it('answers 401 without the token, 404/405 off its two routes, 413 for a large body, 400 for bad JSON or fields', async () => {
    const { routes, stateDir } = await setup();
    const server = await serve(['--routes', routes, '--state-dir', stateDir], { ...process.env, CONTEXT_GATEWAY_WEBHOOK_TOKEN: TOKEN });
    try {
      assert.equal((await post(`${server.url}/budget/alert`, '{"percent":90}')).status, 401);
      assert.equal((await post(`${server.url}/budget/alert`, '{"percent":90}', { authorization: `Bearer ${TOKEN}x` })).status, 401);
      assert.equal((await post(`${server.url}/budget/alert`, '{"percent":90}', { authorization: TOKEN })).status, 401);
      assert.equal((await post(`${server.url}/healthz`, '{}', auth)).status, 404);
      assert.equal((await fetch(`${server.url}/budget/alert`, { headers: auth })).status, 405);
      const big = await post(`${server.url}/budget/alert`, JSON.stringify({ percent: 1, pad: 'x'.repeat(20_000) }), auth);
      assert.equal(big.status, 413);
      const broken = await post(`${server.url}/budget/alert`, '{"percent":', auth);
      assert.equal(broken.status, 400);
      assert.match(String(broken.json.error), /not valid JSON/);
      const wrong = await post(`${server.url}/budget/alert`, '{"percent":"90"}', auth);
      assert.equal(wrong.status, 400);
      assert.match(String(wrong.json.error), /"percent" must be a number/);
      const extra = await post(`${server.url}/budget/alert`, '{"percent":90,"note":"x"}', auth);
      assert.equal(extra.status, 400);
      // None of these changed anything: a request still goes out.
      const asked = await runCli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', 'still open?', '--json'], { ...process.env, FAKE_KEY: 'test-key' });
      assert.equal(asked.status, 0, asked.stderr);
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  it('an alert at the pause threshold holds every client\'s requests (queued, no provider call), tells the hook, and resume drains them', async () => {
    openai.reset();
    hook.received.length = 0;
    const { routes, stateDir } = await setup();
    const env = { ...process.env, FAKE_KEY: 'test-key', CONTEXT_GATEWAY_WEBHOOK_TOKEN: TOKEN };
    const server = await serve(['--routes', routes, '--state-dir', stateDir], env);
    try {
      const below = await post(`${server.url}/budget/alert`, JSON.stringify({ spentUsd: 5 }), auth);
      assert.deepEqual([below.status, below.json.paused, below.json.percent], [200, false, 50]);
      const cloud = await post(`${server.url}/budget/alert`, JSON.stringify({ budgetDisplayName: 'ai', costAmount: 8.2, budgetAmount: 10, alertThresholdExceeded: 0.8, currencyCode: 'USD' }), auth);
      assert.deepEqual([cloud.status, cloud.json.paused, cloud.json.gate], [200, true, 'manual-pause']);
      await until(() => hook.received.some((n) => /requests are held/.test(n)));
      const asks = await Promise.all(['first client', 'second client'].map((p) => runCli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', p, '--json'], env)));
      for (const a of asks) assert.equal(a.status, 75, a.stdout + a.stderr);
      assert.equal(openai.requests.length, 0, 'a paused budget sent nothing');
      const resumed = await post(`${server.url}/budget/resume`, undefined, auth);
      assert.deepEqual([resumed.status, resumed.json.resumed], [200, true]);
      await until(() => openai.requests.length === 2);
      let listed = '';
      await until(async () => {
        const list = await runCli(['queue', 'list', '--state-dir', stateDir, '--json'], env);
        listed = list.stdout + list.stderr;
        return (JSON.parse(list.stdout) as { queued: unknown[] }).queued.length === 0;
      }).catch((e: Error) => assert.fail(`${e.message}: ${listed} / serve said: ${server.output()}`));
      assert.equal(openai.requests.length, 2, 'each queued request was sent once');
    } finally {
      server.child.kill('SIGTERM');
    }
  });
});
