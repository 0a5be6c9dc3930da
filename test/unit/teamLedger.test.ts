// The team money budget on a real Redis: the ledger scripts' rules, several processes against one
// budget, and Redis away at start or killed mid-run (the local ledger stands in, its charges are
// added to the team's once when Redis is back).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import type { BudgetConfig } from '../../src/gateway/guardrails/budgetConfig';
import type { BudgetEvent } from '../../src/gateway/guardrails/ledger';
import { LocalLedger } from '../../src/gateway/guardrails/local/ledger';
import { ledgerScripts, periodKeys, sharedKeys } from '../../src/gateway/guardrails/redis/ledgerScripts';
import { RedisLedger } from '../../src/gateway/guardrails/redis/redisLedger';
import type { SpendHold } from '../../src/gateway/guardrails/spendGuard';
import type { TeamEvent } from '../../src/gateway/guardrails/teamEvents';
import type { Route } from '../../src/gateway/routing/routes';
import { runCli } from './support/cliProcess';
import { startRedis, type RedisServer } from './support/redisServer';
import { tempDir } from './support/tempDir';

// $1 per million tokens both ways: a hold of 1000 input (x1.1) + 1000 output is 2100 micro-dollars; 1000 in + 500 out charges 1500.
const ROUTE: Route = { id: 'team-route', tier: 'hot', provider: 'openai', model: 'm', baseUrl: 'https://x.test', inputPricePerMTok: 1, outputPricePerMTok: 1 };
const USAGE = { inputTokens: 1000, outputTokens: 500 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

describe('team ledger on Redis', () => {
  let redis: RedisServer;
  let admin: Redis;
  let namespace = '';
  let opened: RedisLedger[] = [];

  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    // Redis is stopped on purpose below; this client reconnects by itself.
    admin.on('error', () => undefined);
  });
  after(async () => {
    admin.disconnect();
    await redis.stop();
  });
  afterEach(async () => {
    for (const l of opened) l.close();
    opened = [];
  });

  interface Client {
    ledger: RedisLedger;
    local: LocalLedger;
    events: Array<BudgetEvent | TeamEvent>;
  }

  async function client(budget: BudgetConfig, options: { now?: () => number; holdTtlMs?: number; timeoutMs?: number; refreshMs?: number } = {}): Promise<Client> {
    const local = await LocalLedger.open(await tempDir('cg-team-ledger-'), budget, options.now ? { now: options.now } : {});
    const events: Array<BudgetEvent | TeamEvent> = [];
    const ledger = await RedisLedger.open({ redisUrl: redis.url, namespace, timeoutMs: options.timeoutMs ?? 1_000 }, budget, local, (e) => events.push(e), {
      refreshMs: options.refreshMs ?? 200,
      ...(options.now ? { now: options.now } : {}),
      ...(options.holdTtlMs ? { holdTtlMs: options.holdTtlMs } : {}),
    });
    opened.push(ledger);
    return { ledger, local, events };
  }

  const spentInRedis = async (periodKey: string) => Number((await admin.get(periodKeys(namespace, periodKey).spent)) ?? 0);
  const heldInRedis = async (periodKey: string) => Number((await admin.get(periodKeys(namespace, periodKey).held)) ?? 0);

  it('refuses a hold when spent + held + the hold would pass the limit, for every client of the team', async () => {
    namespace = `t-${randomUUID()}`;
    const budget = { limitUsd: 0.005, period: 'month' as const, pauseAtPercent: 100 };
    const a = await client(budget);
    const b = await client(budget);
    const first = await a.ledger.reserve(ROUTE, 1000, 1000, 'q1');
    const second = await b.ledger.reserve(ROUTE, 1000, 1000, 'q2');
    assert.equal(typeof first, 'object');
    assert.equal(typeof second, 'object');
    const third = await a.ledger.reserve(ROUTE, 1000, 1000, 'q3');
    assert.match(String(third), /does not fit the team's monthly budget: \$0\.0000 spent and \$0\.0042 held of \$0\.01/);
    assert.equal(await heldInRedis(a.ledger.status().periodKey), 4200);
    (first as SpendHold).settle(USAGE, true);
    (second as SpendHold).settle(USAGE, true);
    await Promise.all([a.ledger.flushed(), b.ledger.flushed()]);
    assert.equal(await spentInRedis(a.ledger.status().periodKey), 3000);
    assert.equal(await heldInRedis(a.ledger.status().periodKey), 0);
    await until('the other client sees the charges', () => b.ledger.status().spentUsd === 0.003);
    await until('routes and entries refreshed', () => b.ledger.spentByRoute()[ROUTE.id] === 0.003 && b.ledger.entries().length === 2);
    assert.equal(b.ledger.backend, 'redis');
  });

  it('counts a charge once per charge id, however often it is sent', async () => {
    namespace = `t-${randomUUID()}`;
    const client = new Redis(redis.url);
    try {
      const scripts = ledgerScripts(client);
      const k = periodKeys(namespace, '2026-12');
      const s = sharedKeys(namespace);
      const send = () => scripts.settle(k.held, k.holds, k.expiries, k.spent, k.held, k.holds, k.expiries, k.routes, k.charges, k.chargeIds, s.state, s.seq,
        Date.now(), '', 'charge-1', 1234, 'r', '{}', 100, '2026-12', s.channel);
      const firstReply = await send();
      const again = await send();
      assert.equal(Number(firstReply[0]), 1);
      assert.equal(Number(again[0]), 0, 'the second send is recognised');
      assert.equal(Number(again[2]), 1234);
      assert.equal(await admin.get(k.spent), '1234');
      assert.equal(await admin.llen(k.charges), 1);
    } finally {
      client.disconnect();
    }
  });

  it('releases a hold whose client never settled once it expires', async () => {
    namespace = `t-${randomUUID()}`;
    let now = Date.parse('2026-12-04T10:00:00Z');
    const budget = { limitUsd: 0.003, period: 'month' as const, pauseAtPercent: 100 };
    const crashed = await client(budget, { now: () => now, holdTtlMs: 60_000 });
    assert.equal(typeof (await crashed.ledger.reserve(ROUTE, 1000, 1000, 'lost')), 'object');
    const other = await client(budget, { now: () => now, holdTtlMs: 60_000 });
    assert.match(String(await other.ledger.reserve(ROUTE, 1000, 1000, 'q')), /does not fit/);
    now += 60_001;
    const hold = await other.ledger.reserve(ROUTE, 1000, 1000, 'q');
    assert.equal(typeof hold, 'object', 'the expired hold no longer counts');
    assert.equal(await heldInRedis('2026-12'), 2100);
  });

  it('starts each period at zero: the period is part of the key', async () => {
    namespace = `t-${randomUUID()}`;
    let now = Date.parse('2026-12-04T23:59:59Z');
    const budget = { limitUsd: 0.002, period: 'day' as const, pauseAtPercent: 100 };
    const c = await client(budget, { now: () => now });
    const hold = await c.ledger.reserve(ROUTE, 500, 500, 'q1');
    (hold as SpendHold).settle({ inputTokens: 1000, outputTokens: 1000 }, true);
    await c.ledger.flushed();
    assert.equal(c.ledger.gate(), 'budget-exhausted');
    assert.equal(await spentInRedis('2026-12-04'), 2000);
    now += 2_000;
    assert.equal(c.ledger.status().periodKey, '2026-12-05');
    assert.equal(c.ledger.status().spentUsd, 0);
    assert.equal(c.ledger.gate(), undefined);
    const next = await c.ledger.reserve(ROUTE, 500, 500, 'q2');
    assert.equal(typeof next, 'object');
    assert.equal(await heldInRedis('2026-12-05'), 1050);
    assert.equal(await spentInRedis('2026-12-04'), 2000, 'the old period stays readable');
  });

  it('pauses at pauseAtPercent for the team, resume lifts it for the period, the hard stop at 100% stays, a manual pause holds everyone', async () => {
    namespace = `t-${randomUUID()}`;
    const budget = { limitUsd: 0.004, period: 'month' as const, pauseAtPercent: 50 };
    const a = await client(budget);
    const b = await client(budget);
    (await a.ledger.reserve(ROUTE, 500, 500, 'q1') as SpendHold).settle(USAGE, true);
    await a.ledger.flushed();
    assert.equal(a.ledger.gate(), undefined, '1500 of 4000 is under 50%');
    (await a.ledger.reserve(ROUTE, 500, 500, 'q2') as SpendHold).settle({ inputTokens: 500, outputTokens: 0 }, true);
    await a.ledger.flushed();
    assert.equal(a.ledger.gate(), 'budget-paused');
    await until('b sees the pause', () => b.ledger.gate() === 'budget-paused');
    assert.match(String(await b.ledger.reserve(ROUTE, 100, 100, 'q3')), /held by the team's budget \(budget-paused\)/);
    assert.ok(a.events.some((e) => e.type === 'budget-threshold' && e.percent === 50));
    await b.ledger.resume();
    assert.equal(b.ledger.gate(), undefined);
    await until('a sees the resume', () => a.ledger.gate() === undefined && a.ledger.status().resumed);
    (await a.ledger.reserve(ROUTE, 500, 1000, 'q4') as SpendHold).settle({ inputTokens: 1000, outputTokens: 1000 }, true);
    await a.ledger.flushed();
    assert.equal(a.ledger.status().spentUsd, 0.004);
    assert.equal(a.ledger.gate(), 'budget-exhausted');
    assert.match(String(await a.ledger.reserve(ROUTE, 1, 1, 'q5')), /budget-exhausted/);
    await a.ledger.resume();
    assert.equal(a.ledger.gate(), 'budget-exhausted', 'resume does not lift the hard stop');
    await a.ledger.pause();
    await until('b sees the manual pause', () => b.ledger.gate() === 'manual-pause');
    assert.ok(b.events.some((e) => e.type === 'budget-gate' && e.gate === 'manual-pause'));
  });

  it('ignores a pushed change of the wrong shape instead of reading it as nothing spent', async () => {
    namespace = `t-${randomUUID()}`;
    const budget = { limitUsd: 1, period: 'month' as const, pauseAtPercent: 100 };
    const c = await client(budget);
    (await c.ledger.reserve(ROUTE, 1000, 1000, 'q1') as SpendHold).settle(USAGE, true);
    await c.ledger.flushed();
    const spent = c.ledger.status().spentUsd;
    assert.ok(spent > 0);
    const periodKey = c.ledger.status().periodKey;
    await admin.publish(`${namespace}:budget`, JSON.stringify({ seq: 1e9, periodKey, spent: 'zero', held: -5, manual: '0', resumed: '' }));
    await admin.publish(`${namespace}:budget`, '{"seq":');
    await sleep(200);
    assert.equal(c.ledger.status().spentUsd, spent, 'the figures stay as Redis last said');
  });

  it('fails closed on an invalid budget', async () => {
    namespace = `t-${randomUUID()}`;
    const c = await client({ period: 'month', pauseAtPercent: 80, invalid: 'Budget: "limitUsd" is "ten".' });
    assert.equal(c.ledger.gate(), 'budget-invalid');
    assert.match(String(await c.ledger.reserve(ROUTE, 10, 10, 'q')), /budget setting is invalid/);
  });

  it('4 processes x 25 concurrent holds and settles never pass one team budget', async (t) => {
    namespace = `t-${randomUUID()}`;
    const limitUsd = 0.1;
    const setup = JSON.stringify({ redisUrl: redis.url, namespace, limitUsd, count: 25, route: ROUTE });
    const script = join(__dirname, '..', 'support', 'teamLedgerClient.js');
    const runs = await Promise.all(Array.from({ length: 4 }, () => new Promise<{ outcomes: Array<{ refused?: string; settledMicro?: number }>; peak: number; pending: number; teamEvents: string[] }>((resolve, reject) => {
      const child = spawn(process.execPath, [script, setup], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
      child.once('exit', (code) => {
        try {
          if (code !== 0) throw new Error(`client exited with ${code}: ${err}`);
          resolve(JSON.parse(out.trim().split('\n').pop()!));
        } catch (e) {
          reject(e);
        }
      });
    })));
    const outcomes = runs.flatMap((r) => r.outcomes);
    const settled = outcomes.filter((o) => o.settledMicro !== undefined);
    const refused = outcomes.filter((o) => o.refused !== undefined);
    const peak = Math.max(...runs.map((r) => r.peak));
    const limitMicro = limitUsd * 1e6;
    const sumSettled = settled.reduce((s, o) => s + o.settledMicro!, 0);
    const finalSpent = await spentInRedis(new Date().toISOString().slice(0, 7));
    const finalHeld = await heldInRedis(new Date().toISOString().slice(0, 7));
    const figures = `calls ${outcomes.length}, held and settled ${settled.length}, refused ${refused.length}, peak spent+held ${peak} of limit ${limitMicro} micro-USD (overshoot ${Math.max(0, peak - limitMicro)}), final spent ${finalSpent} = sum of settled ${sumSettled}, held left ${finalHeld}`;
    t.diagnostic(`team ledger 4x25: ${figures}`);
    assert.equal(outcomes.length, 100);
    assert.equal(settled.length + refused.length, 100);
    for (const r of refused) assert.match(r.refused!, /does not fit|held by the team's budget/);
    assert.ok(refused.length > 0, 'the budget was tight enough to refuse some');
    assert.ok(peak <= limitMicro, figures);
    assert.equal(finalSpent, sumSettled);
    assert.equal(finalHeld, 0);
    assert.deepEqual(runs.map((r) => r.pending), [0, 0, 0, 0], 'no charge left unconfirmed');
    assert.ok(runs.every((r) => !r.teamEvents.some((e) => e.startsWith('degraded'))), JSON.stringify(runs.map((r) => r.teamEvents)));
  });

  it('answers from the local ledger while Redis is down at start, and adds its charges to Redis once when it is up', async () => {
    namespace = `t-${randomUUID()}`;
    await redis.stop();
    const budget = { limitUsd: 1, period: 'month' as const, pauseAtPercent: 100 };
    let c: Client;
    try {
      c = await client(budget, { timeoutMs: 200, refreshMs: 200 });
      assert.deepEqual(c.events.filter((e) => e.type === 'team-backend').map((e) => (e as TeamEvent).state), ['degraded']);
      assert.equal(c.ledger.connected, false);
      for (let i = 0; i < 3; i++) (await c.ledger.reserve(ROUTE, 1000, 1000, `q${i}`) as SpendHold).settle(USAGE, true);
      assert.ok(Math.abs(c.local.status().spentUsd - 0.0045) < 1e-12, 'charged on this machine meanwhile');
      assert.ok(Math.abs(c.ledger.status().spentUsd - 0.0045) < 1e-12);
      assert.equal(c.ledger.pendingCharges, 3);
    } finally {
      await redis.restart();
    }
    await until('connected again', () => c.ledger.connected);
    const period = c.ledger.status().periodKey;
    assert.equal(await spentInRedis(period), 4500);
    assert.equal(c.ledger.pendingCharges, 0);
    const states = c.events.filter((e) => e.type === 'team-backend').map((e) => (e as TeamEvent).state);
    assert.deepEqual(states, ['degraded', 'connected']);
    await sleep(600);
    assert.equal(await spentInRedis(period), 4500, 'refreshes after the reconnect add nothing again');
    assert.equal(c.ledger.status().spentUsd, 0.0045);
  });

  it('loses and doubles nothing when Redis is killed mid-run and started again', async () => {
    namespace = `t-${randomUUID()}`;
    const budget = { limitUsd: 1, period: 'month' as const, pauseAtPercent: 100 };
    const c = await client(budget, { timeoutMs: 200, refreshMs: 200 });
    const period = c.ledger.status().periodKey;
    for (let i = 0; i < 2; i++) (await c.ledger.reserve(ROUTE, 1000, 1000, `before${i}`) as SpendHold).settle(USAGE, true);
    await c.ledger.flushed();
    const inFlight = await c.ledger.reserve(ROUTE, 1000, 1000, 'across');
    assert.equal(typeof inFlight, 'object');
    await redis.kill9();
    try {
      (inFlight as SpendHold).settle(USAGE, true);
      for (let i = 0; i < 3; i++) {
        const hold = await c.ledger.reserve(ROUTE, 1000, 1000, `during${i}`);
        assert.equal(typeof hold, 'object', 'still answered');
        (hold as SpendHold).settle(USAGE, true);
      }
      await c.ledger.flushed();
      assert.ok(c.events.some((e) => e.type === 'team-backend' && e.state === 'degraded'));
      assert.equal(c.ledger.connected, false);
    } finally {
      await redis.restart();
    }
    await until('connected again', () => c.ledger.connected);
    assert.equal(await spentInRedis(period), 6 * 1500, '2 before, 1 across, 3 during: each once');
    assert.equal(await heldInRedis(period), 0, 'the hold taken before the kill is released by its charge');
    await sleep(600);
    assert.equal(await spentInRedis(period), 9000);
    assert.equal(c.ledger.status().spentUsd, 0.009);
  });

  it('budget status, pause and resume on the command line act on the team ledger when the routes file has a team section', async () => {
    namespace = `t-${randomUUID()}`;
    const dir = await tempDir('cg-team-cli-');
    const routes = join(dir, 'routes.json');
    await writeFile(routes, JSON.stringify({
      routes: [{ id: 'team-route', tier: 'hot', provider: 'openai', model: 'm', baseUrl: 'https://x.test', inputPricePerMTok: 1, outputPricePerMTok: 1 }],
      budget: { limitUsd: 1, period: 'month', pauseAtPercent: 80 },
      team: { redisUrl: redis.url, namespace, timeoutMs: 1000 },
    }));
    const c = await client({ limitUsd: 1, period: 'month', pauseAtPercent: 80 });
    (await c.ledger.reserve(ROUTE, 1000, 1000, 'q') as SpendHold).settle(USAGE, true);
    await c.ledger.flushed();
    const args = ['--routes', routes, '--state-dir', join(dir, 'state')];
    const paused = await runCli(['budget', 'pause', ...args, '--json'], { ...process.env });
    assert.equal(paused.status, 0, paused.stderr);
    const shown = JSON.parse(paused.stdout) as { backend: string; gate: string; spentUsd: number };
    assert.equal(shown.backend, 'redis');
    assert.equal(shown.gate, 'manual-pause');
    assert.equal(shown.spentUsd, 0.0015, 'the team\'s spend, not this state folder\'s');
    await until('the other client sees the pause', () => c.ledger.gate() === 'manual-pause');
    const resumed = await runCli(['budget', 'resume', ...args], { ...process.env });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /\$0\.0015 spent of \$1\.00.*resumed this period.*requests may go \(team ledger: redis\)/);
    await until('the other client sees the resume', () => c.ledger.gate() === undefined);
    const status = await runCli(['budget', 'status', ...args], { ...process.env });
    assert.match(status.stdout, /team ledger: redis/);
  });
});
