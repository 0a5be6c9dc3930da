// The headless worker (`worker`) as a service manager runs it: a real process draining the queue
// the CLI filled, its health endpoint, and SIGTERM finishing the request in hand.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { CLI, runCli } from './support/cliProcess';
import { tempDir } from './support/tempDir';

let openai: FakeProvider;
before(async () => {
  openai = await startFakeProvider('openai');
});
after(async () => {
  await openai.close();
});

async function setup() {
  const dir = await tempDir();
  const routes = join(dir, 'routes.json');
  await writeFile(routes, JSON.stringify({
    routes: [{ id: 'main', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: openai.url, secret: 'FAKE_KEY', maxOutputTokens: 200 }],
    policy: { retries: 0, timeoutMs: 10_000, breakerThreshold: 100 },
  }));
  return { routes, stateDir: join(dir, 'state') };
}

const env = { ...process.env, FAKE_KEY: 'test-key' };

function startWorker(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null>; when: (pattern: RegExp, ms?: number) => Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [CLI, 'worker', ...args], { env });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const when = async (pattern: RegExp, ms = 10_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (Date.now() > end) throw new Error(`no ${pattern} in the worker's output: ${output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, output: () => output, exited, when };
}

async function queueThree(routes: string, stateDir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const prompt of ['one', 'two', 'three']) {
    openai.script({ fault: { type: 'http', failure: 'overloaded' } });
    const asked = await runCli(['ask', '--routes', routes, '--state-dir', stateDir, '--prompt', `queued ${prompt}`, '--json'], env);
    assert.equal(asked.status, 75, asked.stdout + asked.stderr);
    ids.push(JSON.parse(asked.stdout).queueId as string);
  }
  return ids;
}

describe('worker: the queue drained with no editor open', () => {
  it('answers what was queued, once each, reports health, and exits 0 on SIGTERM', async () => {
    openai.reset();
    const { routes, stateDir } = await setup();
    const ids = await queueThree(routes, stateDir);
    const failedCalls = openai.requests.length;
    const worker = startWorker(['--routes', routes, '--state-dir', stateDir, '--interval-ms', '200', '--listen', '127.0.0.1:0']);
    try {
      const port = (await worker.when(/health on http:\/\/127\.0\.0\.1:(\d+)\/healthz/))[1];
      for (const id of ids) await worker.when(new RegExp(`answered ${id} on main`));
      assert.equal(openai.requests.length - failedCalls, 3, 'one provider call per queued request');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      const body = await health.json() as { status: string; waiting: number; queue: string };
      assert.deepEqual([body.status, body.waiting, body.queue], ['ok', 0, 'local']);
      assert.equal((await fetch(`http://127.0.0.1:${port}/budget/alert`)).status, 404);
      for (const id of ids) {
        const shown = await runCli(['queue', 'show', id, '--state-dir', stateDir, '--json'], env);
        assert.equal(shown.status, 0, shown.stderr);
        assert.equal(JSON.parse(shown.stdout).route, 'main');
      }
    } finally {
      worker.child.kill('SIGTERM');
    }
    assert.equal(await worker.exited, 0, worker.output());
    assert.match(worker.output(), /SIGTERM: finishing the request in hand, then stopping[\s\S]*worker stopped/);
  });

  it('SIGTERM during a request lets that request finish and be stored; the rest stay queued', async () => {
    openai.reset();
    const { routes, stateDir } = await setup();
    const ids = await queueThree(routes, stateDir);
    openai.reset();
    openai.script({ delayMs: 1_500, reply: { text: 'slow but whole' } });
    const worker = startWorker(['--routes', routes, '--state-dir', stateDir, '--interval-ms', '200']);
    await worker.when(/worker started/);
    const end = Date.now() + 10_000;
    while (openai.requests.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.output());
    assert.equal(openai.requests.length, 1, 'no new request after the signal');
    assert.match(worker.output(), new RegExp(`answered ${ids[0]} on main`));
    const list = JSON.parse((await runCli(['queue', 'list', '--state-dir', stateDir, '--json'], env)).stdout) as { queued: Array<{ id: string }> };
    assert.deepEqual(list.queued.map((e) => e.id), ids.slice(1));
  });
});
