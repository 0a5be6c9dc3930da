// Breakers shared by a team through a real Redis: independent clients (each with its own
// connections and router, in this process or in processes of their own) against fake providers
// on loopback, counting what each fake received.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, afterEach, before, describe, it } from 'node:test';
import { parseChainConfig } from '../../src/gateway/chainConfig';
import { openChain, type ChainEvent } from '../../src/gateway/openChain';
import { RedisBreakers } from '../../src/gateway/guardrails/redis/redisBreakers';
import type { TeamEvent } from '../../src/gateway/guardrails/teamEvents';
import { adapterFor } from '../../src/gateway/routing/adapters/index';
import type { Attempt, GatewayEvent } from '../../src/gateway/routing/events';
import { DEFAULT_POLICY, type PolicyConfig } from '../../src/gateway/routing/policyConfig';
import { Router } from '../../src/gateway/routing/router';
import type { Route } from '../../src/gateway/routing/routes';
import { startFakeProvider, type FakeProvider, type FakeStep } from '../fakes/index';
import { startRedis, type RedisServer } from './support/redisServer';
import { tempDir } from './support/tempDir';

const FAIL: FakeStep = { fault: { type: 'http', failure: 'server_error' } };
const REQUEST = { messages: [{ role: 'user' as const, parts: [{ type: 'text' as const, text: 'Explain parseRoutes.' }] }] };

