// The team's cold queue on BullMQ against a real Redis: members in this process and in processes
// of their own, fake providers on loopback counting what they received, the append-only file
// read back to prove no prompt text is kept in clear.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import type { ColdQueue, DrainSend, QueuedRequest } from '../../src/gateway/guardrails/coldQueue';
import { idempotencyKey } from '../../src/gateway/guardrails/idempotency';
import { LocalColdQueue } from '../../src/gateway/guardrails/local/coldQueue';
import { QueueCipher } from '../../src/gateway/guardrails/redis/queueCipher';
import { defaultRequester, RedisColdQueue } from '../../src/gateway/guardrails/redis/redisColdQueue';
import { newTeamKey, parseTeamKey } from '../../src/gateway/guardrails/redis/teamKey';
import type { TeamEvent } from '../../src/gateway/guardrails/teamEvents';
import type { ChatRequest } from '../../src/gateway/ir';
import { openChain } from '../../src/gateway/openChain';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import { DEFAULT_POLICY } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import type { Route } from '../../src/gateway/routing/routes';
import { startFakeProvider, type FakeProvider } from '../fakes/index';
import { CLI } from './support/cliProcess';
import { startRedis, type RedisServer } from './support/redisServer';
import { tempDir } from './support/tempDir';

const run = promisify(execFile);
const MARKER = 'PROMPT-MARKER-b7e41c';
const KEY = newTeamKey();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function request(n: number | string): ChatRequest {
  return { messages: [{ role: 'user', parts: [{ type: 'text', text: `${MARKER} explain parseRoutes ${n}` }] }] };
}

function entry(n: number | string): Omit<QueuedRequest, 'id' | 'seq' | 'createdAt'> {
  const req = request(n);
  const key = idempotencyKey(req);
  return { reason: 'all-routes-failed', request: req, idempotencyKey: `${key}-${n}`, requestKey: key, label: `${MARKER} label ${n}`, attempts: [] };
}

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

describe('queue cipher', () => {
  it('opens only with the same key and the same record id', () => {
    const cipher = new QueueCipher(parseTeamKey(KEY));
    const sealed = cipher.seal(`${MARKER} text`, 'q-1');
    assert.ok(!Buffer.from(sealed, 'base64').toString('latin1').includes(MARKER));
    assert.equal(cipher.open(sealed, 'q-1'), `${MARKER} text`);
    assert.throws(() => cipher.open(sealed, 'q-2'), /cannot be decrypted with this team key/);
    assert.throws(() => new QueueCipher(parseTeamKey(newTeamKey())).open(sealed, 'q-1'), /cannot be decrypted with this team key/);
    assert.throws(() => cipher.open('AAAA', 'q-1'), /too short/);
    assert.notEqual(cipher.seal('same', 'q-1'), cipher.seal('same', 'q-1'), 'a fresh IV each time');
  });
});

