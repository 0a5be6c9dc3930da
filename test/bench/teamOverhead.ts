// What the team backend adds to each request on loopback, against the local backend in the same
// run: the money budget's gate, hold and settle and the breaker check, with a real redis-server.
// `npm run bench:team` (or `node test/bench/run.mjs teamOverhead [requests]`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLedger } from '../../src/gateway/guardrails/local/ledger';
import { RedisBreakers } from '../../src/gateway/guardrails/redis/redisBreakers';
import { RedisLedger } from '../../src/gateway/guardrails/redis/redisLedger';
import type { SpendHold } from '../../src/gateway/guardrails/spendGuard';
import type { BreakerState } from '../../src/gateway/routing/routePolicy';
import type { Route } from '../../src/gateway/routing/routes';
import { startRedis } from '../unit/support/redisServer';

const ROUTE: Route = { id: 'r', tier: 'hot', provider: 'openai', model: 'm', baseUrl: 'https://x.test', inputPricePerMTok: 1, outputPricePerMTok: 2 };
const BUDGET = { limitUsd: 100_000, period: 'month' as const, pauseAtPercent: 100 };
const POLICY = { breakerThreshold: 5, halfOpenAfterMs: 30_000 };
const USAGE = { inputTokens: 1000, outputTokens: 500 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(n: number, one: (i: number) => Promise<void> | void): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(200, n); i++) await one(-i - 1);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await one(i);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function main(): Promise<void> {
  for (const appendfsync of ['always', 'everysec'] as const) {
    console.log(`\nredis-server with appendfsync ${appendfsync}`);
    await run(Number(process.argv[2] ?? 2000), appendfsync);
  }
}

async function run(n: number, appendfsync: 'always' | 'everysec'): Promise<void> {
  const redis = await startRedis({ appendfsync });
  const dirs = [mkdtempSync(join(tmpdir(), 'cg-bench-team-')), mkdtempSync(join(tmpdir(), 'cg-bench-local-'))];
  try {
    const team = { redisUrl: redis.url, namespace: `bench-${process.pid}`, timeoutMs: 500 };
    const teamLocal = await LocalLedger.open(dirs[0]!, BUDGET);
    const ledger = await RedisLedger.open(team, BUDGET, teamLocal, () => {});
    const breakers = await RedisBreakers.open(team);
    const local = await LocalLedger.open(dirs[1]!, BUDGET);
    const localBreakers = new Map<string, BreakerState>();
    if (!ledger.connected) throw new Error('the team ledger did not connect to the benchmark Redis');

    // What a request waits for: gate, breaker view and the hold; the settle and the breaker's
    // record are sent without waiting, as the router does.
    const teamCritical = await measure(n, async (i) => {
      ledger.gate();
      breakers.view(ROUTE.id);
      const hold = (await ledger.reserve(ROUTE, 1000, 1000, `t${i}`)) as SpendHold;
      hold.settle(USAGE, true);
      void breakers.record(ROUTE.id, 'success', POLICY);
    });
    await ledger.flushed();
    // Every round trip awaited one after the other: hold, settle, breaker record.
    const teamFull = await measure(n, async (i) => {
      ledger.gate();
      breakers.view(ROUTE.id);
      const hold = (await ledger.reserve(ROUTE, 1000, 1000, `f${i}`)) as SpendHold;
      hold.settle(USAGE, true);
      await ledger.flushed();
      await breakers.record(ROUTE.id, 'success', POLICY);
    });
    const localRun = await measure(n, (i) => {
      local.gate();
      void localBreakers.get(ROUTE.id);
      (local.reserve(ROUTE, 1000, 1000, `l${i}`) as SpendHold).settle(USAGE, true);
    });
    const ms = (v: number) => `${v.toFixed(3)} ms`;
    console.log(`requests per run: ${n} (after 200 warm-up), loopback redis-server ${redis.url.replace(/.*:/, 'port ')}`);
    console.log(`local (LocalLedger gate + hold + settle, local breaker check):   p50 ${ms(localRun.p50)}  p99 ${ms(localRun.p99)}`);
    console.log(`team, request path (gate + breaker view + awaited hold; settle and record sent): p50 ${ms(teamCritical.p50)}  p99 ${ms(teamCritical.p99)}`);
    console.log(`team, every round trip awaited (hold + settle + breaker record): p50 ${ms(teamFull.p50)}  p99 ${ms(teamFull.p99)}`);
    console.log(`difference, request path: p50 ${ms(teamCritical.p50 - localRun.p50)}  p99 ${ms(teamCritical.p99 - localRun.p99)}`);
    console.log(`difference, all awaited:  p50 ${ms(teamFull.p50 - localRun.p50)}  p99 ${ms(teamFull.p99 - localRun.p99)}`);
    ledger.close();
    await breakers.close();
    local.close();
    teamLocal.close();
  } finally {
    await redis.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