interface Client {
  readonly team: RedisBreakers;
  readonly router: Router;
  readonly events: GatewayEvent[];
  readonly teamEvents: TeamEvent[];
  ask(): Promise<{ route: string | undefined; attempts: readonly Attempt[] }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, test: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

describe('team breakers on Redis', () => {
  let redis: RedisServer;
  let first: FakeProvider;
  let second: FakeProvider;
  let clients: Client[] = [];
  let namespace = '';

  before(async () => {
    redis = await startRedis();
    first = await startFakeProvider('openai');
    second = await startFakeProvider('openai');
  });
  after(async () => {
    await Promise.all([first.close(), second.close(), redis.stop()]);
  });
  afterEach(async () => {
    await Promise.all(clients.map(async (c) => {
      await c.router.dispose();
      await c.team.close();
    }));
    clients = [];
    first.reset();
    second.reset();
  });

  const routes = (): Route[] => [
    { id: 'first', tier: 'hot', provider: 'openai', model: 'gpt-4o-mini', baseUrl: first.url, secret: 'KEY', maxOutputTokens: 64 },
    { id: 'second', tier: 'warm', provider: 'openai', model: 'gpt-4o-mini', baseUrl: second.url, secret: 'KEY', maxOutputTokens: 64 },
  ];

  async function client(policy: Partial<PolicyConfig>, refreshMs = 60_000, timeoutMs = 300): Promise<Client> {
    const team = await RedisBreakers.open({ redisUrl: redis.url, namespace, timeoutMs }, { refreshMs });
    const events: GatewayEvent[] = [];
    const teamEvents: TeamEvent[] = [];
    team.onTeamEvent((e) => teamEvents.push(e));
    const router = new Router({
      routes: routes(), adapterFor, keyFor: async () => 'test-key', teamBreakers: team, onEvent: (e) => events.push(e),
      policy: { ...DEFAULT_POLICY, retries: 0, timeoutMs: 2_000, firstByteTimeoutMs: 2_000, idleTimeoutMs: 2_000, ...policy },
    });
    const c: Client = {
      team, router, events, teamEvents,
      ask: () => router.send(REQUEST).then((a) => ({ route: a.route.id, attempts: a.attempts }), (e: { attempts: Attempt[] }) => ({ route: undefined, attempts: e.attempts })),
    };
    clients.push(c);
    return c;
  }

  const newNamespace = () => {
    namespace = `t-${randomUUID().slice(0, 8)}`;
  };

  it('a breaker one client opened is skipped by the others without a call to its route', async () => {
    newNamespace();
    const [a, b, c] = [await client({ breakerThreshold: 2 }), await client({ breakerThreshold: 2 }), await client({ breakerThreshold: 2 })];
    first.script(FAIL, FAIL);
    assert.equal((await a.ask()).route, 'second');
    assert.equal((await a.ask()).route, 'second');
    await until('b and c see the route open', () => b.team.view('first') === 'open' && c.team.view('first') === 'open');
    for (const other of [b, c]) {
      for (let i = 0; i < 3; i++) {
        const answer = await other.ask();
        assert.equal(answer.route, 'second');
        assert.equal(answer.attempts[0]!.outcome, 'breaker-open');
        assert.equal(answer.attempts[0]!.skipped, true);
        assert.match(answer.attempts[0]!.message!, /another client found this route failing/);
      }
    }
    assert.equal(first.requests.length, 2, 'only a\'s two calls reached the failing route');
    assert.equal(second.requests.length, 8);
  });

  it('a change is pushed: a client that made no call shows the route open and hears a breaker event', async () => {
    newNamespace();
    const a = await client({ breakerThreshold: 1 });
    const idle = await client({ breakerThreshold: 1 });
    first.script(FAIL);
    await a.ask();
    await until('the idle client hears the breaker open', () => idle.events.some((e) => e.type === 'breaker' && e.route === 'first' && e.state === 'open'));
    assert.equal(idle.router.routeStatus().find((s) => s.route.id === 'first')!.breaker, 'open');
    assert.equal(idle.router.routeStatus().find((s) => s.route.id === 'second')!.breaker, 'closed');
    assert.equal(first.requests.length, 1);
  });

  it('half-open: of eight clients asking at once exactly one probe reaches the route; after it succeeds all send again', async () => {
    newNamespace();
    const all: Client[] = [];
    for (let i = 0; i < 8; i++) all.push(await client({ breakerThreshold: 1, halfOpenAfterMs: 400 }));
    // The probe answers slowly, so the other clients ask while it is in flight.
    first.script(FAIL, { delayMs: 300 });
    await all[0]!.ask();
    await until('all see it open', () => all.every((c) => c.team.view('first') === 'open'));
    await sleep(500);
    const answers = await Promise.all(all.map((c) => c.ask()));
    const probes = answers.filter((a) => a.route === 'first');
    assert.equal(probes.length, 1, 'exactly one client probed');
    assert.equal(first.requests.length, 2, 'the failure, then one probe');
    const skipped = answers.filter((a) => a.route === 'second');
    assert.equal(skipped.length, 7);
    for (const s of skipped) assert.match(s.attempts[0]!.message!, /a probe by another client is in flight/);
    await until('all see it closed', () => all.every((c) => c.router.routeStatus()[0]!.breaker === 'closed'));
    const again = await Promise.all(all.map((c) => c.ask()));
    assert.deepEqual(again.map((a) => a.route), Array(8).fill('first'));
    assert.equal(first.requests.length, 10);
  });

  it('Redis killed mid-run: requests are answered on local breakers, degraded said once, connected again after the restart', async () => {
    newNamespace();
    const a = await client({ breakerThreshold: 2 }, 60_000, 200);
    const b = await client({ breakerThreshold: 2 }, 60_000, 200);
    await redis.kill9();
    try {
      await until('both degraded', () => [a, b].every((c) => c.teamEvents.some((e) => e.part === 'breakers' && e.state === 'degraded')));
      first.script(FAIL, FAIL);
      const started = Date.now();
      assert.equal((await a.ask()).route, 'second');
      assert.equal((await a.ask()).route, 'second');
      const third = await a.ask();
      assert.equal(third.route, 'second');
      assert.equal(third.attempts[0]!.message, 'breaker open; skipped without a call');
      assert.ok(Date.now() - started < 3_000, `three requests took ${Date.now() - started} ms`);
      assert.equal(first.requests.length, 2, 'the local breaker held the third call back');
      assert.equal((await b.ask()).route, 'first', 'b had no failures of its own and no team to hear from');
      assert.equal(a.teamEvents.filter((e) => e.state === 'degraded').length, 1);
    } finally {
      await redis.restart();
    }
    await until('both connected again', () => [a, b].every((c) => c.teamEvents.at(-1)?.state === 'connected'), 8_000);
    // Shared again: b's failures open the route for a as well, pushed after the reconnect.
    first.script(FAIL, FAIL);
    await b.ask();
    await b.ask();
    await until('a hears b\'s breaker', () => a.team.view('first') === 'open');
  });

  it('through openChain: the chain skips a route the team opened and says when the team breakers are degraded and back', async () => {
    newNamespace();
    const other = await client({ breakerThreshold: 1 });
    const team = await RedisBreakers.open({ redisUrl: redis.url, namespace, timeoutMs: 200 }, { refreshMs: 60_000 });
    const { config } = parseChainConfig({ routes: routes(), policy: { retries: 0, breakerThreshold: 1 } });
    const services = await openChain(config, { stateDir: await tempDir(), adapterFor, keyFor: async () => 'test-key', backends: { teamBreakers: team } });
    const events: ChainEvent[] = [];
    services.chain.onEvent((e) => events.push(e));
    try {
      first.script(FAIL);
      await other.ask();
      await until('the chain hears the breaker open', () => events.some((e) => e.type === 'breaker' && e.route === 'first' && e.state === 'open'));
      const result = await services.chain.ask(REQUEST, { noCache: true });
      assert.equal(result.status === 'answered' && result.routeId, 'second');
      assert.equal(first.requests.length, 1);
      await redis.kill9();
      try {
        await until('degraded', () => events.some((e) => e.type === 'team-backend' && e.state === 'degraded'));
      } finally {
        await redis.restart();
      }
      await until('connected', () => events.some((e) => e.type === 'team-backend' && e.state === 'connected'), 8_000);
    } finally {
      await services.dispose();
      await team.close();
    }
  });

  it('four processes: one opens the breaker, the others skip it with no call; in half-open exactly one probe; then all send', async () => {
    newNamespace();
    const setup = JSON.stringify({ redisUrl: redis.url, namespace, routes: routes(), policy: { retries: 0, breakerThreshold: 1, halfOpenAfterMs: 600, timeoutMs: 2_000 } });
    const procs = await Promise.all([0, 1, 2, 3].map(() => childClient(setup)));
    try {
      first.script(FAIL, { delayMs: 400 });
      assert.equal((await procs[0]!.call('ask')).route, 'second');
      for (const p of procs.slice(1)) {
        await until2(async () => (await p.call('status')).routes[0].breaker === 'open');
        const answer = await p.call('ask');
        assert.equal(answer.route, 'second');
        assert.match(answer.attempts[0].message, /another client found this route failing/);
      }
      assert.equal(first.requests.length, 1, 'the other processes sent nothing to the open route');
      await sleep(700);
      const answers = await Promise.all(procs.map((p) => p.call('ask')));
      assert.equal(answers.filter((a) => a.route === 'first').length, 1);
      assert.equal(first.requests.length, 2, 'one probe');
      for (const p of procs) await until2(async () => (await p.call('status')).routes[0].breaker === 'closed');
      const again = await Promise.all(procs.map((p) => p.call('ask')));
      assert.deepEqual(again.map((a) => a.route), ['first', 'first', 'first', 'first']);
      assert.equal(first.requests.length, 6);
      const idle = await procs[3]!.call('status');
      assert.ok(idle.events.some((e: GatewayEvent) => e.type === 'breaker' && e.state === 'open'), 'a process that made no failing call heard the breaker open');
    } finally {
      await Promise.all(procs.map((p) => p.close()));
    }
  });
});

async function until2(test: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms`);
    await sleep(20);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reply = any;

/** A team client in a process of its own (test/support/teamBreakerClient.ts), spoken to in JSON lines. */
async function childClient(setup: string): Promise<{ call(cmd: string): Promise<Reply>; close(): Promise<void> }> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(__dirname, '..', 'support', 'teamBreakerClient.js'), setup]);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const waiting = new Map<number, (value: Reply) => void>();
  let next = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const reply = JSON.parse(line) as { id: number };
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  const call = (cmd: string) => new Promise<Reply>((resolve, reject) => {
    const id = next++;
    waiting.set(id, resolve);
    child.once('exit', (code) => reject(new Error(`client exited (${code}): ${stderr}`)));
    child.stdin.write(`${JSON.stringify({ id, cmd })}\n`);
  });
  await call('status');
  return {
    call,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.write(`${JSON.stringify({ id: -1, cmd: 'close' })}\n`);
      await Promise.race([exited, sleep(3_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