describe('team cold queue on Redis', () => {
  let redis: RedisServer;
  let fake: FakeProvider;
  let namespace = '';
  let opened: RedisColdQueue[] = [];
  let routers: Router[] = [];

  before(async () => {
    redis = await startRedis();
    fake = await startFakeProvider('openai');
  });
  after(async () => {
    await Promise.all([fake.close(), redis.stop()]);
  });
  afterEach(async () => {
    await Promise.all(opened.map((q) => q.close()));
    await Promise.all(routers.map((r) => r.dispose()));
    opened = [];
    routers = [];
    fake.reset();
  });

  const route = (): Route => ({ id: 'first', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: fake.url, secret: 'KEY', maxOutputTokens: 64 });
  const newNamespace = () => {
    namespace = `q-${Math.random().toString(36).slice(2, 10)}`;
  };
  const team = (drainPerSecond = 20) => ({ redisUrl: redis.url, namespace, timeoutMs: 300, drainPerSecond });

  async function member(options: { requester?: string; teamKey?: string; drainPerSecond?: number; lockMs?: number } = {}) {
    const local = await LocalColdQueue.open(await tempDir(), { maxAgeMs: 3_600_000 });
    const events: TeamEvent[] = [];
    const queue = await RedisColdQueue.open(team(options.drainPerSecond), local, (e) => events.push(e), {
      teamKey: options.teamKey ?? KEY, requester: options.requester ?? 'alice', ...(options.lockMs ? { lockMs: options.lockMs } : {}),
    });
    if (queue instanceof RedisColdQueue) opened.push(queue);
    return { queue, local, events };
  }

  /** Sends through a real router to the fake provider. */
  function sendVia(): DrainSend {
    const router = new Router({
      routes: [route()], adapterFor, keyFor: async () => 'test-key',
      policy: { ...DEFAULT_POLICY, retries: 0, timeoutMs: 2_000, firstByteTimeoutMs: 2_000, idleTimeoutMs: 2_000 },
    });
    routers.push(router);
    return async (e) => {
      const a = await router.send(e.request, { idempotencyKey: e.idempotencyKey });
      return { answer: { route: a.route.id, provider: a.route.provider, model: a.route.model, response: a.response } };
    };
  }

  async function drainAll(queue: ColdQueue, send: DrainSend, ms = 20_000, events: TeamEvent[] = []): Promise<Set<string>> {
    const ids = new Set<string>();
    const end = Date.now() + ms;
    for (;;) {
      const report = await queue.drain(send);
      for (const a of report.answered) ids.add(a.id);
      if (report.remaining === 0 && !report.stoppedBecause) return ids;
      if (Date.now() > end) assert.fail(`queue not drained within ${ms} ms: ${report.stoppedBecause ?? ''} (${report.remaining} left) ${JSON.stringify(events)}`);
      await sleep(200);
    }
  }

  it('the same request queued twice from two processes is one job, answered for both requesters with one provider call', async () => {
    newNamespace();
    const script = join(__dirname, '..', 'support', 'teamQueueClient.js');
    const queueFrom = async (requester: string) => {
      const setup = JSON.stringify({ redisUrl: redis.url, namespace, teamKey: KEY, requester, stateDir: await tempDir(), prompt: `${MARKER} explain parseRoutes twice` });
      return JSON.parse((await run(process.execPath, [script, setup])).stdout) as { id: string; backend: string };
    };
    const [a, b] = await Promise.all([queueFrom('alice'), queueFrom('bob')]);
    assert.equal(a.backend, 'redis');
    assert.equal(a.id, b.id);
    const { queue } = await member({ requester: 'worker' });
    assert.equal((await queue.list()).length, 1, 'one job');
    const drained = await drainAll(queue, sendVia());
    assert.deepEqual([...drained], [a.id]);
    assert.equal(fake.requests.length, 1);
    for (const requester of ['alice', 'bob']) {
      const mine = await member({ requester });
      assert.equal((await mine.queue.answer(a.id))?.route, 'first', `${requester} finds its answer`);
    }
  });

  it('a job stays queued until its answer is stored; the requester reads it, another requester does not', async () => {
    newNamespace();
    const alice = await member({ requester: 'alice' });
    const worker = await member({ requester: 'worker' });
    const carol = await member({ requester: 'carol' });
    const queued = await alice.queue.add(entry('b'));
    const send = sendVia();
    let listedDuringSend = -1;
    const report = await worker.queue.drain(async (e) => {
      const result = await send(e);
      listedDuringSend = (await alice.queue.list()).filter((x) => x.id === queued.id).length;
      assert.equal(await alice.queue.answer(queued.id), undefined, 'no answer before it is stored');
      return result;
    });
    assert.equal(listedDuringSend, 1, 'still queued while it is being sent');
    assert.deepEqual(report.answered.map((a) => a.id), [queued.id]);
    assert.deepEqual(await alice.queue.list(), []);
    const answer = await alice.queue.answer(queued.id);
    assert.equal(answer?.label, `${MARKER} label b`);
    assert.equal(answer?.route, 'first');
    assert.equal(await carol.queue.answer(queued.id), undefined, 'another requester does not see it');
    assert.equal(await worker.queue.answer(queued.id), undefined, 'nor does the worker that drained it');
    assert.equal(fake.requests.length, 1);
  });

  it('a paused budget holds the team queue: no provider call, every job stays; after resume all are sent', async () => {
    newNamespace();
    const { config } = parseChainConfig({ routes: [route()], policy: { retries: 0 }, budget: { limitUsd: 5 } });
    const services = await openChain(config, {
      stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key',
      backends: { queue: async (local, onEvent) => {
        const q = await RedisColdQueue.open(team(), local, onEvent, { teamKey: KEY, requester: 'alice' });
        if (q instanceof RedisColdQueue) opened.push(q);
        return q;
      } },
    });
    try {
      assert.equal(services.queue.backend, 'redis');
      for (const n of [1, 2, 3]) await services.queue.add(entry(`c${n}`));
      await services.ledger.pause();
      const held = await services.chain.drain();
      assert.match(held.stoppedBecause ?? '', /paus/i);
      assert.equal(held.remaining, 3);
      assert.equal(fake.requests.length, 0, 'no provider call while paused');
      assert.equal((await services.queue.list()).length, 3);
      await services.ledger.resume();
      const sent = await services.chain.drain();
      assert.equal(sent.answered.length, 3);
      assert.equal(sent.remaining, 0);
      assert.equal(fake.requests.length, 3);
    } finally {
      await services.dispose();
    }
  });

  it('pacing: a drain at drainPerSecond never sends more than that many in any second', async (t) => {
    newNamespace();
    const rate = 4;
    const n = 9;
    const { queue } = await member({ drainPerSecond: rate });
    for (let i = 0; i < n; i++) await queue.add(entry(`d${i}`));
    const started = Date.now();
    const report = await queue.drain(sendVia());
    const took = Date.now() - started;
    assert.equal(report.answered.length, n);
    const times = fake.requests.map((r) => r.time).sort((a, b) => a - b);
    assert.equal(times.length, n);
    let most = 0;
    for (const start of times) most = Math.max(most, times.filter((x) => x >= start && x < start + 1_000).length);
    const gaps = times.slice(1).map((x, i) => x - times[i]!);
    t.diagnostic(`jobs ${n} at ${rate}/s: took ${took} ms, most sends in any 1 s window ${most}, smallest gap ${Math.min(...gaps)} ms`);
    assert.ok(most <= rate, `${most} sends within one second`);
    assert.ok(took >= ((n - 1) * 1_000) / rate - 50, `paced, not all at once (${took} ms)`);
    assert.ok(took < ((n - 1) * 1_000 / rate) * 1.25 + 2_000, `not slower than the rate with its jitter (${took} ms)`);
  });

  it('kill -9 of Redis in the middle of a drain: every queued request is answered exactly once, none lost', async (t) => {
    newNamespace();
    const n = 8;
    const alice = await member({ requester: 'alice', drainPerSecond: 5, lockMs: 1_500 });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await alice.queue.add(entry(`e${i}`))).id);
    fake.script(...Array.from({ length: n }, () => ({ delayMs: 150 })));
    const send = sendVia();
    const answered = new Set<string>();
    const first = alice.queue.drain(send);
    await until('three sent', () => fake.requests.length >= 3);
    await redis.kill9();
    let report;
    try {
      report = await first;
      for (const a of report.answered) answered.add(a.id);
    } finally {
      await redis.restart();
    }
    t.diagnostic(`first drain: ${answered.size} answered, stopped because: ${report.stoppedBecause ?? 'it finished'}`);
    await until('connected again', () => alice.events.at(-1)?.state === 'connected');
    for (const id of await drainAll(alice.queue, send)) answered.add(id);
    let found = 0;
    for (const id of ids) if ((await alice.queue.answer(id))?.route === 'first') found++;
    const calls = fake.requests.length;
    t.diagnostic(`queued ${n}, provider calls ${calls}, answered ${found}, lost ${n - found}`);
    assert.equal(found, n, 'every queued request has its answer');
    assert.equal(calls, n, 'each was sent exactly once');
    assert.deepEqual(await alice.queue.list(), []);
  });

  it('Redis down: add goes to the local queue with a degraded event, nothing lost; drained once it is back', async () => {
    newNamespace();
    const alice = await member({ requester: 'alice' });
    await redis.kill9();
    let local: QueuedRequest[];
    try {
      await until('degraded', () => alice.events.some((e) => e.state === 'degraded'));
      local = [await alice.queue.add(entry('f1')), await alice.queue.add(entry('f2'))];
      assert.equal((await alice.local.list()).length, 2, 'kept on this machine');
      assert.match(alice.events.find((e) => e.state === 'degraded')!.detail ?? '', /queued on this machine/);
    } finally {
      await redis.restart();
    }
    await until('connected again', () => alice.events.at(-1)?.state === 'connected');
    assert.equal((await alice.queue.list()).length, 2, 'listed with the team queue');
    await drainAll(alice.queue, sendVia(), 20_000, alice.events);
    assert.equal(fake.requests.length, 2);
    for (const e of local) assert.equal((await alice.queue.answer(e.id))?.route, 'first');
    assert.deepEqual(await alice.queue.list(), []);
  });

  it('no team key: the queue stays local and says to set the team key', async () => {
    newNamespace();
    const local = await LocalColdQueue.open(await tempDir(), { maxAgeMs: 3_600_000 });
    const events: TeamEvent[] = [];
    const queue = await RedisColdQueue.open(team(), local, (e) => events.push(e), {});
    assert.equal(queue, local);
    assert.equal(events[0]?.state, 'degraded');
    assert.match(events[0]?.detail ?? '', /Set Team Key/);
    assert.match(events[0]?.detail ?? '', /CONTEXT_GATEWAY_TEAM_KEY/);
  });

  it('Redis and its append-only file hold no prompt text in clear; another team key reads entries as unreadable, with why', async () => {
    newNamespace();
    const alice = await member({ requester: 'alice' });
    await alice.queue.add(entry('g1'));
    await alice.queue.drain(sendVia());
    await alice.queue.add(entry('g2'));
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      const keys = await raw.keys(`${namespace}:*`);
      assert.ok(keys.length > 0);
      let values = '';
      for (const key of keys) values += JSON.stringify(await raw.dump(key)) + (await raw.type(key) === 'hash' ? JSON.stringify(await raw.hgetall(key)) : '');
      assert.ok(!values.includes(MARKER), 'no raw value holds the prompt');
    } finally {
      raw.disconnect();
    }
    let aof = '';
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else aof += (await readFile(join(dir, e.name))).toString('latin1');
      }
    };
    await walk(redis.dir);
    assert.ok(aof.includes(`${namespace}:queue`), 'the append-only file holds the queue');
    assert.ok(!aof.includes(MARKER), 'and no prompt or label text');

    const mallory = await member({ requester: 'mallory', teamKey: newTeamKey() });
    const setAside: Array<{ file: string; reason: string }> = [];
    assert.deepEqual(await mallory.queue.list(setAside), []);
    assert.equal(setAside.length, 1);
    assert.match(setAside[0]!.reason, /cannot be decrypted with this team key.*Set Team Key/);
    const report = await mallory.queue.drain(sendVia());
    assert.equal(report.answered.length, 0);
    assert.equal(report.setAside?.length, 1);
    assert.equal(fake.requests.length, 1, 'only the first drain sent anything');
    assert.match((await mallory.queue.unreadable())[0]?.reason ?? '', /cannot be decrypted/);
  });
  it('the editor that queued a request is told of its answer when another member drains it', async () => {
    newNamespace();
    // Alice's only route is down: her request is queued in the team queue.
    const down: Route = { ...route(), id: 'down', baseUrl: 'http://127.0.0.1:9' };
    const { config } = parseChainConfig({ routes: [down], policy: { retries: 0 } });
    const services = await openChain(config, {
      stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key',
      backends: { queue: async (local, onEvent) => {
        const q = await RedisColdQueue.open(team(), local, onEvent, { teamKey: KEY, requester: 'alice' });
        if (q instanceof RedisColdQueue) opened.push(q);
        return q;
      } },
    });
    try {
      const answered: string[] = [];
      services.chain.onEvent((e) => {
        if (e.type === 'queue-answered') answered.push(e.id);
      });
      const result = await services.chain.ask(request('elsewhere'));
      assert.equal(result.status, 'queued');
      const id = result.status === 'queued' ? result.queueId : '';
      // The worker (another member, with a live route) drains it.
      const worker = await member({ requester: 'worker' });
      const drainedThere = await drainAll(worker.queue, sendVia());
      assert.deepEqual([...drainedThere], [id]);
      assert.equal(fake.requests.length, 1);
      assert.deepEqual(answered, [], 'not told before its own chain looks');
      // Alice's next drain (her scheduler's probe) finds nothing to send, and the answer stored for her.
      const report = await services.chain.drain();
      assert.equal(report.answered.length, 0);
      assert.deepEqual(answered, [id], 'told once, with the id it was queued under');
      await services.chain.drain();
      assert.deepEqual(answered, [id], 'and not again');
      assert.equal(fake.requests.length, 1, 'the answer was not asked again');
    } finally {
      await services.dispose();
    }
  });

  it('queue list, drain and show on the command line read the team queue when the routes file has a team section', async () => {
    newNamespace();
    // This user on this machine queued it (from an editor), so the CLI of the same user reads its answer.
    const editor = await member({ requester: defaultRequester() });
    const queued = await editor.queue.add(entry('cli'));
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({ routes: [route()], policy: { retries: 0 }, team: { redisUrl: redis.url, namespace, drainPerSecond: 20 } }));
    const cli = (...args: string[]) => run(process.execPath, [CLI, 'queue', ...args, '--routes', routes, '--state-dir', join(dir, 'state'), '--json'], { env: { ...process.env, KEY: 'test-key', CONTEXT_GATEWAY_TEAM_KEY: KEY } });
    const listed = JSON.parse((await cli('list')).stdout) as { queued: Array<{ id: string; label: string }> };
    assert.deepEqual(listed.queued.map((q) => q.id), [queued.id], 'the team job is listed, with its label opened by the team key');
    assert.match(listed.queued[0]!.label, /label cli/);
    const drained = JSON.parse((await cli('drain')).stdout) as { answered: Array<{ id: string }>; remaining: number };
    assert.deepEqual(drained.answered.map((a) => a.id), [queued.id]);
    assert.equal(drained.remaining, 0);
    assert.equal(fake.requests.length, 1, 'one provider call for the queued request');
    const shown = JSON.parse((await cli('show', queued.id)).stdout) as { id: string; route: string };
    assert.equal(shown.id, queued.id);
    assert.equal(shown.route, 'first');
    assert.equal((await editor.queue.answer(queued.id))?.route, 'first', 'the editor that queued it reads the answer too');
    await assert.rejects(cli('show', 'q-../../etc'), /is not a queue id/);
  });

  it('the headless worker drains the team queue when the routes file has a team section and the team key is set', async () => {
    newNamespace();
    const alice = await member({ requester: 'alice' });
    const ids = [(await alice.queue.add(entry('w1'))).id, (await alice.queue.add(entry('w2'))).id];
    const dir = await tempDir();
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({ routes: [route()], policy: { retries: 0 }, team: { redisUrl: redis.url, namespace, drainPerSecond: 20 } }));
    const child = spawn(process.execPath, [CLI, 'worker', '--routes', routes, '--state-dir', join(dir, 'state'), '--interval-ms', '200'], { env: { ...process.env, KEY: 'test-key', CONTEXT_GATEWAY_TEAM_KEY: KEY } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await until('both answered', async () => (await Promise.all(ids.map((id) => alice.queue.answer(id)))).every((a) => a?.route === 'first'), 15_000);
      assert.match(output, /queue redis/);
      assert.equal(fake.requests.length, 2);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
